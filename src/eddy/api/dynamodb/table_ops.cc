// Table operations: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable,
// DescribeLimits, DescribeContinuousBackups, TagResource, UntagResource, ListTagsOfResource.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/write_spec.h"

namespace eddy::api::dynamodb {
namespace {

using table::IndexDefinition;
using table::KeyAttribute;
using table::TableDefinition;
using table::ValueType;

constexpr size_t kMaxTags = 50;

std::string_view ScalarTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNumber:
      return "N";
    case ValueType::kBinary:
      return "B";
    default:
      return "S";
  }
}

std::optional<ValueType> ParseScalarType(std::string_view s) {
  if (s == "S") return ValueType::kString;
  if (s == "N") return ValueType::kNumber;
  if (s == "B") return ValueType::kBinary;
  return std::nullopt;
}

// The table-name constraints of the model: length 3..255, [a-zA-Z0-9_.-]+.
void CheckTableName(const std::optional<std::string_view>& name, std::string_view member,
                    ValidationErrors& errors) {
  if (!name) {
    errors.Add("null", member, "Member must not be null");
    return;
  }
  if (name->size() < 3) {
    errors.Add(ValidationErrors::Quote(*name), member,
               "Member must have length greater than or equal to 3");
  }
  if (name->size() > 255) {
    errors.Add(ValidationErrors::Quote(*name), member,
               "Member must have length less than or equal to 255");
  }
  const bool pattern_ok = std::all_of(name->begin(), name->end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
  if (!pattern_ok || name->empty()) {
    errors.Add(ValidationErrors::Quote(*name), member,
               "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  }
}

// A TableName member that may also hold the table's ARN (newer models allow both).
void CheckTableNameOrArn(const std::optional<std::string_view>& name, ValidationErrors& errors) {
  if (name && name->starts_with("arn:")) {
    if (name->size() > 1024) {
      errors.Add(ValidationErrors::Quote(*name), "tableName",
                 "Member must have length less than or equal to 1024");
    }
    return;
  }
  CheckTableName(name, "tableName", errors);
}

// DescribeTable's TableId: a stable UUID-shaped id derived from the table's storage id and
// creation time.
std::string TableId(const TableDefinition& t) {
  return fmt::format("{:08x}-0000-4000-8000-{:012x}", t.id,
                     static_cast<uint64_t>(t.created_ms) & 0xFFFFFFFFFFFFULL);
}

void WriteKeySchema(JsonWriter& w, const table::KeySchema& key) {
  w.Key("KeySchema").StartArray();
  w.StartObject().Key("AttributeName").String(key.partition.name).Key("KeyType").String("HASH");
  w.EndObject();
  if (key.sort) {
    w.StartObject().Key("AttributeName").String(key.sort->name).Key("KeyType").String("RANGE");
    w.EndObject();
  }
  w.EndArray();
}

void WriteThroughput(JsonWriter& w, int64_t read, int64_t write) {
  w.Key("ProvisionedThroughput").StartObject();
  w.Key("NumberOfDecreasesToday").Int(0);
  w.Key("ReadCapacityUnits").Int(read);
  w.Key("WriteCapacityUnits").Int(write);
  w.EndObject();
}

void WriteTableDescription(JsonWriter& w, const RequestContext& ctx, const TableDefinition& t,
                           std::string_view status) {
  w.StartObject();
  w.Key("AttributeDefinitions").StartArray();
  for (const auto& a : t.attribute_definitions) {
    w.StartObject().Key("AttributeName").String(a.name);
    w.Key("AttributeType").String(ScalarTypeName(a.type)).EndObject();
  }
  w.EndArray();
  w.Key("TableName").String(t.name);
  WriteKeySchema(w, t.key);
  w.Key("TableStatus").String(status);
  w.Key("CreationDateTime").Timestamp(t.created_ms);
  WriteThroughput(w, t.pay_per_request ? 0 : t.read_capacity,
                  t.pay_per_request ? 0 : t.write_capacity);
  w.Key("TableSizeBytes").Int(0);
  w.Key("ItemCount").Int(0);
  w.Key("TableArn").String(TableArn(ctx, t.name));
  w.Key("TableId").String(TableId(t));
  if (t.pay_per_request) {
    w.Key("BillingModeSummary").StartObject().Key("BillingMode").String("PAY_PER_REQUEST");
    w.Key("LastUpdateToPayPerRequestDateTime").Timestamp(t.created_ms).EndObject();
  }
  if (t.table_class != "STANDARD") {
    w.Key("TableClassSummary").StartObject().Key("TableClass").String(t.table_class).EndObject();
  }
  w.Key("DeletionProtectionEnabled").Bool(t.deletion_protection);
  w.EndObject();
}

std::string TableDescriptionResponse(std::string_view member, const RequestContext& ctx,
                                     const TableDefinition& t, std::string_view status) {
  JsonWriter w(1024);
  w.StartObject().Key(member);
  WriteTableDescription(w, ctx, t, status);
  w.EndObject();
  return w.Take();
}

ApiError TableNotFound(std::string_view name) {
  return ApiError::ResourceNotFound("Requested resource not found: Table: " + std::string(name) +
                                    " not found");
}

// A table named by name or by ARN (the model allows both).
std::string TableNameOf(std::string_view name_or_arn) {
  if (name_or_arn.starts_with("arn:")) {
    const size_t slash = name_or_arn.find(":table/");
    if (slash != std::string_view::npos) return std::string(name_or_arn.substr(slash + 7));
  }
  return std::string(name_or_arn);
}

// Tags as [{"Key": ..., "Value": ...}]; appends to `tags` (replacing equal keys).
std::optional<ApiError> ParseTags(JsonRequest& req, const rapidjson::Value& array,
                                  std::vector<std::pair<std::string, std::string>>* tags) {
  for (const auto& t : array.GetArray()) {
    auto key = req.String(t, "Key");
    auto value = req.String(t, "Value");
    if (req.error()) return req.error();
    if (!key || !value) {
      return NotNull(!key ? "tags.key" : "tags.value");
    }
    if (key->empty() || key->size() > 128 || value->size() > 256) {
      return ApiError::Validation(
          "One or more parameter values were invalid: Tag keys must be "
          "1 to 128 characters and values at most 256 characters");
    }
    auto existing =
        std::find_if(tags->begin(), tags->end(), [&](const auto& p) { return p.first == *key; });
    if (existing != tags->end()) {
      existing->second = std::string(*value);
    } else {
      tags->emplace_back(std::string(*key), std::string(*value));
    }
  }
  if (tags->size() > kMaxTags) {
    return ApiError::Validation(
        "One or more parameter values were invalid: The number of tags "
        "exceeds the limit of 50");
  }
  return std::nullopt;
}

}  // namespace

void DynamoDbApi::CreateTable(const RequestContext& ctx, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto name = req.String("TableName");
  const auto* attribute_definitions = req.Array("AttributeDefinitions");
  const auto* key_schema = req.Array("KeySchema");
  auto billing = req.String("BillingMode");
  const auto* throughput = req.Object("ProvisionedThroughput");
  const auto* gsis = req.Array("GlobalSecondaryIndexes");
  const auto* lsis = req.Array("LocalSecondaryIndexes");
  const auto* stream = req.Object("StreamSpecification");
  const auto* tags = req.Array("Tags");
  auto table_class = req.String("TableClass");
  auto deletion_protection = req.Bool("DeletionProtectionEnabled");
  if (auto e = req.error()) return reply(*e);

  CheckTableName(name, "tableName", errors);
  if (attribute_definitions == nullptr) {
    errors.Add("null", "attributeDefinitions", "Member must not be null");
  }
  if (key_schema == nullptr) {
    errors.Add("null", "keySchema", "Member must not be null");
  } else if (key_schema->Size() < 1 || key_schema->Size() > 2) {
    errors.Add("[]", "keySchema",
               key_schema->Size() < 1 ? "Member must have length greater than or equal to 1"
                                      : "Member must have length less than or equal to 2");
  }
  if (billing && *billing != "PROVISIONED" && *billing != "PAY_PER_REQUEST") {
    errors.Add(ValidationErrors::Quote(*billing), "billingMode",
               "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
  }
  if (!errors.empty()) return reply(errors.ToError());

  TableDefinition def;
  def.name = std::string(*name);
  // AttributeDefinitions.
  for (const auto& a : attribute_definitions->GetArray()) {
    auto attr_name = req.String(a, "AttributeName");
    auto attr_type = req.String(a, "AttributeType");
    if (auto e = req.error()) return reply(*e);
    if (!attr_name || !attr_type) {
      return reply(NotNull(!attr_name ? "attributeDefinitions.member.attributeName"
                                      : "attributeDefinitions.member.attributeType"));
    }
    auto type = ParseScalarType(*attr_type);
    if (!type) {
      return reply(BadEnum(*attr_type, "attributeDefinitions.member.attributeType", "B, N, S"));
    }
    for (const auto& existing : def.attribute_definitions) {
      if (existing.name == *attr_name) {
        return reply(ApiError::Validation(
            "Cannot have two attributes with the same name. Attribute name: " + existing.name));
      }
    }
    def.attribute_definitions.push_back(KeyAttribute{std::string(*attr_name), *type});
  }
  // KeySchema.
  std::vector<std::pair<std::string, std::string>> key_elements;  // name, HASH|RANGE
  for (const auto& k : key_schema->GetArray()) {
    auto attr_name = req.String(k, "AttributeName");
    auto key_type = req.String(k, "KeyType");
    if (auto e = req.error()) return reply(*e);
    if (!attr_name || !key_type) {
      return reply(
          NotNull(!attr_name ? "keySchema.member.attributeName" : "keySchema.member.keyType"));
    }
    if (*key_type != "HASH" && *key_type != "RANGE") {
      return reply(BadEnum(*key_type, "keySchema.member.keyType", "HASH, RANGE"));
    }
    key_elements.emplace_back(std::string(*attr_name), std::string(*key_type));
  }
  if (key_elements[0].second != "HASH") {
    return reply(
        ApiError::Validation("Invalid KeySchema: The first KeySchemaElement is not a "
                             "HASH key type"));
  }
  if (key_elements.size() == 2) {
    if (key_elements[1].second != "RANGE") {
      return reply(
          ApiError::Validation("Invalid KeySchema: The second KeySchemaElement is not "
                               "a RANGE key type"));
    }
    if (key_elements[0].first == key_elements[1].first) {
      return reply(ApiError::Validation(
          "Both the Hash Key and the Range Key element in the KeySchema have the same name"));
    }
  }
  auto definition_of = [&](const std::string& attr) -> const KeyAttribute* {
    for (const auto& a : def.attribute_definitions) {
      if (a.name == attr) return &a;
    }
    return nullptr;
  };
  std::vector<std::string> undefined;
  for (const auto& [attr, type] : key_elements) {
    if (definition_of(attr) == nullptr) undefined.push_back(attr);
  }
  if (!undefined.empty()) {
    std::vector<std::string> defined;
    for (const auto& a : def.attribute_definitions) defined.push_back(a.name);
    return reply(ApiError::Validation(fmt::format(
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
        fmt::join(undefined, ", "), fmt::join(defined, ", "))));
  }
  if (gsis != nullptr || lsis != nullptr) {
    return reply(ApiError::Validation(
        "One or more parameter values were invalid: eddy does not support secondary indexes yet "
        "(see docs/compat/dynamodb.md)"));
  }
  if (def.attribute_definitions.size() != key_elements.size()) {
    return reply(ApiError::Validation(
        "One or more parameter values were invalid: Number of attributes in KeySchema does not "
        "exactly match number of attributes defined in AttributeDefinitions"));
  }
  def.key.partition = *definition_of(key_elements[0].first);
  if (key_elements.size() == 2) def.key.sort = *definition_of(key_elements[1].first);
  // Billing.
  def.pay_per_request = billing && *billing == "PAY_PER_REQUEST";
  if (def.pay_per_request && throughput != nullptr) {
    return reply(ApiError::Validation(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"));
  }
  if (!def.pay_per_request) {
    if (throughput == nullptr) {
      return reply(ApiError::Validation("No provisioned throughput specified for the table"));
    }
    auto read = req.Integer(*throughput, "ReadCapacityUnits");
    auto write = req.Integer(*throughput, "WriteCapacityUnits");
    if (auto e = req.error()) return reply(*e);
    if (!read || !write || *read < 1 || *write < 1) {
      ValidationErrors throughput_errors;
      throughput_errors.CheckRange(read, 1, INT64_MAX, "provisionedThroughput.readCapacityUnits");
      throughput_errors.CheckRange(write, 1, INT64_MAX, "provisionedThroughput.writeCapacityUnits");
      if (!read) {
        throughput_errors.Add("null", "provisionedThroughput.readCapacityUnits",
                              "Member must not be null");
      }
      if (!write) {
        throughput_errors.Add("null", "provisionedThroughput.writeCapacityUnits",
                              "Member must not be null");
      }
      return reply(throughput_errors.ToError());
    }
    def.read_capacity = *read;
    def.write_capacity = *write;
  }
  if (stream != nullptr) {
    auto enabled = req.Bool(*stream, "StreamEnabled");
    if (auto e = req.error()) return reply(*e);
    if (enabled && *enabled) {
      return reply(ApiError::Validation(
          "One or more parameter values were invalid: eddy does not support DynamoDB Streams "
          "yet (see docs/compat/dynamodb.md)"));
    }
  }
  if (table_class) {
    if (*table_class != "STANDARD" && *table_class != "STANDARD_INFREQUENT_ACCESS") {
      return reply(BadEnum(*table_class, "tableClass", "STANDARD, STANDARD_INFREQUENT_ACCESS"));
    }
    def.table_class = std::string(*table_class);
  }
  def.deletion_protection = deletion_protection.value_or(false);
  if (tags != nullptr) {
    if (auto e = ParseTags(req, *tags, &def.tags)) return reply(*e);
  }

  auto created = tables_->CreateTable(std::move(def));
  if (!created.ok()) {
    if (created.status().code() == Status::Code::kAlreadyExists) {
      return reply(ApiError::ResourceInUse("Table already exists: " + std::string(*name)));
    }
    return reply(ToApiError(created.status()));
  }
  // The table is usable at once: ACTIVE from the start (AWS reports CREATING for a while).
  reply(TableDescriptionResponse("TableDescription", ctx, *created, "ACTIVE"));
}

void DynamoDbApi::DescribeTable(const RequestContext& ctx, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto name = req.String("TableName");
  if (auto e = req.error()) return reply(*e);
  CheckTableNameOrArn(name, errors);
  if (!errors.empty()) return reply(errors.ToError());
  const std::string table = TableNameOf(*name);
  auto t = tables_->GetTable(table);
  if (!t.ok()) return reply(TableNotFound(table));
  reply(TableDescriptionResponse("Table", ctx, *t, "ACTIVE"));
}

void DynamoDbApi::ListTables(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto start = req.String("ExclusiveStartTableName");
  auto limit = req.Integer("Limit");
  if (auto e = req.error()) return reply(*e);
  errors.CheckRange(limit, 1, 100, "limit");
  if (start) CheckTableName(start, "exclusiveStartTableName", errors);
  if (!errors.empty()) return reply(errors.ToError());
  const size_t max = limit ? static_cast<size_t>(*limit) : 100;
  auto tables = tables_->ListTables();  // sorted by name
  JsonWriter w(256);
  w.StartObject().Key("TableNames").StartArray();
  size_t written = 0;
  std::string last;
  bool more = false;
  for (const auto& t : tables) {
    if (start && t.name <= *start) continue;
    if (written == max) {
      more = true;
      break;
    }
    w.String(t.name);
    last = t.name;
    ++written;
  }
  w.EndArray();
  if (more) w.Key("LastEvaluatedTableName").String(last);
  w.EndObject();
  reply(w.Take());
}

void DynamoDbApi::DeleteTable(const RequestContext& ctx, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto name = req.String("TableName");
  if (auto e = req.error()) return reply(*e);
  CheckTableNameOrArn(name, errors);
  if (!errors.empty()) return reply(errors.ToError());
  const std::string table = TableNameOf(*name);
  auto deleted = tables_->DeleteTable(table, [](const TableDefinition& def) {
    return def.deletion_protection ? Status::FailedPrecondition("protected") : Status::Ok();
  });
  if (!deleted.ok()) {
    if (deleted.status().code() == Status::Code::kNotFound) return reply(TableNotFound(table));
    if (deleted.status().code() == Status::Code::kFailedPrecondition) {
      return reply(
          ApiError::Validation("Resource cannot be deleted as it is currently "
                               "protected against deletion. Disable deletion "
                               "protection first."));
    }
    return reply(ToApiError(deleted.status()));
  }
  reply(TableDescriptionResponse("TableDescription", ctx, *deleted, "DELETING"));
}

void DynamoDbApi::UpdateTable(const RequestContext& ctx, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto name = req.String("TableName");
  auto billing = req.String("BillingMode");
  const auto* throughput = req.Object("ProvisionedThroughput");
  auto deletion_protection = req.Bool("DeletionProtectionEnabled");
  auto table_class = req.String("TableClass");
  const auto* gsi_updates = req.Array("GlobalSecondaryIndexUpdates");
  const auto* stream = req.Object("StreamSpecification");
  if (auto e = req.error()) return reply(*e);
  CheckTableNameOrArn(name, errors);
  if (billing && *billing != "PROVISIONED" && *billing != "PAY_PER_REQUEST") {
    errors.Add(ValidationErrors::Quote(*billing), "billingMode",
               "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
  }
  if (!errors.empty()) return reply(errors.ToError());
  if (gsi_updates != nullptr || stream != nullptr) {
    return reply(ApiError::Validation(
        "One or more parameter values were invalid: eddy does not support secondary indexes or "
        "streams yet (see docs/compat/dynamodb.md)"));
  }
  std::optional<int64_t> read, write;
  if (throughput != nullptr) {
    read = req.Integer(*throughput, "ReadCapacityUnits");
    write = req.Integer(*throughput, "WriteCapacityUnits");
    if (auto e = req.error()) return reply(*e);
    if (!read || !write || *read < 1 || *write < 1) {
      return reply(ApiError::Validation(
          "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
          "must both be specified and at least 1"));
    }
  }
  const std::string table = TableNameOf(*name);
  std::optional<ApiError> problem;
  auto updated = tables_->UpdateTable(table, [&](TableDefinition* def) {
    const bool to_on_demand = billing && *billing == "PAY_PER_REQUEST";
    const bool to_provisioned = billing && *billing == "PROVISIONED";
    const bool on_demand_after = billing ? to_on_demand : def->pay_per_request;
    if (on_demand_after && throughput != nullptr) {
      problem = ApiError::Validation(
          "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
          "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
      return Status::InvalidArgument("");
    }
    if (to_provisioned && def->pay_per_request && throughput == nullptr) {
      problem = ApiError::Validation(
          "One or more parameter values were invalid: ProvisionedThroughput must be specified "
          "when BillingMode is PROVISIONED");
      return Status::InvalidArgument("");
    }
    if (to_on_demand) {
      def->pay_per_request = true;
      def->read_capacity = def->write_capacity = 0;
    }
    if (to_provisioned) def->pay_per_request = false;
    if (read) {
      def->read_capacity = *read;
      def->write_capacity = *write;
    }
    if (deletion_protection) def->deletion_protection = *deletion_protection;
    if (table_class) def->table_class = std::string(*table_class);
    return Status::Ok();
  });
  if (problem) return reply(*problem);
  if (!updated.ok()) {
    if (updated.status().code() == Status::Code::kNotFound) return reply(TableNotFound(table));
    return reply(ToApiError(updated.status()));
  }
  reply(TableDescriptionResponse("TableDescription", ctx, *updated, "ACTIVE"));
}

void DynamoDbApi::DescribeLimits(const RequestContext&, JsonRequest&, ApiReply& reply) {
  JsonWriter w(192);
  w.StartObject();
  w.Key("AccountMaxReadCapacityUnits").Int(80000);
  w.Key("AccountMaxWriteCapacityUnits").Int(80000);
  w.Key("TableMaxReadCapacityUnits").Int(40000);
  w.Key("TableMaxWriteCapacityUnits").Int(40000);
  w.EndObject();
  reply(w.Take());
}

void DynamoDbApi::DescribeContinuousBackups(const RequestContext&, JsonRequest& req,
                                            ApiReply& reply) {
  auto name = req.String("TableName");
  if (auto e = req.error()) return reply(*e);
  if (!name) return reply(NotNull("tableName"));
  const std::string table = TableNameOf(*name);
  if (!tables_->GetTable(table).ok()) {
    return reply(ApiError{400, "TableNotFoundException", "Table not found: " + table});
  }
  // eddy keeps no backups: both are reported disabled.
  JsonWriter w(192);
  w.StartObject().Key("ContinuousBackupsDescription").StartObject();
  w.Key("ContinuousBackupsStatus").String("DISABLED");
  w.Key("PointInTimeRecoveryDescription").StartObject();
  w.Key("PointInTimeRecoveryStatus").String("DISABLED").EndObject();
  w.EndObject().EndObject();
  reply(w.Take());
}

namespace {

// The table of a resource ARN, or the error AWS gives for a malformed or unknown one.
std::variant<std::string, ApiError> TableOfArn(std::optional<std::string_view> arn,
                                               table::TableStore* tables) {
  if (!arn) return NotNull("resourceArn");
  const size_t slash = arn->find(":table/");
  if (!arn->starts_with("arn:") || slash == std::string_view::npos) {
    return ApiError::Validation("Invalid TableArn: Invalid ResourceArn provided as input " +
                                std::string(*arn));
  }
  std::string name(arn->substr(slash + 7));
  if (!tables->GetTable(name).ok()) {
    return ApiError::ResourceNotFound(
        "Requested resource not found: ResourcArn: " + std::string(*arn) + " not found");
  }
  return name;
}

}  // namespace

void DynamoDbApi::TagResource(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  auto arn = req.String("ResourceArn");
  const auto* tags = req.Array("Tags");
  if (auto e = req.error()) return reply(*e);
  auto table = TableOfArn(arn, tables_);
  if (auto* e = std::get_if<ApiError>(&table)) return reply(*e);
  if (tags == nullptr) return reply(NotNull("tags"));
  std::optional<ApiError> problem;
  auto updated = tables_->UpdateTable(std::get<std::string>(table), [&](TableDefinition* def) {
    problem = ParseTags(req, *tags, &def->tags);
    return problem ? Status::InvalidArgument("") : Status::Ok();
  });
  if (problem) return reply(*problem);
  if (!updated.ok()) return reply(ToApiError(updated.status()));
  reply(std::string("{}"));
}

void DynamoDbApi::UntagResource(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  auto arn = req.String("ResourceArn");
  const auto* keys = req.Array("TagKeys");
  if (auto e = req.error()) return reply(*e);
  auto table = TableOfArn(arn, tables_);
  if (auto* e = std::get_if<ApiError>(&table)) return reply(*e);
  if (keys == nullptr) return reply(NotNull("tagKeys"));
  std::set<std::string, std::less<>> remove;
  for (const auto& k : keys->GetArray()) {
    if (!k.IsString()) return reply(ApiError::Serialization("TagKeys must be strings"));
    remove.emplace(k.GetString(), k.GetStringLength());
  }
  auto updated = tables_->UpdateTable(std::get<std::string>(table), [&](TableDefinition* def) {
    std::erase_if(def->tags, [&](const auto& t) { return remove.count(t.first) != 0; });
    return Status::Ok();
  });
  if (!updated.ok()) return reply(ToApiError(updated.status()));
  reply(std::string("{}"));
}

void DynamoDbApi::ListTagsOfResource(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  auto arn = req.String("ResourceArn");
  if (auto e = req.error()) return reply(*e);
  auto table = TableOfArn(arn, tables_);
  if (auto* e = std::get_if<ApiError>(&table)) return reply(*e);
  auto def = tables_->GetTable(std::get<std::string>(table));
  if (!def.ok()) return reply(ToApiError(def.status()));
  JsonWriter w(256);
  w.StartObject().Key("Tags").StartArray();
  for (const auto& [k, v] : def->tags) {
    w.StartObject().Key("Key").String(k).Key("Value").String(v).EndObject();
  }
  w.EndArray().EndObject();
  reply(w.Take());
}

}  // namespace eddy::api::dynamodb

namespace eddy::api::dynamodb {

void DynamoDbApi::UpdateTimeToLive(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  auto name = req.String("TableName");
  const auto* spec = req.Object("TimeToLiveSpecification");
  if (auto e = req.error()) return reply(*e);
  ValidationErrors errors;
  CheckTableName(name, "tableName", errors);
  if (spec == nullptr) {
    errors.Add("null", "timeToLiveSpecification", "Member must not be null");
  }
  if (!errors.empty()) return reply(errors.ToError());
  auto enabled = req.Bool(*spec, "Enabled");
  auto attribute = req.String(*spec, "AttributeName");
  if (auto e = req.error()) return reply(*e);
  if (!enabled) return reply(NotNull("timeToLiveSpecification.enabled"));
  if (!attribute) return reply(NotNull("timeToLiveSpecification.attributeName"));
  if (attribute->empty() || attribute->size() > 255) {
    return reply(ApiError::Validation(
        "1 validation error detected: Value '" + std::string(*attribute) +
        "' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member "
        "must have length between 1 and 255"));
  }
  std::optional<ApiError> problem;
  auto updated = tables_->UpdateTable(*name, [&](TableDefinition* def) {
    if (*enabled && def->ttl_enabled) {
      problem = ApiError::Validation("TimeToLive is already enabled");
    } else if (!*enabled && !def->ttl_enabled) {
      problem = ApiError::Validation("TimeToLive is already disabled");
    } else if (!*enabled && def->ttl_attribute != *attribute) {
      problem = ApiError::Validation(
          "TimeToLive is active on a different AttributeName: current AttributeName is " +
          def->ttl_attribute);
    }
    if (problem) return Status::InvalidArgument(problem->message);
    def->ttl_enabled = *enabled;
    def->ttl_attribute = std::string(*attribute);
    return Status::Ok();
  });
  if (problem) return reply(*problem);
  if (!updated.ok()) {
    if (updated.status().code() == Status::Code::kNotFound) {
      return reply(ApiError::ResourceNotFound("Requested resource not found"));
    }
    return reply(ToApiError(updated.status()));
  }
  JsonWriter w(128);
  w.StartObject().Key("TimeToLiveSpecification").StartObject();
  w.Key("Enabled").Bool(*enabled).Key("AttributeName").String(*attribute);
  w.EndObject().EndObject();
  reply(w.Take());
}

void DynamoDbApi::DescribeTimeToLive(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  auto name = req.String("TableName");
  if (auto e = req.error()) return reply(*e);
  ValidationErrors errors;
  CheckTableName(name, "tableName", errors);
  if (!errors.empty()) return reply(errors.ToError());
  auto def = tables_->GetTable(*name);
  if (!def.ok()) return reply(ApiError::ResourceNotFound("Requested resource not found"));
  JsonWriter w(128);
  w.StartObject().Key("TimeToLiveDescription").StartObject();
  w.Key("TimeToLiveStatus").String(def->ttl_enabled ? "ENABLED" : "DISABLED");
  if (def->ttl_enabled) w.Key("AttributeName").String(def->ttl_attribute);
  w.EndObject().EndObject();
  reply(w.Take());
}

}  // namespace eddy::api::dynamodb
