#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/table/model_types.h"
#include "eddy/table/expression/document_path.h"
#include "eddy/table/expression/expression_inputs.h"

namespace eddy::table::expression {

// The right-hand side of a SET action.
struct UpdateValue {
  enum class Kind {
    kPath,         // the attribute's value in the item before the update
    kValue,        // a literal
    kIfNotExists,  // args: path, fallback
    kListAppend,   // args: two lists
    kPlus,         // args: two numbers
    kMinus,        // args: two numbers
  };

  Kind kind = Kind::kValue;
  DocumentPath path;     // kPath
  AttributeValue value;  // kValue
  std::vector<UpdateValue> args;
};

struct UpdateAction {
  enum class Kind { kSet, kRemove, kAdd, kDelete };

  Kind kind = Kind::kSet;
  DocumentPath path;
  UpdateValue value;       // kSet
  AttributeValue operand;  // kAdd (N or a set), kDelete (a set)
};

// A parsed and validated UpdateExpression:
//   SET path = value, ...   value := operand [+|- operand];
//                           operand := path | :value | if_not_exists(path, value)
//                                    | list_append(value, value) | ( value )
//   REMOVE path, ...
//   ADD path :value, ...    (a number to add, or a set to merge)
//   DELETE path :value, ... (a set to subtract)
// Clauses in any order, each at most once; no two actions on overlapping or conflicting paths.
//
// Thread-safety: immutable after Parse; Apply may run concurrently.
class UpdateExpression {
 public:
  // Errors are InvalidArgument with AWS's texts ("Invalid UpdateExpression: ..."), in
  // DynamoDB's order: syntax; unknown or misplaced functions; reserved words; a repeated
  // section; undefined placeholders; overlapping then conflicting paths; ADD and DELETE
  // operand types; then per SET action operand counts, if_not_exists' document path, and
  // literal operand types of +, - and list_append.
  static Result<UpdateExpression> Parse(std::string_view text, const ExpressionInputs& inputs);

  // The item after the update. `item` is the item before it (empty when it does not exist)
  // and is not modified. Every SET value is computed from `item` before anything changes,
  // as DynamoDB does. A SET (or ADD) of a list index past the end appends (several appends to
  // one list land in index order); REMOVE of a missing attribute, member or index does
  // nothing; ADD to a missing attribute creates it; DELETE leaving a set empty removes the
  // attribute. Errors (InvalidArgument, AWS's texts, the caller's prefix-free messages):
  //   "The provided expression refers to an attribute that does not exist in the item"
  //   "An operand in the update expression has an incorrect data type"
  //   "The document path provided in the update expression is invalid for update"
  //   Number's overflow/underflow messages for + and ADD;
  //   "Item size to update has exceeded the maximum allowed size" when the SET values alone
  //     (or one list_append) exceed DynamoDB's 400 KB item limit (the caller still checks the
  //     whole new item).
  Result<Item> Apply(const Item& item) const;

  // The top-level attributes the update touches (sorted, distinct), so the caller can refuse
  // updates of key attributes.
  std::vector<std::string> ModifiedAttributes() const;
  // Every action's path, in text order: project the old or new item on them (ProjectItem) for
  // ReturnValues UPDATED_OLD / UPDATED_NEW.
  std::vector<DocumentPath> UpdatedPaths() const;
  // `item` (the old or the new one) projected on UpdatedPaths(): what DynamoDB returns for
  // UPDATED_OLD / UPDATED_NEW. List elements appended past the end are reported at the index
  // the expression named, as DynamoDB does.
  Item UpdatedAttributes(const Item& item) const;

  // InvalidArgument "One or more parameter values were invalid: Cannot update attribute <k>.
  // This attribute is part of the key" when an action touches a key attribute (partition key
  // checked first; `sort_key` empty for none).
  Status CheckKeyAttributesUnchanged(std::string_view partition_key,
                                     std::string_view sort_key) const;

  const std::vector<UpdateAction>& actions() const { return actions_; }

 private:
  std::vector<UpdateAction> actions_;
};

}  // namespace eddy::table::expression
