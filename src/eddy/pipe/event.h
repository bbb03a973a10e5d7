#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eddy/consumer/record.h"
#include "eddy/pipe/pipe_config.h"

namespace eddy::pipe {

// What every event of one shard of a pipe shares.
struct EventContext {
  SourceType source_type = SourceType::kKinesis;
  std::string event_source_arn;
  std::string region;
  std::string shard_id;
  std::string invoke_identity_arn;  // Kinesis only: "arn:aws:iam::ACCOUNT:role/eddy-pipe-NAME"
};

// Lambda's payload limit for a synchronous invocation: a batch closes before it would pass it.
inline constexpr size_t kMaxPayloadBytes = 6 * 1024 * 1024;
// What {"Records":[ and ]} and the commas between entries add to the entries' sizes.
inline constexpr size_t kEventEnvelopeBytes = 14;

// The entry of Records[] for one record, exactly as Lambda sends it:
//   Kinesis: {"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey","sequenceNumber",
//     "data" (base64),"approximateArrivalTimestamp" (epoch seconds.millis)},"eventSource":
//     "aws:kinesis","eventVersion":"1.0","eventID":"SHARD:SEQ","eventName":"aws:kinesis:record",
//     "invokeIdentityArn","awsRegion","eventSourceARN"}
//   DynamoDB: the record as DynamoDB Streams' GetRecords returned it (`record.data`), with
//     "eventSourceARN" added.
// Thread-safety: pure function.
std::string RecordEntry(const EventContext& context, const consumer::Record& record);

// {"Records":[e1,e2,...]} from entries made by RecordEntry.
std::string BatchPayload(const std::vector<const std::string*>& entries);

// What a FilterCriteria pattern is matched against, as Lambda filters:
//   Kinesis: {"kinesisSchemaVersion","partitionKey","sequenceNumber","approximateArrivalTimestamp",
//     "data"}, where data is the record's bytes parsed as JSON when they are a JSON object or
//     array (base64-decoded, as Lambda does), and absent otherwise (a pattern on `data` then
//     matches nothing; Lambda drops such records);
//   DynamoDB: the record's JSON (eventName, dynamodb.Keys, dynamodb.NewImage, ...).
// Thread-safety: pure function.
std::string FilterView(const EventContext& context, const consumer::Record& record);

}  // namespace eddy::pipe
