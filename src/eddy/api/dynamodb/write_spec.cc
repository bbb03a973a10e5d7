#include "eddy/api/dynamodb/write_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/legacy_params.h"

namespace eddy::api::dynamodb {

namespace expr = table::expression;

ApiError NotNull(std::string_view member) {
  return ApiError::Validation("1 validation error detected: Value null at '" + std::string(member) +
                              "' failed to satisfy constraint: Member must not be null");
}

ApiError BadEnum(std::string_view value, std::string_view member, std::string_view values) {
  return ApiError::Validation("1 validation error detected: Value '" + std::string(value) +
                              "' at '" + std::string(member) +
                              "' failed to satisfy constraint: Member must satisfy enum value "
                              "set: [" +
                              std::string(values) + "]");
}

ApiError Unsupported(std::string_view parameter) {
  return ApiError::Validation("eddy does not support the parameter " + std::string(parameter) +
                              " yet (see docs/compat/dynamodb.md)");
}

expr::ExpressionInputs RequestExpressions::inputs() {
  return {names ? &*names : nullptr, values ? &*values : nullptr, &usage};
}

std::optional<ApiError> RequestExpressions::Read(JsonRequest& req, const rapidjson::Value& obj,
                                                 bool any_expression) {
  const auto* names_json = req.Object(obj, "ExpressionAttributeNames");
  const auto* values_json = req.Object(obj, "ExpressionAttributeValues");
  if (req.error()) return req.error();
  if (!any_expression && names_json != nullptr) {
    return ApiError::Validation(
        "ExpressionAttributeNames can only be specified when using expressions");
  }
  if (!any_expression && values_json != nullptr) {
    return ApiError::Validation(
        "ExpressionAttributeValues can only be specified when using expressions");
  }
  if (names_json != nullptr) {
    names.emplace();
    if (auto e = DecodeExpressionAttributeNames(*names_json, &*names)) return e;
  }
  if (values_json != nullptr) {
    values.emplace();
    if (auto e = DecodeExpressionAttributeValues(*values_json, &*values)) return e;
  }
  return std::nullopt;
}

std::optional<ApiError> RequestExpressions::CheckAllUsed() const {
  Status s =
      expr::CheckAllPlaceholdersUsed(names ? &*names : nullptr, values ? &*values : nullptr, usage);
  if (!s.ok()) return ApiError::Validation(s.message());
  return std::nullopt;
}

std::optional<ApiError> ReadReturnConsumedCapacity(JsonRequest& req, bool* wanted) {
  auto text = req.String("ReturnConsumedCapacity");
  if (req.error()) return req.error();
  *wanted = false;
  if (!text || *text == "NONE") return std::nullopt;
  if (*text != "TOTAL" && *text != "INDEXES") {
    return BadEnum(*text, "returnConsumedCapacity", "INDEXES, TOTAL, NONE");
  }
  *wanted = true;
  return std::nullopt;
}

double WriteUnits(size_t item_bytes) {
  return std::max<double>(1, std::ceil(static_cast<double>(item_bytes) / 1024.0));
}

double ReadUnits(size_t item_bytes, bool consistent) {
  const double units = std::max<double>(1, std::ceil(static_cast<double>(item_bytes) / 4096.0));
  return consistent ? units : units / 2;
}

void WriteConsumedCapacity(JsonWriter& w, std::string_view table, double units) {
  w.Key("ConsumedCapacity").StartObject();
  w.Key("TableName").String(table);
  w.Key("CapacityUnits").Double(units);
  w.EndObject();
}

void WriteConsumedCapacityList(JsonWriter& w, const std::map<std::string, double>& units) {
  w.Key("ConsumedCapacity").StartArray();
  for (const auto& [table, u] : units) {
    w.StartObject().Key("TableName").String(table).Key("CapacityUnits").Double(u).EndObject();
  }
  w.EndArray();
}

std::optional<ApiError> ParseWriteSpec(JsonRequest& req, const rapidjson::Value& obj,
                                       WriteSpec::Kind kind, const table::TableStore& tables,
                                       WriteSpec* out, std::string_view table) {
  using Kind = WriteSpec::Kind;
  out->kind = kind;
  auto table_name =
      table.empty() ? req.String(obj, "TableName") : std::optional<std::string_view>(table);
  const auto* item_json = kind == Kind::kPut ? req.Object(obj, "Item") : nullptr;
  const auto* key_json = kind != Kind::kPut ? req.Object(obj, "Key") : nullptr;
  auto condition_text = req.String(obj, "ConditionExpression");
  auto update_text = kind == Kind::kUpdate ? req.String(obj, "UpdateExpression") : std::nullopt;
  auto on_failure = req.String(obj, "ReturnValuesOnConditionCheckFailure");
  if (req.error()) return req.error();
  if (!table_name) return NotNull("tableName");
  if (kind == Kind::kPut && item_json == nullptr) return NotNull("item");
  if (kind != Kind::kPut && key_json == nullptr) return NotNull("key");
  // The legacy Expected / AttributeUpdates, as expressions over generated placeholders.
  LegacyExpressions legacy;
  if (auto e = ReadLegacyParameters(req, obj, &legacy)) return e;
  if (legacy.update && kind != Kind::kUpdate) return Unsupported("AttributeUpdates here");
  if (legacy.projection || legacy.key_condition || legacy.filter) {
    return Unsupported(legacy.projection ? "AttributesToGet here"
                                         : "KeyConditions or a filter here");
  }
  if (legacy.condition) condition_text = *legacy.condition;
  if (legacy.update) update_text = *legacy.update;
  if (kind == Kind::kConditionCheck && !condition_text) return NotNull("conditionExpression");
  if (on_failure && *on_failure != "NONE" && *on_failure != "ALL_OLD") {
    return BadEnum(*on_failure, "returnValuesOnConditionCheckFailure", "ALL_OLD, NONE");
  }
  out->return_old_on_failure = on_failure && *on_failure == "ALL_OLD";
  out->table = std::string(*table_name);

  if (item_json != nullptr) {
    if (auto e = DecodeItem(*item_json, &out->item)) return e;
  }
  if (key_json != nullptr) {
    if (auto e = DecodeKey(*key_json, &out->key)) return e;
  }
  RequestExpressions expressions;
  if (legacy.any()) {
    expressions.names = std::move(legacy.names);
    expressions.values = std::move(legacy.values);
  } else if (auto e = expressions.Read(req, obj, condition_text || update_text)) {
    return e;
  }
  if (update_text) {
    auto parsed = expr::UpdateExpression::Parse(*update_text, expressions.inputs());
    if (!parsed.ok()) return ApiError::Validation(parsed.status().message());
    out->update = std::move(parsed).value();
  }
  if (condition_text) {
    auto parsed = expr::ConditionExpression::Parse(
        *condition_text, expr::ExpressionKind::kCondition, expressions.inputs());
    if (!parsed.ok()) return ApiError::Validation(parsed.status().message());
    out->condition = std::move(parsed).value();
  }
  if (auto e = expressions.CheckAllUsed()) return e;

  auto def = tables.GetTable(out->table);
  if (!def.ok()) return ToApiError(def.status());
  out->definition = std::move(def).value();
  const table::KeySchema& schema = out->definition.key;
  if (kind == Kind::kPut) {
    if (auto e = CheckItemKey(out->item, schema)) return e;
    if (auto e = CheckIndexKeys(out->definition, out->item)) return e;
    if (auto e = CheckItemSize(out->item)) return e;
    out->key = table::KeyAttributes(schema, out->item);
  } else {
    if (auto e = CheckKey(out->key, schema)) return e;
  }
  if (out->update) {
    for (const auto& attribute : out->update->ModifiedAttributes()) {
      if (attribute == schema.partition.name || (schema.sort && attribute == schema.sort->name)) {
        return ApiError::Validation(
            "One or more parameter values were invalid: Cannot update attribute " + attribute +
            ". This attribute is part of the key");
      }
    }
  }
  return std::nullopt;
}

std::optional<ApiError> CheckIndexKeys(const table::TableDefinition& table,
                                       const model::Item& item) {
  for (const auto& index : table.indexes) {
    for (const KeyAttribute* key :
         {&index.key.partition, index.key.sort ? &*index.key.sort : nullptr}) {
      if (key == nullptr) continue;
      auto it = item.find(key->name);
      if (it == item.end()) continue;  // sparse: the item is not in this index
      if (it->second.type() != key->type) {
        return ApiError::Validation(fmt::format(
            "One or more parameter values were invalid: Type mismatch for Index Key {} "
            "Expected: {} Actual: {} IndexName: {}",
            key->name, model::TypeName(key->type), model::TypeName(it->second.type()), index.name));
      }
      if (key->type != model::ValueType::kNumber && it->second.bytes().empty()) {
        return ApiError::Validation(fmt::format(
            "One or more parameter values are not valid. A value specified for a secondary "
            "index key is not supported. The AttributeValue for a key attribute cannot contain "
            "an empty {} value. IndexName: {}, IndexKey: {}",
            key->type == model::ValueType::kString ? "string" : "binary", index.name, key->name));
      }
      const size_t max_bytes =
          key == &index.key.partition ? kMaxPartitionKeyBytes : kMaxSortKeyBytes;
      if (key->type != model::ValueType::kNumber && it->second.bytes().size() > max_bytes) {
        return ApiError::Validation(fmt::format(
            "One or more parameter values were invalid: Size limit exceeded for Index Key {} "
            "Actual Size: {} bytes Max Size: {} bytes IndexName: {}",
            key->name, it->second.bytes().size(), max_bytes, index.name));
      }
    }
  }
  return std::nullopt;
}

namespace {

bool OnlyRemoves(const expr::UpdateExpression& update) {
  for (const auto& action : update.actions()) {
    if (action.kind != expr::UpdateAction::Kind::kRemove &&
        action.kind != expr::UpdateAction::Kind::kDelete) {
      return false;
    }
  }
  return true;
}

}  // namespace

table::Mutation WriteSpec::MakeMutation() {
  return [this](const std::optional<model::Item>& current) -> Result<std::optional<model::Item>> {
    if (condition && !condition->Evaluate(current ? *current : model::Item())) {
      condition_failed = true;
      failed_against = current;
      return Status::FailedPrecondition("The conditional request failed");
    }
    switch (kind) {
      case Kind::kConditionCheck:
        return current;
      case Kind::kPut:
        return std::optional<model::Item>(item);
      case Kind::kDelete:
        return std::optional<model::Item>();
      case Kind::kUpdate:
        break;
    }
    // An update of a missing item creates it from its key, unless it only removes things
    // (REMOVE, DELETE): then there is nothing to create.
    const model::Item& before = current ? *current : key;
    if (!update) return std::optional<model::Item>(before);
    if (!current && OnlyRemoves(*update)) return std::optional<model::Item>();
    auto after = update->Apply(before);
    if (!after.ok()) {
      update_error = ApiError::Validation(after.status().message());
      return Status::InvalidArgument(after.status().message());
    }
    if (auto e = CheckIndexKeys(definition, *after)) {
      update_error = std::move(e);
      return Status::InvalidArgument(update_error->message);
    }
    if (model::ItemSizeBytes(*after) > kMaxItemBytes) {
      update_error =
          ApiError::Validation("Item size to update has exceeded the maximum allowed size");
      return Status::InvalidArgument(update_error->message);
    }
    return std::optional<model::Item>(std::move(after).value());
  };
}

ApiError WriteSpec::RefusalError(const Status& storage) const {
  if (condition_failed) {
    ApiError error{400, "ConditionalCheckFailedException", "The conditional request failed"};
    if (return_old_on_failure && failed_against) {
      error.extra_members = "\"Item\":" + ItemToJson(*failed_against);
    }
    return error;
  }
  if (update_error) return *update_error;
  return ToApiError(storage);
}

}  // namespace eddy::api::dynamodb
