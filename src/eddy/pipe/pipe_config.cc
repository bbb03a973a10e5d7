#include "eddy/pipe/pipe_config.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cmath>
#include <set>

#include "eddy/client/json_body.h"
#include "eddy/pipe/filter.h"
#include "eddy/pipe/time_format.h"

namespace eddy::pipe {
namespace {

// AWS's text for a value outside a model's range (what Lambda answers for BatchSize 0).
Status RangeError(std::string_view field, int64_t value, int64_t min, int64_t max) {
  if (value < min) {
    return Status::InvalidArgument(fmt::format(
        "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member "
        "must have value greater than or equal to {}",
        value, field, min));
  }
  return Status::InvalidArgument(fmt::format(
      "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: Member must "
      "have value less than or equal to {}",
      value, field, max));
}

Status CheckRange(std::string_view field, int64_t value, int64_t min, int64_t max) {
  return value < min || value > max ? RangeError(field, value, min, max) : Status::Ok();
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE" split in its six parts.
struct Arn {
  std::string service, region, account, resource;
};
std::optional<Arn> SplitArn(std::string_view arn) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  parts.push_back(arn.substr(start));
  if (parts[0] != "arn" || !parts[1].starts_with("aws")) return std::nullopt;
  return Arn{std::string(parts[2]), std::string(parts[3]), std::string(parts[4]),
             std::string(parts[5])};
}

Status ParseSource(PipeConfig* c) {
  if (c->event_source_arn.empty()) {
    return Status::InvalidArgument("EventSourceArn is required");
  }
  const auto arn = SplitArn(c->event_source_arn);
  const std::string bad = fmt::format(
      "EventSourceArn '{}' is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/"
      "NAME) or a DynamoDB stream ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL)",
      c->event_source_arn);
  if (!arn) return Status::InvalidArgument(bad);
  c->source_region = arn->region;
  c->source_account = arn->account;
  if (arn->service == "kinesis" && arn->resource.starts_with("stream/")) {
    c->source_type = SourceType::kKinesis;
    c->stream_name = arn->resource.substr(7);
    if (c->stream_name.empty() || c->stream_name.find('/') != std::string::npos) {
      return Status::InvalidArgument(bad);
    }
    return Status::Ok();
  }
  if (arn->service == "dynamodb" && arn->resource.starts_with("table/")) {
    const size_t stream = arn->resource.find("/stream/");
    if (stream == std::string::npos || stream <= 6 || stream + 8 >= arn->resource.size()) {
      return Status::InvalidArgument(bad);
    }
    c->source_type = SourceType::kDynamoDbStream;
    c->stream_name = arn->resource.substr(6, stream - 6);
    return Status::Ok();
  }
  return Status::InvalidArgument(bad);
}

Status ParseDestination(FailureDestination* d) {
  if (d->arn.empty()) {
    d->type = FailureDestination::Type::kNone;
    return Status::Ok();
  }
  if (d->arn.starts_with("file://")) {
    d->type = FailureDestination::Type::kFile;
    d->name = d->arn.substr(7);
    if (d->name.empty() || d->name[0] != '/') {
      return Status::InvalidArgument(fmt::format(
          "The on-failure destination '{}' is not a file:///ABSOLUTE/PATH URL", d->arn));
    }
    return Status::Ok();
  }
  const auto arn = SplitArn(d->arn);
  if (arn && arn->service == "kinesis" && arn->resource.starts_with("stream/") &&
      arn->resource.size() > 7) {
    d->type = FailureDestination::Type::kKinesis;
    d->name = arn->resource.substr(7);
    return Status::Ok();
  }
  if (arn && (arn->service == "sqs" || arn->service == "sns" || arn->service == "s3")) {
    return Status::InvalidArgument(fmt::format(
        "The on-failure destination '{}' is an {} ARN; eddy's pipes send failed batches to a "
        "Kinesis stream (arn:aws:kinesis:...:stream/NAME) or a JSON-lines file "
        "(file:///PATH) for now",
        d->arn, arn->service));
  }
  return Status::InvalidArgument(fmt::format(
      "The on-failure destination '{}' is neither a Kinesis stream ARN nor a file:/// URL", d->arn));
}

}  // namespace

std::string_view StartingPositionName(StartingPosition position) {
  switch (position) {
    case StartingPosition::kTrimHorizon: return "TRIM_HORIZON";
    case StartingPosition::kLatest: return "LATEST";
    case StartingPosition::kAtTimestamp: return "AT_TIMESTAMP";
  }
  return "";
}

Status ValidatePipeConfig(PipeConfig* c) {
  if (!ValidName(c->name)) {
    return Status::InvalidArgument(fmt::format(
        "Pipe name '{}' must be 1 to 64 characters of letters, digits, '-', '_' and '.'", c->name));
  }
  if (Status s = ParseSource(c); !s.ok()) return s;
  const int targets = (c->function_name.empty() ? 0 : 1) + (c->target_url.empty() ? 0 : 1) +
                      (c->target_command.empty() ? 0 : 1);
  if (targets != 1) {
    return Status::InvalidArgument(
        "A pipe needs exactly one target: FunctionName, TargetUrl or TargetCommand");
  }
  if (!c->function_name.empty()) {
    c->target_type = TargetType::kFunction;
    // A function ARN names the function by its last part ("...:function:NAME").
    if (const size_t at = c->function_name.rfind(":function:"); at != std::string::npos) {
      c->function_name = c->function_name.substr(at + 10);
    }
    if (!ValidName(c->function_name) || c->function_name.find('.') != std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("FunctionName '{}' is not a valid function name", c->function_name));
    }
  } else if (!c->target_url.empty()) {
    c->target_type = TargetType::kHttp;
    if (!c->target_url.starts_with("http://") && !c->target_url.starts_with("https://")) {
      return Status::InvalidArgument(
          fmt::format("TargetUrl '{}' must start with http:// or https://", c->target_url));
    }
  } else {
    c->target_type = TargetType::kCommand;
    if (c->target_command[0].empty()) {
      return Status::InvalidArgument("TargetCommand's program (its first element) is empty");
    }
  }
  if (Status s = CheckRange("batchSize", c->batch_size, 1, 10000); !s.ok()) return s;
  if (Status s = CheckRange("maximumBatchingWindowInSeconds",
                            c->maximum_batching_window_in_seconds, 0, 300);
      !s.ok()) {
    return s;
  }
  if (Status s = CheckRange("parallelizationFactor", c->parallelization_factor, 1, 10); !s.ok()) {
    return s;
  }
  if (Status s = CheckRange("maximumRetryAttempts", c->maximum_retry_attempts, -1, 10000);
      !s.ok()) {
    return s;
  }
  if (Status s = CheckRange("maximumRecordAgeInSeconds", c->maximum_record_age_in_seconds, -1,
                            604800);
      !s.ok()) {
    return s;
  }
  if (c->maximum_record_age_in_seconds >= 0 && c->maximum_record_age_in_seconds < 60) {
    // Lambda refuses 0..59 though its model allows them.
    return Status::InvalidArgument(fmt::format(
        "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800; got {}",
        c->maximum_record_age_in_seconds));
  }
  if (Status s = CheckRange("tumblingWindowInSeconds", c->tumbling_window_in_seconds, 0, 900);
      !s.ok()) {
    return s;
  }
  if (c->tumbling_window_in_seconds > 0) {
    return Status::InvalidArgument(
        "TumblingWindowInSeconds is not supported by eddy's pipes yet (0 = off)");
  }
  if (c->starting_position == StartingPosition::kAtTimestamp) {
    if (c->starting_position_timestamp_ms <= 0) {
      return Status::InvalidArgument(
          "StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP");
    }
  } else if (c->starting_position_timestamp_ms != 0) {
    return Status::InvalidArgument(
        "StartingPositionTimestamp is only allowed with StartingPosition AT_TIMESTAMP");
  }
  if (Status s = CheckRange("targetTimeoutSeconds", c->target_timeout_seconds, 1, 900); !s.ok()) {
    return s;
  }
  if (c->polling_interval_ms && (*c->polling_interval_ms < 0 || *c->polling_interval_ms > 60000)) {
    return RangeError("pollingIntervalMs", *c->polling_interval_ms, 0, 60000);
  }
  Result<EventFilter> filter = EventFilter::Compile(c->filter_patterns);
  if (!filter.ok()) return filter.status();
  if (Status s = ParseDestination(&c->on_failure); !s.ok()) return s;
  if (c->lease_table.empty()) c->lease_table = "eddy-pipe-" + c->name;
  return Status::Ok();
}

