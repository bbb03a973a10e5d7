#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/api/aws/api_error.h"
#include "eddy/api/aws/json_request.h"
#include "eddy/api/aws/json_writer.h"
#include "eddy/api/dynamodb/attribute_json.h"
#include "eddy/table/expression/condition.h"
#include "eddy/table/expression/expression_inputs.h"
#include "eddy/table/expression/update.h"
#include "eddy/table/table_store.h"

namespace eddy::api::dynamodb {

// ExpressionAttributeNames and ExpressionAttributeValues of one request (or one transaction
// item), and which placeholders its expressions used.
struct RequestExpressions {
  std::optional<ExpressionNames> names;
  std::optional<ExpressionValues> values;
  table::expression::PlaceholderUsage usage;

  table::expression::ExpressionInputs inputs();
  // Reads both maps from `obj`. `any_expression`: an expression parameter is present (without
  // one, either map is a ValidationException).
  std::optional<ApiError> Read(JsonRequest& req, const rapidjson::Value& obj, bool any_expression);
  // After every expression parsed: a supplied placeholder no expression used is an error.
  std::optional<ApiError> CheckAllUsed() const;
};

// One validated single-item write — PutItem, DeleteItem, UpdateItem, or an item of
// BatchWriteItem or TransactWriteItems (including a ConditionCheck) — ready to run as a
// TableStore mutation. Parsing checks everything that can be checked without the current item
// (shapes, keys, sizes, expressions, unused placeholders), with AWS's messages.
//
// Thread-safety: one per request; the mutation records its outcome in the object.
struct WriteSpec {
  enum class Kind { kPut, kDelete, kUpdate, kConditionCheck };

  Kind kind = Kind::kPut;
  std::string table;
  table::TableDefinition definition;
  model::Item key;   // the key attributes
  model::Item item;  // kPut: the whole new item
  std::optional<table::expression::ConditionExpression> condition;
  std::optional<table::expression::UpdateExpression> update;
  bool return_old_on_failure = false;  // ReturnValuesOnConditionCheckFailure=ALL_OLD

  // Set by the mutation when it refuses the write.
  bool condition_failed = false;
  std::optional<model::Item> failed_against;  // the item the condition failed on
  std::optional<ApiError> update_error;       // an update that cannot apply to the item

  // The mutation this write performs. REQUIRES: `this` outlives the mutation's use.
  table::Mutation MakeMutation();
  // The error for a refused write: ConditionalCheckFailedException (with "Item" when asked),
  // the update's ValidationException, or `storage` mapped to an API error.
  ApiError RefusalError(const Status& storage) const;
};

// Parses the members of `obj` (a request's root, or a Put/Delete/Update/ConditionCheck object
// of a transaction or batch) into `out`. `kind` decides which members apply. Looks the table
// up in `tables` (ResourceNotFoundException "Requested resource not found"). `table`, when
// not empty, names the table instead of a TableName member (BatchWriteItem's requests).
std::optional<ApiError> ParseWriteSpec(JsonRequest& req, const rapidjson::Value& obj,
                                       WriteSpec::Kind kind, const table::TableStore& tables,
                                       WriteSpec* out, std::string_view table = {});

// "ReturnConsumedCapacity": NONE (false), TOTAL or INDEXES (true).
std::optional<ApiError> ReadReturnConsumedCapacity(JsonRequest& req, bool* wanted);

// Capacity units as DynamoDB charges them: a write 1 unit per KB (at least 1), a read 1 unit
// per 4 KB, half for eventually consistent reads.
double WriteUnits(size_t item_bytes);
double ReadUnits(size_t item_bytes, bool consistent);
void WriteConsumedCapacity(JsonWriter& w, std::string_view table, double units);
// The ConsumedCapacity list of a multi-table request: one entry per table.
void WriteConsumedCapacityList(JsonWriter& w, const std::map<std::string, double>& units);

// "1 validation error detected: Value null at '<member>' failed to satisfy constraint: Member
// must not be null".
ApiError NotNull(std::string_view member);

// The secondary-index key attributes `item` carries: each of its index key type ("Type
// mismatch for Index Key ...") and not an empty S or B. An item without them is simply not in
// that index.
[[nodiscard]] std::optional<ApiError> CheckIndexKeys(const table::TableDefinition& table,
                                                     const model::Item& item);
// The same for a value outside an enum.
ApiError BadEnum(std::string_view value, std::string_view member, std::string_view values);
// A parameter eddy does not serve yet.
ApiError Unsupported(std::string_view parameter);

}  // namespace eddy::api::dynamodb
