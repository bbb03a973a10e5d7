#include "eddy/auth/sigv4.h"

#include <gtest/gtest.h>

namespace eddy::auth {
namespace {

// The worked example of AWS's Signature Version 4 documentation (IAM ListUsers); botocore
// produces the same signature.
TEST(SigV4Test, AwsDocumentationExample) {
  SignableRequest req;
  req.method = "GET";
  req.path = "/";
  req.query = "Action=ListUsers&Version=2010-05-08";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"Host", "iam.amazonaws.com"}};
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  SigningParams params{"us-east-1", "iam", "20150830T123600Z"};
  const std::string auth = Sign(req, creds, params);
  EXPECT_EQ(auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  EXPECT_EQ(Sha256Hex(CanonicalRequest(req)),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
}

TEST(SigV4Test, SessionTokenIsSigned) {
  SignableRequest req;
  req.headers = {{"Host", "127.0.0.1:4566"}};
  const std::string auth =
      Sign(req, {"AK", "SK", "TOKEN"}, {"eu-west-1", "kinesis", "20261122T030000Z"});
  EXPECT_NE(auth.find("SignedHeaders=host;x-amz-date;x-amz-security-token"), std::string::npos)
      << auth;
  bool has_token = false;
  for (const auto& [n, v] : req.headers) has_token |= n == "X-Amz-Security-Token" && v == "TOKEN";
  EXPECT_TRUE(has_token);
}

// A client that hashes the body once and does not copy it in signs exactly the same.
TEST(SigV4Test, PrecomputedPayloadHashSignsLikeTheBody) {
  SignableRequest with_body;
  with_body.headers = {{"Host", "127.0.0.1:4566"}, {"X-Amz-Target", "Kinesis_20131202.PutRecords"}};
  with_body.body = R"({"StreamName":"s","Records":[]})";
  SignableRequest with_hash = with_body;
  with_hash.body.clear();
  with_hash.payload_hash = Sha256Hex(with_body.body);
  const SigningParams params{"us-east-1", "kinesis", "20261122T030000Z"};
  EXPECT_EQ(CanonicalRequest(with_body), CanonicalRequest(with_hash));
  EXPECT_EQ(Sign(with_body, {"AK", "SK", ""}, params), Sign(with_hash, {"AK", "SK", ""}, params));
}

TEST(SigV4Test, Helpers) {
  EXPECT_EQ(UriEncode("a b/c~d*e", false), "a%20b%2Fc~d%2Ae");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(AmzDate(0), "19700101T000000Z");
  EXPECT_EQ(AmzDate(1'795'316'400), "20261122T030000Z");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231's HMAC-SHA-256 test cases 1, 2 and 6 (a key longer than the 64-byte block).
TEST(SigV4Test, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(Hex(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Hex(HmacSha256(std::string(131, '\xaa'),
                           "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

}  // namespace
}  // namespace eddy::auth
