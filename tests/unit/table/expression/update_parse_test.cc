// Parsing and static validation of update expressions. Expectations follow dynalite's
// updateItem suite, which was run against DynamoDB, unless noted.

#include <gtest/gtest.h>

#include <string>

#include "eddy/table/expression/update.h"
#include "test_util.h"

namespace eddy::table::expression {
namespace {

using namespace testing;  // NOLINT

class UpdateParseTest : public ::testing::Test {
 protected:
  UpdateParseTest() {
    request_.names = {{"#a", "a"}, {"#b", "b"}, {"#c", "c"}, {"#d", "[3]"}, {"#e", "e"}};
    request_.values = {{":a", Str("a")},
                       {":b", Num("1")},
                       {":c", Bin("a")},
                       {":d", Bool(true)},
                       {":e", Null()},
                       {":f", Ss({"a"})},
                       {":g", Ns({"1"})},
                       {":h", Bs({"a"})},
                       {":i", M({})},
                       {":j", L({})},
                       {":m", M({{"a", L({Num("1")})}})}};
  }

  std::string Error(std::string_view text) {
    Result<UpdateExpression> parsed = UpdateExpression::Parse(text, request_.Inputs());
    if (parsed.ok()) return "OK";
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument);
    return parsed.status().message();
  }
  static std::string Syntax(const std::string& token, const std::string& near) {
    return "Invalid UpdateExpression: Syntax error; token: \"" + token + "\", near: \"" + near +
           "\"";
  }
  UpdateExpression Parsed(std::string_view text) {
    Result<UpdateExpression> parsed = UpdateExpression::Parse(text, request_.Inputs());
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    return parsed.ok() ? std::move(parsed).value() : UpdateExpression();
  }

