// Stream operations: CreateStream, DeleteStream, ListStreams, DescribeStream,
// DescribeStreamSummary, DescribeLimits, Increase/DecreaseStreamRetentionPeriod,
// UpdateStreamMode, UpdateMaxRecordSize.
#include <fmt/format.h>

#include <algorithm>

#include "eddy/api/aws/json_writer.h"
#include "eddy/api/kinesis/kinesis_api.h"
#include "eddy/base/base64.h"

namespace eddy::api::kinesis {
namespace {

void WriteModeDetails(JsonWriter& w, const stream::StreamMeta& meta) {
  w.Key("StreamModeDetails").StartObject().Key("StreamMode").String(meta.mode).EndObject();
}

// The members DescribeStream and DescribeStreamSummary share.
void WriteStreamSettings(JsonWriter& w, const stream::StreamMeta& meta) {
  w.Key("RetentionPeriodHours").Int(meta.retention_hours);
  w.Key("StreamCreationTimestamp").Timestamp(meta.created_ms);
  w.Key("EnhancedMonitoring").StartArray().StartObject().Key("ShardLevelMetrics");
  w.StartArray().EndArray().EndObject().EndArray();
  w.Key("EncryptionType").String("NONE");
}

}  // namespace

void KinesisApi::CreateStream(const RequestContext& ctx, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto name = req.String("StreamName");
  auto shard_count = req.Integer("ShardCount");
  const auto* mode_details = req.Object("StreamModeDetails");
  std::optional<std::string_view> mode;
  if (mode_details != nullptr) mode = req.String(*mode_details, "StreamMode");
  auto max_record_kib = req.Integer("MaxRecordSizeInKiB");
  const auto* tags = req.Object("Tags");
  if (auto e = req.error()) return reply(*e);

  if (!name) {
    errors.Add("null", "streamName", "Member must not be null");
  } else {
    CheckStreamName(*name, "streamName", errors);
  }
  if (shard_count && *shard_count < 1) {
    errors.Add(std::to_string(*shard_count), "shardCount",
               "Member must have value greater than or equal to 1");
  }
  if (mode_details != nullptr && (!mode || (*mode != "PROVISIONED" && *mode != "ON_DEMAND"))) {
    errors.Add(mode ? ValidationErrors::Quote(*mode) : "null", "streamModeDetails.streamMode",
               "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]");
  }
  errors.CheckRange(max_record_kib, 1024, 10240, "maxRecordSizeInKiB");
  if (!errors.empty()) return reply(errors.ToError());

  stream::CreateStreamParams params;
  params.name = std::string(*name);
  params.mode = mode ? std::string(*mode) : "PROVISIONED";
  if (shard_count && *shard_count > 1'000'000) {
    return reply(ApiError::LimitExceeded("ShardCount exceeds the shard limit"));
  }
  // ON_DEMAND streams start with 4 shards (as AWS does); so do PROVISIONED streams created
  // without a ShardCount (see docs/compat/kinesis.md).
  params.shard_count = shard_count ? static_cast<int>(*shard_count) : 4;
  if (max_record_kib) params.max_record_size_kib = static_cast<int>(*max_record_kib);
  if (tags != nullptr) {
    for (const auto& t : tags->GetObject()) {
      if (!t.value.IsString()) return reply(ApiError::Serialization("Tag values must be strings"));
      params.tags.emplace(std::string(t.name.GetString(), t.name.GetStringLength()),
                          std::string(t.value.GetString(), t.value.GetStringLength()));
    }
    if (params.tags.size() > 50) {
      return reply(ApiError::InvalidArgument("A stream may have at most 50 tags."));
    }
  }
  params.region = ctx.region;
  params.account_id = ctx.account_id;
  Status s = streams_->CreateStream(params);
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

void KinesisApi::DeleteStream(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  req.Bool("EnforceConsumerDeletion");
  if (auto problem = FirstProblem(req, errors, error)) return reply(*problem);
  Status s = streams_->DeleteStream(*name);
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

void KinesisApi::ListStreams(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto limit = req.Integer("Limit");
  auto start = req.String("ExclusiveStartStreamName");
  auto token = req.String("NextToken");
  if (auto e = req.error()) return reply(*e);
  errors.CheckRange(limit, 1, 10000, "limit");
  if (start) CheckStreamName(*start, "exclusiveStartStreamName", errors);
  if (!errors.empty()) return reply(errors.ToError());
  // The NextToken is the base64 of the last name returned.
  std::string after;
  if (token) {
    auto decoded = base64::Decode(*token);
    if (!decoded) return reply(ApiError::InvalidArgument("Invalid NextToken."));
    after = *decoded;
  } else if (start) {
    after = std::string(*start);
  }
  const size_t page = static_cast<size_t>(std::min<int64_t>(limit.value_or(100), 100));
  auto metas = streams_->ListStreams();
  auto it = metas.begin();
  if (!after.empty()) {
    it = std::upper_bound(
        metas.begin(), metas.end(), after,
        [](const std::string& a, const stream::StreamMeta& m) { return a < m.name; });
  }
  const size_t available = static_cast<size_t>(metas.end() - it);
  const size_t n = std::min(page, available);
  JsonWriter w;
  w.StartObject();
  w.Key("StreamNames").StartArray();
  for (size_t i = 0; i < n; ++i) w.String(it[static_cast<std::ptrdiff_t>(i)].name);
  w.EndArray();
  w.Key("HasMoreStreams").Bool(available > n);
  if (available > n)
    w.Key("NextToken").String(base64::Encode(it[static_cast<std::ptrdiff_t>(n - 1)].name));
  w.Key("StreamSummaries").StartArray();
  for (size_t i = 0; i < n; ++i) {
    const auto& m = it[static_cast<std::ptrdiff_t>(i)];
    w.StartObject();
    w.Key("StreamName").String(m.name);
    w.Key("StreamARN").String(m.Arn());
    w.Key("StreamStatus").String("ACTIVE");
    WriteModeDetails(w, m);
    w.Key("StreamCreationTimestamp").Timestamp(m.created_ms);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  reply(w.Take());
}

void KinesisApi::DescribeStream(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto limit = req.Integer("Limit");
  auto start = req.String("ExclusiveStartShardId");
  if (auto e = req.error()) return reply(*e);
  errors.CheckRange(limit, 1, 10000, "limit");
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  auto meta = streams_->DescribeStream(*name);
  if (!meta.ok()) return reply(ToApiError(meta.status()));
  const size_t page = static_cast<size_t>(std::min<int64_t>(limit.value_or(100), 100));
  size_t first = 0;
  if (start) {
    // Shards after the given one, by shard id order (which is index order).
    auto index = stream::ParseShardId(*start);
    first = index ? static_cast<size_t>(*index) + 1 : 0;
  }
  const auto& shards = meta->shards;
  first = std::min(first, shards.size());
  const size_t last = std::min(shards.size(), first + page);
  JsonWriter w;
  w.StartObject().Key("StreamDescription").StartObject();
  w.Key("StreamName").String(meta->name);
  w.Key("StreamARN").String(meta->Arn());
  w.Key("StreamStatus").String("ACTIVE");
  WriteModeDetails(w, *meta);
  w.Key("Shards").StartArray();
  for (size_t i = first; i < last; ++i) WriteShard(w, *streams_, *meta, shards[i]);
  w.EndArray();
  w.Key("HasMoreShards").Bool(last < shards.size());
  WriteStreamSettings(w, *meta);
  w.EndObject().EndObject();
  reply(w.Take());
}

void KinesisApi::DescribeStreamSummary(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  if (auto problem = FirstProblem(req, errors, error)) return reply(*problem);
  auto meta = streams_->DescribeStream(*name);
  if (!meta.ok()) return reply(ToApiError(meta.status()));
  JsonWriter w;
  w.StartObject().Key("StreamDescriptionSummary").StartObject();
  w.Key("StreamName").String(meta->name);
  w.Key("StreamARN").String(meta->Arn());
  w.Key("StreamStatus").String("ACTIVE");
  WriteModeDetails(w, *meta);
  WriteStreamSettings(w, *meta);
  w.Key("OpenShardCount").Int(static_cast<int64_t>(meta->OpenShardCount()));
  w.Key("ConsumerCount").Int(0);
  w.Key("MaxRecordSizeInKiB").Int(meta->max_record_size_kib);
  w.EndObject().EndObject();
  reply(w.Take());
}

void KinesisApi::DescribeLimits(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  if (auto e = req.error()) return reply(*e);
  size_t on_demand = 0;
  for (const auto& m : streams_->ListStreams()) on_demand += m.mode == "ON_DEMAND" ? 1 : 0;
  JsonWriter w;
  w.StartObject();
  w.Key("ShardLimit").Int(streams_->shard_limit());
  w.Key("OpenShardCount").Int(static_cast<int64_t>(streams_->OpenShardCount()));
  w.Key("OnDemandStreamCount").Int(static_cast<int64_t>(on_demand));
  w.Key("OnDemandStreamCountLimit").Int(50);
  w.EndObject();
  reply(w.Take());
}

void KinesisApi::IncreaseStreamRetentionPeriod(const RequestContext&, JsonRequest& req,
                                               ApiReply& reply) {
  ChangeRetention(req, reply, /*increase=*/true);
}

void KinesisApi::DecreaseStreamRetentionPeriod(const RequestContext&, JsonRequest& req,
                                               ApiReply& reply) {
  ChangeRetention(req, reply, /*increase=*/false);
}

void KinesisApi::ChangeRetention(JsonRequest& req, ApiReply& reply, bool increase) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto hours = req.Integer("RetentionPeriodHours");
  if (auto e = req.error()) return reply(*e);
  if (!hours) errors.Add("null", "retentionPeriodHours", "Member must not be null");
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  if (*hours < 24) {
    return reply(ApiError::InvalidArgument(fmt::format(
        "Minimum allowed retention period is 24 hours. Requested retention period ({} hours) "
        "is too short.",
        *hours)));
  }
  if (*hours > 8760) {
    return reply(ApiError::InvalidArgument(fmt::format(
        "Maximum allowed retention period is 8760 hours. Requested retention period ({} hours) "
        "is too long.",
        *hours)));
  }
  Status s = streams_->UpdateStream(*name, [&](stream::StreamMeta& meta) {
    if (increase && *hours < meta.retention_hours) {
      return Status::InvalidArgument(fmt::format(
          "Requested retention period ({} hours) for stream {} can not be shorter than existing "
          "retention period ({} hours). Use DecreaseRetentionPeriod API.",
          *hours, meta.name, meta.retention_hours));
    }
    if (!increase && *hours > meta.retention_hours) {
      return Status::InvalidArgument(fmt::format(
          "Requested retention period ({} hours) for stream {} can not be longer than existing "
          "retention period ({} hours). Use IncreaseRetentionPeriod API.",
          *hours, meta.name, meta.retention_hours));
    }
    meta.retention_hours = static_cast<int>(*hours);
    return Status::Ok();
  });
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

void KinesisApi::UpdateStreamMode(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto arn = req.String("StreamARN");
  const auto* details = req.Object("StreamModeDetails");
  std::optional<std::string_view> mode;
  if (details != nullptr) mode = req.String(*details, "StreamMode");
  req.Integer("WarmThroughputMiBps");
  if (auto e = req.error()) return reply(*e);
  if (!arn) errors.Add("null", "streamARN", "Member must not be null");
  if (details == nullptr) {
    errors.Add("null", "streamModeDetails", "Member must not be null");
  } else if (!mode || (*mode != "PROVISIONED" && *mode != "ON_DEMAND")) {
    errors.Add(mode ? ValidationErrors::Quote(*mode) : "null", "streamModeDetails.streamMode",
               "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]");
  }
  if (!errors.empty()) return reply(errors.ToError());
  auto name = ReadStreamName(req, errors, &error);
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  Status s = streams_->UpdateStream(*name, [&](stream::StreamMeta& meta) {
    meta.mode = std::string(*mode);
    return Status::Ok();
  });
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

void KinesisApi::UpdateMaxRecordSize(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto kib = req.Integer("MaxRecordSizeInKiB");
  if (auto e = req.error()) return reply(*e);
  if (!kib) {
    errors.Add("null", "maxRecordSizeInKiB", "Member must not be null");
  } else if (*kib < 1024 || *kib > 10240) {
    errors.Add(std::to_string(*kib), "maxRecordSizeInKiB",
               *kib < 1024 ? "Member must have value greater than or equal to 1024"
                           : "Member must have value less than or equal to 10240");
  }
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  Status s = streams_->UpdateStream(*name, [&](stream::StreamMeta& meta) {
    meta.max_record_size_kib = static_cast<int>(*kib);
    return Status::Ok();
  });
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

}  // namespace eddy::api::kinesis
