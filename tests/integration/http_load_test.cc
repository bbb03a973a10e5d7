// The event-loop load driver of `eddy bench` (bench/http_load.h) against the null responder
// and against a real eddy server (in process, real HTTP on 127.0.0.1, temp dir).
#include "bench/http_load.h"

#include <gtest/gtest.h>

#include <atomic>

#include "bench/null_responder.h"
#include "eddy/server/server.h"
#include "support/scoped_temp_dir.h"

namespace eddy::bench {
namespace {

HttpLoadOptions OptionsFor(const std::string& endpoint) {
  HttpLoadOptions options;
  auto parsed = http::ParseEndpoint(endpoint);
  EXPECT_TRUE(parsed.ok());
  options.endpoint = *parsed;
  options.service = client::kDynamoDbService;
  options.credentials = auth::Credentials{"test", "test", ""};
  options.connections = 4;
  options.threads = 2;
  options.seconds = 0.3;
  options.answer_timeout_s = 5;
  return options;
}

MakeLoadRequest DescribeLimits() {
  return [](int, std::mt19937_64&, LoadRequest& request) {
    request.operation = "DescribeLimits";
    request.body = "{}";
    return std::string();
  };
}

TEST(HttpLoadTest, EveryAnswerIsCountedAndChecked) {
  auto responder = NullHttpResponder::Start();
  ASSERT_TRUE(responder.ok()) << responder.status().ToString();
  std::atomic<uint64_t> checked{0};
  auto report = RunHttpLoad(OptionsFor((*responder)->endpoint()), DescribeLimits(),
                            [&](int, const LoadRequest& request, std::string_view body) {
                              checked.fetch_add(1);
                              EXPECT_EQ(request.operation, "DescribeLimits");
                              EXPECT_EQ(body, "{}");
                              return std::string();
                            });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GT(report->operations, 0u);
  EXPECT_EQ(report->errors, 0u) << report->first_error;
  EXPECT_EQ(checked.load(), report->operations);
  EXPECT_EQ(report->latency.samples, report->operations);
  // Every request reached the responder, and it answered nothing twice.
  EXPECT_EQ((*responder)->answered(), report->operations);
  EXPECT_GE(report->seconds, 0.3);
}

TEST(HttpLoadTest, AHostNameIsResolvedToAnAddressThatAccepts) {
  auto responder = NullHttpResponder::Start();
  ASSERT_TRUE(responder.ok());
  std::string endpoint = (*responder)->endpoint();
  endpoint.replace(endpoint.find("127.0.0.1"), 9, "localhost");
  auto report =
      RunHttpLoad(OptionsFor(endpoint), DescribeLimits(),
                  [](int, const LoadRequest&, std::string_view) { return std::string(); });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GT(report->operations, 0u);
  EXPECT_EQ(report->errors, 0u) << report->first_error;
}

TEST(HttpLoadTest, ACheckThatFailsCountsAnError) {
  auto responder = NullHttpResponder::Start();
  ASSERT_TRUE(responder.ok());
  auto report = RunHttpLoad(OptionsFor((*responder)->endpoint()), DescribeLimits(),
                            [](int, const LoadRequest&, std::string_view) {
                              return std::string("not what was expected");
                            });
  ASSERT_TRUE(report.ok());
  EXPECT_GT(report->errors, 0u);
  EXPECT_EQ(report->errors, report->operations);
  EXPECT_EQ(report->first_error, "not what was expected");
}

TEST(HttpLoadTest, AClientThatCannotMakeARequestStops) {
  auto responder = NullHttpResponder::Start();
  ASSERT_TRUE(responder.ok());
  auto options = OptionsFor((*responder)->endpoint());
  options.seconds = 30;  // the run ends when every connection has stopped, long before this
  auto report = RunHttpLoad(
      options, [](int, std::mt19937_64&, LoadRequest&) { return std::string("no items yet"); },
      [](int, const LoadRequest&, std::string_view) { return std::string(); });
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->operations, 4u);  // one refusal per connection
  EXPECT_EQ(report->errors, 4u);
  EXPECT_EQ(report->first_error, "no items yet");
  EXPECT_LT(report->seconds, 10);
  EXPECT_EQ((*responder)->answered(), 0u);
}

TEST(HttpLoadTest, AServerThatRefusesConnectionsGivesAnErrorPerClient) {
  // A port nobody listens on: bound, then closed.
  std::string endpoint;
  {
    auto responder = NullHttpResponder::Start();
    ASSERT_TRUE(responder.ok());
    endpoint = (*responder)->endpoint();
  }
  auto options = OptionsFor(endpoint);
  options.seconds = 30;  // every client stops at once: the run does not last this long
  auto report =
      RunHttpLoad(options, DescribeLimits(),
                  [](int, const LoadRequest&, std::string_view) { return std::string(); });
  if (!report.ok()) {  // refused by connect() itself rather than after it
    EXPECT_NE(report.status().ToString().find("Connection refused"), std::string::npos);
    return;
  }
  EXPECT_EQ(report->operations, 0u);
  EXPECT_EQ(report->errors, 4u);
  EXPECT_NE(report->first_error.find("Connection refused"), std::string::npos)
      << report->first_error;
  EXPECT_LT(report->seconds, 10);
}

TEST(HttpLoadTest, RefusesTlsAndBadCounts) {
  auto options = OptionsFor("https://127.0.0.1:1");
  EXPECT_FALSE(RunHttpLoad(options, DescribeLimits(), {}).ok());
  options = OptionsFor("http://127.0.0.1:1");
  options.connections = 0;
  EXPECT_FALSE(RunHttpLoad(options, DescribeLimits(), {}).ok());
}

TEST(HttpLoadTest, AnswersFromEddyAreParsedAndAwsErrorsCounted) {
  const eddy::testing::ScopedTempDir dir("eddy-http-load-");
  server::ServerOptions server_options;
  server_options.port = 0;
  server_options.data_dir = dir.path().string();
  auto server = server::Server::Start(server_options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string endpoint = "http://127.0.0.1:" + std::to_string((*server)->port());
  {
    // DescribeLimits succeeds: the body is eddy's real answer.
    auto report = RunHttpLoad(OptionsFor(endpoint), DescribeLimits(),
                              [](int, const LoadRequest&, std::string_view body) {
                                return body.find("TableMaxReadCapacityUnits") != body.npos
                                           ? std::string()
                                           : "unexpected answer: " + std::string(body);
                              });
    ASSERT_TRUE(report.ok());
    EXPECT_GT(report->operations, 0u);
    EXPECT_EQ(report->errors, 0u) << report->first_error;
  }
  {
    // GetItem on a table that does not exist: every answer is an AWS error, named as such.
    auto report = RunHttpLoad(
        OptionsFor(endpoint),
        [](int, std::mt19937_64&, LoadRequest& request) {
          request.operation = "GetItem";
          request.body = R"({"TableName":"missing","Key":{"pk":{"S":"a"}}})";
          return std::string();
        },
        [](int, const LoadRequest&, std::string_view) { return std::string(); });
    ASSERT_TRUE(report.ok());
    EXPECT_GT(report->operations, 0u);
    EXPECT_EQ(report->errors, report->operations);
    EXPECT_NE(report->first_error.find("GetItem: ResourceNotFoundException (400)"),
              std::string::npos)
        << report->first_error;
  }
  (*server).reset();
}

}  // namespace
}  // namespace eddy::bench
