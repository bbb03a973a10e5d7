#pragma once

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/api/aws/aws_router.h"
#include "eddy/api/aws/json_request.h"
#include "eddy/api/aws/json_writer.h"
#include "eddy/base/clock.h"
#include "eddy/base/worker_pool.h"
#include "eddy/table/table_store.h"

namespace eddy::stream {
class StreamService;
}

namespace eddy::api::dynamodb {

class KinesisForwarder;

struct DynamoDbApiOptions {
  // Threads that run the larger operations (Query, Scan, the batch operations) and the catalog
  // changes, which wait for their own fsync. Item writes never wait on them (group commit).
  int worker_threads = 8;
  // Kinesis Data Streams for DynamoDB: the streams destinations are checked against, and the
  // forwarder to wake when one is enabled. Without them those operations are refused.
  stream::StreamService* kinesis_streams = nullptr;
  KinesisForwarder* kinesis_forwarder = nullptr;
};

// The DynamoDB API (X-Amz-Target DynamoDB_20120810.*, JSON 1.0). Each operation is codec (JSON
// -> validated request, AWS's messages) -> TableStore -> JSON. The registry in dynamodb_api.cc
// lists every operation; operations live in files by family: table_ops.cc, item_ops.cc,
// query_ops.cc.
//
// Thread-safety: thread-safe. Small reads (GetItem, the Describe and List calls) run on the
// calling (HTTP) thread; writes and the reads that may go through megabytes (Query, Scan,
// BatchGetItem, TransactGetItems) on the worker pool, replying from it, so that they never hold
// up the other connections of an HTTP thread.
class DynamoDbApi final : public AwsService {
 public:
  DynamoDbApi(table::TableStore* tables, Clock* clock, DynamoDbApiOptions options = {});
  ~DynamoDbApi() override;

  std::string_view target_prefix() const override { return "DynamoDB_20120810"; }
  std::string_view content_type() const override { return "application/x-amz-json-1.0"; }
  void Handle(const RequestContext& context, std::string body, ApiReply reply) override;

 private:
  using Operation = void (DynamoDbApi::*)(const RequestContext&, JsonRequest&, ApiReply&);
  static const std::map<std::string_view, Operation>& Registry();
  // Operations that read or write little and never wait for a disk (they run on the calling
  // thread instead of a worker).
  static bool RunsOnCallingThread(std::string_view operation);
  // A Query or Scan with a body this small and a Limit this low runs on the calling thread.
  static constexpr size_t kInlineReadBodyBytes = 64 << 10;
  static constexpr int64_t kInlineReadLimit = 100;
  // The Query or Scan request `request` reads at most kInlineReadLimit items: its Limit is
  // that low and, for a Scan, it is not one segment of several (the items it skips for the
  // other segments do not count against the Limit).
  static bool ReadsFewItems(const rapidjson::Value& request);
  // The item writes: answered only once durable (TableStore::AfterDurable).
  static bool AnswersAfterDurable(std::string_view operation);

  // table_ops.cc
  void CreateTable(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeTable(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void ListTables(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DeleteTable(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void UpdateTable(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeLimits(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeEndpoints(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeContinuousBackups(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void TagResource(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void UntagResource(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void ListTagsOfResource(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void UpdateTimeToLive(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DescribeTimeToLive(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  // item_ops.cc
  void GetItem(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void PutItem(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void DeleteItem(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void UpdateItem(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  // batch_ops.cc
  void BatchWriteItem(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void BatchGetItem(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void TransactWriteItems(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void TransactGetItems(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  // query_ops.cc
  void Query(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);
  void Scan(const RequestContext& ctx, JsonRequest& req, ApiReply& reply);

  // TransactWriteItems' ClientRequestToken: a token used again within 10 minutes gets the
  // first answer (same request) or IdempotentParameterMismatchException (another request).
  // Kept in memory: a restart forgets the tokens.
  struct TokenRecord {
    std::string fingerprint;  // MD5 of the request's TransactItems
    int64_t expires_ms = 0;
    bool in_progress = true;  // the first request is still running
    std::string response;
  };
  static constexpr size_t kMaxTokens = 100000;
  // Claims `token` for a request with `fingerprint`: nullopt when this request should run
  // (then FinishToken must follow), else the answer to give at once (the first request's
  // response, TransactionInProgressException, or IdempotentParameterMismatchException).
  std::optional<ApiResult> ClaimToken(const std::string& token, const std::string& fingerprint);
  // The claimed request ended: keep its response for 10 minutes, or forget the token when it
  // did not commit (nullopt).
  void FinishToken(const std::string& token, std::optional<std::string> response);

  // kinesis_destination_ops.cc
  void EnableKinesisStreamingDestination(const RequestContext& ctx, JsonRequest& req,
                                         ApiReply& reply);
  void DisableKinesisStreamingDestination(const RequestContext& ctx, JsonRequest& req,
                                          ApiReply& reply);
  void DescribeKinesisStreamingDestination(const RequestContext& ctx, JsonRequest& req,
                                           ApiReply& reply);
  void UpdateKinesisStreamingDestination(const RequestContext& ctx, JsonRequest& req,
                                         ApiReply& reply);

  table::TableStore* const tables_;
  Clock* const clock_;
  stream::StreamService* const kinesis_streams_;
  KinesisForwarder* const kinesis_forwarder_;
  std::mutex tokens_mu_;
  std::map<std::string, TokenRecord> tokens_;  // guarded by tokens_mu_
  std::deque<std::string> token_order_;        // guarded by tokens_mu_; oldest first
  std::unique_ptr<WorkerPool> workers_;
};

// The table ARN: arn:aws:dynamodb:<region>:<account>:table/<name>.
std::string TableArn(const RequestContext& ctx, std::string_view table);
// A DynamoDB stream's ARN: the table's ARN + "/stream/" + the stream's label.
std::string StreamArn(const RequestContext& ctx, std::string_view table, std::string_view label);

// A TableName member that may hold the table's ARN instead (the model allows both): the name.
std::string TableNameOf(std::string_view name_or_arn);
// ResourceNotFoundException "Requested resource not found: Table: <name> not found".
ApiError TableNotFound(std::string_view name);
// "KeySchema": [{AttributeName, KeyType HASH}, {..., RANGE}] of a table, index or stream.
void WriteKeySchema(JsonWriter& w, const table::KeySchema& key);
// KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES.
std::string_view StreamViewTypeName(table::StreamViewType view);

// Store errors as DynamoDB answers them (NotFound -> ResourceNotFoundException
// "Requested resource not found", ...).
ApiError ToApiError(const Status& status);

}  // namespace eddy::api::dynamodb
