#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/client/aws_json_client.h"
#include "eddy/model/attribute_value.h"

namespace eddy::client {

// Typed shapes of the DynamoDB operations the client speaks (botocore's dynamodb model names
// the fields). Timestamps are Unix milliseconds.

using model::AttributeValue;
using model::Item;

// One key attribute: its name and scalar type (S, N or B: model::ValueType::kString, kNumber,
// kBinary).
struct KeyAttribute {
  std::string name;
  model::ValueType type = model::ValueType::kString;
};

// A table's or an index's primary key: the partition (HASH) key and an optional sort (RANGE)
// key.
struct KeySchema {
  KeyAttribute hash;
  std::optional<KeyAttribute> range;
};

enum class ProjectionType { kAll, kKeysOnly, kInclude };

struct GlobalIndexSpec {
  std::string name;
  KeySchema key;
  ProjectionType projection = ProjectionType::kAll;
  std::vector<std::string> non_key_attributes;  // kInclude only
};

enum class StreamViewType { kKeysOnly, kNewImage, kOldImage, kNewAndOldImages };
// "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES".
std::string_view StreamViewTypeName(StreamViewType type);

// What CreateTable makes: always BillingMode PAY_PER_REQUEST.
struct CreateTableSpec {
  std::string name;
  KeySchema key;
  std::vector<GlobalIndexSpec> global_indexes;
  std::optional<StreamViewType> stream;  // set: a DynamoDB stream of that view type
};

struct IndexDescription {
  std::string name;
  KeySchema key;
  std::string status;  // CREATING, UPDATING, DELETING, ACTIVE
  bool backfilling = false;
  int64_t item_count = 0;
};

struct TableDescription {
  std::string name;
  std::string arn;
  std::string status;  // CREATING, UPDATING, DELETING, ACTIVE, ...
  KeySchema key;       // types from AttributeDefinitions
  int64_t item_count = 0;
  int64_t size_bytes = 0;
  int64_t created_ms = 0;
  std::string billing_mode;  // PAY_PER_REQUEST, PROVISIONED ("" when not said)
  std::vector<IndexDescription> global_indexes;
  std::optional<StreamViewType> stream;  // set while a stream is enabled
  std::string latest_stream_arn;         // empty: the table never had a stream
  std::string latest_stream_label;
};

// ExpressionAttributeNames ("#n" -> attribute name) and ExpressionAttributeValues
// (":v" -> value).
using ExpressionNames = std::map<std::string, std::string, std::less<>>;
using ExpressionValues = std::map<std::string, AttributeValue, std::less<>>;

// An expression with the placeholders it uses: a ConditionExpression, a FilterExpression or a
// KeyConditionExpression. An empty expression is no condition.
struct Condition {
  std::string expression;
  ExpressionNames names;
  ExpressionValues values;
  bool empty() const { return expression.empty(); }
};

// An UpdateExpression ("SET #c = #c + :one REMOVE stale") with its placeholders. When an
// UpdateItem also has a Condition, both sets of placeholders travel in one request: a
// placeholder both define must mean the same in both.
struct UpdateSpec {
  std::string expression;
  ExpressionNames names;
  ExpressionValues values;
};

enum class ReturnValues { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };
// "NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW".
std::string_view ReturnValuesName(ReturnValues values);

// One page of a Scan or a Query.
struct ItemPage {
  std::vector<Item> items;
  std::optional<Item> last_evaluated_key;  // nullopt: nothing more to read
  int scanned_count = 0;
};

// True for the error DynamoDB answers when a ConditionExpression is false
// (ConditionalCheckFailedException): the write did not happen, and retrying it as is would fail
// again.
bool IsConditionFailed(const AwsError& error);
// True for ResourceNotFoundException (no such table or index).
bool IsResourceNotFound(const AwsError& error);

// A typed client of the DynamoDB API over AwsJsonClient: the table and item operations the
// consumer runtime needs (leases, checkpoints) and the tests use. It works against eddy and
// against any endpoint that speaks the protocol, AWS included.
//
// Errors are the AwsError the service answered (type "ResourceNotFoundException",
// "ConditionalCheckFailedException", "ValidationException", ...), a transport failure, or
// "BadResponse" for an answer that is not what the model says (an item that does not parse).
//
// Thread-safety: every method may be called from any number of threads at once.
class DynamoDbClient {
 public:
  static Result<std::unique_ptr<DynamoDbClient>> Create(
      const ClientConfig& config,
      const auth::SettingsSource& source = auth::SettingsSource::FromProcess());

