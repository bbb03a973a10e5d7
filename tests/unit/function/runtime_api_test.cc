#include "eddy/function/runtime_api.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace eddy::function {
namespace {

TEST(RuntimeApiTest, ParsesTheRoutes) {
  ParsedRoute next = ParseRuntimeRoute("GET", "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(next.route, RuntimeRoute::kNext);
  ParsedRoute response =
      ParseRuntimeRoute("POST", "/2018-06-01/runtime/invocation/abc-123/response?x=1");
  EXPECT_EQ(response.route, RuntimeRoute::kResponse);
  EXPECT_EQ(response.request_id, "abc-123");
  ParsedRoute error = ParseRuntimeRoute("POST", "/2018-06-01/runtime/invocation/id/error");
  EXPECT_EQ(error.route, RuntimeRoute::kError);
  EXPECT_EQ(error.request_id, "id");
  EXPECT_EQ(ParseRuntimeRoute("POST", "/2018-06-01/runtime/init/error").route,
            RuntimeRoute::kInitError);
  for (auto [method, target] : std::initializer_list<std::pair<const char*, const char*>>{
           {"POST", "/2018-06-01/runtime/invocation/next"},
           {"GET", "/2018-06-01/runtime/invocation/id/response"},
           {"POST", "/2018-06-01/runtime/invocation//response"},
           {"POST", "/2018-06-01/runtime/invocation/id/other"},
           {"GET", "/2018-06-01/runtime/restore/next"},
           {"GET", "/2015-03-31/functions/f/invocations"},
           {"GET", "/"}}) {
    EXPECT_EQ(ParseRuntimeRoute(method, target).route, RuntimeRoute::kUnknown) << target;
  }
}

TEST(RuntimeApiTest, AnswersWithTheApisTexts) {
  EXPECT_EQ(AcceptedResponse().status, 202);
  EXPECT_EQ(AcceptedResponse().body, R"({"status":"OK"})");
  EXPECT_EQ(InvalidRequestIdResponse().status, 400);
  EXPECT_EQ(InvalidRequestIdResponse().body,
            R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})");
  EXPECT_EQ(RequestEntityTooLargeResponse().status, 413);
  EXPECT_EQ(RequestEntityTooLargeResponse().body,
            R"({"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).",)"
            R"("errorType":"RequestEntityTooLarge"})");
  EXPECT_EQ(InvalidStateTransitionResponse("x").status, 403);
  EXPECT_NE(InvalidStateTransitionResponse("x").body.find("InvalidStateTransition"),
            std::string::npos);
}

TEST(RuntimeApiTest, NormalizesErrorTypeHeadersAsTheEmulatorDoes) {
  EXPECT_EQ(NormalizeErrorTypeHeader("Runtime.ImportModuleError"), "Runtime.ImportModuleError");
  EXPECT_EQ(NormalizeErrorTypeHeader("Function.Unknown"), "Function.Unknown");
  EXPECT_EQ(NormalizeErrorTypeHeader("x Runtime.Foo y"), "x Runtime.Foo y");  // unanchored
  EXPECT_EQ(NormalizeErrorTypeHeader("Function.lower"), "Function.Unknown");
  EXPECT_EQ(NormalizeErrorTypeHeader("Runtime.X"), "Runtime.Unknown");  // one letter is short
  EXPECT_EQ(NormalizeErrorTypeHeader("ValueError"), "Runtime.Unknown");
  EXPECT_EQ(NormalizeErrorTypeHeader(""), "Runtime.Unknown");
}

http::HttpRequest ErrorPost(std::string body, std::string type_header = "",
                            std::string content_type = "application/json") {
  http::HttpRequest request;
  request.method = "POST";
  request.target = "/2018-06-01/runtime/invocation/id/error";
  if (!type_header.empty()) {
    request.headers.emplace_back("Lambda-Runtime-Function-Error-Type", type_header);
  }
  request.headers.emplace_back("Content-Type", content_type);
  request.body = std::move(body);
  return request;
}

TEST(RuntimeApiTest, PassesErrorDocumentsThroughVerbatim) {
  const std::string body =
      R"({"errorMessage":"boom","errorType":"ValueError","requestId":"r","stackTrace":["a"]})";
  ErrorDocument document = ReadErrorDocument(ErrorPost(body, "Runtime.Unknown"));
  EXPECT_EQ(document.payload, body);
  EXPECT_EQ(document.error_type, "ValueError");
  // Node's shape: trace, not stackTrace; still verbatim.
  const std::string node = R"({"errorType":"Error","errorMessage":"x","trace":["Error: x"]})";
  EXPECT_EQ(ReadErrorDocument(ErrorPost(node)).payload, node);
  // No errorType in the body: the header's.
  document = ReadErrorDocument(ErrorPost(R"({"errorMessage":"m"})", "Function.Custom"));
  EXPECT_EQ(document.error_type, "Function.Custom");
}

TEST(RuntimeApiTest, BuildsADocumentWhenTheBodyIsMissingOrUnreadable) {
  ErrorDocument document = ReadErrorDocument(ErrorPost("", "Runtime.HandlerNotFound"));
  EXPECT_EQ(document.error_type, "Runtime.HandlerNotFound");
  EXPECT_NE(document.payload.find(R"("errorType":"Runtime.HandlerNotFound")"), std::string::npos);
  document = ReadErrorDocument(ErrorPost("not json", "oops"));
  EXPECT_EQ(document.error_type, "Runtime.Unknown");
  EXPECT_NE(document.payload.find(R"("errorType":"Runtime.Unknown")"), std::string::npos);
  EXPECT_NE(document.payload.find("errorMessage"), std::string::npos);
}

TEST(RuntimeApiTest, StripsTheXrayCauseOfErrorCauseDocuments) {
  ErrorDocument document = ReadErrorDocument(
      ErrorPost(R"({"errorMessage":"m","errorType":"E","errorCause":{"paths":[]}})", "",
                "application/vnd.aws.lambda.error.cause+json"));
  EXPECT_EQ(document.payload, R"({"errorMessage":"m","errorType":"E"})");
}

TEST(RuntimeApiTest, WritesLambdasPlatformErrors) {
  EXPECT_EQ(ExitErrorDocument("r1", process::ExitStatus{true, 2, 0}),
            R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: r1 Error: Runtime )"
            R"(exited with error: exit status 2"})");
  EXPECT_EQ(ExitErrorDocument("r1", process::ExitStatus{false, 0, 9}),
            R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: r1 Error: Runtime )"
            R"(exited with error: signal: killed"})");
  EXPECT_NE(ExitErrorDocument("r1", process::ExitStatus{true, 0, 0})
                .find("Runtime exited without providing a reason"),
            std::string::npos);
  EXPECT_EQ(TimeoutDocument("r2", 3000),
            R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: r2 Error: Task timed )"
            R"(out after 3.00 seconds"})");
  EXPECT_EQ(ResponseTooLargeDocument(),
            R"({"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload )"
            R"(size exceeded maximum allowed payload size (6291556 bytes)."})");
}

TEST(RuntimeApiTest, MakesWellFormedIds) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRequestId();
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_TRUE(std::regex_match(NewTraceHeader(1700000000123),
                               std::regex("Root=1-6553f100-[0-9a-f]{24};Parent=[0-9a-f]{16};"
                                          "Sampled=0")))
      << NewTraceHeader(1700000000123);
  EXPECT_TRUE(std::regex_match(NewLogStreamName(1700000000123),
                               std::regex(R"(2023/11/14/\[\$LATEST\][0-9a-f]{32})")))
      << NewLogStreamName(1700000000123);
}

}  // namespace
}  // namespace eddy::function
