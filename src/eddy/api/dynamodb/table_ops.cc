// Table operations: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable,
// DescribeLimits, DescribeEndpoints, DescribeContinuousBackups, TagResource, UntagResource,
// ListTagsOfResource.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/write_spec.h"
#include "eddy/table/change_streams.h"

namespace eddy::api::dynamodb {
namespace {

using table::IndexDefinition;
using table::KeyAttribute;
using table::TableDefinition;
using model::ValueType;

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

void WriteThroughput(JsonWriter& w, int64_t read, int64_t write) {
  w.Key("ProvisionedThroughput").StartObject();
  w.Key("NumberOfDecreasesToday").Int(0);
  w.Key("ReadCapacityUnits").Int(read);
  w.Key("WriteCapacityUnits").Int(write);
  w.EndObject();
}

void WriteIndexDescriptions(JsonWriter& w, const RequestContext& ctx, const TableDefinition& t);

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
  WriteIndexDescriptions(w, ctx, t);
  if (const table::StreamDefinition* enabled = table::EnabledStream(t)) {
    w.Key("StreamSpecification").StartObject().Key("StreamEnabled").Bool(true);
    w.Key("StreamViewType").String(StreamViewTypeName(enabled->view)).EndObject();
  }
  if (!t.streams.empty()) {
    w.Key("LatestStreamLabel").String(t.streams.back().label);
    w.Key("LatestStreamArn").String(StreamArn(ctx, t.name, t.streams.back().label));
  }
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

constexpr size_t kMaxGlobalIndexes = 20;
constexpr size_t kMaxLocalIndexes = 5;
constexpr size_t kMaxProjectedAttributes = 100;  // NonKeyAttributes over all indexes

ApiError InvalidParameter(std::string_view what) {
  return ApiError::Validation("One or more parameter values were invalid: " + std::string(what));
}

const KeyAttribute* DefinitionOf(const std::vector<KeyAttribute>& definitions,
                                 std::string_view name) {
  for (const auto& a : definitions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

// StreamSpecification {StreamEnabled, StreamViewType}: std::nullopt when absent; the view type
// is required when enabling.
struct StreamRequest {
  bool enabled = false;
  table::StreamViewType view = table::StreamViewType::kNewAndOldImages;
};

std::optional<ApiError> ParseStreamSpecification(JsonRequest& req, const rapidjson::Value* spec,
                                                 std::optional<StreamRequest>* out) {
  if (spec == nullptr) return std::nullopt;
  auto enabled = req.Bool(*spec, "StreamEnabled");
  auto view = req.String(*spec, "StreamViewType");
  if (auto e = req.error()) return e;
  if (!enabled) return NotNull("streamSpecification.streamEnabled");
  StreamRequest r;
  r.enabled = *enabled;
  if (view) {
    static constexpr std::pair<std::string_view, table::StreamViewType> kViews[] = {
        {"KEYS_ONLY", table::StreamViewType::kKeysOnly},
        {"NEW_IMAGE", table::StreamViewType::kNewImage},
        {"OLD_IMAGE", table::StreamViewType::kOldImage},
        {"NEW_AND_OLD_IMAGES", table::StreamViewType::kNewAndOldImages}};
    auto it = std::find_if(std::begin(kViews), std::end(kViews),
                           [&](const auto& v) { return v.first == *view; });
    if (it == std::end(kViews)) {
      return BadEnum(*view, "streamSpecification.streamViewType",
                     "NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY");
    }
    r.view = it->second;
  }
  if (r.enabled && !view) {
    return InvalidParameter("StreamViewType is required when StreamEnabled is true");
  }
  if (!r.enabled && view) {
    return InvalidParameter("StreamViewType cannot be specified when StreamEnabled is false");
  }
  *out = r;
  return std::nullopt;
}

// AttributeDefinitions: [{AttributeName, AttributeType}], names unique.
std::optional<ApiError> ParseAttributeDefinitions(JsonRequest& req, const rapidjson::Value& array,
                                                  std::vector<KeyAttribute>* out) {
  for (const auto& a : array.GetArray()) {
    auto attr_name = req.String(a, "AttributeName");
    auto attr_type = req.String(a, "AttributeType");
    if (auto e = req.error()) return e;
    if (!attr_name || !attr_type) {
      return NotNull(!attr_name ? "attributeDefinitions.member.attributeName"
                                : "attributeDefinitions.member.attributeType");
    }
    auto type = ParseScalarType(*attr_type);
    if (!type) return BadEnum(*attr_type, "attributeDefinitions.member.attributeType", "B, N, S");
    for (const auto& existing : *out) {
      if (existing.name == *attr_name) {
        return ApiError::Validation(
            "Cannot have two attributes with the same name. Attribute name: " + existing.name);
      }
    }
    out->push_back(KeyAttribute{std::string(*attr_name), *type});
  }
  return std::nullopt;
}

// An index's throughput: required on a provisioned table for a global index, refused on an
// on-demand one; `index` names the index in messages.
std::optional<ApiError> ParseIndexThroughput(JsonRequest& req, const rapidjson::Value* throughput,
                                             bool pay_per_request, IndexDefinition* index) {
  if (pay_per_request) {
    if (throughput != nullptr) {
      return InvalidParameter("ProvisionedThroughput should not be specified for index: " +
                              index->name + " when BillingMode is PAY_PER_REQUEST");
    }
    return std::nullopt;
  }
  if (throughput == nullptr) {
    return InvalidParameter("ProvisionedThroughput is not specified for index: " + index->name);
  }
  auto read = req.Integer(*throughput, "ReadCapacityUnits");
  auto write = req.Integer(*throughput, "WriteCapacityUnits");
  if (auto e = req.error()) return e;
  if (!read || !write || *read < 1 || *write < 1) {
    return InvalidParameter(
        "ReadCapacityUnits and WriteCapacityUnits must both be specified and at least 1 for "
        "index: " +
        index->name);
  }
  index->read_capacity = *read;
  index->write_capacity = *write;
  return std::nullopt;
}

// One element of GlobalSecondaryIndexes / LocalSecondaryIndexes (or an UpdateTable Create):
// its name, key schema (attributes from `definitions`), projection and, for a global index,
// throughput. `member` is the request member, for messages.
std::optional<ApiError> ParseIndex(JsonRequest& req, const rapidjson::Value& json, bool local,
                                   const std::vector<KeyAttribute>& definitions,
                                   bool pay_per_request, std::string_view member,
                                   IndexDefinition* out) {
  auto name = req.String(json, "IndexName");
  const auto* key_schema = req.Array(json, "KeySchema");
  const auto* projection = req.Object(json, "Projection");
  const auto* throughput = req.Object(json, "ProvisionedThroughput");
  if (auto e = req.error()) return e;
  ValidationErrors errors;
  const std::string prefix = std::string(member) + ".member.";
  CheckTableName(name, prefix + "indexName", errors);
  if (key_schema == nullptr) {
    errors.Add("null", prefix + "keySchema", "Member must not be null");
  } else if (key_schema->Size() < 1 || key_schema->Size() > 2) {
    errors.Add("[]", prefix + "keySchema",
               key_schema->Size() < 1 ? "Member must have length greater than or equal to 1"
                                      : "Member must have length less than or equal to 2");
  }
  if (projection == nullptr) errors.Add("null", prefix + "projection", "Member must not be null");
  if (!errors.empty()) return errors.ToError();
  out->name = std::string(*name);
  out->local = local;

  std::vector<std::pair<std::string, std::string>> elements;  // name, HASH|RANGE
  for (const auto& k : key_schema->GetArray()) {
    auto attr_name = req.String(k, "AttributeName");
    auto key_type = req.String(k, "KeyType");
    if (auto e = req.error()) return e;
    if (!attr_name || !key_type) {
      return NotNull(prefix +
                     (!attr_name ? "keySchema.member.attributeName" : "keySchema.member.keyType"));
    }
    if (*key_type != "HASH" && *key_type != "RANGE") {
      return BadEnum(*key_type, prefix + "keySchema.member.keyType", "HASH, RANGE");
    }
    elements.emplace_back(std::string(*attr_name), std::string(*key_type));
  }
  if (elements[0].second != "HASH") {
    return ApiError::Validation(
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (elements.size() == 2) {
    if (elements[1].second != "RANGE") {
      return ApiError::Validation(
          "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    if (elements[0].first == elements[1].first) {
      return ApiError::Validation(
          "Both the Hash Key and the Range Key element in the KeySchema have the same name");
    }
  }
  std::vector<std::string> undefined;
  for (const auto& [attr, type] : elements) {
    if (DefinitionOf(definitions, attr) == nullptr) undefined.push_back(attr);
  }
  if (!undefined.empty()) {
    std::vector<std::string> defined;
    for (const auto& a : definitions) defined.push_back(a.name);
    return InvalidParameter(fmt::format(
        "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], "
        "AttributeDefinitions: [{}]",
        fmt::join(undefined, ", "), fmt::join(defined, ", ")));
  }
  out->key.partition = *DefinitionOf(definitions, elements[0].first);
  if (elements.size() == 2) out->key.sort = *DefinitionOf(definitions, elements[1].first);

  auto projection_type = req.String(*projection, "ProjectionType");
  const auto* non_key = req.Array(*projection, "NonKeyAttributes");
  if (auto e = req.error()) return e;
  if (!projection_type) {
    return InvalidParameter("Unknown ProjectionType: null");
  }
  if (*projection_type == "ALL") {
    out->projection = table::ProjectionType::kAll;
  } else if (*projection_type == "KEYS_ONLY") {
    out->projection = table::ProjectionType::kKeysOnly;
  } else if (*projection_type == "INCLUDE") {
    out->projection = table::ProjectionType::kInclude;
  } else {
    return BadEnum(*projection_type, prefix + "projection.projectionType",
                   "ALL, INCLUDE, KEYS_ONLY");
  }
  if (out->projection == table::ProjectionType::kInclude) {
    if (non_key == nullptr || non_key->Empty()) {
      return InvalidParameter("ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
    }
    for (const auto& n : non_key->GetArray()) {
      if (!n.IsString()) return ApiError::Serialization("NonKeyAttributes must be strings");
      std::string attribute(n.GetString(), n.GetStringLength());
      if (attribute.empty() || attribute.size() > 255) {
        return InvalidParameter("NonKeyAttributes names must be 1 to 255 characters long");
      }
      if (std::find(out->non_key_attributes.begin(), out->non_key_attributes.end(), attribute) !=
          out->non_key_attributes.end()) {
        return InvalidParameter("Duplicate NonKeyAttributes name: " + attribute);
      }
      out->non_key_attributes.push_back(std::move(attribute));
    }
  } else if (non_key != nullptr) {
    return InvalidParameter(
        fmt::format("ProjectionType is {}, but NonKeyAttributes is specified", *projection_type));
  }
  if (local) {
    if (throughput != nullptr) {
      return ApiError::Serialization("Unexpected field ProvisionedThroughput in a local index");
    }
    return std::nullopt;
  }
  return ParseIndexThroughput(req, throughput, pay_per_request, out);
}

// CreateTable's GlobalSecondaryIndexes and LocalSecondaryIndexes, into `def` (whose key,
// attribute definitions and billing mode are set).
std::optional<ApiError> ParseTableIndexes(JsonRequest& req, const rapidjson::Value* gsis,
                                          const rapidjson::Value* lsis, TableDefinition* def) {
  if (lsis != nullptr) {
    if (lsis->Empty()) return InvalidParameter("List of LocalSecondaryIndexes is empty");
    if (!def->key.sort) {
      return InvalidParameter(
          "Table KeySchema does not have a range key, which is required when specifying a "
          "LocalSecondaryIndex");
    }
    if (lsis->Size() > kMaxLocalIndexes) {
      return InvalidParameter(fmt::format(
          "Number of LocalSecondaryIndexes exceeds per-table limit of {}", kMaxLocalIndexes));
    }
    for (const auto& json : lsis->GetArray()) {
      IndexDefinition index;
      if (auto e = ParseIndex(req, json, true, def->attribute_definitions, def->pay_per_request,
                              "localSecondaryIndexes", &index)) {
        return e;
      }
      if (!(index.key.partition == def->key.partition)) {
        return InvalidParameter(fmt::format(
            "Index KeySchema does not have the same leading hash key as table KeySchema for "
            "index: {}. index hash key: {}, table hash key: {}",
            index.name, index.key.partition.name, def->key.partition.name));
      }
      if (!index.key.sort) {
        return InvalidParameter("Index KeySchema does not have a range key for index: " +
                                index.name);
      }
      def->indexes.push_back(std::move(index));
    }
  }
  if (gsis != nullptr) {
    if (gsis->Empty()) return InvalidParameter("List of GlobalSecondaryIndexes is empty");
    if (gsis->Size() > kMaxGlobalIndexes) {
      return InvalidParameter(fmt::format(
          "GlobalSecondaryIndex count exceeds the per-table limit of {}", kMaxGlobalIndexes));
    }
    for (const auto& json : gsis->GetArray()) {
      IndexDefinition index;
      if (auto e = ParseIndex(req, json, false, def->attribute_definitions, def->pay_per_request,
                              "globalSecondaryIndexes", &index)) {
        return e;
      }
      def->indexes.push_back(std::move(index));
    }
  }
  std::set<std::string> names;
  size_t projected = 0;
  for (auto& index : def->indexes) {
    if (!names.insert(index.name).second) {
      return InvalidParameter("Duplicate index name: " + index.name);
    }
    projected += index.non_key_attributes.size();
    index.id = def->next_index_id++;
  }
  if (projected > kMaxProjectedAttributes) {
    return InvalidParameter(fmt::format(
        "The number of attributes in key schema and projections of all indexes exceeds the "
        "limit of {}",
        kMaxProjectedAttributes));
  }
  return std::nullopt;
}

void WriteIndexDescriptions(JsonWriter& w, const RequestContext& ctx, const TableDefinition& t) {
  auto write_projection = [&](const IndexDefinition& index) {
    w.Key("Projection").StartObject();
    w.Key("ProjectionType")
        .String(index.projection == table::ProjectionType::kAll        ? "ALL"
                : index.projection == table::ProjectionType::kKeysOnly ? "KEYS_ONLY"
                                                                       : "INCLUDE");
    if (index.projection == table::ProjectionType::kInclude) {
      w.Key("NonKeyAttributes").StartArray();
      for (const auto& n : index.non_key_attributes) w.String(n);
      w.EndArray();
    }
    w.EndObject();
  };
  for (const bool local : {false, true}) {
    bool any = false;
    for (const auto& index : t.indexes) {
      if (index.local != local) continue;
      if (!any) w.Key(local ? "LocalSecondaryIndexes" : "GlobalSecondaryIndexes").StartArray();
      any = true;
      w.StartObject();
      w.Key("IndexName").String(index.name);
      WriteKeySchema(w, index.key);
      write_projection(index);
      if (!local) {
        w.Key("IndexStatus").String(index.backfilling ? "CREATING" : "ACTIVE");
        if (index.backfilling) w.Key("Backfilling").Bool(true);
        WriteThroughput(w, index.read_capacity, index.write_capacity);
      }
      w.Key("IndexSizeBytes").Int(0);
      w.Key("ItemCount").Int(0);
      w.Key("IndexArn").String(TableArn(ctx, t.name) + "/index/" + index.name);
      w.EndObject();
    }
    if (any) w.EndArray();
  }
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
  if (auto e = ParseAttributeDefinitions(req, *attribute_definitions, &def.attribute_definitions)) {
    return reply(*e);
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
  def.key.partition = *definition_of(key_elements[0].first);
  if (key_elements.size() == 2) def.key.sort = *definition_of(key_elements[1].first);
  // Billing.
  def.pay_per_request = billing && *billing == "PAY_PER_REQUEST";
  if (auto e = ParseTableIndexes(req, gsis, lsis, &def)) return reply(*e);
  // Every defined attribute is a key attribute of the table or of an index.
  std::set<std::string> key_attributes{def.key.partition.name};
  if (def.key.sort) key_attributes.insert(def.key.sort->name);
  for (const auto& index : def.indexes) {
    key_attributes.insert(index.key.partition.name);
    if (index.key.sort) key_attributes.insert(index.key.sort->name);
  }
  if (def.attribute_definitions.size() != key_attributes.size() && !def.indexes.empty()) {
    return reply(InvalidParameter(
        "Some AttributeDefinitions are not used. AttributeDefinitions: [" +
        [&] {
          std::vector<std::string> names;
          for (const auto& a : def.attribute_definitions) {
            names.push_back(a.name);
          }
          return fmt::format("{}", fmt::join(names, ", "));
        }() +
        "], keys used: [" + fmt::format("{}", fmt::join(key_attributes, ", ")) + "]"));
  }
  if (def.attribute_definitions.size() != key_attributes.size()) {
    return reply(ApiError::Validation(
        "One or more parameter values were invalid: Number of attributes in KeySchema does not "
        "exactly match number of attributes defined in AttributeDefinitions"));
  }
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
  std::optional<StreamRequest> stream_request;
  if (auto e = ParseStreamSpecification(req, stream, &stream_request)) return reply(*e);
  if (stream_request && stream_request->enabled) {
    // A new table's first change gets sequence number 1.
    (void)table::EnableStream(&def, stream_request->view, clock_->NowMillis(), 1);
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
  const auto* attribute_definitions = req.Array("AttributeDefinitions");
  const auto* stream = req.Object("StreamSpecification");
  if (auto e = req.error()) return reply(*e);
  CheckTableNameOrArn(name, errors);
  if (billing && *billing != "PROVISIONED" && *billing != "PAY_PER_REQUEST") {
    errors.Add(ValidationErrors::Quote(*billing), "billingMode",
               "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
  }
  if (!errors.empty()) return reply(errors.ToError());
  std::optional<StreamRequest> stream_request;
  if (auto e = ParseStreamSpecification(req, stream, &stream_request)) return reply(*e);
  const std::string table = TableNameOf(*name);
  auto current = tables_->GetTable(table);
  if (!current.ok()) return reply(TableNotFound(table));
  auto stream_refusal = [&] {
    return ApiError::Validation((stream_request->enabled
                                     ? "Table already has an enabled stream: TableName: "
                                     : "Table does not have an enabled stream to disable: "
                                       "TableName: ") +
                                table);
  };
  if (stream_request && (table::EnabledStream(*current) != nullptr) == stream_request->enabled) {
    return reply(stream_refusal());
  }

  // GlobalSecondaryIndexUpdates: at most one Create or Delete, any number of Updates.
  std::optional<IndexDefinition> create_index;
  std::optional<std::string> delete_index;
  std::vector<std::pair<std::string, const rapidjson::Value*>> index_throughputs;
  if (gsi_updates != nullptr) {
    std::vector<KeyAttribute> definitions = current->attribute_definitions;
    if (attribute_definitions != nullptr) {
      std::vector<KeyAttribute> added;
      if (auto e = ParseAttributeDefinitions(req, *attribute_definitions, &added)) {
        return reply(*e);
      }
      for (const auto& a : added) {
        const KeyAttribute* existing = DefinitionOf(definitions, a.name);
        if (existing == nullptr) {
          definitions.push_back(a);
        } else if (existing->type != a.type) {
          return reply(
              InvalidParameter("Cannot change the type of an existing attribute: " + a.name));
        }
      }
    }
    const bool on_demand = billing ? *billing == "PAY_PER_REQUEST" : current->pay_per_request;
    for (const auto& u : gsi_updates->GetArray()) {
      const auto* create = req.Object(u, "Create");
      const auto* update = req.Object(u, "Update");
      const auto* remove = req.Object(u, "Delete");
      if (auto e = req.error()) return reply(*e);
      if ((create != nullptr) + (update != nullptr) + (remove != nullptr) != 1) {
        return reply(InvalidParameter(
            "One of GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Update or "
            "GlobalSecondaryIndexUpdate.Delete must be specified"));
      }
      if ((create != nullptr || remove != nullptr) && (create_index || delete_index)) {
        return reply(ApiError::LimitExceeded(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted "
            "simultaneously per table"));
      }
      const rapidjson::Value& body = create ? *create : update ? *update : *remove;
      if (create != nullptr) {
        IndexDefinition index;
        if (auto e = ParseIndex(req, body, false, definitions, on_demand,
                                "globalSecondaryIndexUpdates.member.create", &index)) {
          return reply(*e);
        }
        if (table::FindIndex(*current, index.name) != nullptr) {
          return reply(InvalidParameter("Index with name: " + index.name + " already exists"));
        }
        size_t globals = 0;
        for (const auto& i : current->indexes) {
          globals += i.local ? 0 : 1;
          if (i.backfilling) {
            return reply(ApiError::LimitExceeded(
                "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                "simultaneously per table"));
          }
        }
        if (globals >= kMaxGlobalIndexes) {
          return reply(InvalidParameter(fmt::format(
              "GlobalSecondaryIndex count exceeds the per-table limit of {}", kMaxGlobalIndexes)));
        }
        create_index = std::move(index);
        continue;
      }
      auto index_name = req.String(body, "IndexName");
      const auto* index_throughput = req.Object(body, "ProvisionedThroughput");
      if (auto e = req.error()) return reply(*e);
      if (!index_name) {
        return reply(NotNull(remove ? "globalSecondaryIndexUpdates.member.delete.indexName"
                                    : "globalSecondaryIndexUpdates.member.update.indexName"));
      }
      const IndexDefinition* existing = table::FindIndex(*current, *index_name);
      if (existing == nullptr || existing->local) {
        return reply(ApiError::ResourceNotFound(
            "Requested resource not found: Index: " + std::string(*index_name) + " not found"));
      }
      if (remove != nullptr) {
        delete_index = std::string(*index_name);
      } else {
        IndexDefinition check = *existing;
        if (auto e = ParseIndexThroughput(req, index_throughput, on_demand, &check)) {
          return reply(*e);
        }
        index_throughputs.emplace_back(std::string(*index_name), index_throughput);
      }
    }
  } else if (attribute_definitions != nullptr) {
    return reply(InvalidParameter(
        "AttributeDefinitions can be given only with GlobalSecondaryIndexUpdates Create"));
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
      for (auto& index : def->indexes) index.read_capacity = index.write_capacity = 0;
    }
    for (const auto& [index_name, index_throughput] : index_throughputs) {
      for (auto& index : def->indexes) {
        if (index.name != index_name) continue;
        if (auto e = ParseIndexThroughput(req, index_throughput, def->pay_per_request, &index)) {
          problem = *e;
          return Status::InvalidArgument("");
        }
      }
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
  if (updated.ok() && stream_request) {
    // A stream starts or ends at a cut in the change sequence that every reader agrees on.
    updated = tables_->UpdateTableAtSequence(table, [&](TableDefinition* def, uint64_t next_seq) {
      if (def->id != current->id) return Status::NotFound("table re-created");
      const int64_t now_ms = clock_->NowMillis();
      Status s = stream_request->enabled
                     ? table::EnableStream(def, stream_request->view, now_ms, next_seq)
                     : table::DisableStream(def, now_ms, next_seq);
      if (!s.ok()) problem = stream_refusal();
      return s.ok() ? s : Status::InvalidArgument("");
    });
    if (problem) return reply(*problem);
  }
  if (updated.ok() && create_index) {
    const table::KeySchema key = create_index->key;
    const std::string index_name = create_index->name;
    updated = tables_->AddIndex(table, std::move(*create_index), [&](TableDefinition* def) {
      for (const KeyAttribute* k : {&key.partition, key.sort ? &*key.sort : nullptr}) {
        if (k != nullptr && DefinitionOf(def->attribute_definitions, k->name) == nullptr) {
          def->attribute_definitions.push_back(*k);
        }
      }
      return Status::Ok();
    });
    if (updated.status().code() == Status::Code::kAlreadyExists) {
      return reply(InvalidParameter("Index with name: " + index_name + " already exists"));
    }
  }
  if (updated.ok() && delete_index) {
    updated = tables_->DeleteIndex(table, *delete_index);
    if (updated.status().code() == Status::Code::kNotFound && tables_->GetTable(table).ok()) {
      return reply(ApiError::ResourceNotFound(
          "Requested resource not found: Index: " + *delete_index + " not found"));
    }
  }
  if (!updated.ok()) {
    if (updated.status().code() == Status::Code::kNotFound) return reply(TableNotFound(table));
    return reply(ToApiError(updated.status()));
  }
  // A table with an index being filled is UPDATING in AWS's terms.
  const bool backfilling = std::any_of(updated->indexes.begin(), updated->indexes.end(),
                                       [](const IndexDefinition& i) { return i.backfilling; });
  reply(TableDescriptionResponse("TableDescription", ctx, *updated,
                                 backfilling ? "UPDATING" : "ACTIVE"));
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

// Endpoint discovery: the one endpoint is the server itself, as the client addressed it.
void DynamoDbApi::DescribeEndpoints(const RequestContext& ctx, JsonRequest&, ApiReply& reply) {
  JsonWriter w(128);
  w.StartObject().Key("Endpoints").StartArray().StartObject();
  w.Key("Address").String(ctx.host.empty() ? "localhost" : ctx.host);
  w.Key("CachePeriodInMinutes").Int(1440);
  w.EndObject().EndArray().EndObject();
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
