#include "eddy/pipe/event.h"

#include <simdjson.h>

#include "eddy/client/json_body.h"

namespace eddy::pipe {
namespace {

void KinesisFields(const EventContext& context, const consumer::Record& record,
                   client::JsonBody* j) {
  j->Key("kinesisSchemaVersion").String("1.0");
  j->Key("partitionKey").String(record.partition_key);
  j->Key("sequenceNumber").String(record.sequence_number);
  (void)context;
}

// Whether `bytes` is one JSON object or array (what Lambda filters as structured data).
bool IsJsonDocument(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' ||
                              bytes[i] == '\t')) {
    ++i;
  }
  if (i == bytes.size() || (bytes[i] != '{' && bytes[i] != '[')) return false;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(bytes.data(), bytes.size()).get(doc) == simdjson::SUCCESS;
}

}  // namespace

std::string RecordEntry(const EventContext& context, const consumer::Record& record) {
  if (context.source_type == SourceType::kDynamoDbStream) {
    // GetRecords' record is an object; Lambda adds the stream's ARN to it.
    std::string entry = record.data;
    const size_t close = entry.rfind('}');
    if (close == std::string::npos) return entry;
    const bool empty = entry.find_first_not_of(" \t\r\n", entry.find('{') + 1) == close;
    client::JsonBody arn;
    arn.Key("eventSourceARN").String(context.event_source_arn);
    entry.insert(close, (empty ? "" : ",") + arn.Take());
    return entry;
  }
  client::JsonBody j;
  j.Reserve(record.data.size() * 4 / 3 + record.partition_key.size() + 512);
  j.Open().Key("kinesis").Open();
  KinesisFields(context, record, &j);
  j.Key("data").Base64(record.data);
  j.Key("approximateArrivalTimestamp").Timestamp(record.arrival_ms);
  j.Close();
  j.Key("eventSource").String("aws:kinesis");
  j.Key("eventVersion").String("1.0");
  j.Key("eventID").String(context.shard_id + ":" + record.sequence_number);
  j.Key("eventName").String("aws:kinesis:record");
  j.Key("invokeIdentityArn").String(context.invoke_identity_arn);
  j.Key("awsRegion").String(context.region);
  j.Key("eventSourceARN").String(context.event_source_arn);
  j.Close();
  return j.Take();
}

std::string BatchPayload(const std::vector<const std::string*>& entries) {
  size_t size = kEventEnvelopeBytes;
  for (const std::string* e : entries) size += e->size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"Records\":[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ',';
    out += *entries[i];
  }
  out += "]}";
  return out;
}

std::string FilterView(const EventContext& context, const consumer::Record& record) {
  if (context.source_type == SourceType::kDynamoDbStream) return record.data;
  client::JsonBody j;
  j.Open();
  KinesisFields(context, record, &j);
  j.Key("approximateArrivalTimestamp").Timestamp(record.arrival_ms);
  if (IsJsonDocument(record.data)) j.Key("data").Raw(record.data);
  j.Close();
  return j.Take();
}

}  // namespace eddy::pipe
