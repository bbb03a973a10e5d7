// Functions written for AWS, run through AWS's own runtime interface clients under the
// function host. Python: needs a Python with awslambdaric, aws-lambda-powertools and boto3
// named by EDDY_LAMBDA_PYTHON; Java: the Java runtime interface client's jars in the folder
// EDDY_LAMBDA_JAVA_LIB, and javac. Both made by
//   eval "$(tests/compat/lambda/setup.sh ~/.cache/eddy-compat/lambda)"
// Each test is skipped without what it needs.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <string>

#include "eddy/function/function_host.h"
#include "function_test_support.h"
#include "support/wait_until.h"

namespace eddy::function {
namespace {

using testing_support::FunctionTestBase;
using testing_support::ParseJson;
using testing_support::StringAt;

constexpr const char* kApp = R"(import os

import boto3
from aws_lambda_powertools import Logger

logger = Logger(service="ric-test")


@logger.inject_lambda_context
def handler(event, context):
    if "raise" in event:
        raise ValueError("boom: " + event["raise"])
    logger.info("handled", extra={"event_keys": sorted(event)})
    return {
        "event": event,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "execution_env": os.environ.get("AWS_EXECUTION_ENV"),
        "kinesis_endpoint": boto3.client("kinesis").meta.endpoint_url,
        "region": boto3.session.Session().region_name,
    }
)";

class FunctionHostRicTest : public FunctionTestBase {
 protected:
  void SetUp() override {
    const char* python = ::getenv("EDDY_LAMBDA_PYTHON");
    if (python == nullptr || *python == '\0') {
      GTEST_SKIP() << "EDDY_LAMBDA_PYTHON is not set: run eval \"$(tests/compat/lambda/setup.sh "
                      "DIR)\" to make a Python with awslambdaric";
    }
    python_ = python;
    code_ = (dir_.path() / "app").string();
    std::filesystem::create_directories(code_);
    std::ofstream(code_ + "/app.py") << kApp;
  }

  FunctionHostOptions RicOptions() {
    FunctionHostOptions options = Options();
    options.python = python_;
    options.endpoint_url = "http://127.0.0.1:45666";
    options.region = "eu-west-1";
    return options;
  }

  FunctionConfig Python(const std::string& name, const std::string& handler) {
    FunctionConfig config;
    config.name = name;
    config.code = code_;
    config.runtime = "python3.12";
    config.handler = handler;
    config.timeout_seconds = 20;
    config.memory_size_mb = 512;
    return config;
  }

