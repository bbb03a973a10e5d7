#include "eddy/pipe/function_response.h"

#include <gtest/gtest.h>

namespace eddy::pipe {
namespace {

const std::vector<std::string_view> kIds{"100", "200", "300"};

BatchVerdict Judge(std::string_view body, bool strict = false) {
  return JudgeResponse(body, kIds, true, strict);
}

TEST(JudgeResponseTest, SuccessShapes) {
  for (std::string_view body : {"", "  ", "null", "{}", R"({"batchItemFailures":null})",
                                R"({"batchItemFailures":[]})"}) {
    const BatchVerdict v = Judge(body);
    EXPECT_EQ(v.kind, BatchVerdict::Kind::kSuccess) << body;
    EXPECT_FALSE(v.suspicious) << body;
  }
}

TEST(JudgeResponseTest, PartialPicksTheLowestReportedRecord) {
  const BatchVerdict v =
      Judge(R"({"batchItemFailures":[{"itemIdentifier":"300"},{"itemIdentifier":"200"}]})");
  ASSERT_EQ(v.kind, BatchVerdict::Kind::kPartial);
  EXPECT_EQ(v.first_failed, 1u);
}

TEST(JudgeResponseTest, FailureShapes) {
  for (std::string_view body :
       {"not json", R"({"batchItemFailures":{}})", R"({"batchItemFailures":[{}]})",
        R"({"batchItemFailures":[{"itemIdentifier":""}]})",
        R"({"batchItemFailures":[{"itemIdentifier":null}]})",
        R"({"batchItemFailures":[{"itemIdentifier":"999"}]})",
        R"({"batchItemFailures":[{"itemIdentifer":"100"}]})",
        R"({"batchItemFailures":[{"itemIdentifier":100}]})"}) {
    const BatchVerdict v = Judge(body);
    EXPECT_EQ(v.kind, BatchVerdict::Kind::kFailure) << body;
    EXPECT_FALSE(v.reason.empty()) << body;
  }
}

TEST(JudgeResponseTest, ATypoInTheKeyIsASuspiciousSuccessOrAFailureWhenStrict) {
  const std::string_view body = R"({"batchItemFailure":[{"itemIdentifier":"100"}]})";
  const BatchVerdict lax = Judge(body);
  EXPECT_EQ(lax.kind, BatchVerdict::Kind::kSuccess);
  EXPECT_TRUE(lax.suspicious);
  EXPECT_NE(lax.reason.find("batchItemFailure"), std::string::npos);
  EXPECT_EQ(Judge(body, true).kind, BatchVerdict::Kind::kFailure);
  EXPECT_TRUE(Judge("\"ok\"").suspicious);
}

TEST(JudgeResponseTest, WithoutReportBatchItemFailuresAnyResponseIsSuccess) {
  EXPECT_EQ(JudgeResponse("not json", kIds, false, true).kind, BatchVerdict::Kind::kSuccess);
  EXPECT_EQ(JudgeResponse(R"({"batchItemFailures":[{"itemIdentifier":"100"}]})", kIds, false,
                          false)
                .kind,
            BatchVerdict::Kind::kSuccess);
}

}  // namespace
}  // namespace eddy::pipe
