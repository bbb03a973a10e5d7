// KeyConditionExpression analysis. Messages and their order: dynalite's query suite (run
// against DynamoDB), moto's tests, and users' reports of DynamoDB's answers ("Query key
// condition not supported" for begins_with on a partition key; "Invalid operator used in
// KeyConditionExpression: IN").

#include "eddy/table/expression/key_condition.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace eddy::table::expression {
namespace {

using namespace testing;  // NOLINT

class KeyConditionTest : public ::testing::Test {
 protected:
  KeyConditionTest() {
    table_.partition_key = "pk";
    table_.partition_key_type = ValueType::kString;
    table_.sort_key = "sk";
    table_.sort_key_type = ValueType::kNumber;
    hash_only_.partition_key = "pk";
    request_.names = {{"#pk", "pk"}, {"#sk", "sk"}};
    request_.values = {{":p", Str("user#1")}, {":empty", Str("")}, {":n1", Num("1")},
                       {":n2", Num("2")},     {":s", Str("a")},    {":bin", Bin("")},
                       {":type", Str("S")}};
  }

  Result<KeyCondition> Analyze(std::string_view text, const KeySchema& schema) {
    Result<ConditionExpression> parsed =
        ConditionExpression::Parse(text, ExpressionKind::kKeyCondition, request_.Inputs());
    if (!parsed.ok()) return parsed.status();
    return AnalyzeKeyCondition(*parsed, schema);
  }
  std::string Error(std::string_view text, const KeySchema& schema) {
    Result<KeyCondition> result = Analyze(text, schema);
    if (result.ok()) return "OK";
    EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
    return result.status().message();
  }
  std::string Error(std::string_view text) { return Error(text, table_); }

  KeySchema table_;
  KeySchema hash_only_;
  Request request_;
};

TEST_F(KeyConditionTest, PartitionKeyAlone) {
  Result<KeyCondition> result = Analyze("pk = :p", table_);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->partition_value, Str("user#1"));
  EXPECT_FALSE(result->sort.has_value());
  result = Analyze("#pk = :p", hash_only_);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->partition_value, Str("user#1"));
}

TEST_F(KeyConditionTest, EachSortKeyOperator) {
  struct Case {
    const char* text;
    SortKeyOperator op;
  };
  for (const Case& c : {Case{"pk = :p AND sk = :n1", SortKeyOperator::kEqual},
                        Case{"pk = :p AND sk < :n1", SortKeyOperator::kLess},
                        Case{"pk = :p AND sk <= :n1", SortKeyOperator::kLessOrEqual},
                        Case{"pk = :p AND sk > :n1", SortKeyOperator::kGreater},
                        Case{"pk = :p AND sk >= :n1", SortKeyOperator::kGreaterOrEqual},
                        // The key may stand on the right: the operator turns around.
                        Case{":n1 < sk AND pk = :p", SortKeyOperator::kGreater},
                        Case{":n1 >= #sk and :p = pk", SortKeyOperator::kLessOrEqual},
                        Case{"sk BETWEEN :n1 AND :n2 AND pk = :p", SortKeyOperator::kBetween}}) {
    Result<KeyCondition> result = Analyze(c.text, table_);
    ASSERT_TRUE(result.ok()) << c.text << ": " << result.status().ToString();
    ASSERT_TRUE(result->sort.has_value()) << c.text;
    EXPECT_EQ(result->sort->op, c.op) << c.text;
    EXPECT_EQ(result->sort->value, Num("1")) << c.text;
    EXPECT_EQ(result->partition_value, Str("user#1")) << c.text;
  }
  Result<KeyCondition> between = Analyze("pk = :p AND sk BETWEEN :n1 AND :n2", table_);
  ASSERT_TRUE(between.ok());
  EXPECT_EQ(between->sort->upper, Num("2"));

  KeySchema string_sort = table_;
  string_sort.sort_key_type = ValueType::kString;
  Result<KeyCondition> prefix = Analyze("pk = :p AND begins_with(sk, :s)", string_sort);
  ASSERT_TRUE(prefix.ok()) << prefix.status().ToString();
  EXPECT_EQ(prefix->sort->op, SortKeyOperator::kBeginsWith);
  EXPECT_EQ(prefix->sort->value, Str("a"));
}

