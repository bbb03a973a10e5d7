#include "eddy/api/dynamodb/dynamodb_api.h"

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
      {"DescribeContinuousBackups", &DynamoDbApi::DescribeContinuousBackups},
      {"TagResource", &DynamoDbApi::TagResource},
      {"UntagResource", &DynamoDbApi::UntagResource},
      {"ListTagsOfResource", &DynamoDbApi::ListTagsOfResource},
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
  };
  return registry;
}

DynamoDbApi::DynamoDbApi(table::TableStore* tables, Clock* clock, DynamoDbApiOptions options)
    : tables_(tables),
      clock_(clock),
      workers_(std::make_unique<WorkerPool>(options.worker_threads)) {}

DynamoDbApi::~DynamoDbApi() = default;

void DynamoDbApi::Handle(const RequestContext& context, std::string body, ApiReply reply) {
  const auto& registry = Registry();
  auto it = registry.find(context.operation);
  if (it == registry.end()) {
    reply(ApiError::UnknownOperation());
    return;
  }
  // On a worker: parsing is cheap, but a durable write blocks until its commit is synced.
  workers_->Submit([this, op = it->second, context, body = std::move(body),
                    reply = std::move(reply)]() mutable {
    auto parsed = JsonRequest::Parse(std::move(body));
    if (auto* error = std::get_if<ApiError>(&parsed)) {
      reply(std::move(*error));
      return;
    }
    (this->*op)(context, std::get<JsonRequest>(parsed), reply);
  });
}

std::string TableArn(const RequestContext& ctx, std::string_view table) {
  return "arn:aws:dynamodb:" + ctx.region + ":" + ctx.account_id + ":table/" + std::string(table);
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
