#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "eddy/base/status.h"
#include "eddy/table/model_types.h"

namespace eddy::table::expression {

// ExpressionAttributeNames: "#placeholder" -> attribute name (one path element, used
// literally: "a.b" names the attribute "a.b", not a nested path).
using AttributeNames = std::map<std::string, std::string, std::less<>>;
// ExpressionAttributeValues: ":placeholder" -> value.
using AttributeValues = AttributeMap;

// Which request parameter an expression came from. It selects the grammar and is the
// "<Parameter>" of every error message: "Invalid <Parameter>: ...".
enum class ExpressionKind {
  kCondition,     // ConditionExpression
  kFilter,        // FilterExpression
  kKeyCondition,  // KeyConditionExpression
  kUpdate,        // UpdateExpression
  kProjection,    // ProjectionExpression
};

// "ConditionExpression", "FilterExpression", "KeyConditionExpression", "UpdateExpression",
// "ProjectionExpression".
std::string_view ParameterName(ExpressionKind kind);

// Records the placeholders that the expressions of one request used, so that the request can
// then reject the ones it supplied but never used (DynamoDB does).
//
// Thread-safety: not thread-safe; one per request.
class PlaceholderUsage {
 public:
  void UseName(std::string_view placeholder) { names_.emplace(placeholder); }
  void UseValue(std::string_view placeholder) { values_.emplace(placeholder); }
  bool NameUsed(std::string_view placeholder) const { return names_.count(placeholder) > 0; }
  bool ValueUsed(std::string_view placeholder) const { return values_.count(placeholder) > 0; }

 private:
  std::set<std::string, std::less<>> names_;
  std::set<std::string, std::less<>> values_;
};

// What every parse reads besides the expression's text. The pointers are borrowed for the
// duration of the Parse call only (parsed expressions copy what they need); null `names` or
// `values` means the request had none, and a null `usage` records nothing.
struct ExpressionInputs {
  const AttributeNames* names = nullptr;
  const AttributeValues* values = nullptr;
  PlaceholderUsage* usage = nullptr;
};

// Run after all of a request's expressions parsed: InvalidArgument with AWS's message when a
// supplied placeholder was never used, names checked before values, keys listed in sorted
// order:
//   "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
//   "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a}"
Status CheckAllPlaceholdersUsed(const AttributeNames* names, const AttributeValues* values,
                                const PlaceholderUsage& usage);

// Limits DynamoDB applies to every expression (docs: "Service, account, and table quotas").
inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr int kMaxPathDepth = 32;  // elements of one document path
inline constexpr int kMaxInOperands = 100;
inline constexpr int kMaxOperators = 300;  // comparators, AND/OR/NOT, functions, + and -
// eddy's own bound on nested parentheses, NOT and function calls, so that parsing and
// evaluation recurse a bounded number of times whatever the input.
inline constexpr int kMaxNesting = 100;

}  // namespace eddy::table::expression
