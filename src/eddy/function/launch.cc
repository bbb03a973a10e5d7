#include "eddy/function/launch.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <system_error>

namespace eddy::function {
namespace {

constexpr std::string_view kJavaMainClass =
    "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

std::string Inherited(const char* name, std::string fallback = {}) {
  const char* value = ::getenv(name);
  return value != nullptr ? std::string(value) : std::move(fallback);
}

Status CannotStart(const Definition& definition, std::string_view why) {
  return Status::FailedPrecondition(
      fmt::format("function {} ({}) cannot start: {}", definition.config.name,
                  definition.config.runtime, why));
}

// The aws-lambda-ric script to give to node: the function's own (npm install aws-lambda-ric
// in its folder), else one installed globally (on PATH). npx is not used: it would download
// the package when it is missing, at invoke time.
std::optional<std::string> FindNodeRic(const std::string& task_root) {
  std::error_code ec;
  for (const std::optional<std::string>& candidate :
       {std::optional<std::string>(task_root + "/node_modules/.bin/aws-lambda-ric"),
        FindProgram("aws-lambda-ric")}) {
    if (!candidate || !std::filesystem::exists(*candidate, ec)) continue;
    // .bin/aws-lambda-ric is a link to the package's script, run by node (its #! line would
    // pick whichever node comes first on PATH, not options.node).
    const std::filesystem::path script = std::filesystem::canonical(*candidate, ec);
    if (!ec) return script.string();
  }
  return std::nullopt;
}

Result<std::vector<std::string>> CommandLine(const Definition& definition,
                                             const FunctionHostOptions& options) {
  const FunctionConfig& config = definition.config;
  const std::string& root = definition.task_root;
  auto interpreter = [&](const std::string& program,
                         std::string_view what) -> Result<std::string> {
    if (program.empty() || !FindProgram(program)) {
      return CannotStart(definition,
                         fmt::format("{} '{}' cannot be found (not an executable file, nor on "
                                     "eddy's PATH)",
                                     what, program));
    }
    return program;
  };
  switch (RuntimeFamilyOf(config.runtime)) {
    case RuntimeFamily::kProvided: {
      // Lambda runs <task root>/bootstrap (then /opt/bootstrap, for layers, which eddy has not).
      const std::string bootstrap = root + "/bootstrap";
      struct stat st;
      if (::stat(bootstrap.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return CannotStart(definition,
                           fmt::format("no file named bootstrap in {} (a custom runtime runs "
                                       "the executable file bootstrap at the root of the code)",
                                       root));
      }
      if (::access(bootstrap.c_str(), X_OK) != 0) {
        return CannotStart(definition,
                           fmt::format("{} is not executable (chmod +x it, or keep its mode "
                                       "in the .zip)",
                                       bootstrap));
      }
      return std::vector<std::string>{bootstrap};
    }
    case RuntimeFamily::kPython: {
      EDDY_ASSIGN_OR_RETURN(std::string python,
                            interpreter(options.python, "the Python interpreter"));
      return std::vector<std::string>{python, "-m", "awslambdaric", config.handler};
    }
    case RuntimeFamily::kNode: {
      EDDY_ASSIGN_OR_RETURN(std::string node,
                            interpreter(options.node, "the Node.js interpreter"));
      const std::optional<std::string> ric = FindNodeRic(root);
      if (!ric) {
        return CannotStart(definition,
                           "the runtime interface client aws-lambda-ric is not installed (npm "
                           "install aws-lambda-ric in the function's folder, or globally)");
      }
      return std::vector<std::string>{node, *ric, config.handler};
    }
    case RuntimeFamily::kJava: {
      EDDY_ASSIGN_OR_RETURN(std::string java, interpreter(options.java, "the Java launcher"));
      return std::vector<std::string>{
          java, "-cp", fmt::format("{0}/*:{0}/lib/*:{0}", root), std::string(kJavaMainClass),
          config.handler};
    }
    case RuntimeFamily::kUnsupported:
    case RuntimeFamily::kUnknown:
      break;
  }
  return CannotStart(definition, fmt::format("eddy does not run the runtime {} (it runs {})",
                                             config.runtime, SupportedRuntimesText()));
}

}  // namespace

std::optional<std::string> FindProgram(std::string_view program) {
  if (program.empty()) return std::nullopt;
  const std::string name(program);
  if (name.find('/') != std::string::npos) {
    if (IsExecutableFile(name)) return name;
    return std::nullopt;
  }
  std::string_view path = ::getenv("PATH") != nullptr ? ::getenv("PATH") : "/bin:/usr/bin";
  while (true) {
    const size_t colon = path.find(':');
    const std::string_view entry = path.substr(0, colon);
    const std::string candidate = entry.empty() ? name : std::string(entry) + "/" + name;
    if (IsExecutableFile(candidate)) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    path.remove_prefix(colon + 1);
  }
}

Result<LaunchSpec> PrepareLaunch(const Definition& definition, const FunctionHostOptions& options,
                                 std::string_view log_stream_name) {
  const FunctionConfig& config = definition.config;
  const std::string& root = definition.task_root;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return CannotStart(definition, fmt::format("its code folder {} does not exist", root));
  }
  LaunchSpec spec;
  EDDY_ASSIGN_OR_RETURN(spec.argv, CommandLine(definition, options));
  spec.working_directory = root;

