#include "eddy/api/aws/aws_router.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace eddy::api {
namespace {

TEST(AwsRouterTest, RequestIdsAreVersion4Uuids) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRequestId();
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(AwsRouterTest, RegionComesFromTheCredentialScope) {
  EXPECT_EQ(RegionFromAuthorization("AWS4-HMAC-SHA256 Credential=AK/20261122/eu-west-1/dynamodb/"
                                    "aws4_request, SignedHeaders=host, Signature=00"),
            "eu-west-1");
  EXPECT_EQ(RegionFromAuthorization("AWS4-HMAC-SHA256 Credential=AK/20261122"), "");
  EXPECT_EQ(RegionFromAuthorization("AWS4-HMAC-SHA256 Credential=AK/d/EU WEST/s/aws4_request"), "");
  EXPECT_EQ(RegionFromAuthorization(""), "");
}

}  // namespace
}  // namespace eddy::api
