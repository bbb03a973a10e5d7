#include "eddy/api/dynamodb_streams/streams_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <variant>

#include "eddy/api/aws/json_writer.h"
#include "eddy/api/dynamodb/attribute_json.h"
#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/write_spec.h"
#include "eddy/api/dynamodb_streams/shard_iterator.h"
#include "eddy/table/change_streams.h"

namespace eddy::api::dynamodb_streams {
namespace {

using table::ChangeEvent;
using table::StreamDefinition;
using table::StreamShard;
using table::StreamViewType;
using table::TableDefinition;

constexpr int64_t kIteratorLifetimeMs = 15 * 60 * 1000;
constexpr size_t kMaxRecordBytes = 1 << 20;  // GetRecords returns at most 1 MB

ApiError StreamNotFound(std::string_view arn) {
  return ApiError::ResourceNotFound("Requested resource not found: Stream: " + std::string(arn) +
                                    " not found");
}

ApiError Trimmed(std::string message) {
  return {400, "TrimmedDataAccessException", std::move(message)};
}

// A stream found by its ARN: the table's definition and the stream's place in it.
struct Located {
  TableDefinition table;
  size_t stream = 0;
  const StreamDefinition& definition() const { return table.streams[stream]; }
};

// The table whose stream this is: the live table of that name, or a deleted one kept for its
// streams (TableStore::DeleteTable). NotFound if neither has a stream with that label.
Result<Located> FindStreamTable(table::TableStore* tables, std::string_view table_name,
                                std::string_view label) {
  auto in = [&](TableDefinition def) -> std::optional<Located> {
    for (size_t i = 0; i < def.streams.size(); ++i) {
      if (def.streams[i].label == label) return Located{std::move(def), i};
    }
    return std::nullopt;
  };
  if (auto def = tables->GetTable(table_name); def.ok()) {
    if (auto found = in(std::move(def).value())) return std::move(*found);
  }
  for (auto& deleted : tables->ListDeletedTables()) {
    if (deleted.definition.name != table_name) continue;
    if (auto found = in(std::move(deleted.definition))) return std::move(*found);
  }
  return Status::NotFound("no such stream");
}

std::variant<Located, ApiError> Locate(table::TableStore* tables, std::string_view arn) {
  auto name = ParseStreamArn(arn);
  if (!name.ok()) return ApiError::Validation(name.status().message());
  auto located = FindStreamTable(tables, name->table, name->label);
  if (!located.ok()) return StreamNotFound(arn);
  return std::move(located).value();
}

// A stream's table with its horizon and first retained sequence number, the horizon read
// before the definition (see GetShardIterator). A deleted table's shards are all closed, so
// for it the order does not matter.
struct StreamTable {
  Located at;
  uint64_t horizon = 0;
  uint64_t first_retained = 0;
};

Result<StreamTable> ReadStreamTable(table::TableStore* tables, std::string_view table_name,
                                    std::string_view label) {
  // Both read by table id, so they belong to the table the definition is then read of (a table
  // re-created under the name meanwhile has another id).
  uint32_t live_id = 0;
  if (auto live = tables->GetTable(table_name); live.ok()) live_id = live->id;
  auto horizon = tables->VisibleHorizon(table_name, live_id);
  auto first_retained = tables->FirstRetainedSequence(table_name, live_id);
  EDDY_ASSIGN_OR_RETURN(Located at, FindStreamTable(tables, table_name, label));
  if (live_id != at.table.id || !horizon.ok() || !first_retained.ok()) {
    horizon = tables->VisibleHorizon(table_name, at.table.id);
    first_retained = tables->FirstRetainedSequence(table_name, at.table.id);
    if (!horizon.ok() || !first_retained.ok()) return Status::NotFound("no such stream");
  }
  return StreamTable{std::move(at), *horizon, *first_retained};
}

void WriteShard(JsonWriter& w, const StreamShard& shard) {
  w.StartObject().Key("ShardId").String(shard.id);
  if (!shard.parent_id.empty()) w.Key("ParentShardId").String(shard.parent_id);
  w.Key("SequenceNumberRange").StartObject();
  w.Key("StartingSequenceNumber").String(FormatSequenceNumber(shard.first_seq));
  if (!shard.open()) {
    // A shard that closed empty ends where it starts (no record has that number).
    w.Key("EndingSequenceNumber")
        .String(FormatSequenceNumber(std::max(shard.last_seq, shard.first_seq)));
  }
  w.EndObject().EndObject();
}

// One record as DynamoDB Streams shapes it for `view` (images per view type; the TTL service
// identity on expiry deletions). Returns its SizeBytes.
void WriteRecord(JsonWriter& w, const RequestContext& ctx, uint32_t table_id, StreamViewType view,
                 const table::ChangeRecord& change) {
  const bool new_image =
      view == StreamViewType::kNewImage || view == StreamViewType::kNewAndOldImages;
  const bool old_image =
      view == StreamViewType::kOldImage || view == StreamViewType::kNewAndOldImages;
  size_t size = model::ItemSizeBytes(change.keys);
  if (new_image && change.new_image) size += model::ItemSizeBytes(*change.new_image);
  if (old_image && change.old_image) size += model::ItemSizeBytes(*change.old_image);
  w.StartObject();
  w.Key("eventID").String(fmt::format("{:08x}{:024x}", table_id, change.sequence));
  w.Key("eventName")
      .String(change.event == ChangeEvent::kInsert   ? "INSERT"
              : change.event == ChangeEvent::kModify ? "MODIFY"
                                                     : "REMOVE");
  w.Key("eventVersion").String("1.1");
  w.Key("eventSource").String("aws:dynamodb");
  w.Key("awsRegion").String(ctx.region);
  w.Key("dynamodb").StartObject();
  w.Key("ApproximateCreationDateTime").Int(change.time_us / 1'000'000);
  w.Key("Keys");
  dynamodb::WriteAttributeMap(w, change.keys);
  if (new_image && change.new_image) {
    w.Key("NewImage");
    dynamodb::WriteAttributeMap(w, *change.new_image);
  }
  if (old_image && change.old_image) {
    w.Key("OldImage");
    dynamodb::WriteAttributeMap(w, *change.old_image);
  }
  w.Key("SequenceNumber").String(FormatSequenceNumber(change.sequence));
  w.Key("SizeBytes").Int(static_cast<int64_t>(std::max<size_t>(size, 1)));
  w.Key("StreamViewType").String(dynamodb::StreamViewTypeName(view));
  w.EndObject();
  if (change.origin == table::ChangeOrigin::kTimeToLive) {
    w.Key("userIdentity").StartObject();
    w.Key("PrincipalId").String("dynamodb.amazonaws.com").Key("Type").String("Service");
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

const std::map<std::string_view, DynamoDbStreamsApi::Operation>& DynamoDbStreamsApi::Registry() {
  static const std::map<std::string_view, Operation> registry = {
      {"ListStreams", &DynamoDbStreamsApi::ListStreams},
      {"DescribeStream", &DynamoDbStreamsApi::DescribeStream},
      {"GetShardIterator", &DynamoDbStreamsApi::GetShardIterator},
      {"GetRecords", &DynamoDbStreamsApi::GetRecords},
  };
  return registry;
}

void DynamoDbStreamsApi::Handle(const RequestContext& context, std::string body, ApiReply reply) {
  const auto& registry = Registry();
  auto it = registry.find(context.operation);
  if (it == registry.end()) {
    reply(ApiError::UnknownOperation());
    return;
  }
  auto parsed = JsonRequest::Parse(std::move(body));
  if (auto* error = std::get_if<ApiError>(&parsed)) {
    reply(std::move(*error));
    return;
  }
  (this->*(it->second))(context, std::get<JsonRequest>(parsed), reply);
}

void DynamoDbStreamsApi::ListStreams(const RequestContext& ctx, JsonRequest& req, ApiReply& reply) {
  auto table_name = req.String("TableName");
  auto limit = req.Integer("Limit");
  auto start = req.String("ExclusiveStartStreamArn");
  if (auto e = req.error()) return reply(*e);
  ValidationErrors errors;
  errors.CheckRange(limit, 1, 100, "limit");
  if (!errors.empty()) return reply(errors.ToError());
  std::optional<StreamName> after;
  if (start) {
    auto name = ParseStreamArn(*start);
    if (!name.ok()) return reply(ApiError::Validation(name.status().message()));
    after = std::move(name).value();
  }
  // The live tables' streams and those of deleted tables still kept, by table name then label.
  std::vector<StreamName> listed;
  auto add = [&](const TableDefinition& t) {
    if (table_name && t.name != *table_name) return;
    for (const auto& stream : t.streams) listed.push_back({t.name, stream.label});
  };
  bool live_table = false;
  if (table_name) {
    auto def = tables_->GetTable(*table_name);
    live_table = def.ok();
    if (live_table) add(*def);
  } else {
    for (const auto& t : tables_->ListTables()) add(t);
  }
  for (const auto& deleted : tables_->ListDeletedTables()) add(deleted.definition);
  if (table_name && listed.empty() && !live_table) {
    return reply(ApiError::ResourceNotFound(
        "Requested resource not found: Table: " + std::string(*table_name) + " not found"));
  }
  std::sort(listed.begin(), listed.end(), [](const StreamName& a, const StreamName& b) {
    return std::tie(a.table, a.label) < std::tie(b.table, b.label);
  });
  // A table deleted while being listed may be seen both live and deleted: once is enough.
  listed.erase(std::unique(listed.begin(), listed.end(),
                           [](const StreamName& a, const StreamName& b) {
                             return a.table == b.table && a.label == b.label;
                           }),
               listed.end());
  const size_t max = limit ? static_cast<size_t>(*limit) : 100;
  JsonWriter w(512);
  w.StartObject().Key("Streams").StartArray();
  size_t written = 0;
  std::string last_arn;
  bool more = false;
  for (const auto& stream : listed) {
    if (after && std::tie(stream.table, stream.label) <= std::tie(after->table, after->label)) {
      continue;
    }
    if (written == max) {
      more = true;
      break;
    }
    last_arn = dynamodb::StreamArn(ctx, stream.table, stream.label);
    w.StartObject().Key("StreamArn").String(last_arn);
    w.Key("TableName").String(stream.table).Key("StreamLabel").String(stream.label).EndObject();
    ++written;
  }
  w.EndArray();
  if (more) w.Key("LastEvaluatedStreamArn").String(last_arn);
  w.EndObject();
  reply(w.Take());
}

void DynamoDbStreamsApi::DescribeStream(const RequestContext& ctx, JsonRequest& req,
                                        ApiReply& reply) {
  auto arn = req.String("StreamArn");
  auto limit = req.Integer("Limit");
  auto start = req.String("ExclusiveStartShardId");
  const auto* filter = req.Object("ShardFilter");
  if (auto e = req.error()) return reply(*e);
  ValidationErrors errors;
  if (!arn) errors.Add("null", "streamArn", "Member must not be null");
  errors.CheckRange(limit, 1, 100, "limit");
  if (!errors.empty()) return reply(errors.ToError());
  std::optional<std::string> children_of;
  if (filter != nullptr) {
    auto type = req.String(*filter, "Type");
    auto shard = req.String(*filter, "ShardId");
    if (auto e = req.error()) return reply(*e);
    if (!type || *type != "CHILD_SHARDS") {
      return reply(dynamodb::BadEnum(type.value_or("null"), "shardFilter.type", "CHILD_SHARDS"));
    }
    if (!shard) {
      return reply(ApiError::Validation("ShardFilter of type CHILD_SHARDS requires a ShardId"));
    }
    children_of = std::string(*shard);
  }
  auto located = Locate(tables_, *arn);
  if (auto* e = std::get_if<ApiError>(&located)) return reply(*e);
  const Located& at = std::get<Located>(located);
  const StreamDefinition& stream = at.definition();
  const size_t max = limit ? static_cast<size_t>(*limit) : 100;
  JsonWriter w(1024);
  w.StartObject().Key("StreamDescription").StartObject();
  w.Key("StreamArn").String(dynamodb::StreamArn(ctx, at.table.name, stream.label));
  w.Key("StreamLabel").String(stream.label);
  w.Key("StreamStatus").String(stream.enabled ? "ENABLED" : "DISABLED");
  w.Key("StreamViewType").String(dynamodb::StreamViewTypeName(stream.view));
  w.Key("CreationRequestDateTime").Timestamp(stream.created_ms);
  w.Key("TableName").String(at.table.name);
  dynamodb::WriteKeySchema(w, at.table.key);
  w.Key("Shards").StartArray();
  size_t written = 0;
  std::string last_id;
  bool more = false;
  for (const auto& shard : stream.shards) {  // in id order
    if (start && shard.id <= *start) continue;
    if (children_of && shard.parent_id != *children_of) continue;
    if (written == max) {
      more = true;
      break;
    }
    WriteShard(w, shard);
    last_id = shard.id;
    ++written;
  }
  w.EndArray();
  if (more) w.Key("LastEvaluatedShardId").String(last_id);
  w.EndObject().EndObject();
  reply(w.Take());
}

void DynamoDbStreamsApi::GetShardIterator(const RequestContext& ctx, JsonRequest& req,
                                          ApiReply& reply) {
  auto arn = req.String("StreamArn");
  auto shard_id = req.String("ShardId");
  auto type = req.String("ShardIteratorType");
  auto sequence = req.String("SequenceNumber");
  if (auto e = req.error()) return reply(*e);
  ValidationErrors errors;
  if (!arn) errors.Add("null", "streamArn", "Member must not be null");
  if (!shard_id) errors.Add("null", "shardId", "Member must not be null");
  if (!type) errors.Add("null", "shardIteratorType", "Member must not be null");
  if (!errors.empty()) return reply(errors.ToError());
  const bool at_sequence = *type == "AT_SEQUENCE_NUMBER" || *type == "AFTER_SEQUENCE_NUMBER";
  if (!at_sequence && *type != "TRIM_HORIZON" && *type != "LATEST") {
    return reply(
        dynamodb::BadEnum(*type, "shardIteratorType",
                          "TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER"));
  }
  if (at_sequence && !sequence) {
    return reply(ApiError::Validation("Must specify a sequence number for the " +
                                      std::string(*type) + " shard iterator type"));
  }
  if (!at_sequence && sequence) {
    return reply(ApiError::Validation("Sequence number must not be specified for the " +
                                      std::string(*type) + " shard iterator type"));
  }
  // The horizon before the definition: a shard the definition shows open then has not been
  // cut below the horizon (see TableStore::UpdateTableAtSequence).
  auto name = ParseStreamArn(*arn);
  if (!name.ok()) return reply(ApiError::Validation(name.status().message()));
  auto read = ReadStreamTable(tables_, name->table, name->label);
  if (!read.ok()) return reply(StreamNotFound(*arn));
  const Located& at = read->at;
  const std::optional<uint64_t> horizon = read->horizon;
  const std::optional<uint64_t> first_retained = read->first_retained;
  const StreamShard* shard = table::FindShard(at.definition(), *shard_id);
  if (shard == nullptr) {
    return reply(ApiError::ResourceNotFound("Requested resource not found: Shard does not exist"));
  }
  ShardPosition position{at.table.name, at.definition().label, shard->id, 0, clock_->NowMillis()};
  if (*type == "TRIM_HORIZON") {
    position.next_seq = std::max(shard->first_seq, *first_retained);
    // A closed shard trimmed to its end: positioned at its end (nothing left to read).
    if (!shard->open()) position.next_seq = std::min(position.next_seq, shard->last_seq + 1);
  } else if (*type == "LATEST") {
    position.next_seq =
        shard->open() ? std::max(shard->first_seq, *horizon + 1) : shard->last_seq + 1;
  } else {
    auto seq = ParseSequenceNumber(*sequence);
    // A number of this shard that has been given out (a record, or a gap a failed write left).
    const bool in_shard = seq.ok() && *seq >= shard->first_seq &&
                          *seq <= (shard->open() ? *horizon : shard->last_seq);
    if (!in_shard) {
      return reply(ApiError::Validation("Invalid SequenceNumber " + std::string(*sequence) +
                                        " for shard " + shard->id));
    }
    if (*seq < *first_retained) {
      return reply(
          Trimmed("Attempted to access a sequence number that is beyond the trim "
                  "horizon: " +
                  std::string(*sequence)));
    }
    position.next_seq = *type == "AT_SEQUENCE_NUMBER" ? *seq : *seq + 1;
  }
  JsonWriter w(256);
  w.StartObject().Key("ShardIterator");
  w.String(EncodeShardIterator(dynamodb::StreamArn(ctx, at.table.name, position.stream_label),
                               position));
  w.EndObject();
  reply(w.Take());
}

void DynamoDbStreamsApi::GetRecords(const RequestContext& ctx, JsonRequest& req, ApiReply& reply) {
  auto iterator = req.String("ShardIterator");
  auto limit = req.Integer("Limit");
  if (auto e = req.error()) return reply(*e);
  ValidationErrors errors;
  if (!iterator) errors.Add("null", "shardIterator", "Member must not be null");
  errors.CheckRange(limit, 1, 1000, "limit");
  if (!errors.empty()) return reply(errors.ToError());
  auto position = DecodeShardIterator(*iterator);
  if (!position.ok()) return reply(ApiError::Validation(position.status().message()));
  const int64_t now_ms = clock_->NowMillis();
  if (position->issued_ms > now_ms + 60'000) {  // not one this server issued
    return reply(ApiError::Validation("Invalid ShardIterator"));
  }
  if (position->issued_ms < now_ms - kIteratorLifetimeMs) {
    return reply(ApiError::ExpiredIterator("Iterator expired. The iterator was created at time " +
                                           std::to_string(position->issued_ms) +
                                           " while right now the time is " +
                                           std::to_string(now_ms)));
  }
  const std::string arn = dynamodb::StreamArn(ctx, position->table, position->stream_label);
  // The horizon before the definition (see GetShardIterator).
  auto read = ReadStreamTable(tables_, position->table, position->stream_label);
  const StreamDefinition* stream = read.ok() ? &read->at.definition() : nullptr;
  const StreamShard* shard = stream ? table::FindShard(*stream, position->shard_id) : nullptr;
  if (shard == nullptr) {
    return reply(ApiError::ResourceNotFound("Requested resource not found: Shard does not exist"));
  }
  const TableDefinition* def = &read->at.table;
  const std::optional<uint64_t> horizon = read->horizon;
  const std::optional<uint64_t> first_retained = read->first_retained;
  if (position->next_seq < shard->first_seq ||
      (!shard->open() && position->next_seq > shard->last_seq + 1)) {
    return reply(ApiError::Validation("Invalid ShardIterator"));  // not one this server issued
  }
  auto trimmed = [&] {
    return Trimmed("Attempted to access a sequence number that is beyond the trim horizon");
  };
  if (position->next_seq < *first_retained) return reply(trimmed());
  const uint64_t end = shard->open() ? UINT64_MAX : shard->last_seq;
  const uint64_t readable = std::min(*horizon, end);  // every record up to here is settled
  const size_t max = limit ? static_cast<size_t>(*limit) : 1000;
  JsonWriter w(4096);
  w.StartObject().Key("Records").StartArray();
  uint64_t next = position->next_seq;
  if (next <= readable) {
    auto changes = tables_->ReadChanges(position->table, next - 1, max, kMaxRecordBytes, def->id);
    if (!changes.ok()) return reply(dynamodb::ToApiError(changes.status()));
    // Records trimmed while this read began would be skipped without a word: refuse instead.
    auto retained_now = tables_->FirstRetainedSequence(position->table, def->id);
    if (retained_now.ok() && next < *retained_now) return reply(trimmed());
    size_t bytes = 0, count = 0;
    // Stopped by the record or byte budget (not by reaching what is settled)?
    bool full = changes->size() == max ||
                (!changes->empty() && changes->back().sequence < readable && changes->size() < max);
    for (const auto& change : *changes) {
      if (change.sequence > readable) {
        full = false;
        break;
      }
      const size_t size = model::ItemSizeBytes(change.keys) +
                          (change.new_image ? model::ItemSizeBytes(*change.new_image) : 0) +
                          (change.old_image ? model::ItemSizeBytes(*change.old_image) : 0);
      if (count > 0 && bytes + size > kMaxRecordBytes) {
        full = true;
        break;
      }
      WriteRecord(w, ctx, def->id, stream->view, change);
      bytes += size;
      ++count;
      next = change.sequence + 1;
    }
    // Read to the end of what is settled: the next read starts after it (also past gaps a
    // failed commit left).
    if (!full) next = readable + 1;
  }
  w.EndArray();
  // A closed shard read to its end has no next iterator: the reader moves on to its children.
  if (shard->open() || next <= shard->last_seq) {
    ShardPosition after = *position;
    after.next_seq = next;
    after.issued_ms = clock_->NowMillis();
    w.Key("NextShardIterator").String(EncodeShardIterator(arn, after));
  }
  w.EndObject();
  reply(w.Take());
}

}  // namespace eddy::api::dynamodb_streams
