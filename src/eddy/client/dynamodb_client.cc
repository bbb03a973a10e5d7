#include "eddy/client/dynamodb_client.h"

#include <simdjson.h>

#include <chrono>
#include <thread>
#include <utility>

#include "eddy/client/attribute_json.h"
#include "eddy/client/json_body.h"
#include "eddy/client/json_response.h"

namespace eddy::client {

namespace {

using model::ValueType;
using simdjson::dom::element;

AwsError InvalidRequest(std::string message) {
  return AwsError{0, "InvalidRequest", std::move(message)};
}

std::string_view ProjectionTypeName(ProjectionType type) {
  switch (type) {
    case ProjectionType::kAll:
      return "ALL";
    case ProjectionType::kKeysOnly:
      return "KEYS_ONLY";
    case ProjectionType::kInclude:
      return "INCLUDE";
  }
  return "ALL";
}

std::optional<StreamViewType> ParseStreamViewType(std::string_view name) {
  for (auto type : {StreamViewType::kKeysOnly, StreamViewType::kNewImage,
                    StreamViewType::kOldImage, StreamViewType::kNewAndOldImages}) {
    if (StreamViewTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::optional<ValueType> ParseScalarType(std::string_view name) {
  if (name == "S") return ValueType::kString;
  if (name == "N") return ValueType::kNumber;
  if (name == "B") return ValueType::kBinary;
  return std::nullopt;
}

void WriteKeySchema(JsonBody& body, const KeySchema& key) {
  body.Key("KeySchema").OpenArray();
  body.Open().Key("AttributeName").String(key.hash.name).Key("KeyType").String("HASH").Close();
  if (key.range) {
    body.Open().Key("AttributeName").String(key.range->name).Key("KeyType").String("RANGE");
    body.Close();
  }
  body.CloseArray();
}

// AttributeDefinitions lists every key attribute of the table and its indexes once.
Outcome<std::map<std::string, ValueType>> KeyAttributeTypes(const CreateTableSpec& spec) {
  std::map<std::string, ValueType> types;
  std::string conflict;
  auto add = [&](const KeyAttribute& a) {
    auto [it, added] = types.emplace(a.name, a.type);
    if (!added && it->second != a.type) conflict = a.name;
  };
  auto add_schema = [&](const KeySchema& key) {
    add(key.hash);
    if (key.range) add(*key.range);
  };
  add_schema(spec.key);
  for (const auto& index : spec.global_indexes) add_schema(index.key);
  if (!conflict.empty()) {
    return InvalidRequest("key attribute " + conflict + " is given two types");
  }
  return types;
}

void WriteExpressionMaps(JsonBody& body, const ExpressionNames& names,
                         const ExpressionValues& values) {
  // DynamoDB refuses empty maps ("ExpressionAttributeNames must not be empty").
  if (!names.empty()) {
    body.Key("ExpressionAttributeNames").Open();
    for (const auto& [placeholder, name] : names) body.Key(placeholder).String(name);
    body.Close();
  }
  if (!values.empty()) {
    body.Key("ExpressionAttributeValues").Open();
    for (const auto& [placeholder, value] : values) {
      body.Key(placeholder);
      WriteAttributeValue(body, value);
    }
    body.Close();
  }
}

void WriteCondition(JsonBody& body, const Condition& condition) {
  if (condition.empty()) return;
  body.Key("ConditionExpression").String(condition.expression);
  WriteExpressionMaps(body, condition.names, condition.values);
}

// Adds `from`'s placeholders to `into`; false when one is already there with another meaning.
template <typename Map>
bool MergePlaceholders(const Map& from, Map* into, std::string* conflict) {
  for (const auto& [placeholder, meaning] : from) {
    auto [it, added] = into->emplace(placeholder, meaning);
    if (!added && it->second != meaning) {
      *conflict = placeholder;
      return false;
    }
  }
  return true;
}

// KeySchema elements with their types from AttributeDefinitions (`types`).
Outcome<KeySchema> ParseKeySchema(std::string_view operation, const element& owner,
                                  const std::map<std::string, ValueType, std::less<>>& types) {
  simdjson::dom::array elements;
  if (owner["KeySchema"].get(elements) != simdjson::SUCCESS) {
    return BadResponse(operation, "no KeySchema");
  }
  KeySchema key;
  bool has_hash = false;
  for (element e : elements) {
    const std::string name = StringField(e, "AttributeName");
    const std::string key_type = StringField(e, "KeyType");
    auto type = types.find(name);
    if (type == types.end()) {
      return BadResponse(operation, "key attribute " + name + " has no AttributeDefinition");
    }
    if (key_type == "HASH") {
      key.hash = KeyAttribute{name, type->second};
      has_hash = true;
    } else if (key_type == "RANGE") {
      key.range = KeyAttribute{name, type->second};
    } else {
      return BadResponse(operation, "KeyType " + key_type);
    }
  }
  if (!has_hash) return BadResponse(operation, "KeySchema without a HASH key");
  return key;
}

Outcome<TableDescription> ParseTableDescription(std::string_view operation, const element& t) {
  TableDescription d;
  d.name = StringField(t, "TableName");
  d.arn = StringField(t, "TableArn");
  d.status = StringField(t, "TableStatus");
  d.item_count = IntField(t, "ItemCount");
  d.size_bytes = IntField(t, "TableSizeBytes");
  d.created_ms = TimestampField(t, "CreationDateTime");
  std::map<std::string, ValueType, std::less<>> types;
  simdjson::dom::array definitions;
  if (t["AttributeDefinitions"].get(definitions) == simdjson::SUCCESS) {
    for (element a : definitions) {
      const std::string type_name = StringField(a, "AttributeType");
      auto type = ParseScalarType(type_name);
      if (!type) return BadResponse(operation, "AttributeType " + type_name);
      types[StringField(a, "AttributeName")] = *type;
    }
  }
  auto key = ParseKeySchema(operation, t, types);
  if (!key.ok()) return key.error();
  d.key = std::move(*key);
  element billing;
  if (t["BillingModeSummary"].get(billing) == simdjson::SUCCESS) {
    d.billing_mode = StringField(billing, "BillingMode");
  }
  simdjson::dom::array indexes;
  if (t["GlobalSecondaryIndexes"].get(indexes) == simdjson::SUCCESS) {
    for (element i : indexes) {
      IndexDescription index;
      index.name = StringField(i, "IndexName");
      auto index_key = ParseKeySchema(operation, i, types);
      if (!index_key.ok()) return index_key.error();
      index.key = std::move(*index_key);
      index.status = StringField(i, "IndexStatus");
      index.backfilling = BoolField(i, "Backfilling");
      index.item_count = IntField(i, "ItemCount");
      d.global_indexes.push_back(std::move(index));
    }
  }
  element stream;
  if (t["StreamSpecification"].get(stream) == simdjson::SUCCESS &&
      BoolField(stream, "StreamEnabled")) {
    d.stream = ParseStreamViewType(StringField(stream, "StreamViewType"));
    if (!d.stream) return BadResponse(operation, "StreamViewType");
  }
  d.latest_stream_arn = StringField(t, "LatestStreamArn");
  d.latest_stream_label = StringField(t, "LatestStreamLabel");
  return d;
}

// The description under `member` ("Table", "TableDescription") of an answer.
Outcome<TableDescription> ReadTableDescription(std::string_view operation,
                                               const std::string& body, std::string_view member) {
  auto doc = ParseBody(operation, body);
  if (!doc.ok()) return doc.error();
  element t;
  if ((*doc)[member].get(t) != simdjson::SUCCESS || !t.is_object()) {
    return BadResponse(operation, "no " + std::string(member));
  }
  return ParseTableDescription(operation, t);
}

}  // namespace

std::string_view StreamViewTypeName(StreamViewType type) {
  switch (type) {
    case StreamViewType::kKeysOnly:
      return "KEYS_ONLY";
    case StreamViewType::kNewImage:
      return "NEW_IMAGE";
    case StreamViewType::kOldImage:
      return "OLD_IMAGE";
    case StreamViewType::kNewAndOldImages:
      return "NEW_AND_OLD_IMAGES";
  }
  return "KEYS_ONLY";
}

std::string_view ReturnValuesName(ReturnValues values) {
  switch (values) {
    case ReturnValues::kNone:
      return "NONE";
    case ReturnValues::kAllOld:
      return "ALL_OLD";
    case ReturnValues::kUpdatedOld:
      return "UPDATED_OLD";
    case ReturnValues::kAllNew:
      return "ALL_NEW";
    case ReturnValues::kUpdatedNew:
      return "UPDATED_NEW";
  }
  return "NONE";
}

bool IsConditionFailed(const AwsError& error) {
  return error.type == "ConditionalCheckFailedException";
}

bool IsResourceNotFound(const AwsError& error) {
  return error.type == "ResourceNotFoundException";
}

Result<std::unique_ptr<DynamoDbClient>> DynamoDbClient::Create(
    const ClientConfig& config, const auth::SettingsSource& source) {
  EDDY_ASSIGN_OR_RETURN(auto json, AwsJsonClient::Create(kDynamoDbService, config, source));
  return std::unique_ptr<DynamoDbClient>(new DynamoDbClient(std::move(json)));
}

DynamoDbClient::DynamoDbClient(std::unique_ptr<AwsJsonClient> json) : json_(std::move(json)) {}

Outcome<TableDescription> DynamoDbClient::CreateTable(const CreateTableSpec& spec) {
  auto types = KeyAttributeTypes(spec);
  if (!types.ok()) return types.error();
  JsonBody body;
  body.Open().Key("TableName").String(spec.name);
  body.Key("AttributeDefinitions").OpenArray();
  for (const auto& [name, type] : *types) {
    body.Open().Key("AttributeName").String(name);
    body.Key("AttributeType").String(model::TypeName(type)).Close();
  }
  body.CloseArray();
  WriteKeySchema(body, spec.key);
  body.Key("BillingMode").String("PAY_PER_REQUEST");
  if (!spec.global_indexes.empty()) {
    body.Key("GlobalSecondaryIndexes").OpenArray();
    for (const auto& index : spec.global_indexes) {
      body.Open().Key("IndexName").String(index.name);
      WriteKeySchema(body, index.key);
      body.Key("Projection").Open().Key("ProjectionType").String(
          ProjectionTypeName(index.projection));
      if (index.projection == ProjectionType::kInclude) {
        body.Key("NonKeyAttributes").OpenArray();
        for (const auto& name : index.non_key_attributes) body.String(name);
        body.CloseArray();
      }
      body.Close().Close();
    }
    body.CloseArray();
  }
  if (spec.stream) {
    body.Key("StreamSpecification").Open().Key("StreamEnabled").Bool(true);
    body.Key("StreamViewType").String(StreamViewTypeName(*spec.stream)).Close();
  }
  auto call = json_->Call("CreateTable", body.Close().Take());
  if (!call.ok()) return call.error();
  return ReadTableDescription("CreateTable", *call, "TableDescription");
}

Outcome<TableDescription> DynamoDbClient::DescribeTable(const std::string& name) {
  JsonBody body;
  auto call =
      json_->Call("DescribeTable", body.Open().Key("TableName").String(name).Close().Take());
  if (!call.ok()) return call.error();
  return ReadTableDescription("DescribeTable", *call, "Table");
}

Outcome<Empty> DynamoDbClient::DeleteTable(const std::string& name) {
  JsonBody body;
  return CallForNothing(*json_, "DeleteTable",
                        body.Open().Key("TableName").String(name).Close().Take());
}

Outcome<TableDescription> DynamoDbClient::WaitForActive(const std::string& name, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto table = DescribeTable(name);
    if (!table.ok()) return table;
    std::string waiting_for;
    if (table->status != "ACTIVE") waiting_for = "table " + name + " " + table->status;
    for (const auto& index : table->global_indexes) {
      if (waiting_for.empty() && index.status != "ACTIVE") {
        waiting_for = "index " + index.name + " of table " + name + " " + index.status;
      }
    }
    if (waiting_for.empty()) return table;
    if (std::chrono::steady_clock::now() >= deadline) {
      return AwsError{0, "Timeout",
                      waiting_for + " still after " + std::to_string(timeout_ms) + " ms"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Outcome<std::optional<Item>> DynamoDbClient::CallForItem(std::string_view operation,
                                                         const std::string& body,
                                                         std::string_view member) {
  auto call = json_->Call(operation, body);
  if (!call.ok()) return call.error();
  auto doc = ParseBody(operation, *call);
  if (!doc.ok()) return doc.error();
  element json;
  if ((*doc)[member].get(json) != simdjson::SUCCESS) return std::optional<Item>();
  auto item = ParseAttributeMap(json);
  if (!item.ok()) return BadResponse(operation, item.status().message());
  return std::optional<Item>(std::move(item).value());
}

Outcome<std::optional<Item>> DynamoDbClient::GetItem(const std::string& table, const Item& key,
                                                     bool consistent_read) {
  JsonBody body;
  body.Open().Key("TableName").String(table).Key("Key");
  WriteAttributeMap(body, key);
  if (consistent_read) body.Key("ConsistentRead").Bool(true);
  return CallForItem("GetItem", body.Close().Take(), "Item");
}

Outcome<Empty> DynamoDbClient::PutItem(const std::string& table, const Item& item,
                                       const Condition& condition) {
  JsonBody body;
  body.Open().Key("TableName").String(table).Key("Item");
  WriteAttributeMap(body, item);
  WriteCondition(body, condition);
  return CallForNothing(*json_, "PutItem", body.Close().Take());
}

Outcome<std::optional<Item>> DynamoDbClient::UpdateItem(const std::string& table,
                                                        const Item& key,
                                                        const UpdateSpec& update,
                                                        const Condition& condition,
                                                        ReturnValues return_values) {
  // One request carries one set of placeholders for both expressions.
  ExpressionNames names = update.names;
  ExpressionValues values = update.values;
  std::string conflict;
  if (!MergePlaceholders(condition.names, &names, &conflict) ||
      !MergePlaceholders(condition.values, &values, &conflict)) {
    return InvalidRequest("placeholder " + conflict +
                          " means one thing in the update and another in the condition");
  }
  JsonBody body;
  body.Open().Key("TableName").String(table).Key("Key");
  WriteAttributeMap(body, key);
  body.Key("UpdateExpression").String(update.expression);
  if (!condition.empty()) body.Key("ConditionExpression").String(condition.expression);
  WriteExpressionMaps(body, names, values);
  if (return_values != ReturnValues::kNone) {
    body.Key("ReturnValues").String(ReturnValuesName(return_values));
  }
  return CallForItem("UpdateItem", body.Close().Take(), "Attributes");
}

Outcome<Empty> DynamoDbClient::DeleteItem(const std::string& table, const Item& key,
                                          const Condition& condition) {
  JsonBody body;
  body.Open().Key("TableName").String(table).Key("Key");
  WriteAttributeMap(body, key);
  WriteCondition(body, condition);
  return CallForNothing(*json_, "DeleteItem", body.Close().Take());
}

Outcome<ItemPage> DynamoDbClient::CallForPage(std::string_view operation,
                                              const std::string& body) {
  auto call = json_->Call(operation, body);
  if (!call.ok()) return call.error();
  auto doc = ParseBody(operation, *call);
  if (!doc.ok()) return doc.error();
  simdjson::dom::array items;
  if ((*doc)["Items"].get(items) != simdjson::SUCCESS) return BadResponse(operation, "no Items");
  ItemPage page;
  page.items.reserve(items.size());
  for (element json : items) {
    auto item = ParseAttributeMap(json);
    if (!item.ok()) return BadResponse(operation, item.status().message());
    page.items.push_back(std::move(item).value());
  }
  element last;
  if ((*doc)["LastEvaluatedKey"].get(last) == simdjson::SUCCESS) {
    auto key = ParseAttributeMap(last);
    if (!key.ok()) return BadResponse(operation, "LastEvaluatedKey: " + key.status().message());
    page.last_evaluated_key = std::move(key).value();
  }
  page.scanned_count = static_cast<int>(IntField(*doc, "ScannedCount"));
  return page;
}

Outcome<ItemPage> DynamoDbClient::Scan(const std::string& table,
                                       const std::optional<Item>& exclusive_start_key, int limit,
                                       const Condition& filter) {
  JsonBody body;
  body.Open().Key("TableName").String(table);
  if (exclusive_start_key) {
    body.Key("ExclusiveStartKey");
    WriteAttributeMap(body, *exclusive_start_key);
  }
  if (limit > 0) body.Key("Limit").Int(limit);
  if (!filter.empty()) {
    body.Key("FilterExpression").String(filter.expression);
    WriteExpressionMaps(body, filter.names, filter.values);
  }
  return CallForPage("Scan", body.Close().Take());
}

namespace {

// Follows LastEvaluatedKey from page to page. A server that answers the key it was given would
// have the loop run forever: that is a BadResponse.
template <typename ReadPage>
Outcome<std::vector<Item>> ReadAllPages(std::string_view operation, ReadPage read_page) {
  std::vector<Item> all;
  std::optional<Item> start;
  for (;;) {
    Outcome<ItemPage> page = read_page(start);
    if (!page.ok()) return page.error();
    for (auto& item : page->items) all.push_back(std::move(item));
    if (!page->last_evaluated_key) return all;
    if (start && *start == *page->last_evaluated_key) {
      return BadResponse(operation, "LastEvaluatedKey repeats the ExclusiveStartKey");
    }
    start = std::move(page->last_evaluated_key);
  }
}

}  // namespace

Outcome<std::vector<Item>> DynamoDbClient::ScanAll(const std::string& table,
                                                   const Condition& filter) {
  return ReadAllPages("Scan", [&](const std::optional<Item>& start) {
    return Scan(table, start, 0, filter);
  });
}

Outcome<ItemPage> DynamoDbClient::Query(const std::string& table, const std::string& index,
                                        const Condition& key_condition,
                                        const std::optional<Item>& exclusive_start_key,
                                        int limit) {
  JsonBody body;
  body.Open().Key("TableName").String(table);
  if (!index.empty()) body.Key("IndexName").String(index);
  body.Key("KeyConditionExpression").String(key_condition.expression);
  WriteExpressionMaps(body, key_condition.names, key_condition.values);
  if (exclusive_start_key) {
    body.Key("ExclusiveStartKey");
    WriteAttributeMap(body, *exclusive_start_key);
  }
  if (limit > 0) body.Key("Limit").Int(limit);
  return CallForPage("Query", body.Close().Take());
}

Outcome<std::vector<Item>> DynamoDbClient::QueryAll(const std::string& table,
                                                    const std::string& index,
                                                    const Condition& key_condition) {
  return ReadAllPages("Query", [&](const std::optional<Item>& start) {
    return Query(table, index, key_condition, start, 0);
  });
}

}  // namespace eddy::client
