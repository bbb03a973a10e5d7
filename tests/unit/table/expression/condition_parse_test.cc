// Parsing and static validation of condition expressions: every message is DynamoDB's, and
// errors come in DynamoDB's order. Expectations without a citation follow dynalite's and
// ExtendDB's suites, which were run against DynamoDB.

#include <gtest/gtest.h>

#include <string>

#include "eddy/table/expression/condition.h"
#include "test_util.h"

namespace eddy::table::expression {
namespace {

using namespace testing;  // NOLINT

class ConditionParseTest : public ::testing::Test {
 protected:
  ConditionParseTest() {
    request_.names = {{"#a", "a"}, {"#n", "name"}, {"#d", "[3]"}};
    request_.values = {{":s", Str("a")},   {":s2", Str("b")},     {":n", Num("1")},
                       {":n2", Num("2")},  {":b", Bin("x")},      {":bool", Bool(true)},
                       {":null", Null()},  {":ss", Ss({"a"})},    {":ns", Ns({"1"})},
                       {":bs", Bs({"x"})}, {":l", L({})},         {":m", M({})},
                       {":t", Str("S")},   {":badtype", Str("X")}};
  }

  // "OK", or the error message (which must be an InvalidArgument).
  std::string Error(std::string_view text, ExpressionKind kind = ExpressionKind::kCondition) {
    Result<ConditionExpression> parsed = ConditionExpression::Parse(text, kind, request_.Inputs());
    if (parsed.ok()) return "OK";
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument);
    return parsed.status().message();
  }
  static std::string Syntax(const std::string& token, const std::string& near) {
    return "Invalid ConditionExpression: Syntax error; token: \"" + token + "\", near: \"" + near +
           "\"";
  }
  Condition Root(std::string_view text) {
    Result<ConditionExpression> parsed =
        ConditionExpression::Parse(text, ExpressionKind::kCondition, request_.Inputs());
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    return parsed.ok() ? parsed->root() : Condition();
  }

