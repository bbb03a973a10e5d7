#include "eddy/client/aws_json_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "eddy/client/json_body.h"
#include "eddy/http/http_server.h"

namespace eddy::client {
namespace {

TEST(ParseErrorResponseTest, ReadsTypeAndMessageAsAwsSendsThem) {
  http::HttpResponse r{400, {}, R"({"__type":"ResourceNotFoundException","message":"gone"})"};
  auto e = ParseErrorResponse(r);
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.type, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "gone");

  r.body = R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",)"
           R"("Message":"The conditional request failed"})";
  e = ParseErrorResponse(r);
  EXPECT_EQ(e.type, "ConditionalCheckFailedException");
  EXPECT_EQ(e.message, "The conditional request failed");

  r = http::HttpResponse{503, {{"x-amzn-ErrorType", "ServiceUnavailable:http://internal/"}}, ""};
  e = ParseErrorResponse(r);
  EXPECT_EQ(e.type, "ServiceUnavailable");
  EXPECT_FALSE(e.message.empty());

  r = http::HttpResponse{502, {}, "<html>bad gateway</html>"};
  e = ParseErrorResponse(r);
  EXPECT_EQ(e.type, "InternalFailure");
}

TEST(RetryPolicyTest, RetriesWhatAwsSdksRetry) {
  EXPECT_TRUE(IsRetryableError({400, "ProvisionedThroughputExceededException", ""}));
  EXPECT_TRUE(IsRetryableError({400, "LimitExceededException", ""}));
  EXPECT_TRUE(IsRetryableError({400, "ThrottlingException", ""}));
  EXPECT_TRUE(IsRetryableError({429, "Whatever", ""}));
  EXPECT_TRUE(IsRetryableError({500, "InternalFailure", ""}));
  EXPECT_TRUE(IsRetryableError({503, "ServiceUnavailable", ""}));
  EXPECT_TRUE(IsRetryableError({0, "NetworkError", "reset"}));
  EXPECT_FALSE(IsRetryableError({400, "ResourceNotFoundException", ""}));
  EXPECT_FALSE(IsRetryableError({400, "ValidationException", ""}));
  EXPECT_FALSE(IsRetryableError({400, "ExpiredIteratorException", ""}));
  EXPECT_FALSE(IsRetryableError({0, "BadResponse", ""}));
}

TEST(RetryPolicyTest, BackoffIsFullJitterUnderAnExponentialCeiling) {
  RetryOptions options;
  options.base_delay_ms = 100;
  options.max_delay_ms = 1000;
  Backoff backoff(options, 42);
  for (int retry = 0; retry < 40; ++retry) {
    const int64_t ceiling = std::min<int64_t>(1000, int64_t{100} << std::min(retry, 30));
    for (int i = 0; i < 20; ++i) {
      const int64_t d = backoff.DelayMs(retry);
      EXPECT_GE(d, 0);
      EXPECT_LE(d, ceiling);
    }
  }
}

TEST(JsonBodyTest, WritesValidEscapedJson) {
  JsonBody body;
  body.Open().Key("Name").String("a\"b\\c\n\x01").Key("N").Int(-5).Key("Flag").Bool(true);
  body.Key("List").OpenArray().Open().Key("Data").Base64("hi").Close().Open().Close().CloseArray();
  body.Key("T").Timestamp(1700000000123).Close();
  EXPECT_EQ(body.Take(),
            R"({"Name":"a\"b\\c\u000a\u0001","N":-5,"Flag":true,"List":[{"Data":"aGk="},{}],)"
            R"("T":1700000000.123})");
}

// The client against an HttpServer that plays an AWS service.
class AwsJsonClientTest : public ::testing::Test {
 protected:
  void Start(http::Handler handler) {
    http::HttpServerOptions options;
    options.port = 0;
    auto server = http::HttpServer::Start(options, std::move(handler), [](int s, std::string_view m) {
      return http::HttpResponse{s, {}, std::string(m)};
    });
    ASSERT_TRUE(server.ok());
    server_ = std::move(server).value();
    ClientConfig config;
    config.endpoint = "http://127.0.0.1:" + std::to_string(server_->port());
    config.region = "eu-west-1";
    config.credentials = auth::Credentials{"AKIDEXAMPLE", "secret", ""};
    config.retry.base_delay_ms = 1;
    auth::SettingsSource nothing;
    nothing.getenv = [](const std::string&) { return std::nullopt; };
    auto client = AwsJsonClient::Create(kKinesisService, config, nothing);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
  }
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<AwsJsonClient> client_;
};

TEST_F(AwsJsonClientTest, SignsAndTargetsTheOperation) {
  std::string authorization, target, content_type, date;
  Start([&](http::HttpRequest&& r, http::Responder respond) {
    authorization = std::string(r.Header("Authorization"));
    target = std::string(r.Header("X-Amz-Target"));
    content_type = std::string(r.Header("Content-Type"));
    date = std::string(r.Header("X-Amz-Date"));
    respond(http::HttpResponse{200, {}, R"({"StreamNames":[]})"});
  });
  auto out = client_->Call("ListStreams", "{}");
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_EQ(*out, R"({"StreamNames":[]})");
  EXPECT_EQ(target, "Kinesis_20131202.ListStreams");
  EXPECT_EQ(content_type, "application/x-amz-json-1.1");
  EXPECT_EQ(date.size(), 16u);
  EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0), 0u);
  EXPECT_NE(authorization.find("/eu-west-1/kinesis/aws4_request"), std::string::npos);
  EXPECT_NE(authorization.find("SignedHeaders=content-type;host;x-amz-date;x-amz-target"),
            std::string::npos);
}

