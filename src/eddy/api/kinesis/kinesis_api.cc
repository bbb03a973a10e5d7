#include "eddy/api/kinesis/kinesis_api.h"

namespace eddy::api::kinesis {

// Every Kinesis operation eddy serves. Others answer UnknownOperationException.
const std::map<std::string_view, KinesisApi::Operation>& KinesisApi::Registry() {
  static const std::map<std::string_view, Operation> registry = {
      // streams
      {"CreateStream", &KinesisApi::CreateStream},
      {"DeleteStream", &KinesisApi::DeleteStream},
      {"ListStreams", &KinesisApi::ListStreams},
      {"DescribeStream", &KinesisApi::DescribeStream},
      {"DescribeStreamSummary", &KinesisApi::DescribeStreamSummary},
      {"DescribeLimits", &KinesisApi::DescribeLimits},
      {"IncreaseStreamRetentionPeriod", &KinesisApi::IncreaseStreamRetentionPeriod},
      {"DecreaseStreamRetentionPeriod", &KinesisApi::DecreaseStreamRetentionPeriod},
      {"UpdateStreamMode", &KinesisApi::UpdateStreamMode},
      {"UpdateMaxRecordSize", &KinesisApi::UpdateMaxRecordSize},
      // tags
      {"AddTagsToStream", &KinesisApi::AddTagsToStream},
      {"RemoveTagsFromStream", &KinesisApi::RemoveTagsFromStream},
      {"ListTagsForStream", &KinesisApi::ListTagsForStream},
      {"TagResource", &KinesisApi::TagResource},
      {"UntagResource", &KinesisApi::UntagResource},
      {"ListTagsForResource", &KinesisApi::ListTagsForResource},
      // records
      {"PutRecord", &KinesisApi::PutRecord},
      {"PutRecords", &KinesisApi::PutRecords},
      {"GetShardIterator", &KinesisApi::GetShardIterator},
      {"GetRecords", &KinesisApi::GetRecords},
      // shards
      {"ListShards", &KinesisApi::ListShards},
      {"SplitShard", &KinesisApi::SplitShard},
      {"MergeShards", &KinesisApi::MergeShards},
      {"UpdateShardCount", &KinesisApi::UpdateShardCount},
  };
  return registry;
}

void KinesisApi::Handle(const RequestContext& context, std::string body, ApiReply reply) {
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

ApiError ToApiError(const Status& status) {
  switch (status.code()) {
    case Status::Code::kNotFound:
      return ApiError::ResourceNotFound(status.message());
    case Status::Code::kAlreadyExists:
    case Status::Code::kFailedPrecondition:
      return ApiError::ResourceInUse(status.message());
    case Status::Code::kInvalidArgument:
    case Status::Code::kOutOfRange:
      return ApiError::InvalidArgument(status.message());
    case Status::Code::kExpired:
      return ApiError::ExpiredIterator(status.message());
    case Status::Code::kResourceExhausted:  // the shard quota
      return ApiError::LimitExceeded(status.message());
    case Status::Code::kUnavailable:  // a shard's throughput limit (or a log closing): retry
      return ApiError::ProvisionedThroughputExceeded(status.message());
    default:
      return ApiError::InternalFailure(status.ToString());
  }
}

std::optional<ApiError> FirstProblem(const JsonRequest& req, const ValidationErrors& errors,
                                     const std::optional<ApiError>& error) {
  if (req.error()) return req.error();
  if (!errors.empty()) return errors.ToError();
  return error;
}

void WriteHashKeyRange(JsonWriter& w, UInt128 start, UInt128 end) {
  w.Key("HashKeyRange").StartObject();
  w.Key("StartingHashKey").String(FormatUInt128(start));
  w.Key("EndingHashKey").String(FormatUInt128(end));
  w.EndObject();
}

void WriteShard(JsonWriter& w, const stream::StreamService& service, const stream::StreamMeta& meta,
                const stream::ShardMeta& shard) {
  w.StartObject();
  w.Key("ShardId").String(stream::ShardIdString(shard.index));
  if (shard.parent) w.Key("ParentShardId").String(stream::ShardIdString(*shard.parent));
  if (shard.adjacent_parent) {
    w.Key("AdjacentParentShardId").String(stream::ShardIdString(*shard.adjacent_parent));
  }
  WriteHashKeyRange(w, shard.starting_hash, shard.ending_hash);
  w.Key("SequenceNumberRange").StartObject();
  w.Key("StartingSequenceNumber").String(service.StartingSequenceNumber(meta, shard));
  if (auto end = service.EndingSequenceNumber(meta, shard)) {
    w.Key("EndingSequenceNumber").String(*end);
  }
  w.EndObject();
  w.EndObject();
}

void CheckStreamName(std::string_view name, std::string_view member, ValidationErrors& errors) {
  const std::string value = ValidationErrors::Quote(name);
  if (name.empty() || name.size() > 128) {
    errors.Add(value, member, "Member must have length less than or equal to 128");
    if (name.empty()) return;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) {
      errors.Add(value, member, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
      return;
    }
  }
}

std::optional<std::string> ReadStreamName(JsonRequest& req, ValidationErrors& errors,
                                          std::optional<ApiError>* error, bool required) {
  auto name = req.String("StreamName");
  auto arn = req.String("StreamARN");
  if (name) CheckStreamName(*name, "streamName", errors);
  std::optional<std::string> from_arn;
  if (arn) {
    from_arn = stream::StreamNameFromArn(*arn);
    if (!from_arn || arn->size() > 2048) {
      errors.Add(ValidationErrors::Quote(*arn), "streamARN",
                 "Member must satisfy regular expression pattern: "
                 "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
      from_arn.reset();
    }
  }
  if (name && from_arn && *name != *from_arn) {
    *error = ApiError::InvalidArgument("StreamARN and StreamName refer to different streams.");
    return std::nullopt;
  }
  if (name) return std::string(*name);
  if (from_arn) return from_arn;
  if (required && !arn) {
    *error = ApiError::InvalidArgument("Either StreamName or StreamARN should be provided.");
  }
  return std::nullopt;
}

}  // namespace eddy::api::kinesis
