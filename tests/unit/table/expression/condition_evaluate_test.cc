// Evaluation truth tables. Semantics: DynamoDB developer guide, "Comparison operator and
// function reference"; size() of strings in UTF-16 units as verified against DynamoDB
// (ExtendDB #60); `<>` true against a absent operand (ExtendDB, verified against DynamoDB).

#include <gtest/gtest.h>

#include <string>

#include "eddy/table/expression/condition.h"
#include "test_util.h"

namespace eddy::table::expression {
namespace {

using namespace testing;  // NOLINT

class ConditionEvaluateTest : public ::testing::Test {
 protected:
  ConditionEvaluateTest() {
    item_["s"] = Str("hello");
    item_["s_utf"] = Str("\xC3\xA9\xF0\x9D\x84\x9E");  // "é𝄞": 3 UTF-16 units, 6 bytes
    item_["high"] = Str("\xC3\xA9");                   // "é" sorts after "z" by bytes
    item_["blank"] = Str("");
    item_["n"] = Num("10");
    item_["neg"] = Num("-2.5");
    item_["lo"] = Num("5");
    item_["hi"] = Num("20");
    item_["b"] = Bin(std::string("\x01\xff", 2));
    item_["ss"] = Ss({"a", "b"});
    item_["ns"] = Ns({"1", "2.5"});
    item_["bs"] = Bs({std::string("\x01", 1), std::string("\x02", 1)});
    item_["l"] = L({Str("x"), Num("1"), M({{"k", Str("v")}})});
    item_["m"] = M({{"k", Str("v")}, {"child", M({{"z", Num("1")}})}});
    item_["t"] = Bool(true);
    item_["nul"] = Null();

    request_.values = {
        {":hello", Str("hello")},
        {":str_k", Str("k")},
        {":hel", Str("hel")},
        {":ell", Str("ell")},
        {":world", Str("world")},
        {":xyz", Str("xyz")},
        {":z", Str("z")},
        {":a", Str("a")},
        {":c", Str("c")},
        {":x", Str("x")},
        {":empty", Str("")},
        {":s_ten", Str("10")},
        {":zero", Num("0")},
        {":one", Num("1")},
        {":one_dot", Num("1.0")},
        {":two", Num("2")},
        {":three", Num("3")},
        {":five", Num("5")},
        {":ten", Num("10")},
        {":ten_dot", Num("10.00")},
        {":n11", Num("11")},
        {":n99", Num("99")},
        {":big", Num("1E2")},
        {":b01", Bin(std::string("\x01", 1))},
        {":bff", Bin(std::string("\xff", 1))},
        {":b_h", Bin("h")},
        {":ss_reordered", Ss({"b", "a"})},
        {":ns_dot", Ns({"2.50", "1.0"})},
        {":list_copy", L({Str("x"), Num("1.0"), M({{"k", Str("v")}})})},
        {":map_reordered", M({{"child", M({{"z", Num("1")}})}, {"k", Str("v")}})},
        {":map_kv", M({{"k", Str("v")}})},
        {":true", Bool(true)},
        {":false", Bool(false)},
        {":null", Null()},
        {":S", Str("S")},
        {":N", Str("N")},
        {":B", Str("B")},
        {":SS", Str("SS")},
        {":NS", Str("NS")},
        {":BS", Str("BS")},
        {":L", Str("L")},
        {":M", Str("M")},
        {":BOOL", Str("BOOL")},
        {":NULL", Str("NULL")},
    };
  }

  bool Eval(std::string_view text, const Item& item) {
    Result<ConditionExpression> parsed =
        ConditionExpression::Parse(text, ExpressionKind::kCondition, request_.Inputs());
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    return parsed.ok() && parsed->Evaluate(item);
  }
  bool Eval(std::string_view text) { return Eval(text, item_); }

