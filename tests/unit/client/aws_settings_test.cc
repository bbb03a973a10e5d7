// auth::ResolveAwsSettings as the client uses it (tests live with their user: the client).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "eddy/auth/credentials.h"
#include "support/scoped_temp_dir.h"

namespace eddy::auth {
namespace {

class AwsSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(home_ / ".aws"); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(home_ / ".aws" / name) << text;
  }
  SettingsSource Source() {
    SettingsSource source;
    source.home = home_.string();
    source.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return source;
  }

  const eddy::testing::ScopedTempDir home_dir_{"eddy-settings-"};
  const std::filesystem::path& home_ = home_dir_.path();
  std::map<std::string, std::string> env_;
};

TEST_F(AwsSettingsTest, NothingConfiguredResolvesNothing) {
  auto s = ResolveAwsSettings(Source(), "", "KINESIS");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->profile, "default");
  EXPECT_FALSE(s->credentials.has_value());
  EXPECT_FALSE(s->region.has_value());
  EXPECT_FALSE(s->endpoint_url.has_value());
}

TEST_F(AwsSettingsTest, FilesGiveTheDefaultProfile) {
  Write("credentials",
        "# comment\n[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key=secret\n"
        "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s2\n"
        "aws_session_token = tok\n");
  Write("config",
        "[default]\nregion = eu-west-1\ns3 =\n  region = ignored\n"
        "[profile other]\nregion = ap-south-1\nendpoint_url = http://127.0.0.1:4566\n"
        "ca_bundle = /etc/other-ca.pem\n");
  auto s = ResolveAwsSettings(Source(), "", "KINESIS");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->credentials.has_value());
  EXPECT_EQ(s->credentials->access_key_id, "AKIDFILE");
  EXPECT_EQ(s->credentials->secret_access_key, "secret");
  EXPECT_EQ(s->region, "eu-west-1");

  auto o = ResolveAwsSettings(Source(), "other", "KINESIS");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->credentials->access_key_id, "AKIDOTHER");
  EXPECT_EQ(o->credentials->session_token, "tok");
  EXPECT_EQ(o->region, "ap-south-1");
  EXPECT_EQ(o->endpoint_url, "http://127.0.0.1:4566");
  EXPECT_EQ(o->ca_bundle, "/etc/other-ca.pem");
  env_["AWS_CA_BUNDLE"] = "/etc/env-ca.pem";
  EXPECT_EQ(ResolveAwsSettings(Source(), "other", "KINESIS")->ca_bundle, "/etc/env-ca.pem");
}

TEST_F(AwsSettingsTest, EnvironmentWinsOverFiles) {
  Write("credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key=x\n");
  Write("config", "[default]\nregion = eu-west-1\n");
  env_ = {
      {"AWS_ACCESS_KEY_ID", "AKIDENV"},         {"AWS_SECRET_ACCESS_KEY", "envsecret"},
      {"AWS_SESSION_TOKEN", "envtoken"},        {"AWS_DEFAULT_REGION", "us-west-2"},
      {"AWS_ENDPOINT_URL", "http://generic:1"}, {"AWS_ENDPOINT_URL_KINESIS", "http://kinesis:2"}};
  auto s = ResolveAwsSettings(Source(), "", "KINESIS");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->credentials->access_key_id, "AKIDENV");
  EXPECT_EQ(s->credentials->session_token, "envtoken");
  EXPECT_EQ(s->region, "us-west-2");
  EXPECT_EQ(s->endpoint_url, "http://kinesis:2");  // the service's own variable first
  auto d = ResolveAwsSettings(Source(), "", "DYNAMODB");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->endpoint_url, "http://generic:1");
  env_["AWS_REGION"] = "ca-central-1";  // AWS_REGION before AWS_DEFAULT_REGION
  EXPECT_EQ(ResolveAwsSettings(Source(), "", "KINESIS")->region, "ca-central-1");
}

TEST_F(AwsSettingsTest, ProfileFromTheEnvironmentAndUnknownProfiles) {
  Write("credentials", "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key=x\n");
  env_ = {{"AWS_PROFILE", "dev"}};
  auto s = ResolveAwsSettings(Source(), "", "KINESIS");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->credentials->access_key_id, "AKIDDEV");
  auto missing = ResolveAwsSettings(Source(), "nope", "KINESIS");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "The config profile (nope) could not be found");
}

TEST_F(AwsSettingsTest, FileLocationsCanBeOverridden) {
  std::ofstream(home_ / "creds.ini") << "[default]\naws_access_key_id=A\naws_secret_access_key=B\n";
  env_ = {{"AWS_SHARED_CREDENTIALS_FILE", (home_ / "creds.ini").string()}};
  auto s = ResolveAwsSettings(Source(), "", "KINESIS");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->credentials.has_value());
  EXPECT_EQ(s->credentials->access_key_id, "A");
}

}  // namespace
}  // namespace eddy::auth
