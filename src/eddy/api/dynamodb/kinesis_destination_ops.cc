// Kinesis Data Streams for DynamoDB: EnableKinesisStreamingDestination,
// DisableKinesisStreamingDestination, DescribeKinesisStreamingDestination,
// UpdateKinesisStreamingDestination. The copying itself is KinesisForwarder's.
#include <fmt/format.h>

#include "eddy/api/dynamodb/dynamodb_api.h"
#include "eddy/api/dynamodb/kinesis_forwarder.h"
#include "eddy/api/dynamodb/write_spec.h"
#include "eddy/stream/stream_meta.h"
#include "eddy/stream/stream_service.h"

namespace eddy::api::dynamodb {
namespace {

using table::KinesisDestination;
using table::TableDefinition;

std::string_view PrecisionName(bool microsecond) {
  return microsecond ? "MICROSECOND" : "MILLISECOND";
}

// {ApproximateCreationDateTimePrecision} of `config` (absent: MILLISECOND / unchanged).
std::optional<ApiError> ReadPrecision(JsonRequest& req, const rapidjson::Value* config,
                                      std::string_view member, std::optional<bool>* microsecond) {
  if (config == nullptr) return std::nullopt;
  auto precision = req.String(*config, "ApproximateCreationDateTimePrecision");
  if (auto e = req.error()) return e;
  if (!precision) return std::nullopt;
  if (*precision != "MILLISECOND" && *precision != "MICROSECOND") {
    return BadEnum(*precision, std::string(member) + ".approximateCreationDateTimePrecision",
                   "MILLISECOND, MICROSECOND");
  }
  *microsecond = *precision == "MICROSECOND";
  return std::nullopt;
}

KinesisDestination* FindDestination(TableDefinition* table, std::string_view arn) {
  for (auto& d : table->kinesis_destinations) {
    if (d.stream_arn == arn) return &d;
  }
  return nullptr;
}

// Why a destination edit did not go through (nothing when it did): the edit's own refusal, a
// missing table, or a storage error.
std::optional<ApiError> EditRefusal(const std::optional<ApiError>& problem,
                                    const Result<TableDefinition>& updated,
                                    std::string_view table) {
  if (problem) return problem;
  if (updated.ok()) return std::nullopt;
  if (updated.status().code() == Status::Code::kNotFound) return TableNotFound(table);
  return ToApiError(updated.status());
}

std::string DestinationAnswer(std::string_view table, std::string_view arn, std::string_view status,
                              std::string_view config_member, std::optional<bool> microsecond) {
  JsonWriter w(256);
  w.StartObject().Key("TableName").String(table).Key("StreamArn").String(arn);
  w.Key("DestinationStatus").String(status);
  if (microsecond) {
    w.Key(config_member).StartObject();
    w.Key("ApproximateCreationDateTimePrecision").String(PrecisionName(*microsecond));
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

void DynamoDbApi::EnableKinesisStreamingDestination(const RequestContext&, JsonRequest& req,
                                                    ApiReply& reply) {
  auto name = req.String("TableName");
  auto arn = req.String("StreamArn");
  const auto* config = req.Object("EnableKinesisStreamingConfiguration");
  if (auto e = req.error()) return reply(*e);
  if (!name) return reply(NotNull("tableName"));
  if (!arn) return reply(NotNull("streamArn"));
  std::optional<bool> microsecond;
  if (auto e = ReadPrecision(req, config, "enableKinesisStreamingConfiguration", &microsecond)) {
    return reply(*e);
  }
  if (kinesis_streams_ == nullptr) {
    return reply(ApiError::Validation("Kinesis streaming destinations are not available here"));
  }
  auto stream_name = stream::StreamNameFromArn(*arn);
  if (!stream_name) {
    return reply(ApiError::Validation("Invalid StreamArn: " + std::string(*arn)));
  }
  if (!kinesis_streams_->DescribeStream(*stream_name).ok()) {
    return reply(ApiError::ResourceNotFound("Requested resource not found: Kinesis stream " +
                                            std::string(*arn) + " not found"));
  }
  const std::string table = TableNameOf(*name);
  std::optional<ApiError> problem;
  auto updated = tables_->UpdateTable(table, [&](TableDefinition* def) -> Status {
    for (const auto& d : def->kinesis_destinations) {
      if (d.enabled) {
        problem = ApiError::Validation(
            d.stream_arn == *arn
                ? "Table is not in a valid state to enable Kinesis Streaming Destination: "
                  "EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to "
                  "perform ENABLE operation."
                : "Table already has an enabled Kinesis Streaming Destination: " + d.stream_arn);
        return Status::InvalidArgument("");
      }
    }
    // From now on: only changes made after this call are forwarded.
    auto next = tables_->NextSequence(def->name);
    if (!next.ok()) return next.status();
    KinesisDestination* d = FindDestination(def, *arn);
    if (d == nullptr) {
      def->kinesis_destinations.push_back({});
      d = &def->kinesis_destinations.back();
      d->stream_arn = std::string(*arn);
    }
    d->stream_name = *stream_name;
    d->enabled = true;
    d->microsecond = microsecond.value_or(false);
    d->forwarded_through = *next - 1;
    d->checkpoint_ms = clock_->NowMillis();
    return Status::Ok();
  });
  if (auto e = EditRefusal(problem, updated, table)) return reply(*e);
  if (kinesis_forwarder_ != nullptr) kinesis_forwarder_->Wake();
  // AWS answers ENABLING and turns ACTIVE shortly; eddy forwards at once.
  reply(DestinationAnswer(table, *arn, "ENABLING", "EnableKinesisStreamingConfiguration",
                          microsecond.value_or(false)));
}

void DynamoDbApi::DisableKinesisStreamingDestination(const RequestContext&, JsonRequest& req,
                                                     ApiReply& reply) {
  auto name = req.String("TableName");
  auto arn = req.String("StreamArn");
  const auto* config = req.Object("EnableKinesisStreamingConfiguration");
  if (auto e = req.error()) return reply(*e);
  if (!name) return reply(NotNull("tableName"));
  if (!arn) return reply(NotNull("streamArn"));
  std::optional<bool> microsecond;
  if (auto e = ReadPrecision(req, config, "enableKinesisStreamingConfiguration", &microsecond)) {
    return reply(*e);
  }
  const std::string table = TableNameOf(*name);
  std::optional<ApiError> problem;
  auto updated = tables_->UpdateTable(table, [&](TableDefinition* def) -> Status {
    KinesisDestination* d = FindDestination(def, *arn);
    if (d == nullptr || !d->enabled) {
      problem = ApiError::Validation(
          "Table is not in a valid state to disable Kinesis Streaming Destination: "
          "DisableKinesisStreamingDestination must be ACTIVE to perform DISABLE operation.");
      return Status::InvalidArgument("");
    }
    d->enabled = false;
    return Status::Ok();
  });
  if (auto e = EditRefusal(problem, updated, table)) return reply(*e);
  reply(DestinationAnswer(table, *arn, "DISABLING", "EnableKinesisStreamingConfiguration",
                          microsecond));
}

void DynamoDbApi::DescribeKinesisStreamingDestination(const RequestContext&, JsonRequest& req,
                                                      ApiReply& reply) {
  auto name = req.String("TableName");
  if (auto e = req.error()) return reply(*e);
  if (!name) return reply(NotNull("tableName"));
  const std::string table = TableNameOf(*name);
  auto def = tables_->GetTable(table);
  if (!def.ok()) return reply(TableNotFound(table));
  JsonWriter w(256);
  w.StartObject().Key("TableName").String(def->name);
  w.Key("KinesisDataStreamDestinations").StartArray();
  for (const auto& d : def->kinesis_destinations) {
    w.StartObject().Key("StreamArn").String(d.stream_arn);
    w.Key("DestinationStatus").String(d.enabled ? "ACTIVE" : "DISABLED");
    w.Key("ApproximateCreationDateTimePrecision").String(PrecisionName(d.microsecond));
    w.EndObject();
  }
  w.EndArray().EndObject();
  reply(w.Take());
}

void DynamoDbApi::UpdateKinesisStreamingDestination(const RequestContext&, JsonRequest& req,
                                                    ApiReply& reply) {
  auto name = req.String("TableName");
  auto arn = req.String("StreamArn");
  const auto* config = req.Object("UpdateKinesisStreamingConfiguration");
  if (auto e = req.error()) return reply(*e);
  if (!name) return reply(NotNull("tableName"));
  if (!arn) return reply(NotNull("streamArn"));
  std::optional<bool> microsecond;
  if (auto e = ReadPrecision(req, config, "updateKinesisStreamingConfiguration", &microsecond)) {
    return reply(*e);
  }
  if (!microsecond) {
    return reply(ApiError::Validation(
        "UpdateKinesisStreamingConfiguration must name an ApproximateCreationDateTimePrecision"));
  }
  const std::string table = TableNameOf(*name);
  std::optional<ApiError> problem;
  auto updated = tables_->UpdateTable(table, [&](TableDefinition* def) -> Status {
    KinesisDestination* d = FindDestination(def, *arn);
    if (d == nullptr || !d->enabled) {
      problem = ApiError::Validation(
          "Table is not in a valid state to update Kinesis Streaming Destination: the "
          "destination must be ACTIVE");
      return Status::InvalidArgument("");
    }
    if (d->microsecond == *microsecond) {
      problem = ApiError::Validation(
          "Invalid Request: Precision is already set to the desired value of " +
          std::string(PrecisionName(*microsecond)));
      return Status::InvalidArgument("");
    }
    d->microsecond = *microsecond;
    return Status::Ok();
  });
  if (auto e = EditRefusal(problem, updated, table)) return reply(*e);
  reply(DestinationAnswer(table, *arn, "UPDATING", "UpdateKinesisStreamingConfiguration",
                          microsecond));
}

}  // namespace eddy::api::dynamodb