  Item item_;
  Request request_;
};

TEST_F(ConditionEvaluateTest, EqualityIsDeepAndTypeStrict) {
  EXPECT_TRUE(Eval("s = :hello"));
  EXPECT_FALSE(Eval("s = :hel"));
  EXPECT_TRUE(Eval("n = :ten"));
  EXPECT_TRUE(Eval("n = :ten_dot"));  // numbers by value
  EXPECT_FALSE(Eval("n = :s_ten"));   // N is not S
  EXPECT_FALSE(Eval("absent = :hello"));
  EXPECT_FALSE(Eval("absent = other_absent"));
  EXPECT_TRUE(Eval("l = :list_copy"));      // lists element by element, 1.0 = 1
  EXPECT_TRUE(Eval("m = :map_reordered"));  // maps whatever the order
  EXPECT_TRUE(Eval("ss = :ss_reordered"));  // sets whatever the order
  EXPECT_TRUE(Eval("ns = :ns_dot"));
  EXPECT_TRUE(Eval("t = :true"));
  EXPECT_FALSE(Eval("t = :false"));
  EXPECT_TRUE(Eval("nul = :null"));
  EXPECT_TRUE(Eval("l[2].k = m.k"));
}

TEST_F(ConditionEvaluateTest, InequalityIsTrueForMissingAndMismatchedOperands) {
  EXPECT_TRUE(Eval("absent <> :hello"));
  EXPECT_FALSE(Eval("s <> :hello"));
  EXPECT_TRUE(Eval("s <> :world"));
  EXPECT_TRUE(Eval("n <> :s_ten"));
  EXPECT_TRUE(Eval("size(n) <> :zero"));  // size() of a number has no value
  EXPECT_FALSE(Eval("m <> :map_reordered"));
}

TEST_F(ConditionEvaluateTest, OrderingForStringsNumbersAndBinaries) {
  EXPECT_TRUE(Eval("s < :world"));
  EXPECT_TRUE(Eval("high > :z"));  // UTF-8 bytes, not code points or locale
  EXPECT_TRUE(Eval("s >= :hello"));
  EXPECT_TRUE(Eval("s <= :hello"));
  EXPECT_FALSE(Eval("s < :hel"));
  EXPECT_TRUE(Eval("s > :hel"));
  EXPECT_TRUE(Eval("neg < :two"));
  EXPECT_FALSE(Eval("n > :n99"));  // numerically, not as text
  EXPECT_TRUE(Eval("n <= :ten"));
  EXPECT_TRUE(Eval(":big > n"));
  EXPECT_TRUE(Eval("b > :b01"));
  EXPECT_TRUE(Eval(":bff > b"));  // unsigned bytes
  EXPECT_TRUE(Eval("lo < hi"));
}

TEST_F(ConditionEvaluateTest, OrderingAcrossTypesOrOnNonScalarsIsFalse) {
  for (const char* text :
       {"n < :s_ten", "n > :s_ten", "n <= :s_ten", "n >= :s_ten", "s < n", "s > n", "l < m",
        "l > m", "ss < bs", "ss >= ns", "m <= l", "t > nul", "t >= nul", "absent < :ten",
        "absent >= :ten", ":ten <= absent", "size(n) < :one", "size(absent) >= :zero", "b < s"}) {
    EXPECT_FALSE(Eval(text)) << text;
  }
}

TEST_F(ConditionEvaluateTest, BetweenIsInclusiveAndTypeStrict) {
  EXPECT_TRUE(Eval("n BETWEEN :two AND :ten"));
  EXPECT_TRUE(Eval("n BETWEEN :ten AND :n99"));
  EXPECT_FALSE(Eval("n BETWEEN :n11 AND :n99"));
  EXPECT_TRUE(Eval("s BETWEEN :a AND :z"));
  EXPECT_FALSE(Eval("s BETWEEN :two AND :ten"));
  EXPECT_FALSE(Eval("absent BETWEEN :two AND :ten"));
  EXPECT_TRUE(Eval("n BETWEEN lo AND hi"));
  EXPECT_FALSE(Eval("n BETWEEN hi AND lo"));  // paths: an empty range, not an error
  EXPECT_FALSE(Eval("n BETWEEN lo AND absent"));
  EXPECT_FALSE(Eval("l BETWEEN lo AND hi"));
}

TEST_F(ConditionEvaluateTest, InMatchesAnyEqualCandidate) {
  EXPECT_TRUE(Eval("n IN (:two, :ten)"));
  EXPECT_TRUE(Eval("n IN (:ten_dot)"));
  EXPECT_FALSE(Eval("n IN (:two, :s_ten)"));
  EXPECT_FALSE(Eval("absent IN (:ten, :hello)"));
  EXPECT_TRUE(Eval("s IN (absent, :hello)"));
  EXPECT_TRUE(Eval("m.k IN (l[0], l[2].k)"));
}

TEST_F(ConditionEvaluateTest, AttributeExistence) {
  EXPECT_TRUE(Eval("attribute_exists(m.child.z)"));
  EXPECT_TRUE(Eval("attribute_exists(l[2].k)"));
  EXPECT_TRUE(Eval("attribute_exists(nul)"));
  EXPECT_TRUE(Eval("attribute_exists(blank)"));
  EXPECT_FALSE(Eval("attribute_exists(l[3])"));
  EXPECT_FALSE(Eval("attribute_exists(s.x)"));
  EXPECT_FALSE(Eval("attribute_exists(m[0])"));
  EXPECT_TRUE(Eval("attribute_not_exists(absent)"));
  EXPECT_TRUE(Eval("attribute_not_exists(m.child.y)"));
  EXPECT_FALSE(Eval("attribute_not_exists(s)"));
  // A absent item is an empty item.
  EXPECT_TRUE(Eval("attribute_not_exists(s)", Item{}));
  EXPECT_FALSE(Eval("attribute_exists(s)", Item{}));
  EXPECT_FALSE(Eval("s = :hello", Item{}));
  EXPECT_TRUE(Eval("s <> :hello", Item{}));
}

TEST_F(ConditionEvaluateTest, AttributeTypeNamesEachType) {
  EXPECT_TRUE(Eval("attribute_type(s, :S)"));
  EXPECT_TRUE(Eval("attribute_type(n, :N)"));
  EXPECT_TRUE(Eval("attribute_type(b, :B)"));
  EXPECT_TRUE(Eval("attribute_type(ss, :SS)"));
  EXPECT_TRUE(Eval("attribute_type(ns, :NS)"));
  EXPECT_TRUE(Eval("attribute_type(bs, :BS)"));
  EXPECT_TRUE(Eval("attribute_type(l, :L)"));
  EXPECT_TRUE(Eval("attribute_type(m, :M)"));
  EXPECT_TRUE(Eval("attribute_type(t, :BOOL)"));
  EXPECT_TRUE(Eval("attribute_type(nul, :NULL)"));
  EXPECT_FALSE(Eval("attribute_type(ss, :S)"));
  EXPECT_FALSE(Eval("attribute_type(n, :S)"));
  EXPECT_FALSE(Eval("attribute_type(absent, :S)"));
}

TEST_F(ConditionEvaluateTest, BeginsWithForStringsAndBinaries) {
  EXPECT_TRUE(Eval("begins_with(s, :hel)"));
  EXPECT_TRUE(Eval("begins_with(s, :hello)"));
  EXPECT_TRUE(Eval("begins_with(s, :empty)"));
  EXPECT_FALSE(Eval("begins_with(s, :world)"));
  EXPECT_FALSE(Eval("begins_with(blank, :hel)"));
  EXPECT_TRUE(Eval("begins_with(b, :b01)"));
  EXPECT_FALSE(Eval("begins_with(b, :bff)"));
  EXPECT_FALSE(Eval("begins_with(s, :b_h)"));  // S vs B
  EXPECT_FALSE(Eval("begins_with(n, :s_ten)"));
  EXPECT_FALSE(Eval("begins_with(absent, :hel)"));
  EXPECT_FALSE(Eval("begins_with(ss, :a)"));
  EXPECT_TRUE(Eval("begins_with(:hello, :hel)"));
}

TEST_F(ConditionEvaluateTest, ContainsSubstringsMembersAndElements) {
  EXPECT_TRUE(Eval("contains(s, :ell)"));
  EXPECT_TRUE(Eval("contains(s, :hello)"));
  EXPECT_FALSE(Eval("contains(s, :xyz)"));
  EXPECT_TRUE(Eval("contains(b, :bff)"));
  EXPECT_FALSE(Eval("contains(b, :b_h)"));
  EXPECT_TRUE(Eval("contains(ss, :a)"));
  EXPECT_FALSE(Eval("contains(ss, :c)"));
  EXPECT_TRUE(Eval("contains(ns, :one_dot)"));  // numerically
  EXPECT_FALSE(Eval("contains(ns, :two)"));
  EXPECT_TRUE(Eval("contains(bs, :b01)"));
  EXPECT_FALSE(Eval("contains(bs, :bff)"));
  EXPECT_TRUE(Eval("contains(l, :x)"));
  EXPECT_TRUE(Eval("contains(l, :one)"));
  EXPECT_TRUE(Eval("contains(l, :map_kv)"));  // any element type, deep equality
  EXPECT_FALSE(Eval("contains(l, :two)"));
  EXPECT_FALSE(Eval("contains(s, :ten)"));   // N inside S
  EXPECT_FALSE(Eval("contains(ss, :one)"));  // N inside SS
  EXPECT_FALSE(Eval("contains(absent, :a)"));
  EXPECT_FALSE(Eval("contains(m, :str_k)"));  // maps are not searched
  EXPECT_FALSE(Eval("contains(n, :one)"));
}

TEST_F(ConditionEvaluateTest, SizeCountsAsDynamoDbDoes) {
  EXPECT_TRUE(Eval("size(s) = :five"));
  EXPECT_TRUE(Eval("size(s_utf) = :three"));  // UTF-16 units, not bytes
  EXPECT_TRUE(Eval("size(blank) = :zero"));
  EXPECT_TRUE(Eval("size(b) = :two"));
  EXPECT_TRUE(Eval("size(ss) = :two"));
  EXPECT_TRUE(Eval("size(ns) = :two"));
  EXPECT_TRUE(Eval("size(bs) = :two"));
  EXPECT_TRUE(Eval("size(l) = :three"));
  EXPECT_TRUE(Eval("size(m) = :two"));
  EXPECT_TRUE(Eval("size(l[2]) = :one"));
  EXPECT_FALSE(Eval("size(n) > :zero"));
  EXPECT_FALSE(Eval("size(t) >= :zero"));
  EXPECT_FALSE(Eval("size(nul) = :zero"));
  EXPECT_FALSE(Eval("size(absent) > :zero"));
  EXPECT_TRUE(Eval("size(:s_ten) = :two"));
  EXPECT_TRUE(Eval("size(l) BETWEEN :two AND :three"));
  EXPECT_TRUE(Eval("size(s) IN (:one, :five)"));
}

TEST_F(ConditionEvaluateTest, LogicalOperatorsAndPrecedence) {
  EXPECT_TRUE(Eval("s = :hello AND n = :ten"));
  EXPECT_FALSE(Eval("s = :hello AND n = :two"));
  EXPECT_TRUE(Eval("s = :world OR n = :ten"));
  EXPECT_FALSE(Eval("s = :world OR n = :two"));
  EXPECT_FALSE(Eval("NOT s = :hello"));
  EXPECT_TRUE(Eval("NOT (s = :world OR n = :two)"));
  // AND binds tighter than OR: true OR (false AND false).
  EXPECT_TRUE(Eval("s = :hello OR s = :world AND n = :two"));
  // NOT binds tighter than AND: (NOT false) AND false.
  EXPECT_FALSE(Eval("NOT s = :world AND n = :two"));
  EXPECT_TRUE(Eval("NOT NOT s = :hello"));
  EXPECT_TRUE(Eval("(s = :world OR s = :hello) AND (n = :ten)"));
}

TEST(ValueSizeTest, SizesOfEachType) {
  EXPECT_EQ(ValueSize(Str("abc")), 3u);
  EXPECT_EQ(ValueSize(Str("\xC3\xA9")), 1u);          // é: one unit
  EXPECT_EQ(ValueSize(Str("\xE2\x82\xAC")), 1u);      // €: one unit
  EXPECT_EQ(ValueSize(Str("\xF0\x9F\x98\x80")), 2u);  // an emoji: a surrogate pair
  EXPECT_EQ(ValueSize(Bin(std::string("\0\0\0", 3))), 3u);
  EXPECT_EQ(ValueSize(Ss({"a", "b", "c"})), 3u);
  EXPECT_EQ(ValueSize(L({})), 0u);
  EXPECT_EQ(ValueSize(M({{"a", Null()}})), 1u);
  EXPECT_FALSE(ValueSize(Num("1")).has_value());
  EXPECT_FALSE(ValueSize(Bool(false)).has_value());
  EXPECT_FALSE(ValueSize(Null()).has_value());
}

}  // namespace
}  // namespace eddy::table::expression