  const RuntimeFamily family = RuntimeFamilyOf(config.runtime);
  // Defaults a user may override (reference §2: unreserved).
  std::map<std::string, std::string> variables = {
      {"PATH", Inherited("PATH", "/usr/local/bin:/usr/bin:/bin")},
      {"LANG", "en_US.UTF-8"},
      {"TZ", "UTC"},
      {"LD_LIBRARY_PATH", root + ":" + root + "/lib"},
  };
  if (const std::string home = Inherited("HOME"); !home.empty()) variables["HOME"] = home;
  if (const std::string tmp = Inherited("TMPDIR"); !tmp.empty()) variables["TMPDIR"] = tmp;
  if (const std::string libs = Inherited("LD_LIBRARY_PATH"); !libs.empty()) {
    variables["LD_LIBRARY_PATH"] += ":" + libs;  // an interpreter built against its own libraries
  }
  if (family == RuntimeFamily::kPython) variables["PYTHONPATH"] = root;
  if (family == RuntimeFamily::kNode) variables["NODE_PATH"] = root + "/node_modules:" + root;
  if (!options.endpoint_url.empty()) variables["AWS_ENDPOINT_URL"] = options.endpoint_url;
  for (const auto& [key, value] : config.environment) variables[key] = value;

  // Reserved: set by eddy only (ValidateFunctionConfig refuses them as user variables).
  variables["_HANDLER"] = config.handler;
  variables["AWS_REGION"] = options.region;
  variables["AWS_DEFAULT_REGION"] = options.region;
  if (family != RuntimeFamily::kProvided) {
    variables["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + config.runtime;
  }
  variables["AWS_LAMBDA_FUNCTION_NAME"] = config.name;
  variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(config.memory_size_mb);
  variables["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
  variables["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
  variables["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + config.name;
  variables["AWS_LAMBDA_LOG_STREAM_NAME"] = std::string(log_stream_name);
  variables["AWS_ACCESS_KEY_ID"] = options.access_key_id;
  variables["AWS_SECRET_ACCESS_KEY"] = options.secret_access_key;
  if (!options.session_token.empty()) variables["AWS_SESSION_TOKEN"] = options.session_token;
  variables["LAMBDA_TASK_ROOT"] = root;
  // Lambda's value; nothing is there on eddy's machine, and the runtime interface clients do
  // not need it (they are found through the command line).
  variables["LAMBDA_RUNTIME_DIR"] = "/var/runtime";

  spec.environment.reserve(variables.size() + 1);
  for (const auto& [key, value] : variables) spec.environment.push_back(key + "=" + value);
  return spec;
}

std::optional<std::string> DiagnoseEarlyExit(const Definition& definition,
                                             const FunctionHostOptions& options,
                                             const std::vector<std::string>& output) {
  const RuntimeFamily family = RuntimeFamilyOf(definition.config.runtime);
  for (const std::string& line : output) {
    if (family == RuntimeFamily::kPython &&
        line.find("No module named awslambdaric") != std::string::npos) {
      return fmt::format(
          "function {} ({}) cannot start: the runtime interface client awslambdaric is not "
          "installed for {} (pip install awslambdaric, or ship it in the function's code): {}",
          definition.config.name, definition.config.runtime, options.python, line);
    }
    if (family == RuntimeFamily::kJava && line.find(kJavaMainClass) != std::string::npos &&
        (line.find("Could not find or load main class") != std::string::npos ||
         line.find("ClassNotFoundException") != std::string::npos)) {
      return fmt::format(
          "function {} ({}) cannot start: the runtime interface client "
          "(com.amazonaws:aws-lambda-java-runtime-interface-client) is not in its code or lib/ "
          "folder: {}",
          definition.config.name, definition.config.runtime, line);
    }
  }
  return std::nullopt;
}

}  // namespace eddy::function
