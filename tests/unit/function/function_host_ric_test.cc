// Python functions written for AWS, run through AWS's own runtime interface client
// (awslambdaric) under the function host. Needs a Python with awslambdaric,
// aws-lambda-powertools and boto3 named by EDDY_LAMBDA_PYTHON:
//   eval "$(tests/compat/lambda/setup.sh ~/.cache/eddy-compat/lambda)"
// Skipped without it.

#include <gtest/gtest.h>
#include <stdlib.h>

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

}  // namespace
}  // namespace eddy::function
