#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/api/aws/aws_router.h"
#include "eddy/api/aws/json_request.h"
#include "eddy/api/aws/json_writer.h"
#include "eddy/base/clock.h"
#include "eddy/stream/stream_service.h"

namespace eddy::api::kinesis {

// The Kinesis Data Streams API (X-Amz-Target Kinesis_20131202.*, JSON 1.1). Each operation is
// codec (JSON -> validated request, AWS's messages) -> one StreamService call -> JSON. The
// registry in kinesis_api.cc lists every operation; operations live in files by family:
// stream_ops.cc, record_ops.cc, shard_ops.cc.
//
// Thread-safety: thread-safe; operations run on HTTP threads and reply from any thread.
class KinesisApi final : public AwsService {
 public:
  KinesisApi(stream::StreamService* streams, Clock* clock) : streams_(streams), clock_(clock) {}

  std::string_view target_prefix() const override { return "Kinesis_20131202"; }
  std::string_view content_type() const override { return "application/x-amz-json-1.1"; }
  void Handle(const RequestContext& context, std::string body, ApiReply reply) override;

 private:
  using Operation = void (KinesisApi::*)(const RequestContext&, JsonRequest&, ApiReply&);
  static const std::map<std::string_view, Operation>& Registry();

  // stream_ops.cc
  void CreateStream(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DeleteStream(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void ListStreams(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeStream(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeStreamSummary(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeLimits(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void IncreaseStreamRetentionPeriod(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DecreaseStreamRetentionPeriod(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void ChangeRetention(JsonRequest& req, ApiReply& reply, bool increase);
  void UpdateStreamMode(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void UpdateMaxRecordSize(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  // tag_ops.cc
  void AddTagsToStream(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void RemoveTagsFromStream(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void ListTagsForStream(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void TagResource(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void UntagResource(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void ListTagsForResource(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void AddTags(const std::string& stream, JsonRequest& req, ApiReply& reply);
  void RemoveTags(const std::string& stream, JsonRequest& req, ApiReply& reply);
  // record_ops.cc
  void PutRecord(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void PutRecords(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void GetShardIterator(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void GetRecords(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  // shard_ops.cc
  void ListShards(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void SplitShard(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void MergeShards(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void UpdateShardCount(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);

  stream::StreamService* const streams_;
  Clock* const clock_;
};

// Engine Status -> Kinesis error.
ApiError ToApiError(const Status& status);

// Reads StreamName / StreamARN (either may identify the stream), validating each as AWS does.
// Returns the name, or nullopt with the problem recorded in `errors` / `*error`.
std::optional<std::string> ReadStreamName(JsonRequest& req, ValidationErrors& errors,
                                          std::optional<ApiError>* error, bool required = true);

// The error to answer, in AWS's order: a malformed body, then constraint violations, then an
// argument error found while reading; nullopt when the request is fine.
std::optional<ApiError> FirstProblem(const JsonRequest& req, const ValidationErrors& errors,
                                     const std::optional<ApiError>& error);

// Writes a Shard object (DescribeStream, ListShards) and a HashKeyRange.
void WriteShard(JsonWriter& w, const stream::StreamService& service, const stream::StreamMeta& meta,
                const stream::ShardMeta& shard);
void WriteHashKeyRange(JsonWriter& w, UInt128 start, UInt128 end);

// Validates a stream name against the model: 1..128 of [a-zA-Z0-9_.-].
void CheckStreamName(std::string_view name, std::string_view member, ValidationErrors& errors);

}  // namespace eddy::api::kinesis
