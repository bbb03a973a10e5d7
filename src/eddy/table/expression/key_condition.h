#pragma once

#include <optional>
#include <string>

#include "eddy/base/result.h"
#include "eddy/table/model_types.h"
#include "eddy/table/expression/ast.h"
#include "eddy/table/expression/condition.h"

namespace eddy::table::expression {

// The key schema a Query runs against: the table's or the index's.
struct KeySchema {
  std::string partition_key;
  ValueType partition_key_type = ValueType::kString;  // S, N or B
  std::string sort_key;                               // empty: no sort key
  ValueType sort_key_type = ValueType::kString;
};

enum class SortKeyOperator {
  kEqual,
  kLess,
  kLessOrEqual,
  kGreater,
  kGreaterOrEqual,
  kBetween,
  kBeginsWith
};

struct SortKeyCondition {
  SortKeyOperator op = SortKeyOperator::kEqual;
  AttributeValue value;  // the operand; BETWEEN's lower bound; begins_with's prefix
  AttributeValue upper;  // BETWEEN's upper bound

  // Whether an item's sort key value satisfies the condition (S by bytes, N numerically, B by
  // unsigned bytes; false for a value of another type).
  bool Matches(const AttributeValue& sort_key_value) const;
};

// What a KeyConditionExpression selects: one partition, optionally a sort-key range.
struct KeyCondition {
  AttributeValue partition_value;
  std::optional<SortKeyCondition> sort;
};

// Reads a KeyConditionExpression (parsed with ExpressionKind::kKeyCondition) against a key
// schema. `pk = :v` is required; `AND` one sort-key condition (=, <, <=, >, >=, BETWEEN,
// begins_with) is optional; either side of a comparison may hold the key (`:v < sk` is
// `sk > :v`). Errors are InvalidArgument with AWS's texts, in this order:
//   "Invalid operator used in KeyConditionExpression: OR" (also NOT, IN, <>, and the
//     functions other than begins_with)
//   "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key
//     attribute as its first operand" (also begins_with)
//   "Invalid condition in KeyConditionExpression: Multiple attribute names used in one
//     condition"
//   "KeyConditionExpressions cannot have conditions on nested attributes"
//   "KeyConditionExpressions cannot contain nested operations" (size())
//   "Invalid condition in KeyConditionExpression: No key attribute specified"
//   "KeyConditionExpressions must only contain one condition per key"
//   "Query key condition not supported" (more conditions than key attributes)
//   "Query condition missed key schema element: <name>"
//   "One or more parameter values were invalid: Condition parameter type does not match
//     schema type"
//   "Query key condition not supported" (a partition key condition other than =)
//   "One or more parameter values are not valid. The AttributeValue for a key attribute
//     cannot contain an empty string value. Key: <name>" (or "empty binary value")
Result<KeyCondition> AnalyzeKeyCondition(const Condition& condition, const KeySchema& schema);
inline Result<KeyCondition> AnalyzeKeyCondition(const ConditionExpression& expression,
                                                const KeySchema& schema) {
  return AnalyzeKeyCondition(expression.root(), schema);
}

}  // namespace eddy::table::expression
