#pragma once

// Internal to the expression library: the syntax trees that the parser builds before
// placeholders are resolved and the semantic checks run (in the order DynamoDB reports its
// errors, which is not the order of the text). Not part of the library's contract.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/table/expression/ast.h"
#include "eddy/table/expression/expression_inputs.h"
#include "eddy/table/expression/lexer.h"

namespace eddy::table::expression::internal {

struct SyntaxPathElement {
  enum class Kind : uint8_t { kName, kPlaceholder, kIndex };
  Kind kind = Kind::kName;
  std::string text;    // kName: the name as written; kPlaceholder: "#p"
  uint32_t index = 0;  // kIndex
};
using SyntaxPath = std::vector<SyntaxPathElement>;

// One node for every construct of the three grammars. Which children a node has follows
// Condition's layout (operands and sub-conditions both live in `children`).
struct SyntaxNode {
  enum class Kind : uint8_t {
    kPath,
    kValue,    // text: ":p"
    kCall,     // text: the function name as written; children: arguments
    kCompare,  // children: left, right
    kBetween,  // children: value, lower, upper
    kIn,       // children: value, candidates...
    kAnd,
    kOr,
    kNot,
    kPlus,   // SET a = x + y
    kMinus,  // SET a = x - y
  };

  Kind kind = Kind::kPath;
  SyntaxPath path;
  std::string text;
  Comparator comparator = Comparator::kEqual;
  std::vector<SyntaxNode> children;
  bool parenthesized = false;

  // A comparison or a logical connective (a function call can be either a condition or an
  // operand: that is decided later, with DynamoDB's message for a misplaced function).
  bool IsCondition() const {
    return kind == Kind::kCompare || kind == Kind::kBetween || kind == Kind::kIn ||
           kind == Kind::kAnd || kind == Kind::kOr || kind == Kind::kNot;
  }
};

struct ConditionSyntax {
  SyntaxNode root;
  // "((x))" somewhere: reported only if the whole text parses (DynamoDB checks syntax first).
  bool redundant_parentheses = false;
};

enum class UpdateClause { kSet, kRemove, kAdd, kDelete };

struct SyntaxAction {
  UpdateClause clause = UpdateClause::kSet;
  SyntaxPath path;
  SyntaxNode value;  // SET: the value tree; ADD, DELETE: a kValue node; REMOVE: unused
};

struct UpdateSyntax {
  std::vector<SyntaxAction> actions;
  // The first clause keyword written twice ("SET"), empty if none: DynamoDB reports it after
  // function names and reserved words but before undefined placeholders.
  std::string repeated_section;
};

// "Invalid <Parameter>: <detail>" as InvalidArgument.
Status InvalidExpression(ExpressionKind kind, std::string_view detail);

// Recursive-descent parser for one expression. Syntax errors (and the few errors DynamoDB
// reports while parsing: size, emptiness, path depth, operator count) come back as InvalidArgument
// with AWS's text:
//   Invalid <Parameter>: Syntax error; token: "<token>", near: "<text>"
// where <token> is the offending token ("<EOF>" at the end) and <text> runs from the start of
// the token before it to the end of the token after it (DynamoDB answers `x AND __y` with
// token "_", near "AND __").
//
// Thread-safety: not thread-safe; use once.
class Parser {
 public:
  // `text` must outlive the parser.
  Parser(std::string_view text, ExpressionKind kind);

  // Condition grammar (condition, filter and key-condition expressions).
  Result<ConditionSyntax> ParseCondition();
  // Update grammar: clauses SET, REMOVE, ADD, DELETE in any order (each at most once, which
  // the caller checks).
  Result<UpdateSyntax> ParseUpdate();
  // Projection grammar: paths separated by commas.
  Result<std::vector<SyntaxPath>> ParseProjection();

 private:
  Status Prepare();
  const Token& Peek(size_t ahead = 0) const;
  void Advance();
  std::string_view TextOf(const Token& token) const;
  bool IsWord(const Token& token, std::string_view word) const;
  bool IsKeyword(const Token& token) const;
  Status SyntaxError() const;
  Status CountOperator();
  Status CheckNesting(int depth) const;

  Result<SyntaxPath> ParsePath();
  Status ParsePathTail(SyntaxPath* path);
  Result<SyntaxNode> ParsePathNode();
  SyntaxNode TakeValueNode();

  Result<SyntaxNode> ParseOr(int depth);
  Result<SyntaxNode> ParseAnd(int depth);
  // `operand (word operand)*` as one `kind` node of all operands (AND, OR chains).
  Result<SyntaxNode> ParseChain(int depth, std::string_view word, SyntaxNode::Kind kind,
                                Result<SyntaxNode> (Parser::*operand)(int));
  Result<SyntaxNode> ParseNot(int depth);
  Result<SyntaxNode> ParseComparison(int depth);
  Result<SyntaxNode> ParseTerm(int depth);
  Result<SyntaxNode> ParseOperand(int depth);
  Result<SyntaxNode> ParseCall(int depth);

  Result<SyntaxNode> ParseSetValue(int depth);
  Result<SyntaxNode> ParseSetOperand(int depth);

  std::string_view text_;
  ExpressionKind kind_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int operators_ = 0;
  bool redundant_parentheses_ = false;
};

}  // namespace eddy::table::expression::internal