TEST_F(KeyConditionTest, OperatorsAKeyConditionCannotUse) {
  const std::string prefix = "Invalid operator used in KeyConditionExpression: ";
  EXPECT_EQ(Error("pk = :p OR sk = :n1"), prefix + "OR");
  EXPECT_EQ(Error("pk = :p AND NOT sk = :n1"), prefix + "NOT");
  EXPECT_EQ(Error("not pk = :p"), prefix + "NOT");
  EXPECT_EQ(Error("pk = :p AND sk IN (:n1, :n2)"), prefix + "IN");
  EXPECT_EQ(Error("pk <> :p"), prefix + "<>");
  EXPECT_EQ(Error("attribute_exists(pk)"), prefix + "attribute_exists");
  EXPECT_EQ(Error("attribute_not_exists(pk)"), prefix + "attribute_not_exists");
  EXPECT_EQ(Error("pk = :p AND contains(sk, :n1)"), prefix + "contains");
  EXPECT_EQ(Error("attribute_type(pk, :type)"), prefix + "attribute_type");
  // The first offending node in text order, from the root down.
  EXPECT_EQ(Error("pk > :p and size(pk) > :n1 or pk > :p"), prefix + "OR");
}

TEST_F(KeyConditionTest, MalformedConditions) {
  EXPECT_EQ(Error(":n1 BETWEEN sk AND :n2 AND pk = :p"),
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key "
            "attribute as its first operand");
  EXPECT_EQ(Error("begins_with(:s, sk) AND pk = :p"),
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key "
            "attribute as its first operand");
  EXPECT_EQ(Error("sk > pk"),
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition");
  EXPECT_EQ(Error("sk > pk.b"),
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
            "condition");
  EXPECT_EQ(Error("pk.d = :p"),
            "KeyConditionExpressions cannot have conditions on nested attributes");
  EXPECT_EQ(Error("pk[0] = :p"),
            "KeyConditionExpressions cannot have conditions on nested attributes");
  EXPECT_EQ(Error("pk = :p AND size(sk) > :n1"),
            "KeyConditionExpressions cannot contain nested operations");
  EXPECT_EQ(Error("sk > size(pk)"), "KeyConditionExpressions cannot contain nested operations");
  EXPECT_EQ(Error(":n2 > :n1 AND pk = :p"),
            "Invalid condition in KeyConditionExpression: No key attribute specified");
  EXPECT_EQ(Error("sk > :n1 AND sk < :n2 AND pk = :p"),
            "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(Error("pk = :p AND #pk = :p"),
            "KeyConditionExpressions must only contain one condition per key");
}

TEST_F(KeyConditionTest, ConditionsMustMatchTheKeySchema) {
  // More conditions than key attributes.
  EXPECT_EQ(Error("pk = :p AND sk = :n1", hash_only_), "Query key condition not supported");
  EXPECT_EQ(Error("y = :p and z = :p", hash_only_), "Query key condition not supported");
  EXPECT_EQ(Error("pk = :p AND sk = :n1 AND extra = :n1"), "Query key condition not supported");
  // The partition key, then the sort key, must be there.
  EXPECT_EQ(Error("z = :p", hash_only_), "Query condition missed key schema element: pk");
  EXPECT_EQ(Error("sk = :n1"), "Query condition missed key schema element: pk");
  EXPECT_EQ(Error("z BETWEEN :n1 AND :n2"), "Query condition missed key schema element: pk");
  EXPECT_EQ(Error("wrongName = :p AND sk = :n1"), "Query condition missed key schema element: pk");
  EXPECT_EQ(Error("pk = :p AND wrongName = :n1"), "Query condition missed key schema element: sk");
  EXPECT_EQ(Error("pk = :p AND begins_with(wrongName, :s)"),
            "Query condition missed key schema element: sk");
  // Values must have the key's type (checked before the partition key's operator).
  EXPECT_EQ(Error("pk = :n1"),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  EXPECT_EQ(Error("pk = :p AND sk > :s"),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  EXPECT_EQ(Error(":n1 > pk"),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  // begins_with on a number key: its S prefix does not match the key type...
  EXPECT_EQ(Error("pk = :p AND begins_with(sk, :s)"),
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
  // ... and an N prefix is refused by the parse.
  EXPECT_EQ(Error("pk = :p AND begins_with(sk, :n1)"),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: begins_with, operand type: N");
  // The partition key takes only =.
  for (const char* text : {"pk > :p", "pk < :p", "pk <= :p", "pk >= :p", "begins_with(pk, :p)",
                           "pk BETWEEN :p AND :p"}) {
    EXPECT_EQ(Error(text, hash_only_), "Query key condition not supported") << text;
  }
  EXPECT_EQ(Error("pk = :empty"),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: pk");
  KeySchema binary = hash_only_;
  binary.partition_key_type = ValueType::kBinary;
  EXPECT_EQ(Error("pk = :bin", binary),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty binary value. Key: pk");
}

TEST_F(KeyConditionTest, ParseErrorsKeepTheParameterPrefix) {
  EXPECT_EQ(Error("pk BETWEEN :n2 AND :n1"),
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be "
            "greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, "
            "upper bound operand: AttributeValue: {N:1}");
  EXPECT_EQ(Error("a > 4"),
            "Invalid KeyConditionExpression: Syntax error; token: \"4\", near: \"> 4\"");
}

TEST(SortKeyConditionTest, MatchesEachOperator) {
  auto make = [](SortKeyOperator op, AttributeValue value, AttributeValue upper = Null()) {
    SortKeyCondition c;
    c.op = op;
    c.value = std::move(value);
    c.upper = std::move(upper);
    return c;
  };
  EXPECT_TRUE(make(SortKeyOperator::kEqual, Num("1")).Matches(Num("1.0")));
  EXPECT_FALSE(make(SortKeyOperator::kEqual, Num("1")).Matches(Num("2")));
  EXPECT_TRUE(make(SortKeyOperator::kLess, Num("10")).Matches(Num("9")));
  EXPECT_FALSE(make(SortKeyOperator::kLess, Num("10")).Matches(Num("10")));
  EXPECT_TRUE(make(SortKeyOperator::kLessOrEqual, Num("10")).Matches(Num("10")));
  EXPECT_TRUE(make(SortKeyOperator::kGreater, Str("a")).Matches(Str("b")));
  EXPECT_FALSE(make(SortKeyOperator::kGreater, Str("b")).Matches(Str("b")));
  EXPECT_TRUE(make(SortKeyOperator::kGreaterOrEqual, Str("b")).Matches(Str("b")));
  EXPECT_TRUE(make(SortKeyOperator::kBetween, Num("1"), Num("3")).Matches(Num("3")));
  EXPECT_TRUE(make(SortKeyOperator::kBetween, Num("1"), Num("3")).Matches(Num("1")));
  EXPECT_FALSE(make(SortKeyOperator::kBetween, Num("1"), Num("3")).Matches(Num("3.5")));
  EXPECT_TRUE(make(SortKeyOperator::kBeginsWith, Str("ab")).Matches(Str("abc")));
  EXPECT_FALSE(make(SortKeyOperator::kBeginsWith, Str("ab")).Matches(Str("a")));
  EXPECT_TRUE(make(SortKeyOperator::kBeginsWith, Bin(std::string("\xff", 1)))
                  .Matches(Bin(std::string("\xff\x00", 2))));
  EXPECT_TRUE(make(SortKeyOperator::kLess, Bin(std::string("\xff", 1)))
                  .Matches(Bin(std::string("\x01", 1))));
  // Another type never matches.
  EXPECT_FALSE(make(SortKeyOperator::kEqual, Num("1")).Matches(Str("1")));
  EXPECT_FALSE(make(SortKeyOperator::kBeginsWith, Str("1")).Matches(Num("1")));
}

}  // namespace
}  // namespace eddy::table::expression
