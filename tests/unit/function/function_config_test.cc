#include "eddy/function/function_config.h"

#include <gtest/gtest.h>

#include <string>

namespace eddy::function {
namespace {

FunctionConfig Valid() {
  FunctionConfig config;
  config.name = "my-function_1";
  config.code = "/tmp/code";
  config.runtime = "python3.12";
  config.handler = "app.handler";
  return config;
}

std::string ErrorOf(const FunctionConfig& config) {
  Status status = ValidateFunctionConfig(config);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.ToString();
  return status.message();
}

TEST(FunctionConfigTest, AcceptsLambdasDefaultsAndLimits) {
  EXPECT_TRUE(ValidateFunctionConfig(Valid()).ok());
  FunctionConfig config = Valid();
  config.name = std::string(64, 'a');
  config.timeout_seconds = 900;
  config.memory_size_mb = 10240;
  config.environment = {{"TZ", "Asia/Tokyo"}, {"MY_VAR_2", "x"}};
  EXPECT_TRUE(ValidateFunctionConfig(config).ok());
  config.timeout_seconds = 1;
  config.memory_size_mb = 128;
  EXPECT_TRUE(ValidateFunctionConfig(config).ok());
}

TEST(FunctionConfigTest, RefusesBadNames) {
  FunctionConfig config = Valid();
  config.name = "";
  EXPECT_NE(ErrorOf(config).find("at 'functionName'"), std::string::npos);
  config.name = std::string(65, 'a');
  EXPECT_NE(ErrorOf(config).find("Member must have length less than or equal to 64"),
            std::string::npos);
  config.name = "has space";
  EXPECT_EQ(ErrorOf(config),
            "1 validation error detected: Value 'has space' at 'functionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+");
}

TEST(FunctionConfigTest, RefusesOutOfRangeTimeoutAndMemory) {
  FunctionConfig config = Valid();
  config.timeout_seconds = 0;
  EXPECT_EQ(ErrorOf(config),
            "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");
  config.timeout_seconds = 901;
  EXPECT_NE(ErrorOf(config).find("less than or equal to 900"), std::string::npos);
  config = Valid();
  config.memory_size_mb = 127;
  EXPECT_NE(ErrorOf(config).find("Value '127' at 'memorySize'"), std::string::npos);
  config.memory_size_mb = 10241;
  EXPECT_NE(ErrorOf(config).find("less than or equal to 10240"), std::string::npos);
}

TEST(FunctionConfigTest, RequiresCodeRuntimeAndHandler) {
  FunctionConfig config = Valid();
  config.code.clear();
  ErrorOf(config);
  config = Valid();
  config.runtime.clear();
  ErrorOf(config);
  config = Valid();
  config.handler.clear();
  EXPECT_NE(ErrorOf(config).find("Handler is required"), std::string::npos);
  config.runtime = "provided.al2023";  // a custom runtime needs no handler
  EXPECT_TRUE(ValidateFunctionConfig(config).ok());
  config.handler = "has space";
  EXPECT_NE(ErrorOf(config).find("at 'handler'"), std::string::npos);
  config.handler = std::string(129, 'h');
  EXPECT_NE(ErrorOf(config).find("at 'handler'"), std::string::npos);
}

TEST(FunctionConfigTest, KnowsLambdasRuntimesAndWhichEddyRuns) {
  EXPECT_EQ(RuntimeFamilyOf("provided"), RuntimeFamily::kProvided);
  EXPECT_EQ(RuntimeFamilyOf("provided.al2023"), RuntimeFamily::kProvided);
  EXPECT_EQ(RuntimeFamilyOf("python3.9"), RuntimeFamily::kPython);
  EXPECT_EQ(RuntimeFamilyOf("python3.13"), RuntimeFamily::kPython);
  EXPECT_EQ(RuntimeFamilyOf("nodejs22.x"), RuntimeFamily::kNode);
  EXPECT_EQ(RuntimeFamilyOf("java21"), RuntimeFamily::kJava);
  EXPECT_EQ(RuntimeFamilyOf("ruby3.3"), RuntimeFamily::kUnsupported);
  EXPECT_EQ(RuntimeFamilyOf("python2.7"), RuntimeFamily::kUnsupported);
  EXPECT_EQ(RuntimeFamilyOf("cobol"), RuntimeFamily::kUnknown);

  FunctionConfig config = Valid();
  config.runtime = "ruby3.3";  // Lambda's: accepted here, refused when invoked
  EXPECT_TRUE(ValidateFunctionConfig(config).ok());
  config.runtime = "cobol";
  EXPECT_NE(ErrorOf(config).find("Value 'cobol' at 'runtime' failed to satisfy constraint: "
                                 "Member must satisfy enum value set: [provided"),
            std::string::npos);
}

TEST(FunctionConfigTest, RefusesReservedAndMalformedVariables) {
  FunctionConfig config = Valid();
  config.environment = {{"AWS_REGION", "x"}, {"LAMBDA_TASK_ROOT", "y"}, {"OK", "z"}};
  EXPECT_EQ(ErrorOf(config),
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            "for modification. Reserved keys used in this request: AWS_REGION, LAMBDA_TASK_ROOT");
  for (const char* key : {"1ABC", "A", "A-B", "_HANDLER"}) {
    config.environment = {{key, "v"}};
    EXPECT_FALSE(ValidateFunctionConfig(config).ok()) << key;
  }
  config.environment = {{"BIG", std::string(4096, 'x')}};
  EXPECT_NE(ErrorOf(config).find("exceeded the 4KB limit"), std::string::npos);
  EXPECT_TRUE(IsReservedEnvironmentVariable("AWS_LAMBDA_RUNTIME_API"));
  EXPECT_TRUE(IsReservedEnvironmentVariable("AWS_SESSION_TOKEN"));
  EXPECT_FALSE(IsReservedEnvironmentVariable("TZ"));
  EXPECT_FALSE(IsReservedEnvironmentVariable("PATH"));
}

}  // namespace
}  // namespace eddy::function
