// Shard operations: ListShards, SplitShard, MergeShards, UpdateShardCount.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "eddy/api/aws/json_writer.h"
#include "eddy/api/kinesis/kinesis_api.h"
#include "eddy/base/base64.h"

namespace eddy::api::kinesis {
namespace {

constexpr int64_t kNextTokenLifetimeMs = 300'000;

// ListShards paging state: "<issued ms>:<last shard index>:<stream name>", base64.
std::string MakeNextToken(int64_t issued_ms, uint32_t last_index, const std::string& name) {
  return base64::Encode(fmt::format("{}:{}:{}", issued_ms, last_index, name));
}

struct NextToken {
  int64_t issued_ms = 0;
  uint32_t last_index = 0;
  std::string name;
};

std::optional<NextToken> ParseNextToken(std::string_view token) {
  auto raw = base64::Decode(token);
  if (!raw) return std::nullopt;
  std::string_view s = *raw;
  NextToken t;
  const size_t a = s.find(':');
  const size_t b = a == std::string_view::npos ? a : s.find(':', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  if (std::from_chars(s.data(), s.data() + a, t.issued_ms).ec != std::errc() ||
      std::from_chars(s.data() + a + 1, s.data() + b, t.last_index).ec != std::errc()) {
    return std::nullopt;
  }
  t.name = std::string(s.substr(b + 1));
  if (t.name.empty()) return std::nullopt;
  return t;
}

}  // namespace

void KinesisApi::ListShards(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto token = req.String("NextToken");
  auto name = ReadStreamName(req, errors, &error, /*required=*/false);
  auto start = req.String("ExclusiveStartShardId");
  auto max_results = req.Integer("MaxResults");
  auto created = req.Number("StreamCreationTimestamp");
  const auto* filter = req.Object("ShardFilter");
  std::optional<std::string_view> filter_type;
  std::optional<std::string_view> filter_shard;
  std::optional<double> filter_time;
  if (filter != nullptr) {
    filter_type = req.String(*filter, "Type");
    filter_shard = req.String(*filter, "ShardId");
    filter_time = req.Number(*filter, "Timestamp");
  }
  if (auto e = req.error()) return reply(*e);
  errors.CheckRange(max_results, 1, 10000, "maxResults");
  static constexpr std::string_view kTypes[] = {"AFTER_SHARD_ID",    "AT_TRIM_HORIZON",
                                                "FROM_TRIM_HORIZON", "AT_LATEST",
                                                "AT_TIMESTAMP",      "FROM_TIMESTAMP"};
  if (filter != nullptr && (!filter_type || std::find(std::begin(kTypes), std::end(kTypes),
                                                      *filter_type) == std::end(kTypes))) {
    errors.Add(filter_type ? ValidationErrors::Quote(*filter_type) : "null", "shardFilter.type",
               "Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, "
               "FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]");
  }
  if (!errors.empty()) return reply(errors.ToError());

  std::string stream_name;
  size_t first = 0;
  if (token) {
    if (name || start || created) {
      return reply(ApiError::InvalidArgument(
          "NextToken and StreamName/StreamARN/ExclusiveStartShardId/StreamCreationTimestamp "
          "cannot be provided together."));
    }
    auto parsed = ParseNextToken(*token);
    if (!parsed) return reply(ApiError::InvalidArgument("Invalid NextToken."));
    if (clock_->NowMillis() - parsed->issued_ms > kNextTokenLifetimeMs) {
      return reply(ApiError::ExpiredNextToken("The timestamp of the NextToken has expired."));
    }
    stream_name = parsed->name;
    first = static_cast<size_t>(parsed->last_index) + 1;
  } else {
    if (error) return reply(*error);
    if (!name) {
      return reply(ApiError::InvalidArgument(
          "Either NextToken or StreamName/StreamARN should be provided."));
    }
    stream_name = *name;
    if (start) {
      auto index = stream::ParseShardId(*start);
      first = index ? static_cast<size_t>(*index) + 1 : 0;
    }
  }
  if (filter_type && *filter_type == "AFTER_SHARD_ID") {
    auto index = filter_shard ? stream::ParseShardId(*filter_shard) : std::nullopt;
    if (!index) {
      return reply(ApiError::InvalidArgument(
          "Must specify a valid ShardId in the ShardFilter for type AFTER_SHARD_ID."));
    }
    first = std::max(first, static_cast<size_t>(*index) + 1);
  }
  auto meta = streams_->DescribeStream(stream_name);
  if (!meta.ok()) return reply(ToApiError(meta.status()));
  // StreamCreationTimestamp tells apart streams created under the same name (compared in whole
  // seconds: older SDKs send whole seconds).
  if (created && static_cast<int64_t>(*created) != meta->created_ms / 1000) {
    return reply(ApiError::ResourceNotFound(
        fmt::format("Stream {} under account {} with creation timestamp {} not found.", stream_name,
                    meta->account_id, static_cast<int64_t>(*created))));
  }
  const bool timed =
      filter_type && (*filter_type == "AT_TIMESTAMP" || *filter_type == "FROM_TIMESTAMP");
  if (timed && !filter_time) {
    return reply(ApiError::InvalidArgument(
        "Must specify a Timestamp in the ShardFilter for types AT_TIMESTAMP and FROM_TIMESTAMP."));
  }
  const int64_t time_ms = filter_time ? static_cast<int64_t>(*filter_time * 1000.0) : 0;
  // Which shards a filter keeps (AWS's ShardFilter types):
  //  AT_LATEST       open now
  //  AT_TRIM_HORIZON open at the trim horizon: shards with no parent (no shard expires yet)
  //  AT_TIMESTAMP    open at the time; FROM_TIMESTAMP open at or after it
  //  others          all shards
  auto keep = [&](const stream::ShardMeta& shard) {
    if (!filter_type) return true;
    if (*filter_type == "AT_LATEST") return shard.open();
    if (*filter_type == "AT_TRIM_HORIZON") return !shard.parent.has_value();
    if (*filter_type == "AT_TIMESTAMP") {
      return shard.created_ms <= time_ms && (shard.open() || shard.closed_ms > time_ms);
    }
    if (*filter_type == "FROM_TIMESTAMP") return shard.open() || shard.closed_ms >= time_ms;
    return true;
  };
  const size_t page = static_cast<size_t>(std::min<int64_t>(max_results.value_or(1000), 1000));
  JsonWriter w;
  w.StartObject();
  w.Key("Shards").StartArray();
  size_t written = 0;
  std::optional<uint32_t> last;
  size_t i = first;
  for (; i < meta->shards.size() && written < page; ++i) {
    const auto& shard = meta->shards[i];
    if (!keep(shard)) continue;
    WriteShard(w, *streams_, *meta, shard);
    ++written;
    last = shard.index;
  }
  w.EndArray();
  if (i < meta->shards.size() && last) {
    w.Key("NextToken").String(MakeNextToken(clock_->NowMillis(), *last, stream_name));
  }
  w.EndObject();
  reply(w.Take());
}

namespace {

// Resharding applies to provisioned streams only (the model's ValidationException).
std::optional<ApiError> RequireProvisioned(stream::StreamService& streams, const std::string& name,
                                           std::string_view operation) {
  auto meta = streams.DescribeStream(name);
  if (!meta.ok()) return ToApiError(meta.status());
  if (meta->mode != "PROVISIONED") {
    return ApiError::Validation(fmt::format(
        "{} is not supported for stream {} because it is in ON_DEMAND mode.", operation, name));
  }
  return std::nullopt;
}

}  // namespace

void KinesisApi::SplitShard(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto shard = req.String("ShardToSplit");
  auto key = req.String("NewStartingHashKey");
  if (auto e = req.error()) return reply(*e);
  if (!shard) {
    errors.Add("null", "shardToSplit", "Member must not be null");
  } else {
    CheckStreamName(*shard, "shardToSplit", errors);
  }
  std::optional<UInt128> hash;
  if (!key) {
    errors.Add("null", "newStartingHashKey", "Member must not be null");
  } else {
    hash = ParseUInt128(*key);
    if (!hash) {
      errors.Add(ValidationErrors::Quote(*key), "newStartingHashKey",
                 "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
    }
  }
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  if (auto e = RequireProvisioned(*streams_, *name, "SplitShard")) return reply(*e);
  Status s = streams_->SplitShard(*name, std::string(*shard), *hash);
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

void KinesisApi::MergeShards(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto shard = req.String("ShardToMerge");
  auto adjacent = req.String("AdjacentShardToMerge");
  if (auto e = req.error()) return reply(*e);
  if (!shard) {
    errors.Add("null", "shardToMerge", "Member must not be null");
  } else {
    CheckStreamName(*shard, "shardToMerge", errors);
  }
  if (!adjacent) {
    errors.Add("null", "adjacentShardToMerge", "Member must not be null");
  } else {
    CheckStreamName(*adjacent, "adjacentShardToMerge", errors);
  }
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  if (auto e = RequireProvisioned(*streams_, *name, "MergeShards")) return reply(*e);
  Status s = streams_->MergeShards(*name, std::string(*shard), std::string(*adjacent));
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

void KinesisApi::UpdateShardCount(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto target = req.Integer("TargetShardCount");
  auto scaling = req.String("ScalingType");
  if (auto e = req.error()) return reply(*e);
  if (!target) {
    errors.Add("null", "targetShardCount", "Member must not be null");
  } else if (*target < 1) {
    errors.Add(std::to_string(*target), "targetShardCount",
               "Member must have value greater than or equal to 1");
  }
  if (!scaling) {
    errors.Add("null", "scalingType", "Member must not be null");
  } else if (*scaling != "UNIFORM_SCALING") {
    errors.Add(ValidationErrors::Quote(*scaling), "scalingType",
               "Member must satisfy enum value set: [UNIFORM_SCALING]");
  }
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  if (auto e = RequireProvisioned(*streams_, *name, "UpdateShardCount")) return reply(*e);
  auto meta = streams_->DescribeStream(*name);
  if (!meta.ok()) return reply(ToApiError(meta.status()));
  const auto current = static_cast<int64_t>(meta->OpenShardCount());
  // AWS scales at most to double, or down to half, of the current count in one call.
  if (*target > 2 * current || *target * 2 < current || *target > 10000) {
    return reply(ApiError::InvalidArgument(fmt::format(
        "UpdateShardCount can scale stream {} from {} shards to between {} and {} shards; "
        "{} was requested.",
        *name, current, (current + 1) / 2, std::min<int64_t>(2 * current, 10000), *target)));
  }
  auto before = streams_->UpdateShardCount(*name, static_cast<int>(*target));
  if (!before.ok()) return reply(ToApiError(before.status()));
  JsonWriter w;
  w.StartObject();
  w.Key("StreamName").String(meta->name);
  w.Key("CurrentShardCount").Int(*before);
  w.Key("TargetShardCount").Int(*target);
  w.Key("StreamARN").String(meta->Arn());
  w.EndObject();
  reply(w.Take());
}

}  // namespace eddy::api::kinesis