  std::string python_;
  std::string code_;
};

TEST_F(FunctionHostRicTest, RunsAHandlerWithItsContext) {
  FunctionHost host(RicOptions());
  ASSERT_TRUE(host.Define(Python("ric-ok", "app.handler")).ok());
  Result<InvokeResult> result = host.Invoke("ric-ok", R"({"Records":[{"n":1}]})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_FALSE(result->function_error) << result->payload;
  rapidjson::Document answer = ParseJson(result->payload);
  ASSERT_TRUE(answer.IsObject()) << result->payload;
  EXPECT_EQ(answer["event"]["Records"][0]["n"].GetInt(), 1);
  EXPECT_EQ(StringAt(answer, "function_name"), "ric-ok");
  EXPECT_EQ(StringAt(answer, "function_version"), "$LATEST");
  EXPECT_EQ(StringAt(answer, "invoked_function_arn"),
            "arn:aws:lambda:eu-west-1:000000000000:function:ric-ok");
  EXPECT_EQ(StringAt(answer, "memory_limit_in_mb"), "512");
  EXPECT_EQ(StringAt(answer, "aws_request_id"), result->request_id);
  EXPECT_EQ(StringAt(answer, "log_group_name"), "/aws/lambda/ric-ok");
  EXPECT_NE(StringAt(answer, "log_stream_name").find("[$LATEST]"), std::string::npos);
  ASSERT_TRUE(answer["remaining_ms"].IsInt64());
  EXPECT_GT(answer["remaining_ms"].GetInt64(), 15000);
  EXPECT_LE(answer["remaining_ms"].GetInt64(), 20000);
  EXPECT_EQ(StringAt(answer, "trace_id").rfind("Root=1-", 0), 0u);
  EXPECT_EQ(StringAt(answer, "execution_env"), "AWS_Lambda_python3.12");
  EXPECT_EQ(StringAt(answer, "kinesis_endpoint"), "http://127.0.0.1:45666");
  EXPECT_EQ(StringAt(answer, "region"), "eu-west-1");
  // Powertools' structured log line reached eddy's log, tagged with the request.
  EXPECT_TRUE(eddy::testing::WaitUntil([&] {
    for (const auto& line : Logs()) {
      if (line.request_id == result->request_id &&
          line.line.find(R"("message":"handled")") != std::string::npos &&
          line.line.find(R"("function_name":"ric-ok")") != std::string::npos) {
        return true;
      }
    }
    return false;
  }));
  // Warm: the second invocation reuses the process.
  Result<InvokeResult> again = host.Invoke("ric-ok", "{}");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->cold_start);
  EXPECT_FALSE(again->function_error) << again->payload;
}

TEST_F(FunctionHostRicTest, PassesTheRicsErrorDocumentThrough) {
  FunctionHost host(RicOptions());
  ASSERT_TRUE(host.Define(Python("ric-raise", "app.handler")).ok());
  Result<InvokeResult> result = host.Invoke("ric-raise", R"({"raise":"bad record"})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->function_error);
  EXPECT_EQ(result->error_type, "ValueError");
  rapidjson::Document error = ParseJson(result->payload);
  ASSERT_TRUE(error.IsObject()) << result->payload;
  EXPECT_EQ(StringAt(error, "errorType"), "ValueError");
  EXPECT_EQ(StringAt(error, "errorMessage"), "boom: bad record");
  EXPECT_EQ(StringAt(error, "requestId"), result->request_id);
  ASSERT_TRUE(error.HasMember("stackTrace") && error["stackTrace"].IsArray());
  EXPECT_GT(error["stackTrace"].Size(), 0u);
  // The process survives a handler's exception.
  Result<InvokeResult> next = host.Invoke("ric-raise", "{}");
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->cold_start);
  EXPECT_FALSE(next->function_error) << next->payload;
}

TEST_F(FunctionHostRicTest, AnImportErrorIsAnInitErrorEveryTime) {
  FunctionHost host(RicOptions());
  ASSERT_TRUE(host.Define(Python("ric-import", "no_such_module.handler")).ok());
  for (int i = 0; i < 2; ++i) {
    Result<InvokeResult> result = host.Invoke("ric-import", "{}");
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_TRUE(result->function_error);
    EXPECT_TRUE(result->cold_start);  // the failed environment is torn down each time
    EXPECT_EQ(result->error_type, "Runtime.ImportModuleError");
    rapidjson::Document error = ParseJson(result->payload);
    EXPECT_EQ(StringAt(error, "errorType"), "Runtime.ImportModuleError");
    EXPECT_NE(StringAt(error, "errorMessage").find("no_such_module"), std::string::npos)
        << result->payload;
  }
  ASSERT_TRUE(host.Define(Python("ric-missing-handler", "app.nope")).ok());
  Result<InvokeResult> missing = host.Invoke("ric-missing-handler", "{}");
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_EQ(missing->error_type, "Runtime.HandlerNotFound") << missing->payload;
}

class FunctionHostJavaTest : public FunctionTestBase {};

constexpr const char* kJavaHandler = R"(package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.HashMap;
import java.util.Map;

public class Handler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
  @Override
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    if (event.containsKey("raise")) {
      throw new IllegalStateException("boom: " + event.get("raise"));
    }
    Map<String, Object> out = new HashMap<>();
    out.put("event", event);
    out.put("function_name", context.getFunctionName());
    out.put("memory_limit_in_mb", context.getMemoryLimitInMB());
    out.put("aws_request_id", context.getAwsRequestId());
    out.put("remaining_ms", context.getRemainingTimeInMillis());
    out.put("user_dir", System.getProperty("user.dir"));
    return out;
  }
}
)";