namespace {

using simdjson::dom::element;

Status TypeError(std::string_view field, std::string_view type) {
  return Status::InvalidArgument(fmt::format("{} must be {}", field, type));
}

Status ReadInt(element value, std::string_view field, int* out) {
  int64_t v = 0;
  if (value.get_int64().get(v) != simdjson::SUCCESS || v < INT32_MIN || v > INT32_MAX) {
    return TypeError(field, "an integer");
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status ReadBool(element value, std::string_view field, bool* out) {
  if (value.get_bool().get(*out) != simdjson::SUCCESS) return TypeError(field, "true or false");
  return Status::Ok();
}

Status ReadString(element value, std::string_view field, std::string* out) {
  std::string_view v;
  if (value.get_string().get(v) != simdjson::SUCCESS) return TypeError(field, "a string");
  *out = std::string(v);
  return Status::Ok();
}

Status ReadTimestamp(element value, std::string_view field, int64_t* out_ms) {
  double seconds = 0;
  if (value.get_double().get(seconds) == simdjson::SUCCESS) {
    *out_ms = static_cast<int64_t>(std::llround(seconds * 1000));
    return Status::Ok();
  }
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    if (auto ms = ParseIso8601Millis(text)) {
      *out_ms = *ms;
      return Status::Ok();
    }
  }
  return TypeError(field, "epoch seconds or an ISO-8601 time (2024-05-01T12:00:00Z)");
}

Status ReadFilters(element value, std::vector<std::string>* out) {
  simdjson::dom::object criteria;
  if (value.get_object().get(criteria) != simdjson::SUCCESS) {
    return TypeError("FilterCriteria", "an object {\"Filters\":[{\"Pattern\":\"...\"}]}");
  }
  for (auto [key, filters] : criteria) {
    if (key != "Filters") {
      return Status::InvalidArgument(fmt::format("Unknown field FilterCriteria.{}", key));
    }
    simdjson::dom::array list;
    if (filters.get_array().get(list) != simdjson::SUCCESS) {
      return TypeError("FilterCriteria.Filters", "a list");
    }
    for (element filter : list) {
      element pattern;
      if (filter.at_key("Pattern").get(pattern) != simdjson::SUCCESS) {
        return Status::InvalidArgument("Each filter of FilterCriteria.Filters needs a Pattern");
      }
      std::string text;
      if (Status s = ReadString(pattern, "FilterCriteria.Filters[].Pattern", &text); !s.ok()) {
        return s;
      }
      out->push_back(std::move(text));
    }
  }
  return Status::Ok();
}

Status ReadDestination(element value, std::string* out) {
  element on_failure, destination;
  if (value.at_key("OnFailure").get(on_failure) != simdjson::SUCCESS ||
      on_failure.at_key("Destination").get(destination) != simdjson::SUCCESS) {
    return TypeError("DestinationConfig", "{\"OnFailure\":{\"Destination\":\"ARN\"}}");
  }
  return ReadString(destination, "DestinationConfig.OnFailure.Destination", out);
}

Status ReadField(std::string_view key, element value, PipeConfig* c) {
  if (key == "Name") return ReadString(value, key, &c->name);
  if (key == "EventSourceArn") return ReadString(value, key, &c->event_source_arn);
  if (key == "FunctionName") return ReadString(value, key, &c->function_name);
  if (key == "TargetUrl") return ReadString(value, key, &c->target_url);
  if (key == "TargetCommand") {
    simdjson::dom::array argv;
    if (value.get_array().get(argv) != simdjson::SUCCESS || argv.size() == 0) {
      return TypeError(key, "a non-empty list of strings (the program and its arguments)");
    }
    for (element arg : argv) {
      std::string s;
      if (Status st = ReadString(arg, "TargetCommand[]", &s); !st.ok()) return st;
      c->target_command.push_back(std::move(s));
    }
    return Status::Ok();
  }
  if (key == "Enabled") return ReadBool(value, key, &c->enabled);
  if (key == "BatchSize") return ReadInt(value, key, &c->batch_size);
  if (key == "MaximumBatchingWindowInSeconds") {
    return ReadInt(value, key, &c->maximum_batching_window_in_seconds);
  }
  if (key == "StartingPosition") {
    std::string s;
    if (Status st = ReadString(value, key, &s); !st.ok()) return st;
    if (s == "TRIM_HORIZON") {
      c->starting_position = StartingPosition::kTrimHorizon;
    } else if (s == "LATEST") {
      c->starting_position = StartingPosition::kLatest;
    } else if (s == "AT_TIMESTAMP") {
      c->starting_position = StartingPosition::kAtTimestamp;
    } else {
      return Status::InvalidArgument(fmt::format(
          "1 validation error detected: Value '{}' at 'startingPosition' failed to satisfy "
          "constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_TIMESTAMP]",
          s));
    }
    return Status::Ok();
  }
  if (key == "StartingPositionTimestamp") {
    return ReadTimestamp(value, key, &c->starting_position_timestamp_ms);
  }
  if (key == "ParallelizationFactor") return ReadInt(value, key, &c->parallelization_factor);
  if (key == "MaximumRetryAttempts") return ReadInt(value, key, &c->maximum_retry_attempts);
  if (key == "MaximumRecordAgeInSeconds") {
    return ReadInt(value, key, &c->maximum_record_age_in_seconds);
  }
  if (key == "BisectBatchOnFunctionError") {
    return ReadBool(value, key, &c->bisect_batch_on_function_error);
  }
  if (key == "TumblingWindowInSeconds") return ReadInt(value, key, &c->tumbling_window_in_seconds);
  if (key == "FunctionResponseTypes") {
    simdjson::dom::array types;
    if (value.get_array().get(types) != simdjson::SUCCESS || types.size() > 1) {
      return TypeError(key, "[] or [\"ReportBatchItemFailures\"]");
    }
    for (element t : types) {
      std::string_view s;
      if (t.get_string().get(s) != simdjson::SUCCESS || s != "ReportBatchItemFailures") {
        return Status::InvalidArgument(
            "1 validation error detected: Value at 'functionResponseTypes' failed to satisfy "
            "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
            "[ReportBatchItemFailures]]");
      }
      c->report_batch_item_failures = true;
    }
    return Status::Ok();
  }
  if (key == "FilterCriteria") return ReadFilters(value, &c->filter_patterns);
  if (key == "DestinationConfig") return ReadDestination(value, &c->on_failure.arn);
  if (key == "StrictBatchItemFailures") return ReadBool(value, key, &c->strict_batch_item_failures);
  if (key == "TargetTimeoutSeconds") return ReadInt(value, key, &c->target_timeout_seconds);
  if (key == "PollingIntervalMs") {
    int v = 0;
    if (Status s = ReadInt(value, key, &v); !s.ok()) return s;
    c->polling_interval_ms = v;
    return Status::Ok();
  }
  if (key == "LeaseTable") return ReadString(value, key, &c->lease_table);
  return Status::InvalidArgument(fmt::format("Unknown pipe field '{}'", key));
}

}  // namespace

Result<PipeConfig> ParsePipeConfig(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get_object().get(object) != simdjson::SUCCESS) {
    return Status::InvalidArgument("A pipe definition must be a JSON object");
  }
  PipeConfig config;
  bool has_starting_position = false;
  for (auto [key, value] : object) {
    has_starting_position |= key == "StartingPosition";
    if (Status s = ReadField(key, value, &config); !s.ok()) {
      if (config.name.empty()) return s;
      return Status::InvalidArgument(fmt::format("pipe {}: {}", config.name, s.message()));
    }
  }
  Status s = has_starting_position
                 ? ValidatePipeConfig(&config)
                 : Status::InvalidArgument(
                       "StartingPosition is required for a Kinesis or DynamoDB stream source "
                       "(TRIM_HORIZON, LATEST or AT_TIMESTAMP)");
  if (!s.ok()) {
    if (config.name.empty()) return s;
    return Status::InvalidArgument(fmt::format("pipe {}: {}", config.name, s.message()));
  }
  return config;
}

