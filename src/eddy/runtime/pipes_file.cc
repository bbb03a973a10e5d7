#include "eddy/runtime/pipes_file.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace eddy::runtime {
namespace {

using simdjson::dom::element;

Status Expect(bool ok, std::string_view field, std::string_view what) {
  return ok ? Status::Ok() : Status::InvalidArgument(fmt::format("{} must be {}", field, what));
}

Status ReadFunction(element value, const std::string& base_dir, function::FunctionConfig* f) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("a function must be a JSON object");
  }
  for (auto [key, v] : object) {
    std::string_view s;
    int64_t n = 0;
    Status st;
    if (key == "FunctionName" || key == "Runtime" || key == "Handler" || key == "Code") {
      st = Expect(v.get_string().get(s) == simdjson::SUCCESS, key, "a string");
      if (!st.ok()) return st;
      if (key == "FunctionName") f->name = s;
      if (key == "Runtime") f->runtime = s;
      if (key == "Handler") f->handler = s;
      if (key == "Code") {
        std::filesystem::path path(s);
        f->code = path.is_absolute() || base_dir.empty()
                      ? std::string(s)
                      : (std::filesystem::path(base_dir) / path).lexically_normal().string();
      }
    } else if (key == "Timeout" || key == "MemorySize" || key == "ReservedConcurrentExecutions") {
      st = Expect(v.get_int64().get(n) == simdjson::SUCCESS && n >= INT32_MIN && n <= INT32_MAX,
                  key, "an integer");
      if (!st.ok()) return st;
      if (key == "Timeout") f->timeout_seconds = static_cast<int>(n);
      if (key == "MemorySize") f->memory_size_mb = static_cast<int>(n);
      if (key == "ReservedConcurrentExecutions") {
        if (n < 1) return Status::InvalidArgument("ReservedConcurrentExecutions must be at least 1");
        f->max_concurrency = static_cast<int>(n);
      }
    } else if (key == "Environment") {
      simdjson::dom::object variables;
      st = Expect(v["Variables"].get_object().get(variables) == simdjson::SUCCESS, key,
                  "{\"Variables\":{\"NAME\":\"value\"}}");
      if (!st.ok()) return st;
      for (auto [name, text] : variables) {
        st = Expect(text.get_string().get(s) == simdjson::SUCCESS,
                    fmt::format("Environment.Variables.{}", name), "a string");
        if (!st.ok()) return st;
        f->environment[std::string(name)] = std::string(s);
      }
    } else if (key == "Description" || key == "Role") {
      // Accepted for copy-paste from CreateFunction; nothing to do with them here.
    } else {
      return Status::InvalidArgument(fmt::format("Unknown function field '{}'", key));
    }
  }
  if (f->code.empty()) return Status::InvalidArgument("Code (a folder or a .zip) is required");
  return function::ValidateFunctionConfig(*f);
}

}  // namespace

Result<PipesFile> ParsePipesFile(std::string_view json, const std::string& base_dir) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(json.data(), json.size()).get_object().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument(
        "a pipes file is a JSON object {\"Functions\":[...],\"Pipes\":[...]}");
  }
  PipesFile file;
  for (auto [key, value] : root) {
    simdjson::dom::array list;
    if ((key != "Functions" && key != "Pipes") ||
        value.get_array().get(list) != simdjson::SUCCESS) {
      return Status::InvalidArgument(fmt::format(
          "unexpected '{}': a pipes file holds \"Functions\" and \"Pipes\", both lists", key));
    }
    size_t index = 0;
    for (element entry : list) {
      if (key == "Functions") {
        function::FunctionConfig f;
        if (Status s = ReadFunction(entry, base_dir, &f); !s.ok()) {
          return s.WithContext(fmt::format("Functions[{}]{}", index,
                                           f.name.empty() ? "" : " (" + f.name + ")"));
        }
        file.functions.push_back(std::move(f));
      } else {
        auto pipe = pipe::ParsePipeConfig(simdjson::minify(entry));
        if (!pipe.ok()) return pipe.status().WithContext(fmt::format("Pipes[{}]", index));
        file.pipes.push_back(std::move(*pipe));
      }
      ++index;
    }
  }
  std::set<std::string> functions, pipes;
  for (const auto& f : file.functions) {
    if (!functions.insert(f.name).second) {
      return Status::InvalidArgument(fmt::format("function {} is defined twice", f.name));
    }
  }
  for (const auto& p : file.pipes) {
    if (!pipes.insert(p.name).second) {
      return Status::InvalidArgument(fmt::format("pipe {} is defined twice", p.name));
    }
    if (p.target_type == pipe::TargetType::kFunction && !functions.count(p.function_name)) {
      return Status::InvalidArgument(fmt::format(
          "pipe {}: FunctionName {} is not one of the file's Functions", p.name, p.function_name));
    }
  }
  return file;
}

Result<PipesFile> LoadPipesFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(fmt::format("{}: cannot be read", path));
  std::stringstream text;
  text << in.rdbuf();
  const std::string base = std::filesystem::absolute(path).parent_path().string();
  auto file = ParsePipesFile(text.str(), base);
  if (!file.ok()) return file.status().WithContext(path);
  return file;
}

}  // namespace eddy::runtime