TEST_F(FunctionHostJavaTest, RunsAHandlerThroughTheJavaRuntimeInterfaceClient) {
  const char* lib = ::getenv("EDDY_LAMBDA_JAVA_LIB");
  if (lib == nullptr || *lib == '\0') {
    GTEST_SKIP() << "EDDY_LAMBDA_JAVA_LIB is not set: run eval \"$(tests/compat/lambda/setup.sh "
                    "DIR)\" with mvn installed";
  }
  if (std::system("javac -version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no javac";
  // The function's folder as a Java deployment package has it: classes at the root, jars in lib/.
  const std::filesystem::path code = dir_.path() / "java";
  std::filesystem::create_directories(code / "lib");
  std::string classpath;
  for (const auto& jar : std::filesystem::directory_iterator(lib)) {
    std::filesystem::copy_file(jar.path(), code / "lib" / jar.path().filename());
    classpath += (classpath.empty() ? "" : ":") + jar.path().string();
  }
  std::ofstream(dir_.path() / "Handler.java") << kJavaHandler;
  ASSERT_EQ(std::system(("javac -cp " + classpath + " -d " + code.string() + " " +
                         (dir_.path() / "Handler.java").string())
                            .c_str()),
            0);
  FunctionHostOptions options = Options();
  options.init_timeout_seconds = 60;  // a JVM on a loaded machine
  FunctionHost host(options);
  FunctionConfig config;
  config.name = "java-fn";
  config.code = code.string();
  config.runtime = "java17";
  config.handler = "example.Handler::handleRequest";
  config.timeout_seconds = 60;
  ASSERT_TRUE(host.Define(config).ok());

  Result<InvokeResult> result = host.Invoke("java-fn", R"({"n":7})");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_FALSE(result->function_error) << result->payload;
  rapidjson::Document answer = ParseJson(result->payload);
  ASSERT_TRUE(answer.IsObject()) << result->payload;
  EXPECT_EQ(answer["event"]["n"].GetInt(), 7);
  EXPECT_EQ(StringAt(answer, "function_name"), "java-fn");
  EXPECT_EQ(answer["memory_limit_in_mb"].GetInt(), 128);
  EXPECT_EQ(StringAt(answer, "aws_request_id"), result->request_id);
  EXPECT_GT(answer["remaining_ms"].GetInt(), 0);
  EXPECT_EQ(std::filesystem::canonical(StringAt(answer, "user_dir")),
            std::filesystem::canonical(code));

  Result<InvokeResult> failed = host.Invoke("java-fn", R"({"raise":"x"})");
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_TRUE(failed->function_error);
  EXPECT_FALSE(failed->cold_start);
  EXPECT_EQ(failed->error_type, "java.lang.IllegalStateException") << failed->payload;
  rapidjson::Document error = ParseJson(failed->payload);
  EXPECT_EQ(StringAt(error, "errorMessage"), "boom: x");
  EXPECT_TRUE(error.HasMember("stackTrace")) << failed->payload;
}

TEST_F(FunctionHostJavaTest, AJavaFunctionWithoutTheRuntimeInterfaceClientIsAFailedPrecondition) {
  if (std::system("java -version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no java";
  std::filesystem::create_directories(dir_.path() / "empty-java");
  FunctionHost host(Options());
  FunctionConfig config;
  config.name = "java-no-ric";
  config.code = (dir_.path() / "empty-java").string();
  config.runtime = "java21";
  config.handler = "example.Handler::handleRequest";
  ASSERT_TRUE(host.Define(config).ok());
  Result<InvokeResult> result = host.Invoke("java-no-ric", "{}");
  EXPECT_EQ(result.status().code(), Status::Code::kFailedPrecondition)
      << (result.ok() ? result->payload : result.status().ToString());
  EXPECT_NE(result.status().message().find("aws-lambda-java-runtime-interface-client"),
            std::string::npos)
      << result.status().message();
}

}  // namespace
}  // namespace eddy::function
