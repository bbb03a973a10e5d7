#pragma once

// Internal to the expression library: placeholder resolution and the semantic checks that
// the condition, update and projection grammars share.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/status.h"
#include "eddy/table/model_types.h"
#include "eddy/table/expression/document_path.h"
#include "eddy/table/expression/expression_inputs.h"
#include "eddy/table/expression/syntax.h"

namespace eddy::table::expression::internal {

// Thread-safety: not thread-safe; one per parse.
class Resolver {
 public:
  // `inputs` is borrowed for the resolver's lifetime.
  Resolver(ExpressionKind kind, const ExpressionInputs& inputs) : kind_(kind), inputs_(inputs) {}

  ExpressionKind kind() const { return kind_; }
  // "Invalid <Parameter>: <detail>".
  Status Invalid(std::string_view detail) const { return InvalidExpression(kind_, detail); }

  // "Attribute name is a reserved keyword; reserved keyword: <name as written>" for the first
  // unescaped reserved name, in text order.
  Status CheckReserved(const SyntaxPath& path) const;
  Status CheckReserved(const SyntaxNode& node) const;

  // The first placeholder, in text order, that the request's maps do not define:
  //   "An expression attribute name used in the document path is not defined; attribute name: #x"
  //   "An expression attribute value used in expression is not defined; attribute value: :x"
  Status CheckDefined(const SyntaxPath& path) const;
  Status CheckDefined(const SyntaxNode& node) const;

  // REQUIRES: CheckDefined() passed. Record the placeholders as used.
  DocumentPath ResolvePath(const SyntaxPath& path) const;
  const AttributeValue& ResolveValue(const std::string& placeholder) const;

  // What a parse can tell about an operand's type: a value's type, N for size() and for + and
  // -, L for list_append(); nullopt for paths and if_not_exists().
  std::optional<ValueType> StaticType(const SyntaxNode& node) const;

 private:
  ExpressionKind kind_;
  const ExpressionInputs& inputs_;
};

// "Two document paths overlap with each other; must remove or rewrite one of these paths;
// path one: [a], path two: [a, b]" for the first overlapping pair (in text order), else the
// same with "conflict" for the first conflicting pair (see RelatePaths).
Status CheckPathsDisjoint(const std::vector<DocumentPath>& paths, const Resolver& resolver);

// "Incorrect operand type for operator or function; operator or function: <op>, operand
// type: <type>".
std::string IncorrectOperandType(std::string_view op, std::string_view type);

}  // namespace eddy::table::expression::internal
