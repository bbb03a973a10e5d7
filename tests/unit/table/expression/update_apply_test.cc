// Applying update expressions. Behaviour from the DynamoDB developer guide ("Update
// expressions") and dynalite's updateItem suite, which was run against DynamoDB.

#include <gtest/gtest.h>

#include <string>

#include "eddy/table/expression/projection.h"
#include "eddy/table/expression/update.h"
#include "test_util.h"

namespace eddy::table::expression {
namespace {

using namespace testing;  // NOLINT

constexpr char kMissing[] =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr char kIncorrectType[] = "An operand in the update expression has an incorrect data type";
constexpr char kInvalidPath[] =
    "The document path provided in the update expression is invalid for update";

class UpdateApplyTest : public ::testing::Test {
 protected:
  UpdateApplyTest() {
    item_["pk"] = Str("k");
    item_["n"] = Num("0.1");
    item_["five"] = Num("5");
    item_["s"] = Str("text");
    item_["ss"] = Ss({"a", "b"});
    item_["ns"] = Ns({"1", "2"});
    item_["bs"] = Bs({std::string("\x01", 1), std::string("\x02", 1)});
    item_["l"] = L({Str("x"), Str("y")});
    item_["l4"] = L({Str("x"), Str("y"), Str("z"), Str("w")});
    item_["m"] = M({{"k", Str("v")}, {"child", M({{"z", Num("1")}})}});
    item_["big"] = Num("9E125");
    request_.names = {{"#n", "name"}};
    request_.values = {
        {":zero", Num("0")},
        {":one", Num("1")},
        {":one_dot", Num("1.0")},
        {":two", Num("2")},
        {":p2", Num("0.2")},
        {":big", Num("9E125")},
        {":str", Str("new")},
        {":ss_bc", Ss({"b", "c"})},
        {":ss_ab", Ss({"a", "b"})},
        {":ss_a", Ss({"a"})},
        {":ns", Ns({"1.0", "3"})},
        {":bs", Bs({std::string("\x02", 1), std::string("\x03", 1)})},
        {":list", L({Num("1")})},
        {":empty_list", L({})},
        {":map", M({{"q", Num("1")}})},
    };
  }

  Result<Item> Apply(std::string_view text, const Item& item) {
    Result<UpdateExpression> update = UpdateExpression::Parse(text, request_.Inputs());
    EXPECT_TRUE(update.ok()) << text << ": " << update.status().ToString();
    if (!update.ok()) return update.status();
    return update->Apply(item);
  }
  Item Applied(std::string_view text, const Item& item) {
    Result<Item> result = Apply(text, item);
    EXPECT_TRUE(result.ok()) << text << ": " << result.status().ToString();
    return result.ok() ? std::move(result).value() : Item();
  }
  Item Applied(std::string_view text) { return Applied(text, item_); }
  std::string Error(std::string_view text, const Item& item) {
    Result<Item> result = Apply(text, item);
    if (result.ok()) return "OK";
    EXPECT_EQ(result.status().code(), Status::Code::kInvalidArgument);
    return result.status().message();
  }
  std::string Error(std::string_view text) { return Error(text, item_); }