  Request request_;
};

TEST_F(ConditionParseTest, AcceptsTheWholeGrammar) {
  for (const char* text : {"x = :n",
                           "x <> :n",
                           "x < :n",
                           "x <= :n",
                           "x > :n",
                           "x >= :n",
                           "x BETWEEN :n AND :n2",
                           "x IN (:n)",
                           "x IN (:n, :s, y)",
                           "attribute_exists(x)",
                           "attribute_not_exists(#a.b[0])",
                           "attribute_type(x, :t)",
                           "begins_with(x, :s)",
                           "contains(x, :s)",
                           "size(x) > :n",
                           ":n < size(x)",
                           "size(:s) = :n",
                           "NOT x = :n",
                           "x = :n AND y = :n OR z = :n",
                           "(x = :n)",
                           "(x) = :n",
                           "(a.b).c = :n",
                           "(a)[0] = :n",
                           "x = y",
                           "#n = :s",
                           "x = :n and y between :n aNd :n2 Or z iN (:s, :s2)",
                           "NOT NOT x = :n",
                           "x = :n AND (y = :n OR NOT (z = :n))",
                           "a.b[1][2].#d = :n",
                           "x\t=\n:n",
                           "x BETWEEN :n AND y",
                           "contains(x, y)",
                           "begins_with(:s, x)",
                           "x IN (:n, :n)",
                           ":n = :n",
                           "((x = :n) OR (y = :n))"}) {
    EXPECT_EQ(Error(text), "OK") << text;
  }
}

TEST_F(ConditionParseTest, SyntaxErrorsNameTheTokenAndItsNeighbours) {
  // DynamoDB: "foo" -> <EOF> near "foo" (LowVoltage's suite, real DynamoDB); `__typename`
  // -> "_" near "AND __"; `now()` -> ")" near "()".
  EXPECT_EQ(Error("foo"), Syntax("<EOF>", "foo"));
  EXPECT_EQ(Error("x = :s AND __typename = :s"), Syntax("_", "AND __"));
  EXPECT_EQ(Error("expiresAt > now()"), Syntax(")", "()"));
  EXPECT_EQ(Error("a = "), Syntax("<EOF>", "="));
  EXPECT_EQ(Error("a b"), Syntax("b", "a b"));
  EXPECT_EQ(Error("a > 4"), Syntax("4", "> 4"));
  EXPECT_EQ(Error("attribute_exists(Pictures-RearView)"), Syntax("-", "Pictures-RearView"));
  EXPECT_EQ(Error("a in (b,c,)"), Syntax(")", ",)"));
  EXPECT_EQ(Error("a > between"), Syntax("between", "> between"));
  EXPECT_EQ(Error("size(a).b > a"), Syntax(".", ").b"));
  EXPECT_EQ(Error("(size(a)).b > a"), Syntax(".", ").b"));
  EXPECT_EQ(Error("a in b"), Syntax("b", "in b"));
  EXPECT_EQ(Error("b[:s] > a"), Syntax(":s", "[:s]"));
  EXPECT_EQ(Error("\xC3\xBC > a"), Syntax("\xC3\xBC", "\xC3\xBC >"));
  EXPECT_EQ(Error("a == :n"), Syntax("=", "== :n"));
  EXPECT_EQ(Error("a = :n)"), Syntax(")", ":n)"));
  EXPECT_EQ(Error("(a = :n"), Syntax("<EOF>", ":n"));
  EXPECT_EQ(Error("NOT a"), Syntax("<EOF>", "a"));
  EXPECT_EQ(Error("a AND b = :n"), Syntax("AND", "a AND b"));
  EXPECT_EQ(Error("a BETWEEN :n :n2"), Syntax(":n2", ":n :n2"));
  EXPECT_EQ(Error("a.and = :n"), Syntax("and", ".and ="));
  EXPECT_EQ(Error("a = \"x\""), Syntax("\"", "= \"x"));
  EXPECT_EQ(Error("a = :n AND"), Syntax("<EOF>", "AND"));
  EXPECT_EQ(Error("a.:n = :n"), Syntax(":n", ".:n ="));
  EXPECT_EQ(Error("#a#b = :n"), Syntax("#b", "#a#b ="));
  // An index beyond a 32-bit int is refused where it stands.
  EXPECT_EQ(Error("a[2147483648] = :n"), Syntax("2147483648", "[2147483648]"));
  EXPECT_EQ(Error("a[99999999999999] = :n"), Syntax("99999999999999", "[99999999999999]"));
  EXPECT_EQ(Error("a[2147483647] = :n"), "OK");
  // More of dynalite's syntax errors (checked for the prefix only).
  for (const char* text : {"things are not gonna be ok",
                           "attribute_exists(\"Pictures.RearView\")",
                           "attribute_exists(Pictures..RearView)",
                           "attribute_exists(Pi#ctures.RearView)",
                           "attribute_exists(asdf[a])",
                           "a in b, c",
                           "(a)between(b.(c.d))and(c)",
                           "(a)between(b.c.d)and((c)",
                           "#$.b > a",
                           "a > :things.stuff",
                           "b[#_] > a",
                           "(a)between(b.c[4.5].#d)and(:a)",
                           "size(a)[0] > a",
                           "(size(a))[0] > a",
                           "a = NOT b",
                           "(a = :n) = :n",
                           "a IN ()",
                           "NOT",
                           "x = :n OR",
                           "f(a = b)",
                           ":n",
                           "(a)"}) {
    EXPECT_EQ(Error(text).rfind("Invalid ConditionExpression: Syntax error; token: ", 0), 0u)
        << text << " -> " << Error(text);
  }
}

TEST_F(ConditionParseTest, PrefixNamesTheParameter) {
  EXPECT_EQ(Error("foo", ExpressionKind::kFilter),
            "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"foo\"");
  EXPECT_EQ(Error("foo", ExpressionKind::kKeyCondition),
            "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"foo\"");
  EXPECT_EQ(Error("status = :s", ExpressionKind::kFilter),
            "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: "
            "status");
}

TEST_F(ConditionParseTest, EmptyAndOversizedExpressions) {
  EXPECT_EQ(Error(""), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(Error(" \t\n"), "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(Error("", ExpressionKind::kKeyCondition),
            "Invalid KeyConditionExpression: The expression can not be empty;");
  // Exactly 4096 bytes is accepted; one more is refused (captured from DynamoDB: condition and
  // filter expressions append the size, key conditions do not).
  const std::string at_limit = "a" + std::string(4090, 'z') + " = :n";
  ASSERT_EQ(at_limit.size(), 4096u);
  EXPECT_EQ(Error(at_limit), "OK");
  const std::string over = "a" + std::string(4091, 'z') + " = :n";
  EXPECT_EQ(Error(over),
            "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 4097");
  EXPECT_EQ(Error(over, ExpressionKind::kFilter),
            "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; "
            "expression size: 4097");
  EXPECT_EQ(Error(over, ExpressionKind::kKeyCondition),
            "Invalid KeyConditionExpression: Expression size has exceeded the maximum allowed "
            "size;");
}

TEST_F(ConditionParseTest, RedundantParenthesesComeFirstAfterSyntax) {
  const std::string redundant =
      "Invalid ConditionExpression: The expression has redundant parentheses;";
  for (const char* text :
       {"x = :n AND y > ((z))", "((x = :n))", "x = :n AND ((y = :n AND z = :n))", "((x)) = :n",
        "(((b.c)).d) = :n", "x > whatever((:s), ((a)))",
        "x = :n OR ((y = :n OR (z = :n OR w = :n)))", "foo(x) = :n AND ((y = :n))"}) {
    EXPECT_EQ(Error(text), redundant) << text;
  }
  EXPECT_EQ(Error("((x = :n) OR (y = :n))"), "OK");
  EXPECT_EQ(Error("((a).b) = :n"), "OK");
}

TEST_F(ConditionParseTest, UnknownFunctionsBeforeEverythingButSyntax) {
  EXPECT_EQ(Error("foo(a)"), "Invalid ConditionExpression: Invalid function name; function: foo");
  // Function names are case-sensitive.
  EXPECT_EQ(Error("attRIbute_exIsts((x), #a)"),
            "Invalid ConditionExpression: Invalid function name; function: attRIbute_exIsts");
  EXPECT_EQ(Error("x = x AND whatever((:undefined)) > y"),
            "Invalid ConditionExpression: Invalid function name; function: whatever");
  EXPECT_EQ(Error("if_not_exists(a, :n) = :n"),
            "Invalid ConditionExpression: The function is not allowed in a condition expression; "
            "function: if_not_exists");
  EXPECT_EQ(Error("contains(list_append(a, b), :n)"),
            "Invalid ConditionExpression: The function is not allowed in a condition expression; "
            "function: list_append");
}

TEST_F(ConditionParseTest, MisplacedFunctions) {
  const std::string prefix =
      "Invalid ConditionExpression: The function is not allowed to be used this way in an "
      "expression; function: ";
  EXPECT_EQ(Error("size(x)"), prefix + "size");
  EXPECT_EQ(Error("size(status)"), prefix + "size");  // before the reserved word
  EXPECT_EQ(Error("x = :n AND size(x)"), prefix + "size");
  EXPECT_EQ(Error("attribute_not_exists(x) > y"), prefix + "attribute_not_exists");
  EXPECT_EQ(Error("attribute_type(x, :t) > y"), prefix + "attribute_type");
  EXPECT_EQ(Error("begins_with(x, y) > z"), prefix + "begins_with");
  EXPECT_EQ(Error("size(contains(x, y)) > z"), prefix + "contains");
  EXPECT_EQ(Error("x BETWEEN y AND attribute_exists(z)"), prefix + "attribute_exists");
  EXPECT_EQ(Error("x IN (y, attribute_exists(z))"), prefix + "attribute_exists");
  EXPECT_EQ(Error("NOT size(x)"), prefix + "size");
}

TEST_F(ConditionParseTest, ReservedWordsMustBeEscaped) {
  const std::string prefix =
      "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: ";
  EXPECT_EQ(Error("status = :s"), prefix + "status");
  EXPECT_EQ(Error(":undefined < abOrT"), prefix + "abOrT");  // before undefined placeholders
  EXPECT_EQ(Error("x.COMMENT = :s"), prefix + "COMMENT");
  EXPECT_EQ(Error("attribute_exists(views, #zz)"), prefix + "views");
  EXPECT_EQ(Error("#n = :s"), "OK");       // "name" through a placeholder
  EXPECT_EQ(Error("size(x) > :n"), "OK");  // function names are not attribute names
}

TEST_F(ConditionParseTest, UndefinedPlaceholders) {
  const std::string name_prefix =
      "Invalid ConditionExpression: An expression attribute name used in the document path is "
      "not defined; attribute name: ";
  const std::string value_prefix =
      "Invalid ConditionExpression: An expression attribute value used in expression is not "
      "defined; attribute value: ";
  EXPECT_EQ(Error("#zz = :s"), name_prefix + "#zz");
  EXPECT_EQ(Error("#4g > a"), name_prefix + "#4g");
  EXPECT_EQ(Error("#_ > a"), name_prefix + "#_");
  EXPECT_EQ(Error("x.y[45].#q BETWEEN a AND :n"), name_prefix + "#q");
  EXPECT_EQ(Error(":q < :s"), value_prefix + ":q");
  EXPECT_EQ(Error(":_ > a"), value_prefix + ":_");
  // Before the operand count of the same condition.
  EXPECT_EQ(Error("begins_with(:hello, #u1, #u2)"), value_prefix + ":hello");
  EXPECT_EQ(Error("x = :n AND #zz = :q"), name_prefix + "#zz");
  // Conditions are checked one by one: an earlier condition's error wins.
  EXPECT_EQ(Error("x = x AND #zz = :s"),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining "
            "operands for this operator or function; operator: =, first operand: [x]");

  Result<ConditionExpression> no_maps =
      ConditionExpression::Parse("#a = :n", ExpressionKind::kCondition, ExpressionInputs{});
  EXPECT_EQ(no_maps.status().message(), name_prefix + "#a");
}

TEST_F(ConditionParseTest, OperandCounts) {
  const std::string prefix =
      "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
      "operator or function: ";
  EXPECT_EQ(Error("attribute_exists(x, y)"), prefix + "attribute_exists, number of operands: 2");
  EXPECT_EQ(Error("attribute_not_exists(x, y)"),
            prefix + "attribute_not_exists, number of operands: 2");
  EXPECT_EQ(Error("attribute_type(x)"), prefix + "attribute_type, number of operands: 1");
  EXPECT_EQ(Error("begins_with(x)"), prefix + "begins_with, number of operands: 1");
  EXPECT_EQ(Error("begins_with(x, size(y), z)"), prefix + "begins_with, number of operands: 3");
  EXPECT_EQ(Error("contains(x)"), prefix + "contains, number of operands: 1");
  EXPECT_EQ(Error("size(x, y) > z"), prefix + "size, number of operands: 2");
}

TEST_F(ConditionParseTest, DocumentPathArguments) {
  const std::string prefix =
      "Invalid ConditionExpression: Operator or function requires a document path; operator or "
      "function: ";
  EXPECT_EQ(Error("attribute_exists(:s)"), prefix + "attribute_exists");
  EXPECT_EQ(Error("attribute_not_exists(size(:s))"), prefix + "attribute_not_exists");
  // size() of a number is reported first: it is checked as it is reduced.
  EXPECT_EQ(Error("attribute_not_exists(size(:n))"),
            "Invalid ConditionExpression: Incorrect operand type for operator or function; "
            "operator or function: size, operand type: N");
}

TEST_F(ConditionParseTest, OperandsMustBeDistinct) {
  const std::string prefix =
      "Invalid ConditionExpression: The first operand must be distinct from the remaining "
      "operands for this operator or function; operator: ";
  EXPECT_EQ(Error("x = x"), prefix + "=, first operand: [x]");
  EXPECT_EQ(Error("#a <> a"), prefix + "<>, first operand: [a]");
  EXPECT_EQ(Error("a > #a"), prefix + ">, first operand: [a]");
  EXPECT_EQ(Error("contains(ab.bc[1].a, ab.bc[1].#a)"),
            prefix + "contains, first operand: [ab, bc, [1], a]");
  EXPECT_EQ(Error("begins_with(ab.bc[1].a, ab.bc[1].#a)"),
            prefix + "begins_with, first operand: [ab, bc, [1], a]");
  EXPECT_EQ(Error(":n > :n"), "OK");  // values may repeat
  EXPECT_EQ(Error("a[0] = a[1]"), "OK");
}

TEST_F(ConditionParseTest, FunctionOperandTypes) {
  const std::string prefix =
      "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
      "function: ";
  EXPECT_EQ(Error("attribute_type(x, :n)"), prefix + "attribute_type, operand type: N");
  EXPECT_EQ(Error("attribute_type(x, :l)"), prefix + "attribute_type, operand type: L");
  EXPECT_EQ(Error("attribute_type(x, y)"),
            prefix + "attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
  EXPECT_EQ(Error("attribute_type(x, :badtype)"),
            "Invalid ConditionExpression: Invalid attribute type name found; type: X, valid "
            "types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(Error("begins_with(x, :n)"), prefix + "begins_with, operand type: N");
  EXPECT_EQ(Error("begins_with(:ss, x)"), prefix + "begins_with, operand type: SS");
  EXPECT_EQ(Error("begins_with(x, size(y))"), prefix + "begins_with, operand type: N");
  EXPECT_EQ(Error("begins_with(x, :b)"), "OK");
  EXPECT_EQ(Error("size(:bool) > x"), prefix + "size, operand type: BOOL");
  EXPECT_EQ(Error("size(:null) > x"), prefix + "size, operand type: NULL");
  EXPECT_EQ(Error("size(size(x)) > :n"), prefix + "size, operand type: N");
}

TEST_F(ConditionParseTest, OrderingNeedsScalarLiterals) {
  // ExtendDB, verified against DynamoDB: a literal BOOL/NULL/set/list/map operand of < <= > >=
  // or BETWEEN is refused up front, even under NOT or past a short circuit.
  const std::string prefix =
      "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
      "function: ";
  EXPECT_EQ(Error("x > :bool"), prefix + ">, operand type: BOOL");
  EXPECT_EQ(Error(":m <= x"), prefix + "<=, operand type: M");
  EXPECT_EQ(Error("x < :ns"), prefix + "<, operand type: NS");
  EXPECT_EQ(Error("x >= :null"), prefix + ">=, operand type: NULL");
  EXPECT_EQ(Error("size(x) > :ss"), prefix + ">, operand type: SS");
  EXPECT_EQ(Error("x BETWEEN :bool AND :bool"), prefix + "BETWEEN, operand type: BOOL");
  EXPECT_EQ(Error("x BETWEEN :n AND :l"), prefix + "BETWEEN, operand type: L");
  EXPECT_EQ(Error("NOT (x > :bool)"), prefix + ">, operand type: BOOL");
  EXPECT_EQ(Error("attribute_not_exists(zzz) OR x > :bool"), prefix + ">, operand type: BOOL");
  EXPECT_EQ(Error("x = :bool"), "OK");
  EXPECT_EQ(Error("x <> :m"), "OK");
  EXPECT_EQ(Error("x > y"), "OK");  // paths are not checked: a mismatch is just false
}

TEST_F(ConditionParseTest, BetweenBoundsMustShareATypeAndBeOrdered) {
  EXPECT_EQ(Error("x BETWEEN :n AND :s"),
            "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower "
            "and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: "
            "AttributeValue: {S:a}");
  EXPECT_EQ(Error("x BETWEEN :n2 AND :n"),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound "
            "operand: AttributeValue: {N:1}");
  EXPECT_EQ(Error("x BETWEEN :s2 AND :s"),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound "
            "operand: AttributeValue: {S:a}");
  request_.values[":b2"] = Bin(std::string("\xff", 1));
  EXPECT_EQ(Error("x BETWEEN :b2 AND :b"),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater "
            "than or equal to lower bound; lower bound operand: AttributeValue: {B:/w==}, upper "
            "bound operand: AttributeValue: {B:eA==}");
  EXPECT_EQ(Error("x BETWEEN :n AND :n"), "OK");
  EXPECT_EQ(Error("x BETWEEN :n2 AND y"), "OK");
}

TEST_F(ConditionParseTest, InTakesAtMostOneHundredCandidates) {
  std::string in = "x IN (:n";
  for (int i = 1; i < 100; ++i) in += ", :n";
  EXPECT_EQ(Error(in + ")"), "OK");
  EXPECT_EQ(Error(in + ", :n)"),
            "Invalid ConditionExpression: The IN operator is provided with too many operands; "
            "number of operands: 101");
}

TEST_F(ConditionParseTest, LimitsOperatorsNestingAndPathDepth) {
  std::string ops = "x = :n";
  for (int i = 1; i < 150; ++i) ops += " AND x = :n";  // 299 operators
  EXPECT_EQ(Error(ops), "OK");
  EXPECT_EQ(Error(ops + " AND x = :n"),
            "Invalid ConditionExpression: The expression contains too many operators; operator "
            "count: 301");

  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "NOT ";
  EXPECT_EQ(Error(nots + "x = :n"), "OK");
  EXPECT_EQ(
      Error("NOT " + nots + "x = :n"),
      "Invalid ConditionExpression: The expression is nested too deeply; nesting levels: 101");
  const std::string deep = std::string(1000, '(') + "x = :n" + std::string(1000, ')');
  EXPECT_EQ(
      Error(deep),
      "Invalid ConditionExpression: The expression is nested too deeply; nesting levels: 101");

  std::string path = "a";
  for (int i = 1; i < 32; ++i) path += ".b";
  EXPECT_EQ(Error(path + " = :n"), "OK");
  EXPECT_EQ(Error(path + "[0] = :n"),
            "Invalid ConditionExpression: The document path has too many nesting levels; nesting "
            "levels: 33");
}

TEST_F(ConditionParseTest, PrecedenceIsNotThenAndThenOr) {
  Condition root = Root("x = :n OR y = :n AND z = :n");
  ASSERT_EQ(root.kind, Condition::Kind::kOr);
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].kind, Condition::Kind::kCompare);
  EXPECT_EQ(root.children[1].kind, Condition::Kind::kAnd);

  root = Root("NOT x = :n AND y = :n");
  ASSERT_EQ(root.kind, Condition::Kind::kAnd);
  EXPECT_EQ(root.children[0].kind, Condition::Kind::kNot);

  root = Root("x = :n AND y = :n AND z = :n");
  ASSERT_EQ(root.kind, Condition::Kind::kAnd);
  EXPECT_EQ(root.children.size(), 3u);

  root = Root("(x = :n OR y = :n) AND z = :n");
  ASSERT_EQ(root.kind, Condition::Kind::kAnd);
  EXPECT_EQ(root.children[0].kind, Condition::Kind::kOr);

  root = Root("x = :n and y between :n aNd :n2 Or z iN (:s, :s2)");
  ASSERT_EQ(root.kind, Condition::Kind::kOr);
  ASSERT_EQ(root.children[0].kind, Condition::Kind::kAnd);
  EXPECT_EQ(root.children[0].children[1].kind, Condition::Kind::kBetween);
  EXPECT_EQ(root.children[1].kind, Condition::Kind::kIn);
  EXPECT_EQ(root.children[1].operands.size(), 3u);
}

TEST_F(ConditionParseTest, ResolvesPlaceholdersAndRecordsThem) {
  Condition root = Root("#a.b[2].#d = :n");
  ASSERT_EQ(root.kind, Condition::Kind::kCompare);
  EXPECT_EQ(root.comparator, Comparator::kEqual);
  ASSERT_EQ(root.operands.size(), 2u);
  EXPECT_EQ(FormatPath(root.operands[0].path), "[a, b, [2], [3]]");
  EXPECT_EQ(root.operands[1].kind, Operand::Kind::kValue);
  EXPECT_EQ(root.operands[1].value, Num("1"));
  EXPECT_TRUE(request_.usage.NameUsed("#a"));
  EXPECT_TRUE(request_.usage.NameUsed("#d"));
  EXPECT_TRUE(request_.usage.ValueUsed(":n"));
  EXPECT_FALSE(request_.usage.NameUsed("#n"));
  EXPECT_FALSE(request_.usage.ValueUsed(":s"));

  root = Root("(a.b).c > size(:s)");
  EXPECT_EQ(FormatPath(root.operands[0].path), "[a, b, c]");
  EXPECT_EQ(root.comparator, Comparator::kGreater);
  ASSERT_EQ(root.operands[1].kind, Operand::Kind::kSize);
  EXPECT_EQ(root.operands[1].size_operand[0].value, Str("a"));

  root = Root("attribute_type(x, :t)");
  EXPECT_EQ(root.kind, Condition::Kind::kFunction);
  EXPECT_EQ(root.function, Function::kAttributeType);
  EXPECT_EQ(FunctionName(root.function), "attribute_type");
  EXPECT_EQ(ComparatorText(Comparator::kGreaterOrEqual), ">=");
}

}  // namespace
}  // namespace eddy::table::expression