  // CreateTable with BillingMode PAY_PER_REQUEST; the GSIs project as `projection` says.
  // Answers the description CreateTable returns (status CREATING or ACTIVE).
  Outcome<TableDescription> CreateTable(const CreateTableSpec& spec);
  Outcome<TableDescription> DescribeTable(const std::string& name);
  Outcome<Empty> DeleteTable(const std::string& name);
  // Polls DescribeTable until the table and every GSI are ACTIVE (or `timeout_ms` passes: a
  // "Timeout" error).
  Outcome<TableDescription> WaitForActive(const std::string& name, int timeout_ms = 60000);

  // The item with `key`, or nullopt when there is none.
  Outcome<std::optional<Item>> GetItem(const std::string& table, const Item& key,
                                       bool consistent_read = false);
  // Writes `item` whole if `condition` (when given) holds for the item it replaces.
  Outcome<Empty> PutItem(const std::string& table, const Item& item,
                         const Condition& condition = {});
  // Applies `update` to the item with `key` (creating it, as UpdateItem does) if `condition`
  // holds. Answers the Attributes `return_values` asks for: nullopt for kNone (and for an
  // answer without Attributes, e.g. UPDATED_OLD of an item that did not exist).
  // A placeholder defined differently by `update` and `condition` is refused before sending
  // (AwsError type "InvalidRequest", http_status 0).
  Outcome<std::optional<Item>> UpdateItem(const std::string& table, const Item& key,
                                          const UpdateSpec& update,
                                          const Condition& condition = {},
                                          ReturnValues return_values = ReturnValues::kNone);
  // Deletes the item with `key` if `condition` holds (no item is no error, unless the
  // condition requires one).
  Outcome<Empty> DeleteItem(const std::string& table, const Item& key,
                            const Condition& condition = {});

  // One Scan page: from after `exclusive_start_key`, at most `limit` items read (0: the
  // server's page size), those `filter` keeps.
  Outcome<ItemPage> Scan(const std::string& table,
                         const std::optional<Item>& exclusive_start_key = std::nullopt,
                         int limit = 0, const Condition& filter = {});
  // Every item `filter` keeps, following LastEvaluatedKey.
  Outcome<std::vector<Item>> ScanAll(const std::string& table, const Condition& filter = {});
  // One Query page of the table (`index` empty) or of an index: the items `key_condition`
  // (a KeyConditionExpression) selects, in sort key order, from after `exclusive_start_key`,
  // at most `limit` (0: the server's page size).
  Outcome<ItemPage> Query(const std::string& table, const std::string& index,
                          const Condition& key_condition,
                          const std::optional<Item>& exclusive_start_key = std::nullopt,
                          int limit = 0);
  // Every item of the Query, following LastEvaluatedKey.
  Outcome<std::vector<Item>> QueryAll(const std::string& table, const std::string& index,
                                      const Condition& key_condition);

  AwsJsonClient& transport() { return *json_; }

 private:
  explicit DynamoDbClient(std::unique_ptr<AwsJsonClient> json);
  // Sends `body` as `operation` and reads the answer's `member` ("Item", "Attributes") as an
  // item: nullopt when the answer has none.
  Outcome<std::optional<Item>> CallForItem(std::string_view operation, const std::string& body,
                                           std::string_view member);
  Outcome<ItemPage> CallForPage(std::string_view operation, const std::string& body);

  std::unique_ptr<AwsJsonClient> json_;
};

}  // namespace eddy::client
