#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/function/definition.h"
#include "eddy/function/function_host.h"

namespace eddy::function {

// How to start one environment's process.
struct LaunchSpec {
  std::vector<std::string> argv;
  // "NAME=value" each: Lambda's variables (reference §2), then the user's. Without
  // AWS_LAMBDA_RUNTIME_API, which the environment adds once its server has a port.
  std::vector<std::string> environment;
  std::string working_directory;  // the task root
};

// The command line and environment of `definition`'s runtime, after checking that it can start
// at all: FailedPrecondition naming what is wrong (runtime not run by eddy, code folder
// missing, no bootstrap or one that is not executable, interpreter or runtime interface client
// not installed).
//
// The process gets PATH and HOME from eddy (PATH defaulting to /usr/local/bin:/usr/bin:/bin),
// TMPDIR if eddy has one, and nothing else of eddy's environment: no credentials, no locale
// (LANG=en_US.UTF-8 as on Lambda), no eddy settings. User variables come last and override
// every default that is not reserved (TZ, LANG, PATH, PYTHONPATH, ...).
Result<LaunchSpec> PrepareLaunch(const Definition& definition, const FunctionHostOptions& options,
                                 std::string_view log_stream_name);

// Given what a process wrote before it exited without ever asking for an event (and without
// posting /init/error), the FailedPrecondition message when that says the runtime interface
// client itself is missing (python: "No module named awslambdaric"; java: the RIC's main class
// not found), so the caller learns the function cannot start at all instead of getting a
// Runtime.ExitError. nullopt otherwise.
std::optional<std::string> DiagnoseEarlyExit(const Definition& definition,
                                             const FunctionHostOptions& options,
                                             const std::vector<std::string>& output);

// Where `program` would be run from: itself when it holds a '/' and is an executable file,
// else the first executable file of that name in eddy's PATH. nullopt when none.
std::optional<std::string> FindProgram(std::string_view program);

}  // namespace eddy::function
