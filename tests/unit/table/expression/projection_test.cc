// Projection expressions. List compaction and ordering were captured from DynamoDB by
// ExtendDB's suite; the overlap messages too.

#include "eddy/table/expression/projection.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace eddy::table::expression {
namespace {

using namespace testing;  // NOLINT

class ProjectionTest : public ::testing::Test {
 protected:
  ProjectionTest() {
    item_["pk"] = Str("p1");
    item_["mylist"] = L({Str("zero"), Str("one"), Str("two"), Str("three")});
    item_["listOfMaps"] =
        L({M({{"val", Str("a0")}, {"x", Str("x0")}}), M({{"val", Str("a1")}, {"x", Str("x1")}}),
           M({{"val", Str("a2")}, {"x", Str("x2")}})});
    item_["listWithNull"] = L({Str("keep0"), Null(), Str("keep2")});
    item_["deep"] = M({{"l1", M({{"l2", M({{"l3", Str("bottom")}, {"sib", Str("s")}})}})}});
    item_["nestedList"] = L({M({{"child", L({Str("i0"), Str("i1")})}})});
    item_["a"] = M({{"b", Str("bv")}, {"c", Str("cv")}});
    request_.names = {{"#i", "child"}, {"#p", "a"}, {"#q", "b"}, {"#s", "status"}};
  }

  Item Project(std::string_view text) {
    Result<ProjectionExpression> projection = ProjectionExpression::Parse(text, request_.Inputs());
    EXPECT_TRUE(projection.ok()) << text << ": " << projection.status().ToString();
    return projection.ok() ? projection->Apply(item_) : Item();
  }
  std::string Error(std::string_view text) {
    Result<ProjectionExpression> projection = ProjectionExpression::Parse(text, request_.Inputs());
    if (projection.ok()) return "OK";
    EXPECT_EQ(projection.status().code(), Status::Code::kInvalidArgument);
    return projection.status().message();
  }

