#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/base/status.h"

namespace eddy::pipe {

// Where a pipe reads: a Kinesis stream or a DynamoDB stream, named by its ARN as Lambda's
// EventSourceArn names it.
enum class SourceType { kKinesis, kDynamoDbStream };

// What a pipe delivers each batch to (exactly one).
enum class TargetType {
  kFunction,  // FunctionName: a function of the pipes file, run through the Lambda Runtime API
  kHttp,      // TargetUrl: POST the event; 2xx is success, its body the function response
  kCommand,   // TargetCommand: run per batch, event on stdin, response on stdout, exit code
};

// Lambda's StartingPosition.
enum class StartingPosition { kTrimHorizon, kLatest, kAtTimestamp };

// Where a batch goes when its retries or its records' age run out
// (DestinationConfig.OnFailure.Destination).
struct FailureDestination {
  enum class Type { kNone, kKinesis, kFile };
  Type type = Type::kNone;
  std::string arn;   // as given: "arn:aws:kinesis:REGION:ACCOUNT:stream/NAME" or "file:///PATH"
  std::string name;  // the stream name (kKinesis) or the file's path (kFile)
};

// One pipe, with the names, defaults and ranges of Lambda's CreateEventSourceMapping (botocore's
// lambda model is the authority) plus eddy's own settings, marked as such. Passed by value.
struct PipeConfig {
  std::string name;  // REQUIRED: [A-Za-z0-9_.-]{1,64}; names the pipe's lease table

  // --- the source ---
  std::string event_source_arn;  // REQUIRED
  SourceType source_type = SourceType::kKinesis;
  std::string source_region;   // from the ARN
  std::string source_account;  // from the ARN
  std::string stream_name;     // Kinesis: the stream's name; DynamoDB: the table's name

  // --- the target: exactly one ---
  TargetType target_type = TargetType::kFunction;
  std::string function_name;                // FunctionName (a name, or a function ARN)
  std::string target_url;                   // eddy: TargetUrl, http:// or https://
  std::vector<std::string> target_command;  // eddy: TargetCommand, argv

  bool enabled = true;  // Enabled
  int batch_size = 100;                         // BatchSize 1..10000
  int maximum_batching_window_in_seconds = 0;   // 0..300
  StartingPosition starting_position = StartingPosition::kLatest;  // REQUIRED in a definition
  int64_t starting_position_timestamp_ms = 0;   // StartingPositionTimestamp (AT_TIMESTAMP)
  int parallelization_factor = 1;               // 1..10
  int maximum_retry_attempts = -1;              // -1 (until the record expires), 0..10000
  int maximum_record_age_in_seconds = -1;       // -1, 60..604800
  bool bisect_batch_on_function_error = false;
  bool report_batch_item_failures = false;      // FunctionResponseTypes ["ReportBatchItemFailures"]
  int tumbling_window_in_seconds = 0;           // 0..900
  std::vector<std::string> filter_patterns;     // FilterCriteria.Filters[].Pattern
  FailureDestination on_failure;                // DestinationConfig.OnFailure.Destination

  // --- eddy's own ---
  // A partial batch response that reads as success but is not one (an object with keys other
  // than batchItemFailures, e.g. a typo "batchItemFailure") fails the batch instead of being
  // counted and logged.
  bool strict_batch_item_failures = false;
  // How long an HTTP target or a command may take per batch (a function has its own Timeout).
  int target_timeout_seconds = 60;
  // Pause between GetRecords calls that return nothing, per shard. Lambda polls Kinesis once a
  // second and DynamoDB streams four times; eddy polls its own server every 5 ms by default (a
  // GetRecords on eddy costs microseconds) and AWS's endpoints at Lambda's rates.
  std::optional<int> polling_interval_ms;
  // Where leases and checkpoints live: a DynamoDB table in KCL's schema, "eddy-pipe-<name>" by
  // default (made if missing).
  std::string lease_table;
};

// Lambda's texts for a bad mapping, as InvalidParameterValueException carries them.
// Checks every field (ranges, combinations, the filter patterns, the ARNs) and fills in what is
// derived from them (source type, region, stream name, destination type). Errors:
// InvalidArgument with a message naming the field.
Status ValidatePipeConfig(PipeConfig* config);

// Reads one pipe from a JSON object with Lambda's field names (CreateEventSourceMapping's
// request shape: "FunctionName", "EventSourceArn", "BatchSize", "StartingPosition",
// "StartingPositionTimestamp" (epoch seconds or ISO-8601), "FilterCriteria":{"Filters":[{"Pattern":..}]},
// "DestinationConfig":{"OnFailure":{"Destination":..}}, "FunctionResponseTypes", ...) and eddy's
// ("Name", "TargetUrl", "TargetCommand", "StrictBatchItemFailures", "TargetTimeoutSeconds",
// "PollingIntervalMs", "LeaseTable"), then validates it. Unknown fields are refused.
Result<PipeConfig> ParsePipeConfig(std::string_view json);

// The definition as JSON with the same names (what ParsePipeConfig reads back).
std::string PipeConfigToJson(const PipeConfig& config);

// "TRIM_HORIZON", ...
std::string_view StartingPositionName(StartingPosition position);

}  // namespace eddy::pipe