  Request request_;
};

TEST_F(UpdateParseTest, AcceptsEveryClauseInAnyOrder) {
  for (const char* text :
       {"SET a = :a", "set a = :a, b = c", "SET a = b + :b", "SET a = :b - b",
        "SET a = list_append(a, :j)", "SET a = list_append(:j, if_not_exists(a, :j))",
        "SET a = if_not_exists(a, :b)", "SET a = if_not_exists(a, :b) + :b", "SET a = (b + :b)",
        "SET b.c = ((c[1]) + (b.a))", "REMOVE a, b[1], c.d", "ADD n :b, s :f", "DELETE s :f",
        "REMOVE b DELETE c :f ADD d :b, e :f SET f = :j",
        "ADD #e :f,#d :b DELETE #c :f REMOVE #b SET #a = :j", "  set a=:a  ",
        "SET a[2147483647] = :a", "SET #d.x = :a"}) {
    EXPECT_EQ(Error(text), "OK") << text;
  }
}

TEST_F(UpdateParseTest, SyntaxErrors) {
  EXPECT_EQ(Error("whatever"), Syntax("whatever", "whatever"));
  EXPECT_EQ(Error("SET"), Syntax("<EOF>", "SET"));
  EXPECT_EQ(Error("SET a = :b +"), Syntax("<EOF>", "+"));
  EXPECT_EQ(Error("SET numx = numx / :b"), Syntax("/", "numx / :b"));
  EXPECT_EQ(Error("set a b"), Syntax("b", "a b"));
  EXPECT_EQ(Error("remove a b"), Syntax("b", "a b"));
  EXPECT_EQ(Error("set a = b + c + d"), Syntax("+", "c + d"));
  EXPECT_EQ(Error("set a=set"), Syntax("set", "=set"));
  EXPECT_EQ(Error("SET a = now()"), Syntax(")", "()"));
  for (const char* text : {"set a",
                           "add a",
                           "delete a",
                           "remove a = b",
                           "add a = b",
                           "delete a = b",
                           "delete a b",
                           "delete a if_not_exist(b)",
                           "add abort b",
                           "add a if_not_exist(b)",
                           "set :a = b",
                           "add :a b",
                           "delete :a b",
                           "remove :a",
                           "set a = b * c",
                           "set a[1] = \"eight\"",
                           "set a[1] = 1",
                           "SET if_not_exist(a, b) = a",
                           "set (a = (b + c))",
                           "set a = (b.c).d + e",
                           "set a = (b.c)[0] + e",
                           "SET a = :a,",
                           "SET a = :a REMOVE",
                           "SET a.set = :a",
                           "SET a = b[2147483648]",
                           ", SET a = :a",
                           "SET a = (b"}) {
    EXPECT_EQ(Error(text).rfind("Invalid UpdateExpression: Syntax error; token: ", 0), 0u)
        << text << " -> " << Error(text);
  }
  EXPECT_EQ(Error(""), "Invalid UpdateExpression: The expression can not be empty;");
  EXPECT_EQ(Error("SET a" + std::string(4096, 'a') + " = :a"),
            "Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;");
}

TEST_F(UpdateParseTest, UnknownAndMisplacedFunctions) {
  EXPECT_EQ(Error("set #c = if_not_exist(:c) set c = d"),
            "Invalid UpdateExpression: Invalid function name; function: if_not_exist");
  EXPECT_EQ(Error("SET a = if_not_exists(b, :a) + foo(c)"),
            "Invalid UpdateExpression: Invalid function name; function: foo");
  EXPECT_EQ(Error("SET x = size(:a)"),
            "Invalid UpdateExpression: The function is not allowed in an update expression; "
            "function: size");
  EXPECT_EQ(Error("SET x = list_append(a, contains(a, :a))"),
            "Invalid UpdateExpression: The function is not allowed in an update expression; "
            "function: contains");
  // Function names are case-sensitive.
  EXPECT_EQ(Error("SET x = IF_NOT_EXISTS(a, :a)"),
            "Invalid UpdateExpression: Invalid function name; function: IF_NOT_EXISTS");
}

TEST_F(UpdateParseTest, ReservedWordsThenRepeatedSectionsThenUndefinedPlaceholders) {
  EXPECT_EQ(Error(" set #c = :c set abOrt = true "),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
            "abOrt");
  EXPECT_EQ(Error(" remove Absolute "),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
            "Absolute");
  EXPECT_EQ(Error("SET a = status"),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
            "status");
  EXPECT_EQ(Error("set a = #zz set c = :d"),
            "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(Error("remove #zz set a = b remove e"),
            "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(Error("add #zz :e set a = b add e :f"),
            "Invalid UpdateExpression: The \"ADD\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(Error("delete #zz :e set a = b delete #e :f"),
            "Invalid UpdateExpression: The \"DELETE\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(Error("ADD x :b SET a = :a ADD y :b"),  // moto's test of DynamoDB's message
            "Invalid UpdateExpression: The \"ADD\" section can only be used once in an update "
            "expression;");
  EXPECT_EQ(Error("SET #zz = if_not_exists(:c)"),
            "Invalid UpdateExpression: An expression attribute name used in the document path is "
            "not defined; attribute name: #zz");
  EXPECT_EQ(Error("SET #a = if_not_exists(:zz)"),
            "Invalid UpdateExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :zz");
  EXPECT_EQ(Error("ADD a :zz"),
            "Invalid UpdateExpression: An expression attribute value used in expression is not "
            "defined; attribute value: :zz");
}

TEST_F(UpdateParseTest, OverlappingPathsBeforeConflictingOnes) {
  EXPECT_EQ(Error("set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [c, [1], a], path two: [c]");
  EXPECT_EQ(Error("set #c[3].#d = a, #c[3] = a"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3]]");
  EXPECT_EQ(Error("SET a = :a REMOVE a"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a], path two: [a]");
  EXPECT_EQ(Error("SET a = :a, a.b = :a"),
            "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(Error("set #c[3].#d = a, #c.#d[3] = if_not_exists(a)"),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
            "or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]");
  EXPECT_EQ(Error("remove a.#c set a[1] = #d"),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
            "or rewrite one of these paths; path one: [a, c], path two: [a, [1]]");
  EXPECT_EQ(Error("SET a[0] = :a, a[1] = :a, a.b[0] = :a REMOVE b.c, b.d"),
            "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
            "or rewrite one of these paths; path one: [a, [0]], path two: [a, b, [0]]");
}

TEST_F(UpdateParseTest, AddAndDeleteOperandTypes) {
  struct Case {
    const char* text;
    const char* value;
    const char* op;
    const char* type;
  };
  for (const Case& c :
       {Case{"set b = list_append(:v, a), c = if_not_exists(a) add a.b :v", ":a", "ADD", "STRING"},
        Case{"delete a.b :v", ":a", "DELETE", "STRING"}, Case{"add a.b :v", ":e", "ADD", "NULL"},
        Case{"delete a.b :v", ":e", "DELETE", "NULL"}, Case{"add a.b :v", ":d", "ADD", "BOOLEAN"},
        Case{"delete a.b :v", ":d", "DELETE", "BOOLEAN"}, Case{"add a.b :v", ":c", "ADD", "BINARY"},
        Case{"delete a.b :v", ":c", "DELETE", "BINARY"}, Case{"add a.b :v", ":m", "ADD", "MAP"},
        Case{"delete a.b :v", ":m", "DELETE", "MAP"}, Case{"add a.b :v", ":j", "ADD", "LIST"},
        Case{"delete a.b :v", ":j", "DELETE", "LIST"},
        Case{"delete a.b :v", ":b", "DELETE", "NUMBER"}}) {
    Request request;
    request.values = {{":v", request_.values.at(c.value)}};
    Result<UpdateExpression> parsed = UpdateExpression::Parse(c.text, request.Inputs());
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().message(),
              std::string("Invalid UpdateExpression: Incorrect operand type for operator or "
                          "function; operator: ") +
                  c.op + ", operand type: " + c.type)
        << c.text;
  }
  for (const char* text : {"ADD a :b", "ADD a :f", "ADD a :g", "ADD a :h", "DELETE a :f",
                           "DELETE a :g", "DELETE a :h"}) {
    EXPECT_EQ(Error(text), "OK") << text;
  }
}

TEST_F(UpdateParseTest, FunctionOperandCountsAndPaths) {
  EXPECT_EQ(Error("set a = if_not_exists(c)"),
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
            "operator or function: if_not_exists, number of operands: 1");
  EXPECT_EQ(Error("set a = list_append(c)"),
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
            "operator or function: list_append, number of operands: 1");
  EXPECT_EQ(Error("set a = list_append(b, c, d)"),
            "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
            "operator or function: list_append, number of operands: 3");
  EXPECT_EQ(Error("set a = if_not_exists(:a, c)"),
            "Invalid UpdateExpression: Operator or function requires a document path; operator "
            "or function: if_not_exists");
  EXPECT_EQ(Error("set a = if_not_exists(if_not_exists(a, b), c)"),
            "Invalid UpdateExpression: Operator or function requires a document path; operator "
            "or function: if_not_exists");
}

TEST_F(UpdateParseTest, LiteralOperandTypesOfArithmeticAndListAppend) {
  struct Case {
    const char* text;
    const char* op;
    const char* type;
  };
  for (const Case& c : {Case{"set a = list_append(:a, a)", "list_append", "S"},
                        Case{"set a = list_append(a, :b)", "list_append", "N"},
                        Case{"set a = list_append(:c, a)", "list_append", "B"},
                        Case{"set a = list_append(:d, a)", "list_append", "BOOL"},
                        Case{"set a = list_append(:e, a)", "list_append", "NULL"},
                        Case{"set a = list_append(:f, a)", "list_append", "SS"},
                        Case{"set a = list_append(:g, a)", "list_append", "NS"},
                        Case{"set a = list_append(:h, a)", "list_append", "BS"},
                        Case{"set a = list_append(:i, a)", "list_append", "M"},
                        Case{"set a = list_append(a + :b, a)", "list_append", "N"},
                        Case{"set a = a + :a", "+", "S"},
                        Case{"set a = :a + :c", "+", "S"},
                        Case{"set a = :c + a", "+", "B"},
                        Case{"set a = a + :d", "+", "BOOL"},
                        Case{"set a = a + :e", "+", "NULL"},
                        Case{"set a = a + :f", "+", "SS"},
                        Case{"set a = a + :g", "+", "NS"},
                        Case{"set a = a + :h", "+", "BS"},
                        Case{"set a = a + :i", "+", "M"},
                        Case{"set a = a + :j", "+", "L"},
                        Case{"set a = a - :a", "-", "S"},
                        Case{"set a = :a - :c", "-", "S"},
                        Case{"set a = :c - a", "-", "B"},
                        Case{"set a = a - :j", "-", "L"},
                        Case{"set a = list_append(a, :j) - :b", "-", "L"}}) {
    EXPECT_EQ(Error(c.text),
              std::string("Invalid UpdateExpression: Incorrect operand type for operator or "
                          "function; operator or function: ") +
                  c.op + ", operand type: " + c.type)
        << c.text;
  }
}

TEST_F(UpdateParseTest, ExposesActionsPathsAndModifiedAttributes) {
  UpdateExpression update =
      Parsed("SET #a.x = :a, b = b + :b REMOVE c[1], #d ADD n :b DELETE s :f");
  ASSERT_EQ(update.actions().size(), 6u);
  EXPECT_EQ(update.actions()[0].kind, UpdateAction::Kind::kSet);
  EXPECT_EQ(FormatPath(update.actions()[0].path), "[a, x]");
  EXPECT_EQ(update.actions()[0].value.kind, UpdateValue::Kind::kValue);
  EXPECT_EQ(update.actions()[1].value.kind, UpdateValue::Kind::kPlus);
  EXPECT_EQ(update.actions()[2].kind, UpdateAction::Kind::kRemove);
  EXPECT_EQ(update.actions()[4].kind, UpdateAction::Kind::kAdd);
  EXPECT_EQ(update.actions()[4].operand, Num("1"));
  EXPECT_EQ(update.actions()[5].kind, UpdateAction::Kind::kDelete);
  EXPECT_EQ(update.ModifiedAttributes(),
            (std::vector<std::string>{"[3]", "a", "b", "c", "n", "s"}));
  std::vector<DocumentPath> paths = update.UpdatedPaths();
  ASSERT_EQ(paths.size(), 6u);
  EXPECT_EQ(FormatPath(paths[2]), "[c, [1]]");
  EXPECT_TRUE(request_.usage.NameUsed("#a"));
  EXPECT_TRUE(request_.usage.NameUsed("#d"));
  EXPECT_FALSE(request_.usage.NameUsed("#b"));
  EXPECT_TRUE(request_.usage.ValueUsed(":f"));
  EXPECT_FALSE(request_.usage.ValueUsed(":g"));
}

}  // namespace
}  // namespace eddy::table::expression