  Item item_;
  Request request_;
};

TEST_F(ProjectionTest, TopLevelAttributes) {
  EXPECT_EQ(Project("pk, a"), (Item{{"pk", Str("p1")}, {"a", item_.at("a")}}));
  EXPECT_EQ(Project("absent"), Item{});
  EXPECT_EQ(Project("pk, absent"), (Item{{"pk", Str("p1")}}));
  EXPECT_EQ(Project("#s"), Item{});  // a reserved word through a placeholder
}

TEST_F(ProjectionTest, ListElementsAreCompactedInIndexOrder) {
  EXPECT_EQ(Project("mylist[0], mylist[2]"), (Item{{"mylist", L({Str("zero"), Str("two")})}}));
  EXPECT_EQ(Project("mylist[2], mylist[0]"), (Item{{"mylist", L({Str("zero"), Str("two")})}}));
  EXPECT_EQ(Project("mylist[1], mylist[3]"), (Item{{"mylist", L({Str("one"), Str("three")})}}));
  EXPECT_EQ(Project("mylist[3], mylist[9]"), (Item{{"mylist", L({Str("three")})}}));
  EXPECT_EQ(Project("mylist[9]"), Item{});
  EXPECT_EQ(Project("listOfMaps[0].val, listOfMaps[2].val"),
            (Item{{"listOfMaps", L({M({{"val", Str("a0")}}), M({{"val", Str("a2")}})})}}));
  EXPECT_EQ(Project("listWithNull"), (Item{{"listWithNull", item_.at("listWithNull")}}));
  EXPECT_EQ(Project("listWithNull[1]"), (Item{{"listWithNull", L({Null()})}}));
  EXPECT_EQ(Project("listWithNull[0], listWithNull[2]"),
            (Item{{"listWithNull", L({Str("keep0"), Str("keep2")})}}));
}

TEST_F(ProjectionTest, NestedMapsKeepOnlyTheSelectedMembers) {
  EXPECT_EQ(Project("deep.l1.l2.l3"),
            (Item{{"deep", M({{"l1", M({{"l2", M({{"l3", Str("bottom")}})}})}})}}));
  EXPECT_EQ(Project("nestedList[0].#i[1]"),
            (Item{{"nestedList", L({M({{"child", L({Str("i1")})}})})}}));
  EXPECT_EQ(Project("a.b, a.c"), (Item{{"a", item_.at("a")}}));
  EXPECT_EQ(Project("a.zz"), Item{});            // no empty enclosing map
  EXPECT_EQ(Project("a[0], mylist.x"), Item{});  // wrong container types select nothing
  EXPECT_EQ(Project("pk.x"), Item{});
}

TEST_F(ProjectionTest, OverlappingAndConflictingPaths) {
  const std::string overlap =
      "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or "
      "rewrite one of these paths; path one: ";
  EXPECT_EQ(Error("a, a.b"), overlap + "[a], path two: [a, b]");
  EXPECT_EQ(Error("a.b, a"), overlap + "[a, b], path two: [a]");
  EXPECT_EQ(Error("a, a"), overlap + "[a], path two: [a]");
  EXPECT_EQ(Error("mylist[0], mylist"), overlap + "[mylist, [0]], path two: [mylist]");
  EXPECT_EQ(Error("#p, #p.#q"), overlap + "[a], path two: [a, b]");  // resolved names
  EXPECT_EQ(Error("x, a.b, a"), overlap + "[a, b], path two: [a]");
  EXPECT_EQ(Error("a[0], a.b"),
            "Invalid ProjectionExpression: Two document paths conflict with each other; must "
            "remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]");
}

TEST_F(ProjectionTest, ParseErrors) {
  EXPECT_EQ(Error(""), "Invalid ProjectionExpression: The expression can not be empty;");
  EXPECT_EQ(Error("   "), "Invalid ProjectionExpression: The expression can not be empty;");
  EXPECT_EQ(Error("a b"),
            "Invalid ProjectionExpression: Syntax error; token: \"b\", near: \"a b\"");
  EXPECT_EQ(Error("a,"),
            "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"");
  EXPECT_EQ(Error("!!!"), "Invalid ProjectionExpression: Syntax error; token: \"!\", near: \"!!\"");
  EXPECT_EQ(Error("a, :v"),
            "Invalid ProjectionExpression: Syntax error; token: \":v\", near: \", :v\"");
  EXPECT_EQ(Error("mylist[0].COMMENT"),
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: COMMENT");
  EXPECT_EQ(Error("a.#u"),
            "Invalid ProjectionExpression: An expression attribute name used in the document "
            "path is not defined; attribute name: #u");
  // Reserved words come before undefined names, whatever the order in the text.
  EXPECT_EQ(Error("#u, size"),
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: size");
  // AND and SET are plain (reserved) names here, not keywords.
  EXPECT_EQ(Error("and"),
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: and");
  const std::string at_limit = "a" + std::string(4095, 'z');
  EXPECT_EQ(Error(at_limit), "OK");
  EXPECT_EQ(Error(at_limit + "z"),
            "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;");
}

TEST_F(ProjectionTest, TopLevelAttributesAreSortedAndDistinct) {
  Result<ProjectionExpression> projection =
      ProjectionExpression::Parse("mylist[1], a.b, mylist[0], pk", request_.Inputs());
  ASSERT_TRUE(projection.ok());
  EXPECT_EQ(projection->TopLevelAttributes(), (std::vector<std::string>{"a", "mylist", "pk"}));
  EXPECT_EQ(projection->paths().size(), 4u);
}

TEST(ProjectItemTest, AShorterOverlappingPathWins) {
  Item item{{"a", M({{"b", Num("1")}, {"c", Num("2")}})}};
  DocumentPath a{PathElement::Name("a")};
  DocumentPath ab{PathElement::Name("a"), PathElement::Name("b")};
  EXPECT_EQ(ProjectItem(item, {ab, a}), item);
  EXPECT_EQ(ProjectItem(item, {a, ab}), item);
  EXPECT_EQ(ProjectItem(item, {}), Item{});
}

}  // namespace
}  // namespace eddy::table::expression
