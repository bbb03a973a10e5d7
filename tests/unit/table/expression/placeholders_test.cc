#include <gtest/gtest.h>

#include "eddy/table/expression/condition.h"
#include "eddy/table/expression/expression_inputs.h"
#include "eddy/table/expression/projection.h"
#include "eddy/table/expression/update.h"
#include "test_util.h"

namespace eddy::table::expression {
namespace {

using namespace testing;  // NOLINT

TEST(PlaceholdersTest, ParameterNamesPrefixMessages) {
  EXPECT_EQ(ParameterName(ExpressionKind::kCondition), "ConditionExpression");
  EXPECT_EQ(ParameterName(ExpressionKind::kFilter), "FilterExpression");
  EXPECT_EQ(ParameterName(ExpressionKind::kKeyCondition), "KeyConditionExpression");
  EXPECT_EQ(ParameterName(ExpressionKind::kUpdate), "UpdateExpression");
  EXPECT_EQ(ParameterName(ExpressionKind::kProjection), "ProjectionExpression");
}

TEST(PlaceholdersTest, AllUsedAcrossARequestsExpressionsIsOk) {
  Request request;
  request.names = {{"#a", "a"}, {"#b", "b"}, {"#p", "p"}};
  request.values = {{":v", Num("1")}, {":w", Str("x")}};
  ExpressionInputs inputs = request.Inputs();
  ASSERT_TRUE(UpdateExpression::Parse("SET #a = :v", inputs).ok());
  ASSERT_TRUE(ConditionExpression::Parse("#b = :w", ExpressionKind::kCondition, inputs).ok());
  ASSERT_TRUE(ProjectionExpression::Parse("#p", inputs).ok());
  EXPECT_TRUE(CheckAllPlaceholdersUsed(inputs.names, inputs.values, request.usage).ok());
}

TEST(PlaceholdersTest, ReportsUnusedNamesBeforeUnusedValuesInSortedOrder) {
  Request request;
  request.names = {{"#b", "b"}, {"#a", "a"}, {"#used", "u"}};
  request.values = {{":c", Num("1")}, {":a", Num("1")}, {":used", Num("1")}};
  ExpressionInputs inputs = request.Inputs();
  ASSERT_TRUE(ConditionExpression::Parse("#used = :used", ExpressionKind::kFilter, inputs).ok());
  Status status = CheckAllPlaceholdersUsed(inputs.names, inputs.values, request.usage);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}");

  request.usage.UseName("#a");
  request.usage.UseName("#b");
  status = CheckAllPlaceholdersUsed(inputs.names, inputs.values, request.usage);
  EXPECT_EQ(status.message(),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}");
}

TEST(PlaceholdersTest, NoMapsMeansNothingUnused) {
  PlaceholderUsage usage;
  EXPECT_TRUE(CheckAllPlaceholdersUsed(nullptr, nullptr, usage).ok());
}

TEST(PlaceholdersTest, AFailedParseMarksNothingUsed) {
  Request request;
  request.values = {{":v", Num("1")}};
  ExpressionInputs inputs = request.Inputs();
  ASSERT_FALSE(ConditionExpression::Parse("a = :v AND", ExpressionKind::kCondition, inputs).ok());
  EXPECT_FALSE(request.usage.ValueUsed(":v"));
}

}  // namespace
}  // namespace eddy::table::expression
