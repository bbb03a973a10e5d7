// Many items at once: BatchWriteItem, BatchGetItem, TransactWriteItems, TransactGetItems.
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "eddy/api/dynamodb/attribute_json.h"
#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/legacy_params.h"
#include "eddy/api/dynamodb/write_spec.h"
#include "eddy/base/md5.h"
#include "eddy/table/expression/projection.h"

namespace eddy::api::dynamodb {
namespace {

constexpr size_t kMaxTransactionBytes = 4 << 20;

namespace expr = table::expression;
using model::Item;

constexpr size_t kMaxBatchWrite = 25;
constexpr size_t kMaxBatchGet = 100;
constexpr size_t kMaxTransactItems = 100;
constexpr size_t kMaxBatchGetBytes = 16 << 20;
constexpr int64_t kTokenLifetimeMs = 10 * 60 * 1000;

// One item's identity across tables, for duplicate checks.
std::string ItemIdentity(const WriteSpec& spec) {
  return spec.table + '\0' + table::TableStore::ItemKey(spec.definition, spec.key);
}

std::string JsonText(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// A reads-many request's per-table part (BatchGetItem's KeysAndAttributes, a TransactGetItems
// Get): keys and an optional projection.
struct GetSpec {
  std::string table;
  table::TableDefinition definition;
  std::vector<Item> keys;
  std::optional<expr::ProjectionExpression> projection;
  bool consistent = false;
  // As requested, to send back with UnprocessedKeys.
  std::optional<std::string> projection_text;
  std::optional<ExpressionNames> names;
};

std::optional<ApiError> ParseGetSpec(JsonRequest& req, const rapidjson::Value& obj,
                                     std::string_view table, bool single_key,
                                     const table::TableStore& tables, GetSpec* out) {
  auto projection = req.String(obj, "ProjectionExpression");
  auto consistent = req.Bool(obj, "ConsistentRead");
  const rapidjson::Value* keys = single_key ? nullptr : req.Array(obj, "Keys");
  const rapidjson::Value* key = single_key ? req.Object(obj, "Key") : nullptr;
  if (req.error()) return req.error();
  LegacyExpressions legacy;
  if (auto e = ReadLegacyParameters(req, obj, &legacy)) return e;
  if (legacy.projection) projection = *legacy.projection;
  out->table = std::string(table);
  out->consistent = consistent.value_or(false);
  if (single_key) {
    if (key == nullptr) return NotNull("key");
    out->keys.emplace_back();
    if (auto e = DecodeKey(*key, &out->keys.back())) return e;
  } else {
    if (keys == nullptr) return NotNull("keys");
    if (keys->Empty()) {
      return ApiError::Validation(
          "1 validation error detected: Value '[]' at 'requestItems." + out->table +
          ".member.keys' failed to satisfy constraint: Member must have length greater than or "
          "equal to 1");
    }
    for (const auto& k : keys->GetArray()) {
      out->keys.emplace_back();
      if (auto e = DecodeKey(k, &out->keys.back())) return e;
    }
  }
  RequestExpressions expressions;
  if (legacy.any()) {
    expressions.names = std::move(legacy.names);
    expressions.values = std::move(legacy.values);
  } else if (auto e = expressions.Read(req, obj, projection.has_value())) {
    return e;
  }
  if (projection) {
    auto parsed = expr::ProjectionExpression::Parse(*projection, expressions.inputs());
    if (!parsed.ok()) return ApiError::Validation(parsed.status().message());
    out->projection = std::move(parsed).value();
  }
  if (auto e = expressions.CheckAllUsed()) return e;
  if (projection) out->projection_text = std::string(*projection);
  out->names = expressions.names;
  auto def = tables.GetTable(out->table);
  if (!def.ok()) return ToApiError(def.status());
  out->definition = std::move(def).value();
  std::set<std::string> seen;
  for (const auto& k : out->keys) {
    if (auto e = CheckKey(k, out->definition.key)) return e;
    if (!seen.insert(table::TableStore::ItemKey(out->definition, k)).second) {
      return ApiError::Validation("Provided list of item keys contains duplicates");
    }
  }
  return std::nullopt;
}

// A write request's ConsumedCapacity: one entry per table, `factor` units per plain write unit
// (transactions cost twice).
void WriteWriteCapacity(JsonWriter& w, const std::vector<WriteSpec>& specs,
                        const std::vector<table::WriteResult>& results, double factor) {
  std::map<std::string, double> units;
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& sized = results[i].after ? results[i].after : results[i].before;
    units[specs[i].table] += factor * WriteUnits(sized ? model::ItemSizeBytes(*sized) : 0);
  }
  WriteConsumedCapacityList(w, units);
}

// TransactItems holds 1..100 entries.
std::optional<ApiError> CheckTransactItemsCount(const rapidjson::Value& items) {
  if (items.Size() >= 1 && items.Size() <= kMaxTransactItems) return std::nullopt;
  return ApiError::Validation(
      fmt::format("1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy "
                  "constraint: Member must have length {}",
                  items.Size() < 1 ? "greater than or equal to 1" : "less than or equal to 100"));
}

}  // namespace

void DynamoDbApi::BatchWriteItem(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  const auto* request_items = req.Object("RequestItems");
  if (auto e = req.error()) return reply(*e);
  if (request_items == nullptr) return reply(NotNull("requestItems"));
  bool capacity = false;
  if (auto e = ReadReturnConsumedCapacity(req, &capacity)) return reply(*e);
  size_t total = 0;
  for (const auto& t : request_items->GetObject()) {
    if (!t.value.IsArray()) {
      return reply(ApiError::Serialization("Unexpected value type in payload"));
    }
    total += t.value.Size();
    if (t.value.Size() == 0) {
      return reply(ApiError::Validation(
          "1 validation error detected: Value '{" + std::string(t.name.GetString()) +
          "=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy "
          "constraint: [Member must have length less than or equal to 25, Member must have "
          "length greater than or equal to 1]"));
    }
  }
  if (total == 0) {
    return reply(ApiError::Validation(
        "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"));
  }
  if (total > kMaxBatchWrite) {
    return reply(ApiError::Validation("Too many items requested for the BatchWriteItem call"));
  }
  std::vector<WriteSpec> specs(total);
  size_t n = 0;
  std::set<std::string> seen;
  for (const auto& t : request_items->GetObject()) {
    const std::string_view table(t.name.GetString(), t.name.GetStringLength());
    for (const auto& request : t.value.GetArray()) {
      const auto* put = req.Object(request, "PutRequest");
      const auto* del = req.Object(request, "DeleteRequest");
      if (auto e = req.error()) return reply(*e);
      if ((put == nullptr) == (del == nullptr)) {
        return reply(ApiError::Validation(
            "One or more parameter values were invalid: a WriteRequest must hold exactly one of "
            "PutRequest and DeleteRequest"));
      }
      WriteSpec& spec = specs[n++];
      if (auto e = ParseWriteSpec(req, put != nullptr ? *put : *del,
                                  put != nullptr ? WriteSpec::Kind::kPut : WriteSpec::Kind::kDelete,
                                  *tables_, &spec, table)) {
        return reply(*e);
      }
      // A WriteRequest has no condition: members other than Item / Key are ignored, as AWS.
      spec.condition.reset();
      if (!seen.insert(ItemIdentity(spec)).second) {
        return reply(ApiError::Validation("Provided list of item keys contains duplicates"));
      }
    }
  }
  // One commit for the whole batch: each item still gets its own change record, and the
  // batch shares one fsync. (AWS applies the items independently; all-or-nothing is stronger.)
  std::vector<table::WriteOp> ops;
  ops.reserve(specs.size());
  for (auto& spec : specs) ops.push_back({spec.table, spec.key, spec.MakeMutation()});
  auto result = tables_->WriteAtomically(ops);
  if (!result.status.ok()) return reply(ToApiError(result.status));
  JsonWriter w(128);
  w.StartObject().Key("UnprocessedItems").StartObject().EndObject();
  if (capacity) WriteWriteCapacity(w, specs, result.results, 1);
  w.EndObject();
  reply(w.Take());
}

void DynamoDbApi::BatchGetItem(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  const auto* request_items = req.Object("RequestItems");
  if (auto e = req.error()) return reply(*e);
  if (request_items == nullptr) return reply(NotNull("requestItems"));
  bool capacity = false;
  if (auto e = ReadReturnConsumedCapacity(req, &capacity)) return reply(*e);
  size_t total = 0;
  for (const auto& t : request_items->GetObject()) {
    if (!t.value.IsObject()) {
      return reply(ApiError::Serialization("Unexpected value type in payload"));
    }
    const auto* keys = req.Array(t.value, "Keys");
    if (auto e = req.error()) return reply(*e);
    if (keys != nullptr) total += keys->Size();
  }
  if (total > kMaxBatchGet) {
    return reply(ApiError::Validation("Too many items requested for the BatchGetItem call"));
  }
  std::vector<GetSpec> specs;
  for (const auto& t : request_items->GetObject()) {
    specs.emplace_back();
    if (auto e = ParseGetSpec(req, t.value,
                              std::string_view(t.name.GetString(), t.name.GetStringLength()), false,
                              *tables_, &specs.back())) {
      return reply(*e);
    }
  }
  if (specs.empty()) {
    return reply(ApiError::Validation(
        "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1"));
  }
  std::vector<std::pair<std::string, Item>> wanted;
  for (const auto& spec : specs) {
    for (const auto& k : spec.keys) wanted.emplace_back(spec.table, k);
  }
  auto items = tables_->GetItems(wanted);
  if (!items.ok()) return reply(ToApiError(items.status()));
  // Past 16 MB of items, the rest is left for the caller to ask again (UnprocessedKeys).
  JsonWriter w(4096);
  w.StartObject().Key("Responses").StartObject();
  size_t index = 0, bytes = 0;
  std::vector<std::pair<const GetSpec*, const Item*>> unprocessed;
  std::map<std::string, double> units;
  for (const auto& spec : specs) {
    w.Key(spec.table).StartArray();
    for (const auto& k : spec.keys) {
      const auto& item = (*items)[index++];
      if (bytes >= kMaxBatchGetBytes) {
        unprocessed.emplace_back(&spec, &k);
        continue;
      }
      const size_t size = item ? model::ItemSizeBytes(*item) : 0;
      units[spec.table] += ReadUnits(size, spec.consistent);
      if (!item) continue;
      bytes += size;
      WriteAttributeMap(w, spec.projection ? spec.projection->Apply(*item) : *item);
    }
    w.EndArray();
  }
  w.EndObject();
  w.Key("UnprocessedKeys").StartObject();
  for (size_t i = 0; i < unprocessed.size();) {
    const GetSpec* spec = unprocessed[i].first;
    w.Key(spec->table).StartObject().Key("Keys").StartArray();
    for (; i < unprocessed.size() && unprocessed[i].first == spec; ++i) {
      WriteAttributeMap(w, *unprocessed[i].second);
    }
    w.EndArray();
    // The rest of the request as it was, so that sending UnprocessedKeys back asks the same.
    if (spec->projection_text) w.Key("ProjectionExpression").String(*spec->projection_text);
    if (spec->names && !spec->names->empty()) {
      w.Key("ExpressionAttributeNames").StartObject();
      for (const auto& [placeholder, name] : *spec->names) w.Key(placeholder).String(name);
      w.EndObject();
    }
    if (spec->consistent) w.Key("ConsistentRead").Bool(true);
    w.EndObject();
  }
  w.EndObject();
  if (capacity) WriteConsumedCapacityList(w, units);
  w.EndObject();
  reply(w.Take());
}

void DynamoDbApi::TransactWriteItems(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  const auto* transact_items = req.Array("TransactItems");
  auto token = req.String("ClientRequestToken");
  if (auto e = req.error()) return reply(*e);
  if (transact_items == nullptr) return reply(NotNull("transactItems"));
  bool capacity = false;
  if (auto e = ReadReturnConsumedCapacity(req, &capacity)) return reply(*e);
  if (auto e = CheckTransactItemsCount(*transact_items)) return reply(*e);
  if (token && (token->empty() || token->size() > 36)) {
    return reply(ApiError::Validation(
        "1 validation error detected: Value '" + std::string(*token) +
        "' at 'clientRequestToken' failed to satisfy constraint: Member must have length less "
        "than or equal to 36"));
  }
  // The same token within 10 minutes: the same request is answered as before without running
  // again; a different request is refused.
  std::string fingerprint;
  if (token) {
    const auto digest = Md5(JsonText(*transact_items));
    fingerprint.assign(reinterpret_cast<const char*>(digest.data()), digest.size());
    if (auto immediate = ClaimToken(std::string(*token), fingerprint)) return reply(*immediate);
  }
  // From here every answer but a commit releases the token.
  ApiReply answer = [&](ApiResult result) {
    if (token) {
      FinishToken(std::string(*token),
                  std::holds_alternative<std::string>(result)
                      ? std::optional<std::string>(std::get<std::string>(result))
                      : std::nullopt);
    }
    reply(std::move(result));
  };
  std::vector<WriteSpec> specs(transact_items->Size());
  std::set<std::string> seen;
  size_t n = 0;
  size_t transaction_bytes = 0;
  for (const auto& entry : transact_items->GetArray()) {
    static constexpr std::pair<const char*, WriteSpec::Kind> kKinds[] = {
        {"ConditionCheck", WriteSpec::Kind::kConditionCheck},
        {"Put", WriteSpec::Kind::kPut},
        {"Delete", WriteSpec::Kind::kDelete},
        {"Update", WriteSpec::Kind::kUpdate}};
    const rapidjson::Value* body = nullptr;
    WriteSpec::Kind kind = WriteSpec::Kind::kPut;
    int present = 0;
    for (const auto& [member, k] : kKinds) {
      if (const auto* v = req.Object(entry, member)) {
        body = v;
        kind = k;
        ++present;
      }
    }
    if (auto e = req.error()) return answer(*e);
    if (present != 1) {
      return answer(ApiError::Validation(
          "TransactItems can only contain one of Check, Put, Update or Delete"));
    }
    WriteSpec& spec = specs[n++];
    if (auto e = ParseWriteSpec(req, *body, kind, *tables_, &spec)) return answer(*e);
    if (!seen.insert(ItemIdentity(spec)).second) {
      return answer(ApiError::Validation(
          "Transaction request cannot include multiple operations on one item"));
    }
    // The items a transaction writes may add up to 4 MB (a Put counts its item, the other
    // actions their key).
    transaction_bytes += model::ItemSizeBytes(kind == WriteSpec::Kind::kPut ? spec.item : spec.key);
    if (transaction_bytes > kMaxTransactionBytes) {
      return answer(ApiError::Validation(
          "Transaction request cannot be larger than 4 MB: the aggregate size of its items "
          "exceeds the limit"));
    }
  }
  std::vector<table::WriteOp> ops;
  ops.reserve(specs.size());
  for (auto& spec : specs) ops.push_back({spec.table, spec.key, spec.MakeMutation()});
  auto result = tables_->WriteAtomically(ops);
  if (!result.status.ok()) {
    // Cancelled: one reason per item, in order.
    bool refused = false;
    std::vector<std::string> codes;
    std::string reasons = "\"CancellationReasons\":[";
    for (size_t i = 0; i < specs.size(); ++i) {
      const WriteSpec& spec = specs[i];
      if (i > 0) reasons += ',';
      JsonWriter r(128);
      r.StartObject();
      if (spec.condition_failed) {
        refused = true;
        codes.emplace_back("ConditionalCheckFailed");
        r.Key("Code").String("ConditionalCheckFailed");
        r.Key("Message").String("The conditional request failed");
        if (spec.return_old_on_failure && spec.failed_against) {
          r.Key("Item");
          WriteAttributeMap(r, *spec.failed_against);
        }
      } else if (spec.update_error) {
        refused = true;
        codes.emplace_back("ValidationError");
        r.Key("Code").String("ValidationError").Key("Message").String(spec.update_error->message);
      } else {
        codes.emplace_back("None");
        r.Key("Code").String("None");
      }
      r.EndObject();
      reasons += r.Take();
    }
    reasons += ']';
    if (!refused) return answer(ToApiError(result.status));
    ApiError error{400, "TransactionCanceledException",
                   fmt::format("Transaction cancelled, please refer cancellation reasons for "
                               "specific reasons [{}]",
                               fmt::join(codes, ", "))};
    error.extra_members = std::move(reasons);
    return answer(error);
  }
  JsonWriter w(64);
  w.StartObject();
  if (capacity) WriteWriteCapacity(w, specs, result.results, 2);
  w.EndObject();
  answer(w.Take());
}

void DynamoDbApi::TransactGetItems(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  const auto* transact_items = req.Array("TransactItems");
  if (auto e = req.error()) return reply(*e);
  if (transact_items == nullptr) return reply(NotNull("transactItems"));
  if (auto e = CheckTransactItemsCount(*transact_items)) return reply(*e);
  std::vector<GetSpec> specs;
  std::set<std::string> seen;
  for (const auto& entry : transact_items->GetArray()) {
    const auto* get = req.Object(entry, "Get");
    if (auto e = req.error()) return reply(*e);
    if (get == nullptr) return reply(NotNull("transactItems.member.get"));
    auto table_name = req.String(*get, "TableName");
    if (auto e = req.error()) return reply(*e);
    if (!table_name) return reply(NotNull("transactItems.member.get.tableName"));
    specs.emplace_back();
    if (auto e = ParseGetSpec(req, *get, *table_name, true, *tables_, &specs.back())) {
      return reply(*e);
    }
    if (!seen.insert(specs.back().table + '\0' +
                     table::TableStore::ItemKey(specs.back().definition, specs.back().keys[0]))
             .second) {
      return reply(ApiError::Validation(
          "Transaction request cannot include multiple operations on one item"));
    }
  }
  std::vector<std::pair<std::string, Item>> wanted;
  for (const auto& spec : specs) wanted.emplace_back(spec.table, spec.keys[0]);
  auto items = tables_->GetItems(wanted);
  if (!items.ok()) return reply(ToApiError(items.status()));
  JsonWriter w(1024);
  w.StartObject().Key("Responses").StartArray();
  for (size_t i = 0; i < specs.size(); ++i) {
    w.StartObject();
    if (const auto& item = (*items)[i]) {
      w.Key("Item");
      WriteAttributeMap(w, specs[i].projection ? specs[i].projection->Apply(*item) : *item);
    }
    w.EndObject();
  }
  w.EndArray().EndObject();
  reply(w.Take());
}

std::optional<ApiResult> DynamoDbApi::ClaimToken(const std::string& token,
                                                 const std::string& fingerprint) {
  const int64_t now = clock_->NowMillis();
  std::lock_guard lock(tokens_mu_);
  auto it = tokens_.find(token);
  if (it != tokens_.end() && (it->second.in_progress || it->second.expires_ms > now)) {
    if (it->second.fingerprint != fingerprint) {
      return ApiResult(ApiError{400, "IdempotentParameterMismatchException",
                                "The request uses the same client token as a previous, but "
                                "non-identical request."});
    }
    if (it->second.in_progress) {
      return ApiResult(ApiError{400, "TransactionInProgressException",
                                "The transaction with the given request token is already in "
                                "progress."});
    }
    return ApiResult(it->second.response);
  }
  // Forget expired tokens, oldest first, and never hold more than kMaxTokens.
  while (!token_order_.empty()) {
    auto old = tokens_.find(token_order_.front());
    const bool expired =
        old == tokens_.end() || (!old->second.in_progress && old->second.expires_ms <= now);
    if (!expired && tokens_.size() < kMaxTokens) break;
    if (old != tokens_.end() && !old->second.in_progress) tokens_.erase(old);
    token_order_.pop_front();
  }
  tokens_[token] = TokenRecord{fingerprint, 0, true, ""};
  token_order_.push_back(token);
  return std::nullopt;
}

void DynamoDbApi::FinishToken(const std::string& token, std::optional<std::string> response) {
  std::lock_guard lock(tokens_mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return;
  if (!response) {
    tokens_.erase(it);
    return;
  }
  it->second.in_progress = false;
  it->second.expires_ms = clock_->NowMillis() + kTokenLifetimeMs;
  it->second.response = std::move(*response);
}

}  // namespace eddy::api::dynamodb
