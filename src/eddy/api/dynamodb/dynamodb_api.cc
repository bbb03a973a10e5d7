#include "eddy/api/dynamodb/dynamodb_api.h"

#include <set>

namespace eddy::api::dynamodb {

// Every DynamoDB operation eddy serves. Others answer UnknownOperationException.
const std::map<std::string_view, DynamoDbApi::Operation>& DynamoDbApi::Registry() {
  static const std::map<std::string_view, Operation> registry = {
      // tables
      {"CreateTable", &DynamoDbApi::CreateTable},
      {"DescribeTable", &DynamoDbApi::DescribeTable},
      {"ListTables", &DynamoDbApi::ListTables},
      {"DeleteTable", &DynamoDbApi::DeleteTable},
      {"UpdateTable", &DynamoDbApi::UpdateTable},
      {"DescribeLimits", &DynamoDbApi::DescribeLimits},
      {"DescribeEndpoints", &DynamoDbApi::DescribeEndpoints},
      {"DescribeContinuousBackups", &DynamoDbApi::DescribeContinuousBackups},
      {"TagResource", &DynamoDbApi::TagResource},
      {"UntagResource", &DynamoDbApi::UntagResource},
      {"ListTagsOfResource", &DynamoDbApi::ListTagsOfResource},
      {"UpdateTimeToLive", &DynamoDbApi::UpdateTimeToLive},
      {"DescribeTimeToLive", &DynamoDbApi::DescribeTimeToLive},
      // items
      {"GetItem", &DynamoDbApi::GetItem},
      {"PutItem", &DynamoDbApi::PutItem},
      {"DeleteItem", &DynamoDbApi::DeleteItem},
      {"UpdateItem", &DynamoDbApi::UpdateItem},
      {"BatchWriteItem", &DynamoDbApi::BatchWriteItem},
      {"BatchGetItem", &DynamoDbApi::BatchGetItem},
      {"TransactWriteItems", &DynamoDbApi::TransactWriteItems},
      {"TransactGetItems", &DynamoDbApi::TransactGetItems},
      {"Query", &DynamoDbApi::Query},
      {"Scan", &DynamoDbApi::Scan},
      // Kinesis Data Streams for DynamoDB
      {"EnableKinesisStreamingDestination", &DynamoDbApi::EnableKinesisStreamingDestination},
      {"DisableKinesisStreamingDestination", &DynamoDbApi::DisableKinesisStreamingDestination},
      {"DescribeKinesisStreamingDestination", &DynamoDbApi::DescribeKinesisStreamingDestination},
      {"UpdateKinesisStreamingDestination", &DynamoDbApi::UpdateKinesisStreamingDestination},
  };
  return registry;
}

DynamoDbApi::DynamoDbApi(table::TableStore* tables, Clock* clock, DynamoDbApiOptions options)
    : tables_(tables),
      clock_(clock),
      kinesis_streams_(options.kinesis_streams),
      kinesis_forwarder_(options.kinesis_forwarder),
      workers_(std::make_unique<WorkerPool>(options.worker_threads)) {}

DynamoDbApi::~DynamoDbApi() = default;

void DynamoDbApi::Handle(const RequestContext& context, std::string body, ApiReply reply) {
  const auto& registry = Registry();
  auto it = registry.find(context.operation);
  if (it == registry.end()) {
    reply(ApiError::UnknownOperation());
    return;
  }
  auto run = [this, op = it->second](const RequestContext& ctx, std::string request_body,
                                     ApiReply& answer) {
    auto parsed = JsonRequest::Parse(std::move(request_body));
    if (auto* error = std::get_if<ApiError>(&parsed)) {
      answer(std::move(*error));
      return;
    }
    (this->*op)(ctx, std::get<JsonRequest>(parsed), answer);
  };
  // An item write is answered once what it wrote is durable — and so is one that failed or
  // changed nothing, once what it read is (TableStore::AfterDurable). No thread waits for the
  // disk meanwhile: the store's commit thread answers every write one sync covered.
  if (AnswersAfterDurable(context.operation)) {
    // Called once: the answer moves on into the committer's callback rather than being copied.
    reply = [tables = tables_, reply = std::move(reply)](ApiResult result) mutable {
      tables->AfterDurable(
          [reply = std::move(reply), result = std::move(result)](Status synced) mutable {
            if (!synced.ok()) {
              // DynamoDB's own 500 (InternalFailureException is Kinesis's).
              reply(ApiError{500, "InternalServerError",
                             "The write may not be durable: " + synced.message()});
              return;
            }
            reply(std::move(result));
          });
    };
  }
  // Small reads and single-item writes run where the request arrived: a hand-off to another
  // thread and back costs more than a read from RocksDB's memtable or cache, or a write to it
  // and to the operating system's copy of the log. Requests of up to megabytes (Query, Scan,
  // the batch operations) run on a worker, as they would otherwise hold up every other
  // connection of this HTTP thread meanwhile; so do the rare catalog changes, which wait for
  // their own sync.
  if (RunsOnCallingThread(context.operation)) {
    run(context, std::move(body), reply);
    return;
  }
  // A Query or Scan that may read only a few items runs here too: DynamoDB's Limit counts the
  // items read (before any filter), so at most 100 are read and encoded (a page also stops
  // once it passes 1 MB), and the hand-off to a worker and back cost up to a fifth of a
  // 10-item Query's CPU. Not a segmented Scan: the other segments' items it skips are not
  // counted against the Limit, so it may read a whole megabyte of small items. Its (small)
  // body is parsed here to read the Limit.
  if ((context.operation == "Query" || context.operation == "Scan") &&
      body.size() <= kInlineReadBodyBytes) {
    auto parsed = JsonRequest::Parse(std::move(body));
    if (auto* error = std::get_if<ApiError>(&parsed)) {
      reply(std::move(*error));
      return;
    }
    auto request = std::make_shared<JsonRequest>(std::move(std::get<JsonRequest>(parsed)));
    const auto op = it->second;
    if (ReadsFewItems(request->root())) {
      (this->*op)(context, *request, reply);
      return;
    }
    workers_->Submit([this, op, context, request, reply = std::move(reply)]() mutable {
      (this->*op)(context, *request, reply);
    });
    return;
  }
  workers_->Submit([run = std::move(run), context, body = std::move(body),
                    reply = std::move(reply)]() mutable { run(context, std::move(body), reply); });
}

bool DynamoDbApi::ReadsFewItems(const rapidjson::Value& request) {
  const auto limit = request.FindMember("Limit");
  const auto segments = request.FindMember("TotalSegments");
  const bool unsegmented = segments == request.MemberEnd() || segments->value.IsNull() ||
                           (segments->value.IsInt64() && segments->value.GetInt64() == 1);
  return unsegmented && limit != request.MemberEnd() && limit->value.IsInt64() &&
         limit->value.GetInt64() >= 1 && limit->value.GetInt64() <= kInlineReadLimit;
}

bool DynamoDbApi::AnswersAfterDurable(std::string_view operation) {
  static const std::set<std::string_view> kItemWrites = {"PutItem", "UpdateItem", "DeleteItem",
                                                         "BatchWriteItem", "TransactWriteItems"};
  return kItemWrites.count(operation) != 0;
}

bool DynamoDbApi::RunsOnCallingThread(std::string_view operation) {
  static const std::set<std::string_view> kInline = {"GetItem",
                                                     "PutItem",
                                                     "UpdateItem",
                                                     "DeleteItem",
                                                     "DescribeTable",
                                                     "ListTables",
                                                     "ListTagsOfResource",
                                                     "DescribeLimits",
                                                     "DescribeEndpoints",
                                                     "DescribeContinuousBackups",
                                                     "DescribeTimeToLive"};
  return kInline.count(operation) != 0;
}

std::string TableArn(const RequestContext& ctx, std::string_view table) {
  return "arn:aws:dynamodb:" + ctx.region + ":" + ctx.account_id + ":table/" + std::string(table);
}

std::string TableNameOf(std::string_view name_or_arn) {
  if (name_or_arn.starts_with("arn:")) {
    const size_t slash = name_or_arn.find(":table/");
    if (slash != std::string_view::npos) return std::string(name_or_arn.substr(slash + 7));
  }
  return std::string(name_or_arn);
}

ApiError TableNotFound(std::string_view name) {
  return ApiError::ResourceNotFound("Requested resource not found: Table: " + std::string(name) +
                                    " not found");
}

void WriteKeySchema(JsonWriter& w, const table::KeySchema& key) {
  w.Key("KeySchema").StartArray();
  w.StartObject().Key("AttributeName").String(key.partition.name).Key("KeyType").String("HASH");
  w.EndObject();
  if (key.sort) {
    w.StartObject().Key("AttributeName").String(key.sort->name).Key("KeyType").String("RANGE");
    w.EndObject();
  }
  w.EndArray();
}

std::string_view StreamViewTypeName(table::StreamViewType view) {
  switch (view) {
    case table::StreamViewType::kKeysOnly:
      return "KEYS_ONLY";
    case table::StreamViewType::kNewImage:
      return "NEW_IMAGE";
    case table::StreamViewType::kOldImage:
      return "OLD_IMAGE";
    default:
      return "NEW_AND_OLD_IMAGES";
  }
}

std::string StreamArn(const RequestContext& ctx, std::string_view table, std::string_view label) {
  return TableArn(ctx, table) + "/stream/" + std::string(label);
}

ApiError ToApiError(const Status& status) {
  switch (status.code()) {
    case Status::Code::kNotFound:
      return ApiError::ResourceNotFound("Requested resource not found");
    case Status::Code::kAlreadyExists:
      return ApiError::ResourceInUse(status.message());
    case Status::Code::kInvalidArgument:
      return ApiError::Validation(status.message());
    default:
      return {500, "InternalServerError", "Internal server error: " + status.ToString()};
  }
}

}  // namespace eddy::api::dynamodb
