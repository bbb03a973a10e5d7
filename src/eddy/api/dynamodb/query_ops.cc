// Reading many items: Query and Scan.
#include <fmt/format.h>

#include <set>

#include "eddy/api/dynamodb/attribute_json.h"
#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/legacy_params.h"
#include "eddy/api/dynamodb/write_spec.h"
#include "eddy/base/crc32c.h"
#include "eddy/table/expression/condition.h"
#include "eddy/table/expression/expression_inputs.h"
#include "eddy/table/expression/key_condition.h"
#include "eddy/table/expression/projection.h"
#include "eddy/table/key_encoding.h"

namespace eddy::api::dynamodb {
namespace {

namespace expr = table::expression;
using model::Item;
using table::TableDefinition;
using table::TableStore;

// DynamoDB reads at most 1 MB of items per Query or Scan page, counted before the filter.
constexpr size_t kPageBytes = 1 << 20;

ApiError Invalid(std::string message) { return ApiError::Validation(std::move(message)); }

// The parts Query and Scan share: names and values, filter, projection, Select, Limit,
// ExclusiveStartKey, and the paging loop.
struct ReadRequest {
  std::optional<ExpressionNames> names;
  std::optional<ExpressionValues> values;
  expr::PlaceholderUsage usage;
  std::optional<expr::ConditionExpression> filter;
  std::optional<expr::ProjectionExpression> projection;
  bool count_only = false;
  std::string select;  // as given, or empty
  std::optional<int64_t> limit;
  std::optional<Item> exclusive_start_key;
  bool consistent = false;
  bool capacity = false;
  std::optional<std::string> legacy_key_condition;  // KeyConditions, as an expression

