#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "eddy/base/status.h"

namespace eddy::function {

// A function as Lambda's CreateFunction describes one (botocore's lambda model, 2015-03-31),
// reduced to what running it needs. Field limits are Lambda's.
struct FunctionConfig {
  std::string name;     // REQUIRED: [a-zA-Z0-9-_]{1,64}
  // REQUIRED: a folder holding the code, or a .zip file (unpacked once, by Define, into a folder
  // the host owns). A relative path is taken from eddy's working directory.
  std::string code;
  // REQUIRED, one of Lambda's runtime names. Run by eddy:
  //   "provided", "provided.al2", "provided.al2023": the executable `bootstrap` in the code;
  //   "python3.9".."python3.13": <python> -m awslambdaric <handler>;
  //   "nodejs18.x".."nodejs22.x": aws-lambda-ric <handler> (from the code's node_modules, or
  //     installed globally), run by <node>;
  //   "java17", "java21": <java> -cp "<code>/*:<code>/lib/*:<code>"
  //     com.amazonaws.services.lambda.runtime.api.client.AWSLambda <handler>.
  // Other names Lambda knows (ruby3.3, dotnet8, ...) are accepted by Define and refused by
  // Invoke (FailedPrecondition); names Lambda does not know are refused by Define.
  std::string runtime;
  // REQUIRED except for provided*: "app.handler", "pkg.Class::method"; at most 128 characters,
  // no white space.
  std::string handler;
  int timeout_seconds = 3;     // 1..900
  int memory_size_mb = 128;    // 128..10240: told to the function, not enforced
  // The user's variables: keys [a-zA-Z][a-zA-Z0-9_]+, not one of Lambda's reserved names
  // (IsReservedEnvironmentVariable), all keys and values at most 4 KB together.
  std::map<std::string, std::string> environment;
  // Environments (processes) of this function at once; 0: the host's default.
  int max_concurrency = 0;
};

// Checks `config` as Lambda's CreateFunction does: InvalidArgument with Lambda's style of
// message ("1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint:
// ..."), naming the first problem found. Checks the shape only: whether the code folder exists
// and the runtime can start is found out when the function is invoked.
Status ValidateFunctionConfig(const FunctionConfig& config);

// How eddy starts a runtime.
enum class RuntimeFamily {
  kProvided,     // an executable `bootstrap` in the code
  kPython,       // awslambdaric
  kNode,         // aws-lambda-ric
  kJava,         // aws-lambda-java-runtime-interface-client
  kUnsupported,  // a runtime Lambda knows that eddy does not run
  kUnknown,      // not one of Lambda's runtime names
};
RuntimeFamily RuntimeFamilyOf(std::string_view runtime);

// The runtimes eddy runs, for messages: "provided, provided.al2, ..., java21".
std::string_view SupportedRuntimesText();

// Whether Lambda refuses `name` as a user variable (its list of reserved keys, as the Lambda
// developer guide gives it: _HANDLER, AWS_REGION, AWS_LAMBDA_RUNTIME_API, LAMBDA_TASK_ROOT...).
bool IsReservedEnvironmentVariable(std::string_view name);

// Lambda's limits.
inline constexpr size_t kMaxFunctionNameLength = 64;
inline constexpr size_t kMaxHandlerLength = 128;
inline constexpr int kMinTimeoutSeconds = 1;
inline constexpr int kMaxTimeoutSeconds = 900;
inline constexpr int kMinMemorySizeMb = 128;
inline constexpr int kMaxMemorySizeMb = 10240;
inline constexpr size_t kMaxEnvironmentBytes = 4 * 1024;
// A synchronous invoke's payload (6 MB), and the largest response a runtime may post: the
// Runtime Interface Emulator allows 6 MiB + 100 bytes.
inline constexpr size_t kMaxRequestPayloadBytes = 6 * 1024 * 1024;
inline constexpr size_t kMaxResponsePayloadBytes = 6 * 1024 * 1024 + 100;

}  // namespace eddy::function
