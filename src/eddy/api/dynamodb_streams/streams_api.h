#pragma once

#include <map>
#include <string>
#include <string_view>

#include "eddy/api/aws/aws_router.h"
#include "eddy/api/aws/json_request.h"
#include "eddy/base/clock.h"
#include "eddy/table/table_store.h"

namespace eddy::api::dynamodb_streams {

// The DynamoDB Streams API (`DynamoDBStreams_20120810.*`, JSON 1.0) over the tables' change
// records: ListStreams, DescribeStream, GetShardIterator, GetRecords. A stream is a view of its
// table's change records (table/change_streams.h); records are shaped per the stream's view
// type when read. See docs/compat/dynamodb-streams.md.
//
// Thread-safety: thread-safe; every operation runs on the calling thread.
class DynamoDbStreamsApi final : public AwsService {
 public:
  DynamoDbStreamsApi(table::TableStore* tables, Clock* clock) : tables_(tables), clock_(clock) {}

  std::string_view target_prefix() const override { return "DynamoDBStreams_20120810"; }
  std::string_view content_type() const override { return "application/x-amz-json-1.0"; }
  void Handle(const RequestContext& context, std::string body, ApiReply reply) override;

 private:
  using Operation = void (DynamoDbStreamsApi::*)(const RequestContext&, JsonRequest&, ApiReply&);
  static const std::map<std::string_view, Operation>& Registry();

  void ListStreams(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeStream(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void GetShardIterator(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void GetRecords(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);

  table::TableStore* const tables_;
  Clock* const clock_;
};

}  // namespace eddy::api::dynamodb_streams
