#include "eddy/table/expression/document_path.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace eddy::table::expression {
namespace {

using namespace testing;  // NOLINT

DocumentPath P(std::initializer_list<PathElement> elements) { return DocumentPath(elements); }
PathElement Nm(const char* n) { return PathElement::Name(n); }
PathElement Ix(uint32_t i) { return PathElement::Index(i); }

TEST(DocumentPathTest, FormatsLikeDynamoDb) {
  EXPECT_EQ(FormatPath(P({Nm("a")})), "[a]");
  EXPECT_EQ(FormatPath(P({Nm("ab"), Nm("bc"), Ix(1), Nm("a")})), "[ab, bc, [1], a]");
  // A name that looks like an index is printed as written.
  EXPECT_EQ(FormatPath(P({Nm("c"), Ix(3), Nm("[3]")})), "[c, [3], [3]]");
}

TEST(DocumentPathTest, FindsNestedValuesAndNothingAcrossWrongTypes) {
  Item item;
  item["m"] = M({{"l", L({Str("x"), M({{"deep", Num("7")}})})}});
  item["s"] = Str("text");
  ASSERT_NE(FindValue(item, P({Nm("m"), Nm("l"), Ix(1), Nm("deep")})), nullptr);
  EXPECT_EQ(*FindValue(item, P({Nm("m"), Nm("l"), Ix(1), Nm("deep")})), Num("7"));
  EXPECT_EQ(*FindValue(item, P({Nm("m"), Nm("l"), Ix(0)})), Str("x"));
  EXPECT_EQ(FindValue(item, P({Nm("m"), Nm("l"), Ix(2)})), nullptr);    // past the end
  EXPECT_EQ(FindValue(item, P({Nm("m"), Ix(0)})), nullptr);             // index on a map
  EXPECT_EQ(FindValue(item, P({Nm("m"), Nm("l"), Nm("x")})), nullptr);  // name on a list
  EXPECT_EQ(FindValue(item, P({Nm("s"), Nm("x")})), nullptr);           // into a string
  EXPECT_EQ(FindValue(item, P({Nm("missing")})), nullptr);
  EXPECT_EQ(FindValue(item, P({Nm("m"), Nm("l"), Ix(4000000000u)})), nullptr);
  EXPECT_EQ(FindValue(item, DocumentPath()), nullptr);
}

TEST(DocumentPathTest, RelatesPathsAsOverlappingConflictingOrDisjoint) {
  EXPECT_EQ(RelatePaths(P({Nm("a")}), P({Nm("a")})), PathRelation::kOverlap);
  EXPECT_EQ(RelatePaths(P({Nm("a")}), P({Nm("a"), Nm("b")})), PathRelation::kOverlap);
  EXPECT_EQ(RelatePaths(P({Nm("a"), Ix(1), Nm("b")}), P({Nm("a"), Ix(1)})), PathRelation::kOverlap);
  EXPECT_EQ(RelatePaths(P({Nm("a"), Ix(1)}), P({Nm("a"), Nm("b")})), PathRelation::kConflict);
  EXPECT_EQ(RelatePaths(P({Nm("a"), Nm("b")}), P({Nm("a"), Nm("c")})), PathRelation::kDisjoint);
  EXPECT_EQ(RelatePaths(P({Nm("a"), Ix(1)}), P({Nm("a"), Ix(2)})), PathRelation::kDisjoint);
  EXPECT_EQ(RelatePaths(P({Nm("a")}), P({Nm("b"), Ix(2)})), PathRelation::kDisjoint);
}

TEST(DocumentPathTest, OrdersIndexesNumerically) {
  EXPECT_TRUE(PathLess(P({Nm("a"), Ix(2)}), P({Nm("a"), Ix(10)})));
  EXPECT_FALSE(PathLess(P({Nm("a"), Ix(10)}), P({Nm("a"), Ix(2)})));
  EXPECT_TRUE(PathLess(P({Nm("a")}), P({Nm("a"), Ix(0)})));
  EXPECT_TRUE(PathLess(P({Nm("a"), Ix(9)}), P({Nm("a"), Nm("b")})));
  EXPECT_TRUE(PathLess(P({Nm("a")}), P({Nm("b")})));
  EXPECT_FALSE(PathLess(P({Nm("a")}), P({Nm("a")})));
}

}  // namespace
}  // namespace eddy::table::expression