  Item item_;
  Request request_;
};

TEST_F(UpdateApplyTest, SetTopLevelAttributes) {
  Item updated = Applied("SET five = :two, fresh = :str, #n = :one");
  EXPECT_EQ(updated.at("five"), Num("2"));
  EXPECT_EQ(updated.at("fresh"), Str("new"));
  EXPECT_EQ(updated.at("name"), Num("1"));
  EXPECT_EQ(updated.at("pk"), Str("k"));
  EXPECT_EQ(updated.size(), item_.size() + 2);
  // On a new item.
  Item created = Applied("SET a = :str", Item{});
  EXPECT_EQ(created, (Item{{"a", Str("new")}}));
}

TEST_F(UpdateApplyTest, ValuesComeFromTheItemBeforeTheUpdate) {
  Item updated = Applied("SET s = five, five = s");
  EXPECT_EQ(updated.at("s"), Num("5"));
  EXPECT_EQ(updated.at("five"), Str("text"));
}

TEST_F(UpdateApplyTest, ExactDecimalArithmetic) {
  EXPECT_EQ(Applied("SET n = n + :p2").at("n"), Num("0.3"));
  EXPECT_EQ(Applied("SET n = n - :one").at("n"), Num("-0.9"));
  EXPECT_EQ(Applied("SET x = :one + :p2").at("x"), Num("1.2"));
  EXPECT_EQ(Applied("SET x = (five - :one) - :two").at("x"), Num("2"));
  EXPECT_EQ(Applied("SET x = five - (n + :p2)").at("x"), Num("4.7"));
  EXPECT_EQ(Error("SET big = big + :big"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

TEST_F(UpdateApplyTest, OperandsMustExistAndHaveTheRightType) {
  EXPECT_EQ(Error("SET c = absent"), kMissing);
  EXPECT_EQ(Error("SET c = absent + :one"), kMissing);
  EXPECT_EQ(Error("SET c = list_append(absent, l)"), kMissing);
  EXPECT_EQ(Error("SET c = m.child.nope"), kMissing);
  EXPECT_EQ(Error("SET c = s + :one"), kIncorrectType);
  EXPECT_EQ(Error("SET c = :one - ss"), kIncorrectType);
  EXPECT_EQ(Error("SET c = list_append(ns, :list)"), kIncorrectType);
  EXPECT_EQ(Error("SET c = list_append(:list, s)"), kIncorrectType);
}

TEST_F(UpdateApplyTest, IfNotExists) {
  EXPECT_EQ(Applied("SET five = if_not_exists(five, :zero)").at("five"), Num("5"));
  EXPECT_EQ(Applied("SET c = if_not_exists(c, :zero)").at("c"), Num("0"));
  EXPECT_EQ(Applied("SET c = if_not_exists(c, :zero) + :one").at("c"), Num("1"));
  EXPECT_EQ(Applied("SET five = if_not_exists(five, :zero) + :one").at("five"), Num("6"));
  EXPECT_EQ(Applied("SET c = if_not_exists(m.k, s)").at("c"), Str("v"));
  EXPECT_EQ(Error("SET c = if_not_exists(c, absent)"), kMissing);
}

TEST_F(UpdateApplyTest, ListAppend) {
  EXPECT_EQ(Applied("SET l = list_append(l, :list)").at("l"), L({Str("x"), Str("y"), Num("1")}));
  EXPECT_EQ(Applied("SET l = list_append(:list, l)").at("l"), L({Num("1"), Str("x"), Str("y")}));
  EXPECT_EQ(Applied("SET c = list_append(if_not_exists(c, :empty_list), :list)").at("c"),
            L({Num("1")}));
  EXPECT_EQ(Applied("SET c = list_append(l, l)").at("c"),
            L({Str("x"), Str("y"), Str("x"), Str("y")}));
}

TEST_F(UpdateApplyTest, NestedSet) {
  Item updated = Applied("SET m.k = :one, m.fresh = :str, m.child.z = :two, l[1] = :one");
  EXPECT_EQ(updated.at("m"),
            M({{"k", Num("1")}, {"fresh", Str("new")}, {"child", M({{"z", Num("2")}})}}));
  EXPECT_EQ(updated.at("l"), L({Str("x"), Num("1")}));
  EXPECT_EQ(Error("SET absent.a = :one"), kInvalidPath);
  EXPECT_EQ(Error("SET absent[0] = :one"), kInvalidPath);
  EXPECT_EQ(Error("SET s.a = :one"), kInvalidPath);
  EXPECT_EQ(Error("SET l.a = :one"), kInvalidPath);
  EXPECT_EQ(Error("SET m[0] = :one"), kInvalidPath);
  EXPECT_EQ(Error("SET m.nope.a = :one"), kInvalidPath);
  EXPECT_EQ(Error("SET l[5].a = :one"), kInvalidPath);
  EXPECT_EQ(Error("SET b.a = :one", Item{}), kInvalidPath);
}

TEST_F(UpdateApplyTest, SetPastTheEndAppendsInIndexOrder) {
  EXPECT_EQ(Applied("SET l[10] = :one").at("l"), L({Str("x"), Str("y"), Num("1")}));
  EXPECT_EQ(Applied("SET l[5] = :one, l[3] = :two").at("l"),
            L({Str("x"), Str("y"), Num("2"), Num("1")}));
  // No index, however large, sizes an allocation.
  EXPECT_EQ(Applied("SET l[2147483647] = :one").at("l"), L({Str("x"), Str("y"), Num("1")}));
}

TEST_F(UpdateApplyTest, ReproducesDynamoDbsNestedUpdateExample) {
  // dynalite's "should update nested attributes", run against DynamoDB.
  Item item{{"a", Str("key")},
            {"b", M({{"a", Num("1")}, {"b", Num("2")}, {"c", Num("3")}})},
            {"c", L({Num("1"), Num("3")})}};
  request_.values = {{":a", Num("2")}, {":b", Ss({"a"})}};
  Result<UpdateExpression> update = UpdateExpression::Parse(
      "set b.c=((c[1])+(b.a)),b.a = a,c[1] = a, c[4] = b.a - b.b, c[2] = b.c add c[8] :b, c[6] :a",
      request_.Inputs());
  ASSERT_TRUE(update.ok()) << update.status().ToString();
  Result<Item> updated = update->Apply(item);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(*updated,
            (Item{{"a", Str("key")},
                  {"b", M({{"a", Str("key")}, {"b", Num("2")}, {"c", Num("4")}})},
                  {"c", L({Num("1"), Str("key"), Num("3"), Num("-1"), Num("2"), Ss({"a"})})}}));
  // ReturnValues UPDATED_NEW, as DynamoDB answered.
  EXPECT_EQ(ProjectItem(*updated, update->UpdatedPaths()),
            (Item{{"b", M({{"a", Str("key")}, {"c", Num("4")}})},
                  {"c", L({Str("key"), Num("3"), Num("2")})}}));
  // UPDATED_OLD.
  EXPECT_EQ(ProjectItem(item, update->UpdatedPaths()),
            (Item{{"b", M({{"a", Num("1")}, {"c", Num("3")}})}, {"c", L({Num("3")})}}));
}

TEST_F(UpdateApplyTest, Remove) {
  Item updated = Applied("REMOVE s, absent, m.k, m.nope, l4[0], l4[2], l[7]");
  EXPECT_EQ(updated.count("s"), 0u);
  EXPECT_EQ(updated.at("m"), M({{"child", M({{"z", Num("1")}})}}));
  EXPECT_EQ(updated.at("l4"), L({Str("y"), Str("w")}));  // indexes of the list as it was
  EXPECT_EQ(updated.at("l"), item_.at("l"));
  EXPECT_EQ(Error("REMOVE absent.a"), kInvalidPath);
  EXPECT_EQ(Error("REMOVE absent[0]"), kInvalidPath);
  EXPECT_EQ(Error("REMOVE s.a"), kInvalidPath);
  EXPECT_EQ(Error("REMOVE m[0]"), kInvalidPath);
  EXPECT_EQ(Error("REMOVE l.a"), kInvalidPath);
  EXPECT_EQ(Applied("REMOVE pk", Item{}), Item{});
}

TEST_F(UpdateApplyTest, RemoveAndSetOnOneListUseTheOriginalIndexes) {
  EXPECT_EQ(Applied("SET l[1] = :one REMOVE l[0]").at("l"), L({Num("1")}));
  // l[2] did not exist: the element appended by SET stays.
  EXPECT_EQ(Applied("SET l[9] = :one REMOVE l[2]").at("l"), L({Str("x"), Str("y"), Num("1")}));
}

TEST_F(UpdateApplyTest, AddNumbersAndSets) {
  EXPECT_EQ(Applied("ADD five :one").at("five"), Num("6"));
  EXPECT_EQ(Applied("ADD n :p2").at("n"), Num("0.3"));
  EXPECT_EQ(Applied("ADD fresh :two").at("fresh"), Num("2"));
  EXPECT_EQ(Applied("ADD fresh :ss_a").at("fresh"), Ss({"a"}));
  EXPECT_EQ(Applied("ADD ss :ss_bc").at("ss"), Ss({"a", "b", "c"}));
  EXPECT_EQ(Applied("ADD ns :ns").at("ns"), Ns({"1", "2", "3"}));  // 1.0 is 1
  EXPECT_EQ(Applied("ADD bs :bs").at("bs"),
            Bs({std::string("\x01", 1), std::string("\x02", 1), std::string("\x03", 1)}));
  EXPECT_EQ(Applied("ADD m.child.z :one, m.tally :one").at("m"),
            M({{"k", Str("v")}, {"tally", Num("1")}, {"child", M({{"z", Num("2")}})}}));
  EXPECT_EQ(Applied("ADD l[5] :one").at("l"), L({Str("x"), Str("y"), Num("1")}));
  EXPECT_EQ(Error("ADD s :one"), kIncorrectType);
  EXPECT_EQ(Error("ADD ss :one"), kIncorrectType);
  EXPECT_EQ(Error("ADD five :ss_a"), kIncorrectType);
  EXPECT_EQ(Error("ADD ns :ss_a"), kIncorrectType);
  EXPECT_EQ(Error("ADD l :ss_a"), kIncorrectType);
  EXPECT_EQ(Error("ADD absent.a :one"), kInvalidPath);
  EXPECT_EQ(Error("ADD big :big"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
  // The result keeps the set invariant: sorted, distinct.
  const AttributeValue merged = Applied("ADD ss :ss_ab").at("ss");
  EXPECT_EQ(merged.byte_members(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(UpdateApplyTest, DeleteFromSets) {
  EXPECT_EQ(Applied("DELETE ss :ss_bc").at("ss"), Ss({"a"}));
  EXPECT_EQ(Applied("DELETE ns :ns").at("ns"), Ns({"2"}));
  EXPECT_EQ(Applied("DELETE bs :bs").at("bs"), Bs({std::string("\x01", 1)}));
  EXPECT_EQ(Applied("DELETE ss :ss_ab").count("ss"), 0u);  // empty: the attribute goes
  EXPECT_EQ(Applied("DELETE absent :ss_a"), item_);
  EXPECT_EQ(Error("DELETE ns :ss_a"), kIncorrectType);
  EXPECT_EQ(Error("DELETE s :ss_a"), kIncorrectType);
  EXPECT_EQ(Error("DELETE absent.a :ss_a"), kInvalidPath);
  Item with_sets{{"l", L({Ss({"a"}), Ss({"a", "b"})})}};
  EXPECT_EQ(Applied("DELETE l[0] :ss_a, l[1] :ss_a", with_sets), (Item{{"l", L({Ss({"b"})})}}));
}

TEST_F(UpdateApplyTest, ValuesBeyondTheItemLimitAreRefusedEarly) {
  // 100 KB list: list_append nested three deep would build 800 KB.
  AttributeList elements(1000, Str(std::string(100, 'x')));
  Item item{{"l", L(std::move(elements))}};
  constexpr char kTooLarge[] = "Item size to update has exceeded the maximum allowed size";
  EXPECT_EQ(Error("SET a = list_append(list_append(l, l), list_append(l, l))", item), "OK");
  EXPECT_EQ(Error("SET a = list_append(list_append(list_append(l, l), list_append(l, l)), "
                  "list_append(list_append(l, l), list_append(l, l)))",
                  item),
            kTooLarge);
  EXPECT_EQ(Error("SET a = l, b = l, c = l", item), "OK");
  EXPECT_EQ(Error("SET a = l, b = l, c = l, d = l, e = l", item), kTooLarge);
}

TEST_F(UpdateApplyTest, ErrorsLeaveTheInputUntouched) {
  const Item before = item_;
  EXPECT_EQ(Error("SET five = :two, s.a = :one"), kInvalidPath);
  EXPECT_EQ(Error("SET fresh = :one ADD s :one"), kIncorrectType);
  EXPECT_EQ(item_, before);
}

TEST_F(UpdateApplyTest, UpdatedPathsProjectOldAndNewValues) {
  Item item{{"a", Num("1")},
            {"b", M({{"x", Num("1")}, {"y", Num("2")}})},
            {"c", Str("keep")},
            {"gone", Str("g")}};
  Result<UpdateExpression> update =
      UpdateExpression::Parse("SET a = :two, b.x = :two REMOVE gone, zz", request_.Inputs());
  ASSERT_TRUE(update.ok());
  Result<Item> updated = update->Apply(item);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(ProjectItem(item, update->UpdatedPaths()),
            (Item{{"a", Num("1")}, {"b", M({{"x", Num("1")}})}, {"gone", Str("g")}}));
  EXPECT_EQ(ProjectItem(*updated, update->UpdatedPaths()),
            (Item{{"a", Num("2")}, {"b", M({{"x", Num("2")}})}}));
  EXPECT_EQ(update->ModifiedAttributes(), (std::vector<std::string>{"a", "b", "gone", "zz"}));
  EXPECT_EQ(update->UpdatedAttributes(*updated), ProjectItem(*updated, update->UpdatedPaths()));
}

TEST_F(UpdateApplyTest, KeyAttributesCannotBeUpdated) {
  // dynalite's suite, run against DynamoDB: hash key a, range key b.
  for (const char* text : {"add a.b :one", "delete a :ss_a", "remove d set b = :one, a = :one",
                           "delete b :ss_a remove a", "set a = a.b + a[1]"}) {
    Result<UpdateExpression> update = UpdateExpression::Parse(text, request_.Inputs());
    ASSERT_TRUE(update.ok()) << text;
    EXPECT_EQ(update->CheckKeyAttributesUnchanged("a", "b").message(),
              "One or more parameter values were invalid: Cannot update attribute a. This "
              "attribute is part of the key")
        << text;
  }
  Result<UpdateExpression> update =
      UpdateExpression::Parse("set d[1] = :one add b.b :one", request_.Inputs());
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update->CheckKeyAttributesUnchanged("a", "b").message(),
            "One or more parameter values were invalid: Cannot update attribute b. This "
            "attribute is part of the key");
  EXPECT_TRUE(update->CheckKeyAttributesUnchanged("a", "").ok());
  EXPECT_TRUE(update->CheckKeyAttributesUnchanged("pk", "sk").ok());
}

}  // namespace
}  // namespace eddy::table::expression
