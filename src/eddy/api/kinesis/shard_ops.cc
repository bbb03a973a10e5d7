// Shard operations: ListShards.
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
  if (filter != nullptr) {
    filter_type = req.String(*filter, "Type");
    filter_shard = req.String(*filter, "ShardId");
    req.Number(*filter, "Timestamp");
  }
  if (auto e = req.error()) return reply(*e);
  if (max_results && (*max_results < 1 || *max_results > 10000)) {
    errors.Add(std::to_string(*max_results), "maxResults",
               *max_results < 1 ? "Member must have value greater than or equal to 1"
                                : "Member must have value less than or equal to 10000");
  }
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
  // AT_LATEST (and, until resharding records close times, AT_TIMESTAMP) list open shards.
  const bool open_only =
      filter_type && (*filter_type == "AT_LATEST" || *filter_type == "AT_TIMESTAMP");
  const size_t page = static_cast<size_t>(std::min<int64_t>(max_results.value_or(1000), 1000));
  JsonWriter w;
  w.StartObject();
  w.Key("Shards").StartArray();
  size_t written = 0;
  std::optional<uint32_t> last;
  size_t i = first;
  for (; i < meta->shards.size() && written < page; ++i) {
    const auto& shard = meta->shards[i];
    if (open_only && !shard.open()) continue;
    w.StartObject();
    w.Key("ShardId").String(stream::ShardIdString(shard.index));
    if (shard.parent) w.Key("ParentShardId").String(stream::ShardIdString(*shard.parent));
    if (shard.adjacent_parent) {
      w.Key("AdjacentParentShardId").String(stream::ShardIdString(*shard.adjacent_parent));
    }
    w.Key("HashKeyRange").StartObject();
    w.Key("StartingHashKey").String(FormatUInt128(shard.starting_hash));
    w.Key("EndingHashKey").String(FormatUInt128(shard.ending_hash));
    w.EndObject();
    w.Key("SequenceNumberRange").StartObject();
    w.Key("StartingSequenceNumber").String(streams_->StartingSequenceNumber(*meta, shard));
    if (auto end = streams_->EndingSequenceNumber(*meta, shard)) {
      w.Key("EndingSequenceNumber").String(*end);
    }
    w.EndObject();
    w.EndObject();
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

}  // namespace eddy::api::kinesis
