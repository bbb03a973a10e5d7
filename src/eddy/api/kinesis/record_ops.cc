// Record operations: PutRecord, PutRecords, GetShardIterator, GetRecords.
#include <fmt/format.h>

#include <cmath>

#include "eddy/api/aws/json_writer.h"
#include "eddy/api/kinesis/kinesis_api.h"
#include "eddy/base/base64.h"
#include "eddy/stream/sequence_number.h"

namespace eddy::api::kinesis {
namespace {

constexpr size_t kMaxDataBytes = 10 * 1024 * 1024;  // the model's Data max

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool MatchesDecimal(std::string_view s, size_t max_digits) {
  // 0|([1-9]\d{0,N-1})
  if (s.empty() || s.size() > max_digits) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads one record's PartitionKey, Data and ExplicitHashKey; `prefix` is the member path for
// messages ("" for PutRecord, "records.3.member." for PutRecords).
std::optional<stream::PutEntry> ReadEntry(JsonRequest& req, const rapidjson::Value& obj,
                                          const std::string& prefix, ValidationErrors& errors,
                                          std::optional<ApiError>* error) {
  auto key = req.String(obj, "PartitionKey");
  auto data = req.String(obj, "Data");
  auto ehk = req.String(obj, "ExplicitHashKey");
  if (req.error()) return std::nullopt;
  stream::PutEntry entry;
  if (!key) {
    errors.Add("null", prefix + "partitionKey", "Member must not be null");
  } else {
    const size_t chars = Utf8Length(*key);
    if (chars < 1) {
      errors.Add(ValidationErrors::Quote(*key), prefix + "partitionKey",
                 "Member must have length greater than or equal to 1");
    } else if (chars > 256) {
      errors.Add(ValidationErrors::Quote(*key), prefix + "partitionKey",
                 "Member must have length less than or equal to 256");
    }
    entry.partition_key = std::string(*key);
  }
  if (!data) {
    errors.Add("null", prefix + "data", "Member must not be null");
  } else {
    auto decoded = base64::Decode(*data);
    if (!decoded) {
      req.Fail("Base64 encoded value of '" + prefix + "Data' is invalid");
      return std::nullopt;
    }
    if (decoded->size() > kMaxDataBytes) {
      errors.Add("java.nio.HeapByteBuffer[pos=0 lim=" + std::to_string(decoded->size()) + "]",
                 prefix + "data", "Member must have length less than or equal to 10485760");
    }
    entry.data = std::move(*decoded);
  }
  if (ehk) {
    if (!MatchesDecimal(*ehk, 39)) {
      errors.Add(ValidationErrors::Quote(*ehk), prefix + "explicitHashKey",
                 "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
    } else if (auto v = ParseUInt128(*ehk)) {
      entry.explicit_hash_key = *v;
    } else if (!*error) {
      *error = ApiError::InvalidArgument(fmt::format(
          "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
          "Specified value was {}",
          *ehk));
    }
  }
  return entry;
}

}  // namespace

void KinesisApi::PutRecord(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto entry = ReadEntry(req, req.root(), "", errors, &error);
  auto ordering = req.String("SequenceNumberForOrdering");
  if (auto e = req.error()) return reply(*e);
  if (ordering && !MatchesDecimal(*ordering, 129)) {
    errors.Add(ValidationErrors::Quote(*ordering), "sequenceNumberForOrdering",
               "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
  }
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  // SequenceNumberForOrdering needs no work: within a shard, eddy's sequence numbers already
  // increase strictly in acknowledgement order.
  std::vector<stream::PutEntry> entries;
  entries.push_back(std::move(*entry));
  streams_->PutRecords(*name, std::move(entries),
                       [reply](Result<std::vector<stream::PutOutcome>> r) {
                         if (!r.ok()) return reply(ToApiError(r.status()));
                         const auto& o = (*r)[0];
                         if (!o.status.ok()) return reply(ToApiError(o.status));
                         JsonWriter w;
                         w.StartObject();
                         w.Key("ShardId").String(stream::ShardIdString(o.shard_index));
                         w.Key("SequenceNumber").String(o.sequence_number);
                         w.EndObject();
                         reply(w.Take());
                       });
}

void KinesisApi::PutRecords(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  const auto* records = req.Array("Records");
  if (auto e = req.error()) return reply(*e);
  std::vector<stream::PutEntry> entries;
  if (records == nullptr) {
    errors.Add("null", "records", "Member must not be null");
  } else if (records->Size() < 1) {
    errors.Add("[]", "records", "Member must have length greater than or equal to 1");
  } else if (records->Size() > 500) {
    errors.Add("[...]", "records", "Member must have length less than or equal to 500");
  } else {
    entries.reserve(records->Size());
    for (rapidjson::SizeType i = 0; i < records->Size(); ++i) {
      const auto& obj = (*records)[i];
      if (!obj.IsObject()) {
        req.Fail("Start of structure or map found where not expected in 'Records'");
        break;
      }
      auto entry = ReadEntry(req, obj, fmt::format("records.{}.member.", i + 1), errors, &error);
      if (req.error()) break;
      if (entry) entries.push_back(std::move(*entry));
    }
  }
  if (auto problem = FirstProblem(req, errors, error)) return reply(*problem);
  streams_->PutRecords(
      *name, std::move(entries), [reply](Result<std::vector<stream::PutOutcome>> r) {
        if (!r.ok()) return reply(ToApiError(r.status()));
        int failed = 0;
        for (const auto& o : *r) failed += o.status.ok() ? 0 : 1;
        JsonWriter w;
        w.StartObject();
        w.Key("FailedRecordCount").Int(failed);
        w.Key("Records").StartArray();
        for (const auto& o : *r) {
          w.StartObject();
          if (o.status.ok()) {
            w.Key("SequenceNumber").String(o.sequence_number);
            w.Key("ShardId").String(stream::ShardIdString(o.shard_index));
          } else {
            const bool throttled = o.status.code() == Status::Code::kUnavailable;
            w.Key("ErrorCode")
                .String(throttled ? "ProvisionedThroughputExceededException" : "InternalFailure");
            w.Key("ErrorMessage")
                .String(throttled ? o.status.message() : "Internal Service Failure");
          }
          w.EndObject();
        }
        w.EndArray();
        w.EndObject();
        reply(w.Take());
      });
}

void KinesisApi::GetShardIterator(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto shard_id = req.String("ShardId");
  auto type = req.String("ShardIteratorType");
  auto seq = req.String("StartingSequenceNumber");
  auto timestamp = req.Number("Timestamp");
  if (auto e = req.error()) return reply(*e);
  if (!shard_id) {
    errors.Add("null", "shardId", "Member must not be null");
  } else {
    CheckStreamName(*shard_id, "shardId", errors);  // same length and pattern rules
  }
  stream::IteratorRequest request;
  if (!type) {
    errors.Add("null", "shardIteratorType", "Member must not be null");
  } else if (*type == "TRIM_HORIZON") {
    request.type = stream::IteratorType::kTrimHorizon;
  } else if (*type == "LATEST") {
    request.type = stream::IteratorType::kLatest;
  } else if (*type == "AT_SEQUENCE_NUMBER") {
    request.type = stream::IteratorType::kAtSequenceNumber;
  } else if (*type == "AFTER_SEQUENCE_NUMBER") {
    request.type = stream::IteratorType::kAfterSequenceNumber;
  } else if (*type == "AT_TIMESTAMP") {
    request.type = stream::IteratorType::kAtTimestamp;
  } else {
    errors.Add(ValidationErrors::Quote(*type), "shardIteratorType",
               "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, AT_SEQUENCE_NUMBER, "
               "AT_TIMESTAMP, TRIM_HORIZON, LATEST]");
  }
  if (seq && !MatchesDecimal(*seq, 129)) {
    errors.Add(ValidationErrors::Quote(*seq), "startingSequenceNumber",
               "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
  }
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  const bool by_sequence = request.type == stream::IteratorType::kAtSequenceNumber ||
                           request.type == stream::IteratorType::kAfterSequenceNumber;
  if (by_sequence != seq.has_value()) {
    return reply(ApiError::InvalidArgument(fmt::format(
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        "Request specified {} and {}.",
        *type, seq ? "a StartingSequenceNumber" : "no StartingSequenceNumber")));
  }
  if (request.type == stream::IteratorType::kAtTimestamp) {
    if (!timestamp) {
      return reply(ApiError::InvalidArgument(
          "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current "
          "request has no timestamp parameter."));
    }
    request.timestamp_ms = static_cast<int64_t>(std::floor(*timestamp * 1000.0 + 0.5));
  }
  if (seq) request.starting_sequence_number = std::string(*seq);
  auto iterator = streams_->GetShardIterator(*name, std::string(*shard_id), request);
  if (!iterator.ok()) return reply(ToApiError(iterator.status()));
  JsonWriter w;
  w.StartObject().Key("ShardIterator").String(*iterator).EndObject();
  reply(w.Take());
}

void KinesisApi::GetRecords(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto iterator = req.String("ShardIterator");
  auto limit = req.Integer("Limit");
  req.String("StreamARN");
  if (auto e = req.error()) return reply(*e);
  if (!iterator) {
    errors.Add("null", "shardIterator", "Member must not be null");
  } else if (iterator->empty() || iterator->size() > 512) {
    errors.Add(ValidationErrors::Quote(*iterator), "shardIterator",
               iterator->empty() ? "Member must have length greater than or equal to 1"
                                 : "Member must have length less than or equal to 512");
  }
  errors.CheckRange(limit, 1, 10000, "limit");
  if (!errors.empty()) return reply(errors.ToError());
  auto result = streams_->GetRecords(*iterator, static_cast<size_t>(limit.value_or(10000)));
  if (!result.ok()) return reply(ToApiError(result.status()));  // includes throttling
  size_t capacity = 512;
  for (const auto& rec : result->batch.records) {
    capacity += base64::EncodedSize(rec.data.size()) + rec.partition_key.size() + 160;
  }
  JsonWriter w(capacity);
  w.StartObject();
  w.Key("Records").StartArray();
  for (const auto& rec : result->batch.records) {
    w.StartObject();
    w.Key("SequenceNumber")
        .String(
            stream::FormatSequenceNumber({result->sequence_tag, result->shard_index, rec.offset}));
    w.Key("ApproximateArrivalTimestamp").Timestamp(rec.arrival_ms);
    w.Key("Data").Base64String(rec.data);
    w.Key("PartitionKey").String(rec.partition_key);
    w.EndObject();
  }
  w.EndArray();
  if (result->next_iterator) w.Key("NextShardIterator").String(*result->next_iterator);
  w.Key("MillisBehindLatest").Int(result->millis_behind_latest);
  if (!result->child_shards.empty()) {
    w.Key("ChildShards").StartArray();
    for (const auto& child : result->child_shards) {
      w.StartObject();
      w.Key("ShardId").String(stream::ShardIdString(child.index));
      w.Key("ParentShards").StartArray();
      for (uint32_t p : child.parents) w.String(stream::ShardIdString(p));
      w.EndArray();
      WriteHashKeyRange(w, child.starting_hash, child.ending_hash);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  reply(w.Take());
}

}  // namespace eddy::api::kinesis