TEST_F(AwsJsonClientTest, RetriesThrottlingAndServerErrorsThenSucceeds) {
  std::atomic<int> calls{0};
  Start([&](http::HttpRequest&&, http::Responder respond) {
    const int n = ++calls;
    if (n == 1) {
      return respond(http::HttpResponse{
          400, {}, R"({"__type":"ProvisionedThroughputExceededException","message":"slow"})"});
    }
    if (n == 2) return respond(http::HttpResponse{500, {}, R"({"__type":"InternalFailure"})"});
    respond(http::HttpResponse{200, {}, "{}"});
  });
  auto out = client_->Call("PutRecords", "{}");
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(client_->retries(), 2u);
}

TEST_F(AwsJsonClientTest, GivesUpAfterMaxAttemptsAndNeverRetriesClientErrors) {
  std::atomic<int> calls{0};
  Start([&](http::HttpRequest&& r, http::Responder respond) {
    ++calls;
    if (r.Header("X-Amz-Target") == "Kinesis_20131202.DescribeStream") {
      return respond(http::HttpResponse{
          400, {}, R"({"__type":"ResourceNotFoundException","message":"no such stream"})"});
    }
    respond(http::HttpResponse{503, {}, R"({"__type":"ServiceUnavailable","message":"busy"})"});
  });
  auto busy = client_->Call("ListStreams", "{}");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().type, "ServiceUnavailable");
  EXPECT_EQ(calls.load(), 3);  // the default three attempts
  calls = 0;
  auto missing = client_->Call("DescribeStream", "{}");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().type, "ResourceNotFoundException");
  EXPECT_EQ(missing.error().message, "no such stream");
  EXPECT_EQ(missing.error().http_status, 400);
  EXPECT_EQ(calls.load(), 1);
}

TEST(AwsJsonClientCreateTest, NoCredentialsAnywhereIsAClearError) {
  auth::SettingsSource nothing;
  nothing.getenv = [](const std::string&) { return std::nullopt; };
  ClientConfig config;
  config.endpoint = "http://127.0.0.1:1";
  auto client = AwsJsonClient::Create(kKinesisService, config, nothing);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.status().message().find("no AWS credentials"), std::string::npos);
  config.fallback_credentials = auth::Credentials{"a", "b", ""};
  EXPECT_TRUE(AwsJsonClient::Create(kKinesisService, config, nothing).ok());
}

TEST(AwsJsonClientCreateTest, DefaultEndpointIsAwsForTheRegion) {
  auth::SettingsSource nothing;
  nothing.getenv = [](const std::string&) { return std::nullopt; };
  ClientConfig config;
  config.region = "eu-central-1";
  config.credentials = auth::Credentials{"a", "b", ""};
  auto client = AwsJsonClient::Create(kKinesisService, config, nothing);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->endpoint().ToString(), "https://kinesis.eu-central-1.amazonaws.com");
}

}  // namespace
}  // namespace eddy::client

#include "eddy/client/stream_tailer.h"

namespace eddy::client {
namespace {

TEST(ParseTailStartTest, NamedPositionsAndSequenceNumbers) {
  EXPECT_EQ(ParseTailStart("TRIM_HORIZON")->kind, TailStart::Kind::kTrimHorizon);
  EXPECT_EQ(ParseTailStart("latest")->kind, TailStart::Kind::kLatest);
  auto seq = ParseTailStart("49000000000000000142240844529572794772013859535566405632");
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq->kind, TailStart::Kind::kAtSequenceNumber);
  EXPECT_EQ(seq->sequence_number, "49000000000000000142240844529572794772013859535566405632");
}

TEST(ParseTailStartTest, IsoTimesWithAndWithoutZones) {
  auto utc = ParseTailStart("2026-11-21T10:00:00Z");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->kind, TailStart::Kind::kAtTimestamp);
  EXPECT_EQ(utc->timestamp_ms, 1795255200000);
  EXPECT_EQ(ParseTailStart("2026-11-21T10:00:00.250Z")->timestamp_ms, 1795255200250);
  EXPECT_EQ(ParseTailStart("2026-11-21T12:00:00+02:00")->timestamp_ms, 1795255200000);
  EXPECT_EQ(ParseTailStart("2026-11-21T05:30-0430")->timestamp_ms, 1795255200000);
  EXPECT_EQ(ParseTailStart("2026-11-21 10:00Z")->timestamp_ms, 1795255200000);
  EXPECT_TRUE(ParseTailStart("2026-11-21").ok());          // local midnight
  EXPECT_TRUE(ParseTailStart("2026-11-21T10:00:00").ok());  // local time
  for (const char* bad : {"yesterday", "", "2026-13-01", "2026-11-21T25:00", "2026-11-21T10",
                          "2026-11-21T10:00:00Zjunk", "2026-11-21T10:00:00.Z", "12345"}) {
    EXPECT_FALSE(ParseTailStart(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace eddy::client