  expr::ExpressionInputs inputs() {
    return {names ? &*names : nullptr, values ? &*values : nullptr, &usage};
  }
};

// Reads the shared members. `key_condition_present`: a Query with a KeyConditionExpression
// (it makes expressions "in use").
std::optional<ApiError> ReadShared(JsonRequest& req, bool key_condition_present, bool has_index,
                                   ReadRequest* out) {
  auto filter = req.String("FilterExpression");
  auto projection = req.String("ProjectionExpression");
  auto select = req.String("Select");
  out->limit = req.Integer("Limit");
  const auto* start = req.Object("ExclusiveStartKey");
  auto consistent = req.Bool("ConsistentRead");
  auto capacity = req.String("ReturnConsumedCapacity");
  const auto* names_json = req.Object("ExpressionAttributeNames");
  const auto* values_json = req.Object("ExpressionAttributeValues");
  if (req.error()) return req.error();
  // The legacy KeyConditions / QueryFilter / ScanFilter / AttributesToGet, as expressions.
  LegacyExpressions legacy;
  if (auto e = ReadLegacyParameters(req, req.root(), &legacy)) return e;
  if (legacy.condition || legacy.update) {
    return Invalid("eddy does not support Expected or AttributeUpdates in a read");
  }
  if (legacy.filter) filter = *legacy.filter;
  if (legacy.projection) projection = *legacy.projection;
  out->legacy_key_condition = legacy.key_condition;
  if (out->limit && *out->limit < 1) {
    return Invalid(
        fmt::format("1 validation error detected: Value '{}' at 'limit' failed to "
                    "satisfy constraint: Member must have value greater than or "
                    "equal to 1",
                    *out->limit));
  }
  if (select && *select != "ALL_ATTRIBUTES" && *select != "ALL_PROJECTED_ATTRIBUTES" &&
      *select != "SPECIFIC_ATTRIBUTES" && *select != "COUNT") {
    return BadEnum(*select, "select",
                   "SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES");
  }
  if (select && *select == "ALL_PROJECTED_ATTRIBUTES" && !has_index) {
    return Invalid("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  }
  if (select && projection && *select != "SPECIFIC_ATTRIBUTES") {
    return Invalid(
        "Cannot specify the AttributesToGet or ProjectionExpression when choosing to "
        "get " +
        std::string(*select));
  }
  out->count_only = select && *select == "COUNT";
  if (select) out->select = std::string(*select);
  out->consistent = consistent.value_or(false);
  out->capacity = capacity && *capacity != "NONE";
  const bool any_expression = key_condition_present || filter || projection;
  if (!any_expression && names_json != nullptr) {
    return Invalid("ExpressionAttributeNames can only be specified when using expressions");
  }
  if (!any_expression && values_json != nullptr) {
    return Invalid("ExpressionAttributeValues can only be specified when using expressions");
  }
  if (legacy.any()) {
    out->names = std::move(legacy.names);
    out->values = std::move(legacy.values);
  }
  if (names_json != nullptr) {
    out->names.emplace();
    if (auto e = DecodeExpressionAttributeNames(*names_json, &*out->names)) return e;
  }
  if (values_json != nullptr) {
    out->values.emplace();
    if (auto e = DecodeExpressionAttributeValues(*values_json, &*out->values)) return e;
  }
  if (start != nullptr) {
    out->exclusive_start_key.emplace();
    if (auto e = DecodeKey(*start, &*out->exclusive_start_key)) return e;
  }
  if (filter) {
    auto parsed =
        expr::ConditionExpression::Parse(*filter, expr::ExpressionKind::kFilter, out->inputs());
    if (!parsed.ok()) return Invalid(parsed.status().message());
    out->filter = std::move(parsed).value();
  }
  if (projection) {
    auto parsed = expr::ProjectionExpression::Parse(*projection, out->inputs());
    if (!parsed.ok()) return Invalid(parsed.status().message());
    out->projection = std::move(parsed).value();
  }
  return std::nullopt;
}

// The index a read names (nullptr: none), with AWS's errors for an unknown or backfilling index,
// a strongly consistent read of a global index and ALL_ATTRIBUTES from a global index that does
// not project them. Sets `fetch_from_table` for a local index that must read the table's items
// (ALL_ATTRIBUTES, or a ProjectionExpression, on a partial projection).
std::variant<const table::IndexDefinition*, ApiError> ResolveIndex(
    const TableDefinition& def, const std::optional<std::string_view>& name, const ReadRequest& r,
    bool* fetch_from_table) {
  *fetch_from_table = false;
  if (!name) return static_cast<const table::IndexDefinition*>(nullptr);
  const table::IndexDefinition* index = table::FindIndex(def, *name);
  if (index == nullptr) {
    return Invalid("The table does not have the specified index: " + std::string(*name));
  }
  if (index->backfilling) {
    return Invalid("Cannot read from backfilling global secondary index: " + index->name);
  }
  if (!index->local && r.consistent) {
    return Invalid("Consistent reads are not supported on global secondary indexes");
  }
  const bool partial = index->projection != table::ProjectionType::kAll;
  if (partial && r.select == "ALL_ATTRIBUTES") {
    if (!index->local) {
      return Invalid(
          "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
          "supported for global secondary index " +
          index->name + " because its projection type is not ALL");
    }
    *fetch_from_table = true;
  }
  if (partial && index->local && r.projection) *fetch_from_table = true;
  return index;
}

// The key of an item as a page reports it: the table's key attributes and, reading an index,
// the index's.
Item PageKeyOf(const Item& item, const TableDefinition& def, const table::IndexDefinition* index) {
  Item key = table::KeyAttributes(def.key, item);
  if (index != nullptr) {
    key.insert(*item.find(index->key.partition.name));
    if (index->key.sort) key.insert(*item.find(index->key.sort->name));
  }
  return key;
}

// ExclusiveStartKey of an index read: exactly the table's and the index's key attributes.
std::optional<ApiError> CheckIndexStartKey(const Item& start, const TableDefinition& def,
                                           const table::IndexDefinition& index) {
  std::vector<const table::KeyAttribute*> keys{&def.key.partition, &index.key.partition};
  if (def.key.sort) keys.push_back(&*def.key.sort);
  if (index.key.sort) keys.push_back(&*index.key.sort);
  std::set<std::string_view> names;
  bool matches = true;
  for (const auto* k : keys) {
    auto it = start.find(k->name);
    matches = matches && it != start.end() && it->second.type() == k->type;
    names.insert(k->name);
  }
  if (!matches || start.size() != names.size()) {
    return Invalid(
        "The provided starting key is invalid: The provided key element does not match the "
        "schema");
  }
  return std::nullopt;
}

// One page of items from `range` (of the table, or of `index`): Limit and the 1 MB page apply
// to the items read, the filter to what is returned. `accept` filters further (Scan segments,
// sort-key check).
std::variant<std::string, ApiError> ReadPage(TableStore* tables, const TableDefinition& def,
                                             const table::IndexDefinition* index,
                                             bool fetch_from_table, TableStore::ItemRange range,
                                             bool forward, ReadRequest& r,
                                             const std::function<bool(const Item&)>& accept) {
  if (r.exclusive_start_key) {
    if (index != nullptr) {
      if (auto e = CheckIndexStartKey(*r.exclusive_start_key, def, *index)) return *e;
    } else if (auto e = CheckKey(*r.exclusive_start_key, def.key)) {
      return Invalid("The provided starting key is invalid: " + e->message);
    }
    const std::string start = TableStore::ItemKey(def, *r.exclusive_start_key, index);
    if (forward) {
      if (start + '\0' > range.lower) range.lower = start + '\0';
    } else if (start < range.upper) {
      range.upper = start;
    }
  }
  JsonWriter w(4096);
  w.StartObject();
  if (!r.count_only) w.Key("Items").StartArray();
  int64_t count = 0, scanned = 0;
  size_t bytes = 0;
  // Every item read counts toward a page's work, also those `accept` passes over (another
  // Scan segment's): a page never reads more than 1 MB, whatever the segment count.
  size_t visited_bytes = 0;
  std::optional<Item> last_evaluated;
  bool stopped_early = false;
  // An ExclusiveStartKey outside the range leaves nothing to read.
  const bool empty_range = range.lower >= range.upper;
  Status fetch_status;
  Status s = empty_range
                 ? Status::Ok()
                 : tables->ScanItems(def.name, range, forward, [&](const Item& entry) {
                     if ((r.limit && scanned >= *r.limit) || bytes >= kPageBytes ||
                         visited_bytes >= kPageBytes) {
                       stopped_early = true;
                       return false;
                     }
                     visited_bytes += model::ItemSizeBytes(entry);
                     last_evaluated = PageKeyOf(entry, def, index);
                     if (!accept(entry)) return true;
                     // A local index with a partial projection reads the table's item.
                     std::optional<Item> fetched;
                     if (fetch_from_table) {
                       auto got = tables->GetItem(def.name, table::KeyAttributes(def.key, entry));
                       if (!got.ok()) {
                         fetch_status = got.status();
                         return false;
                       }
                       // Deleted, or moved out of the key range, since the page began.
                       if (!*got || !accept(**got)) return true;
                       fetched = std::move(*got);
                     }
                     const Item& item = fetched ? *fetched : entry;
                     ++scanned;
                     bytes += model::ItemSizeBytes(item);
                     if (r.filter && !r.filter->Evaluate(item)) return true;
                     ++count;
                     if (!r.count_only)
                       WriteAttributeMap(w, r.projection ? r.projection->Apply(item) : item);
                     return true;
                   });
  if (!s.ok()) return ToApiError(s);
  if (!fetch_status.ok()) return ToApiError(fetch_status);
  // Reaching the Limit exactly also reports where to go on, as DynamoDB does.
  if (r.limit && scanned == *r.limit) stopped_early = true;
  if (!r.count_only) w.EndArray();
  w.Key("Count").Int(count);
  w.Key("ScannedCount").Int(scanned);
  if (stopped_early && last_evaluated) {
    w.Key("LastEvaluatedKey");
    WriteAttributeMap(w, *last_evaluated);
  }
  if (r.capacity) WriteConsumedCapacity(w, def.name, ReadUnits(bytes, r.consistent));
  w.EndObject();
  return w.Take();
}

// The top-level attributes a condition reads.
void CollectAttributes(const expr::Operand& operand, std::set<std::string>* out) {
  if (operand.kind == expr::Operand::Kind::kPath && !operand.path.empty()) {
    out->insert(operand.path[0].name);
  }
  for (const auto& inner : operand.size_operand) CollectAttributes(inner, out);
}

void CollectAttributes(const expr::Condition& condition, std::set<std::string>* out) {
  for (const auto& operand : condition.operands) CollectAttributes(operand, out);
  for (const auto& child : condition.children) CollectAttributes(child, out);
}

// Narrows a partition's range to a sort-key condition.
void ApplySortCondition(const expr::SortKeyCondition& c, const std::string& partition_prefix,
                        TableStore::ItemRange* range) {
  auto at = [&](const model::AttributeValue& v) {
    std::string k = partition_prefix;
    table::AppendKeyValue(v, &k);
    return k;
  };
  switch (c.op) {
    case expr::SortKeyOperator::kEqual:
      range->lower = at(c.value);
      range->upper = table::PrefixSuccessor(at(c.value));
      break;
    case expr::SortKeyOperator::kLess:
      range->upper = at(c.value);
      break;
    case expr::SortKeyOperator::kLessOrEqual:
      range->upper = table::PrefixSuccessor(at(c.value));
      break;
    case expr::SortKeyOperator::kGreater:
      range->lower = table::PrefixSuccessor(at(c.value));
      break;
    case expr::SortKeyOperator::kGreaterOrEqual:
      range->lower = at(c.value);
      break;
    case expr::SortKeyOperator::kBetween:
      range->lower = at(c.value);
      range->upper = table::PrefixSuccessor(at(c.upper));
      break;
    case expr::SortKeyOperator::kBeginsWith: {
      std::string k = partition_prefix;
      table::AppendKeyPrefix(c.value.bytes(), &k);
      range->lower = k;
      range->upper = table::PrefixSuccessor(k);
      break;
    }
  }
}

}  // namespace

void DynamoDbApi::Query(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  auto table_name = req.String("TableName");
  auto index = req.String("IndexName");
  auto key_condition_text = req.String("KeyConditionExpression");
  auto forward = req.Bool("ScanIndexForward");
  if (auto e = req.error()) return reply(*e);
  if (!table_name) return reply(NotNull("tableName"));
  ReadRequest r;
  if (auto e = ReadShared(req, key_condition_text.has_value(), index.has_value(), &r)) {
    return reply(*e);
  }
  if (!key_condition_text && r.legacy_key_condition) key_condition_text = *r.legacy_key_condition;
  if (!key_condition_text) {
    return reply(
        Invalid("Either the KeyConditions or KeyConditionExpression parameter must be "
                "specified in the request."));
  }
  auto key_condition = expr::ConditionExpression::Parse(
      *key_condition_text, expr::ExpressionKind::kKeyCondition, r.inputs());
  if (!key_condition.ok()) return reply(Invalid(key_condition.status().message()));
  Status unused = expr::CheckAllPlaceholdersUsed(r.names ? &*r.names : nullptr,
                                                 r.values ? &*r.values : nullptr, r.usage);
  if (!unused.ok()) return reply(Invalid(unused.message()));

  auto def = tables_->GetTable(*table_name);
  if (!def.ok()) return reply(ToApiError(def.status()));
  bool fetch_from_table = false;
  auto resolved = ResolveIndex(*def, index, r, &fetch_from_table);
  if (auto* e = std::get_if<ApiError>(&resolved)) return reply(*e);
  const table::IndexDefinition* read_index = std::get<const table::IndexDefinition*>(resolved);
  const table::KeySchema& key_schema = read_index ? read_index->key : def->key;
  expr::KeySchema schema;
  schema.partition_key = key_schema.partition.name;
  schema.partition_key_type = key_schema.partition.type;
  if (key_schema.sort) {
    schema.sort_key = key_schema.sort->name;
    schema.sort_key_type = key_schema.sort->type;
  }
  auto keys = expr::AnalyzeKeyCondition(*key_condition, schema);
  if (!keys.ok()) return reply(Invalid(keys.status().message()));
  if (r.filter) {
    // A Query's filter may not test the key (the key condition does that).
    std::set<std::string> read;
    CollectAttributes(r.filter->root(), &read);
    for (const auto* key : {&schema.partition_key, &schema.sort_key}) {
      if (!key->empty() && read.count(*key) != 0) {
        return reply(
            Invalid("Filter Expression can only contain non-primary key attributes: "
                    "Primary key attribute: " +
                    *key));
      }
    }
  }

  TableStore::ItemRange range = TableStore::Partition(*def, keys->partition_value, read_index);
  const std::string partition_prefix = range.lower;
  if (keys->sort) ApplySortCondition(*keys->sort, partition_prefix, &range);
  const auto& sort = keys->sort;
  const std::string sort_name = schema.sort_key;
  auto result = ReadPage(tables_, *def, read_index, fetch_from_table, std::move(range),
                         forward.value_or(true), r, [&](const Item& item) {
                           if (!sort) return true;
                           auto it = item.find(sort_name);
                           return it != item.end() && sort->Matches(it->second);
                         });
  if (auto* e = std::get_if<ApiError>(&result)) return reply(*e);
  reply(std::move(std::get<std::string>(result)));
}

void DynamoDbApi::Scan(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  auto table_name = req.String("TableName");
  auto index = req.String("IndexName");
  auto segment = req.Integer("Segment");
  auto total_segments = req.Integer("TotalSegments");
  if (auto e = req.error()) return reply(*e);
  if (!table_name) return reply(NotNull("tableName"));
  if (total_segments && (*total_segments < 1 || *total_segments > 1000000)) {
    return reply(Invalid(fmt::format(
        "1 validation error detected: Value '{}' at 'totalSegments' failed to satisfy "
        "constraint: Member must have value {} {}",
        *total_segments, *total_segments < 1 ? "greater than or equal to" : "less than or equal to",
        *total_segments < 1 ? 1 : 1000000)));
  }
  if (segment && (*segment < 0 || *segment > 999999)) {
    return reply(Invalid(fmt::format(
        "1 validation error detected: Value '{}' at 'segment' failed to satisfy constraint: "
        "Member must have value {} {}",
        *segment, *segment < 0 ? "greater than or equal to" : "less than or equal to",
        *segment < 0 ? 0 : 999999)));
  }
  if (segment && !total_segments) {
    return reply(
        Invalid("The TotalSegments parameter is required but was not present in the "
                "request when Segment parameter is present"));
  }
  if (total_segments && !segment) {
    return reply(
        Invalid("The Segment parameter is required but was not present in the request "
                "when parameter TotalSegments is present"));
  }
  if (segment && *segment >= *total_segments) {
    return reply(
        Invalid(fmt::format("The Segment parameter is zero-based and must be less than "
                            "parameter TotalSegments: Segment: {} is not less than "
                            "TotalSegments: {}",
                            *segment, *total_segments)));
  }
  ReadRequest r;
  if (auto e = ReadShared(req, false, index.has_value(), &r)) return reply(*e);
  Status unused = expr::CheckAllPlaceholdersUsed(r.names ? &*r.names : nullptr,
                                                 r.values ? &*r.values : nullptr, r.usage);
  if (!unused.ok()) return reply(Invalid(unused.message()));
  auto def = tables_->GetTable(*table_name);
  if (!def.ok()) return reply(ToApiError(def.status()));
  bool fetch_from_table = false;
  auto resolved = ResolveIndex(*def, index, r, &fetch_from_table);
  if (auto* e = std::get_if<ApiError>(&resolved)) return reply(*e);
  const table::IndexDefinition* read_index = std::get<const table::IndexDefinition*>(resolved);

  // Segments split the table by a stable hash of the partition key: every item belongs to
  // exactly one segment, whatever the number of items.
  const uint32_t segments = total_segments ? static_cast<uint32_t>(*total_segments) : 1;
  const uint32_t mine = segment ? static_cast<uint32_t>(*segment) : 0;
  const std::string partition_name = def->key.partition.name;
  auto in_segment = [&](const Item& item) {
    if (segments == 1) return true;
    std::string encoded;
    table::AppendKeyValue(item.at(partition_name), &encoded);
    return crc32c::Value(encoded) % segments == mine;
  };
  auto result = ReadPage(tables_, *def, read_index, fetch_from_table,
                         TableStore::WholeTable(*def, read_index), true, r, in_segment);
  if (auto* e = std::get_if<ApiError>(&result)) return reply(*e);
  reply(std::move(std::get<std::string>(result)));
}

}  // namespace eddy::api::dynamodb
