#include "eddy/function/function_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace eddy::function {
namespace {

// The runtimes eddy starts, by family.
constexpr std::array<std::string_view, 3> kProvidedRuntimes = {"provided", "provided.al2",
                                                                 "provided.al2023"};
constexpr std::array<std::string_view, 5> kPythonRuntimes = {"python3.9", "python3.10",
                                                              "python3.11", "python3.12",
                                                              "python3.13"};
constexpr std::array<std::string_view, 3> kNodeRuntimes = {"nodejs18.x", "nodejs20.x",
                                                            "nodejs22.x"};
constexpr std::array<std::string_view, 2> kJavaRuntimes = {"java17", "java21"};

// Every other value of the Runtime enum in Lambda's API model (the AWS SDKs' generated enum,
// which follows botocore's lambda/2015-03-31 model), deprecated ones included: CreateFunction
// refuses a name outside the enum, so Define does too; these are valid but not run by eddy.
constexpr std::array<std::string_view, 32> kOtherLambdaRuntimes = {
    "nodejs",        "nodejs4.3",     "nodejs4.3-edge", "nodejs6.10",  "nodejs8.10",
    "nodejs10.x",    "nodejs12.x",    "nodejs14.x",     "nodejs16.x",  "nodejs24.x",
    "java8",         "java8.al2",     "java11",         "java25",      "python2.7",
    "python3.6",     "python3.7",     "python3.8",      "python3.14",  "dotnetcore1.0",
    "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",  "dotnet6",     "dotnet8",
    "dotnet10",      "go1.x",         "ruby2.5",        "ruby2.7",     "ruby3.2",
    "ruby3.3",       "ruby3.4"};

// The reserved keys of the Lambda developer guide ("Defined runtime environment variables").
constexpr std::array<std::string_view, 18> kReservedVariables = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool IsNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

// Lambda's (and every AWS JSON service's) validation message for one failed constraint.
Status ValidationError(std::string_view value, std::string_view field, std::string_view rule) {
  return Status::InvalidArgument(fmt::format(
      "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: {}", value,
      field, rule));
}

bool IsVariableName(std::string_view key) {
  if (key.size() < 2 || std::isalpha(static_cast<unsigned char>(key[0])) == 0) return false;
  return std::all_of(key.begin() + 1, key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

// Lambda measures the variables as the JSON object it stores ({"KEY":"value",...}).
size_t EnvironmentSize(const std::map<std::string, std::string>& variables) {
  size_t size = 2;  // {}
  for (const auto& [key, value] : variables) {
    size += key.size() + value.size() + 6;  // "":"" and a comma
  }
  return size;
}

Status ValidateEnvironment(const std::map<std::string, std::string>& variables) {
  for (const auto& [key, value] : variables) {
    if (!IsVariableName(key)) {
      return Status::InvalidArgument(
          "1 validation error detected: Value at 'environment.variables' failed to satisfy "
          "constraint: Map keys must satisfy constraint: [Member must satisfy regular expression "
          "pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
    }
  }
  std::vector<std::string> reserved;
  for (const auto& [key, value] : variables) {
    if (IsReservedEnvironmentVariable(key)) reserved.push_back(key);
  }
  if (!reserved.empty()) {
    return Status::InvalidArgument(fmt::format(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported "
        "for modification. Reserved keys used in this request: {}",
        fmt::join(reserved, ", ")));
  }
  if (EnvironmentSize(variables) > kMaxEnvironmentBytes) {
    return Status::InvalidArgument(
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit.");
  }
  return Status::Ok();
}

}  // namespace

RuntimeFamily RuntimeFamilyOf(std::string_view runtime) {
  if (Contains(kProvidedRuntimes, runtime)) return RuntimeFamily::kProvided;
  if (Contains(kPythonRuntimes, runtime)) return RuntimeFamily::kPython;
  if (Contains(kNodeRuntimes, runtime)) return RuntimeFamily::kNode;
  if (Contains(kJavaRuntimes, runtime)) return RuntimeFamily::kJava;
  if (Contains(kOtherLambdaRuntimes, runtime)) return RuntimeFamily::kUnsupported;
  return RuntimeFamily::kUnknown;
}

std::string_view SupportedRuntimesText() {
  return "provided, provided.al2, provided.al2023, python3.9, python3.10, python3.11, "
         "python3.12, python3.13, nodejs18.x, nodejs20.x, nodejs22.x, java17, java21";
}

bool IsReservedEnvironmentVariable(std::string_view name) {
  return Contains(kReservedVariables, name);
}

Status ValidateFunctionConfig(const FunctionConfig& config) {
  if (config.name.empty() || config.name.size() > kMaxFunctionNameLength) {
    return ValidationError(config.name, "functionName",
                           fmt::format("Member must have length {} {}",
                                       config.name.empty() ? "greater than or equal to"
                                                           : "less than or equal to",
                                       config.name.empty() ? 1 : kMaxFunctionNameLength));
  }
  if (!std::all_of(config.name.begin(), config.name.end(), IsNameCharacter)) {
    return ValidationError(config.name, "functionName",
                           "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+");
  }
  if (config.code.empty()) {
    return Status::InvalidArgument(
        "Please provide a source for function code: a folder or a .zip file");
  }
  const RuntimeFamily family = RuntimeFamilyOf(config.runtime);
  if (config.runtime.empty()) {
    return Status::InvalidArgument("Runtime is required for .zip file deployment packages.");
  }
  if (family == RuntimeFamily::kUnknown) {
    return ValidationError(config.runtime, "runtime",
                           fmt::format("Member must satisfy enum value set: [{}, {}]",
                                       SupportedRuntimesText(),
                                       fmt::join(kOtherLambdaRuntimes, ", ")));
  }
  if (family != RuntimeFamily::kProvided && config.handler.empty()) {
    return Status::InvalidArgument("Handler is required for .zip file deployment packages.");
  }
  if (config.handler.size() > kMaxHandlerLength) {
    return ValidationError(config.handler, "handler",
                           "Member must have length less than or equal to 128");
  }
  if (std::any_of(config.handler.begin(), config.handler.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
    return ValidationError(config.handler, "handler",
                           "Member must satisfy regular expression pattern: [^\\s]+");
  }
  if (config.timeout_seconds < kMinTimeoutSeconds) {
    return ValidationError(std::to_string(config.timeout_seconds), "timeout",
                           "Member must have value greater than or equal to 1");
  }
  if (config.timeout_seconds > kMaxTimeoutSeconds) {
    return ValidationError(std::to_string(config.timeout_seconds), "timeout",
                           "Member must have value less than or equal to 900");
  }
  if (config.memory_size_mb < kMinMemorySizeMb) {
    return ValidationError(std::to_string(config.memory_size_mb), "memorySize",
                           "Member must have value greater than or equal to 128");
  }
  if (config.memory_size_mb > kMaxMemorySizeMb) {
    return ValidationError(std::to_string(config.memory_size_mb), "memorySize",
                           "Member must have value less than or equal to 10240");
  }
  if (config.max_concurrency < 0) {
    return ValidationError(std::to_string(config.max_concurrency), "maxConcurrency",
                           "Member must have value greater than or equal to 0");
  }
  return ValidateEnvironment(config.environment);
}

}  // namespace eddy::function
