#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "eddy/base/result.h"
#include "eddy/table/model_types.h"
#include "eddy/table/expression/ast.h"
#include "eddy/table/expression/expression_inputs.h"

namespace eddy::table::expression {

// A parsed and validated condition: a ConditionExpression, FilterExpression or (the input of
// AnalyzeKeyCondition) KeyConditionExpression.
//
// Grammar (keywords case-insensitive, function names case-sensitive):
//   condition := operand comparator operand | operand BETWEEN operand AND operand
//              | operand IN ( operand, ... ) | function | condition AND condition
//              | condition OR condition | NOT condition | ( condition )
//   comparator := = | <> | < | <= | > | >=
//   function := attribute_exists(path) | attribute_not_exists(path)
//             | attribute_type(path, :type) | begins_with(operand, operand)
//             | contains(operand, operand)
//   operand := path | :value | size(operand) | ( operand )
// with precedence NOT > AND > OR, and AWS's limits (4 KB of text, 100 IN candidates, 300
// operators, 32 path levels).
//
// Thread-safety: immutable after Parse; Evaluate may run concurrently.
class ConditionExpression {
 public:
  // REQUIRES: kind is kCondition, kFilter or kKeyCondition.
  // Parses `text` for the parameter `kind`, resolving
  // placeholders through `inputs` and recording the ones used in `inputs.usage`.
  // Errors are InvalidArgument whose message is AWS's ValidationException text, starting
  // "Invalid <Parameter>: ", reported in DynamoDB's order: syntax; redundant parentheses;
  // unknown functions; misplaced functions; reserved words; then, condition by condition in
  // text order, undefined placeholders, operand counts, operands that must be distinct,
  // operand types (BETWEEN bounds, attribute_type names, ordering on non-scalars).
  static Result<ConditionExpression> Parse(std::string_view text, ExpressionKind kind,
                                           const ExpressionInputs& inputs);

  // Whether `item` satisfies the condition. A missing item is an empty item. Never fails:
  // missing attributes, type mismatches and ordering of non-scalars are simply false (and
  // `<>` is true when the two sides are not equal, a missing side included).
  bool Evaluate(const Item& item) const;

  const Condition& root() const { return root_; }
  ExpressionKind kind() const { return kind_; }

 private:
  ExpressionKind kind_ = ExpressionKind::kCondition;
  Condition root_;
};

// Evaluates one (sub)condition against `item`; ConditionExpression::Evaluate's semantics.
bool EvaluateCondition(const Condition& condition, const Item& item);

// size() of a value as DynamoDB computes it: S in UTF-16 code units (what AWS counts: "é𝄞"
// is 3), B in bytes, sets, lists and maps by element count; nullopt for N, BOOL and NULL.
std::optional<uint64_t> ValueSize(const AttributeValue& value);

}  // namespace eddy::table::expression
