#include "eddy/function/code_package.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include "eddy/process/child_process.h"

namespace eddy::function {
namespace {

using namespace std::chrono_literals;

// How long an unpacking may take (a 250 MB function unpacks in seconds).
constexpr auto kUnpackTimeout = std::chrono::minutes(5);

// Python's zipfile does not restore permissions; this does, and refuses entries outside the
// folder (Info-ZIP's unzip does both by itself).
constexpr const char* kPythonUnzip = R"(import os, sys, zipfile
source, folder = sys.argv[1], os.path.realpath(sys.argv[2])
with zipfile.ZipFile(source) as archive:
    for entry in archive.infolist():
        target = os.path.realpath(os.path.join(folder, entry.filename))
        if target != folder and not target.startswith(folder + os.sep):
            sys.exit('refusing ' + entry.filename + ': outside the folder')
        archive.extract(entry, folder)
        mode = (entry.external_attr >> 16) & 0o7777
        if mode and not entry.is_dir():
            os.chmod(target, mode)
)";

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

// Runs `argv` to its end. NotFound when the program cannot be found; otherwise its exit status
// and what it wrote to stderr and stdout.
struct RunResult {
  process::ExitStatus status;
  std::vector<std::string> output;
};
Result<RunResult> Run(std::vector<std::string> argv) {
  auto output = std::make_shared<std::vector<std::string>>();
  auto mu = std::make_shared<std::mutex>();
  process::ChildProcessOptions options;
  options.argv = std::move(argv);
  auto keep = [output, mu](std::string_view line) {
    std::lock_guard lock(*mu);
    if (output->size() < 20) output->emplace_back(line.substr(0, 500));
  };
  options.on_stderr_line = keep;
  options.on_stdout_line = keep;
  EDDY_ASSIGN_OR_RETURN(std::unique_ptr<process::ChildProcess> child,
                        process::ChildProcess::Start(std::move(options)));
  RunResult result;
  result.status = child->Stop(kUnpackTimeout, 1s);
  std::lock_guard lock(*mu);
  result.output = *output;
  return result;
}

Status UnzipError(const std::string& zip_path, const std::string& detail) {
  return Status::InvalidArgument(
      "Could not unzip uploaded file. Please check your file, then try to upload again. (" +
      zip_path + ": " + detail + ")");
}

}  // namespace

UnpackedCode::~UnpackedCode() {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

Result<std::shared_ptr<const UnpackedCode>> UnpackZip(const std::string& zip_path,
                                                      const std::string& folder,
                                                      const std::string& unzip,
                                                      const std::string& python) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(zip_path, ec)) {
    return UnzipError(zip_path, "no such file");
  }
  std::filesystem::remove_all(folder, ec);
  if (!std::filesystem::create_directories(folder, ec) || ec) {
    return Status::IoError("cannot make " + folder + ": " + ec.message());
  }
  // From here on the folder goes away with `unpacked` if unpacking fails.
  auto unpacked = std::make_shared<const UnpackedCode>(folder);

  // unzip: -q quiet, -o overwrite without asking, -d the folder. Exit status 1 means warnings
  // only (such as "../" components it stripped), the files are there.
  Result<RunResult> run = Run({unzip.empty() ? "unzip" : unzip, "-q", "-o", zip_path, "-d",
                               folder});
  bool used_python = false;
  if (!run.ok() && run.status().IsNotFound()) {
    used_python = true;
    spdlog::debug("function: {} not found; unpacking {} with {}'s zipfile", unzip, zip_path,
                  python);
    run = Run({python, "-c", kPythonUnzip, zip_path, folder});
  }
  if (!run.ok()) return UnzipError(zip_path, run.status().ToString());
  const process::ExitStatus& status = run->status;
  // Python's zipfile fails with exit status 1 (an exception, or the refusal above).
  if (!status.exited || status.code > (used_python ? 0 : 1)) {
    return UnzipError(zip_path, status.ToString() + (run->output.empty() ? "" : ": ") +
                                    Lines(run->output));
  }
  if (status.code == 1) {
    spdlog::warn("function: unzip warned about {}: {}", zip_path, Lines(run->output));
  }
  return unpacked;
}

}  // namespace eddy::function
