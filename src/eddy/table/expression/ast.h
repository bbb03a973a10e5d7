#pragma once

#include <string_view>
#include <vector>

#include "eddy/table/model_types.h"
#include "eddy/table/expression/document_path.h"

namespace eddy::table::expression {

// The resolved, validated trees that parsing produces: placeholders replaced by the names and
// values they stand for (copied, so a tree outlives the request's maps).

enum class Comparator { kEqual, kNotEqual, kLess, kLessOrEqual, kGreater, kGreaterOrEqual };

// "=", "<>", "<", "<=", ">", ">=".
std::string_view ComparatorText(Comparator comparator);

// The condition functions (size is an operand, see Operand::Kind::kSize).
enum class Function {
  kAttributeExists,
  kAttributeNotExists,
  kAttributeType,
  kBeginsWith,
  kContains
};

// "attribute_exists", ... (DynamoDB's function names are case-sensitive).
std::string_view FunctionName(Function function);

// An operand of a condition: a document path, a value, or size(<operand>).
struct Operand {
  enum class Kind { kPath, kValue, kSize };

  Kind kind = Kind::kPath;
  DocumentPath path;                  // kPath
  AttributeValue value;               // kValue
  std::vector<Operand> size_operand;  // kSize: exactly one (a path or a value)
};

// A condition (ConditionExpression, FilterExpression, KeyConditionExpression).
struct Condition {
  enum class Kind {
    kCompare,   // operands: left, right
    kBetween,   // operands: value, lower, upper
    kIn,        // operands: value, then 1..100 candidates
    kFunction,  // operands: the function's arguments
    kAnd,       // children: two or more
    kOr,        // children: two or more
    kNot,       // children: one
  };

  Kind kind = Kind::kCompare;
  Comparator comparator = Comparator::kEqual;      // kCompare
  Function function = Function::kAttributeExists;  // kFunction
  std::vector<Operand> operands;
  std::vector<Condition> children;
};

}  // namespace eddy::table::expression