std::string PipeConfigToJson(const PipeConfig& c) {
  client::JsonBody j;
  j.Open();
  j.Key("Name").String(c.name);
  j.Key("EventSourceArn").String(c.event_source_arn);
  switch (c.target_type) {
    case TargetType::kFunction: j.Key("FunctionName").String(c.function_name); break;
    case TargetType::kHttp: j.Key("TargetUrl").String(c.target_url); break;
    case TargetType::kCommand:
      j.Key("TargetCommand").OpenArray();
      for (const auto& arg : c.target_command) j.String(arg);
      j.CloseArray();
      break;
  }
  j.Key("Enabled").Bool(c.enabled);
  j.Key("BatchSize").Int(c.batch_size);
  j.Key("MaximumBatchingWindowInSeconds").Int(c.maximum_batching_window_in_seconds);
  j.Key("StartingPosition").String(StartingPositionName(c.starting_position));
  if (c.starting_position == StartingPosition::kAtTimestamp) {
    j.Key("StartingPositionTimestamp").Timestamp(c.starting_position_timestamp_ms);
  }
  j.Key("ParallelizationFactor").Int(c.parallelization_factor);
  j.Key("MaximumRetryAttempts").Int(c.maximum_retry_attempts);
  j.Key("MaximumRecordAgeInSeconds").Int(c.maximum_record_age_in_seconds);
  j.Key("BisectBatchOnFunctionError").Bool(c.bisect_batch_on_function_error);
  j.Key("TumblingWindowInSeconds").Int(c.tumbling_window_in_seconds);
  j.Key("FunctionResponseTypes").OpenArray();
  if (c.report_batch_item_failures) j.String("ReportBatchItemFailures");
  j.CloseArray();
  if (!c.filter_patterns.empty()) {
    j.Key("FilterCriteria").Open().Key("Filters").OpenArray();
    for (const auto& p : c.filter_patterns) j.Open().Key("Pattern").String(p).Close();
    j.CloseArray().Close();
  }
  if (!c.on_failure.arn.empty()) {
    j.Key("DestinationConfig").Open().Key("OnFailure").Open().Key("Destination");
    j.String(c.on_failure.arn).Close().Close();
  }
  j.Key("StrictBatchItemFailures").Bool(c.strict_batch_item_failures);
  j.Key("TargetTimeoutSeconds").Int(c.target_timeout_seconds);
  if (c.polling_interval_ms) j.Key("PollingIntervalMs").Int(*c.polling_interval_ms);
  j.Key("LeaseTable").String(c.lease_table);
  j.Close();
  return j.Take();
}

}  // namespace eddy::pipe
