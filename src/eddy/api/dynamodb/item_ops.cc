// Item operations: GetItem, PutItem, DeleteItem, UpdateItem.
#include <map>

#include "eddy/api/dynamodb/attribute_json.h"
#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/legacy_params.h"
#include "eddy/api/dynamodb/write_spec.h"
#include "eddy/table/expression/projection.h"

namespace eddy::api::dynamodb {
namespace {

namespace expr = table::expression;

// What a write returns, by ReturnValues.
enum class Returns { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };

std::optional<ApiError> ReadReturnValues(JsonRequest& req, bool update, Returns* out) {
  auto text = req.String("ReturnValues");
  if (req.error()) return req.error();
  static const std::map<std::string_view, Returns> kNames = {{"NONE", Returns::kNone},
                                                             {"ALL_OLD", Returns::kAllOld},
                                                             {"UPDATED_OLD", Returns::kUpdatedOld},
                                                             {"ALL_NEW", Returns::kAllNew},
                                                             {"UPDATED_NEW", Returns::kUpdatedNew}};
  *out = Returns::kNone;
  if (!text) return std::nullopt;
  auto it = kNames.find(*text);
  if (it == kNames.end()) {
    return BadEnum(*text, "returnValues", "ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW");
  }
  if (!update && it->second != Returns::kNone && it->second != Returns::kAllOld) {
    return ApiError::Validation("ReturnValues can only be ALL_OLD or NONE");
  }
  *out = it->second;
  return std::nullopt;
}

// Runs a PutItem, DeleteItem or UpdateItem and answers it.
void RunSingleWrite(table::TableStore* tables, JsonRequest& req, WriteSpec::Kind kind,
                    ApiReply& reply) {
  Returns returns;
  bool capacity = false;
  if (auto e = ReadReturnValues(req, kind == WriteSpec::Kind::kUpdate, &returns)) {
    return reply(*e);
  }
  if (auto e = ReadReturnConsumedCapacity(req, &capacity)) return reply(*e);
  WriteSpec spec;
  if (auto e = ParseWriteSpec(req, req.root(), kind, *tables, &spec)) return reply(*e);
  auto written = tables->Write(spec.table, spec.key, spec.MakeMutation());
  if (!written.ok()) return reply(spec.RefusalError(written.status()));

  std::optional<model::Item> attributes;
  const auto paths = spec.update ? spec.update->UpdatedPaths() : std::vector<expr::DocumentPath>();
  switch (returns) {
    case Returns::kNone:
      break;
    case Returns::kAllOld:
      attributes = written->before;
      break;
    case Returns::kAllNew:
      attributes = written->after;
      break;
    case Returns::kUpdatedOld:
      if (written->before) attributes = expr::ProjectItem(*written->before, paths);
      break;
    case Returns::kUpdatedNew:
      if (written->after) attributes = expr::ProjectItem(*written->after, paths);
      break;
  }
  JsonWriter w(attributes ? 512 : 64);
  w.StartObject();
  if (attributes && !attributes->empty()) {
    w.Key("Attributes");
    WriteAttributeMap(w, *attributes);
  }
  if (capacity) {
    const auto& sized = written->after ? written->after : written->before;
    WriteConsumedCapacity(w, spec.table, WriteUnits(sized ? model::ItemSizeBytes(*sized) : 0));
  }
  w.EndObject();
  reply(w.Take());
}

}  // namespace

void DynamoDbApi::GetItem(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  auto table_name = req.String("TableName");
  const auto* key_json = req.Object("Key");
  auto projection = req.String("ProjectionExpression");
  auto consistent = req.Bool("ConsistentRead");
  if (auto e = req.error()) return reply(*e);
  if (!table_name) return reply(NotNull("tableName"));
  if (key_json == nullptr) return reply(NotNull("key"));
  LegacyExpressions legacy;
  if (auto e = ReadLegacyParameters(req, req.root(), &legacy)) return reply(*e);
  if (legacy.condition || legacy.update || legacy.key_condition || legacy.filter) {
    return reply(Unsupported("Expected, AttributeUpdates, KeyConditions or a filter in GetItem"));
  }
  if (legacy.projection) projection = *legacy.projection;
  bool capacity = false;
  if (auto e = ReadReturnConsumedCapacity(req, &capacity)) return reply(*e);

  model::Item key;
  if (auto e = DecodeKey(*key_json, &key)) return reply(*e);
  RequestExpressions expressions;
  if (legacy.any()) {
    expressions.names = std::move(legacy.names);
    expressions.values = std::move(legacy.values);
  } else if (auto e = expressions.Read(req, req.root(), projection.has_value())) {
    return reply(*e);
  }
  std::optional<expr::ProjectionExpression> project;
  if (projection) {
    auto parsed = expr::ProjectionExpression::Parse(*projection, expressions.inputs());
    if (!parsed.ok()) return reply(ApiError::Validation(parsed.status().message()));
    project = std::move(parsed).value();
  }
  if (auto e = expressions.CheckAllUsed()) return reply(*e);

  auto def = tables_->GetTable(*table_name);
  if (!def.ok()) return reply(ToApiError(def.status()));
  if (auto e = CheckKey(key, def->key)) return reply(*e);

  auto item = tables_->GetItem(*table_name, key);
  if (!item.ok()) return reply(ToApiError(item.status()));
  JsonWriter w(*item ? 512 : 64);
  w.StartObject();
  if (*item) {
    w.Key("Item");
    WriteAttributeMap(w, project ? project->Apply(**item) : **item);
  }
  if (capacity) {
    WriteConsumedCapacity(
        w, *table_name,
        ReadUnits(*item ? model::ItemSizeBytes(**item) : 0, consistent.value_or(false)));
  }
  w.EndObject();
  reply(w.Take());
}

void DynamoDbApi::PutItem(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  RunSingleWrite(tables_, req, WriteSpec::Kind::kPut, reply);
}

void DynamoDbApi::DeleteItem(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  RunSingleWrite(tables_, req, WriteSpec::Kind::kDelete, reply);
}

void DynamoDbApi::UpdateItem(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  RunSingleWrite(tables_, req, WriteSpec::Kind::kUpdate, reply);
}

}  // namespace eddy::api::dynamodb
