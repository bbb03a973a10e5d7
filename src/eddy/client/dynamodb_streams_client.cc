#include "eddy/client/dynamodb_streams_client.h"

#include <simdjson.h>

#include <utility>

#include "eddy/client/json_body.h"
#include "eddy/client/json_response.h"

namespace eddy::client {

namespace {

using simdjson::dom::element;

// An ondemand parser per thread, for GetRecords (see there); separate from ThreadParser()'s DOM
// parser, so both can be in use at once.
simdjson::ondemand::parser& ThreadOndemandParser() {
  thread_local simdjson::ondemand::parser parser;
  return parser;
}

std::string_view TrimTrailingSpace(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// The exact text of every element of the answer's Records array, and its NextShardIterator.
// The views point into `*body`.
//
// simdjson's ondemand API gives an object's text as it was sent (raw_json); a DOM
// re-serialization would rewrite numbers and escapes, and consumers pass the record on as the
// server wrote it. (Ondemand runs simdjson's implementation chosen at compile time, the portable
// one for a baseline x86-64 build: slower than the DOM parser's runtime-chosen one, and still
// far below the cost of the request for an answer of at most 1 MB.)
struct RawRecords {
  std::vector<std::string_view> records;
  std::string next_shard_iterator;
};

Outcome<RawRecords> SplitRecords(std::string* body) {
  constexpr std::string_view kOp = "GetRecords";
  body->reserve(body->size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  auto bad = [&](simdjson::error_code err) {
    return BadResponse(kOp, simdjson::error_message(err));
  };
  if (auto err = ThreadOndemandParser()
                     .iterate(simdjson::padded_string_view(body->data(), body->size(),
                                                           body->capacity()))
                     .get(doc)) {
    return bad(err);
  }
  simdjson::ondemand::object top;
  if (auto err = doc.get_object().get(top)) return bad(err);
  RawRecords raw;
  bool has_records = false;
  for (auto member : top) {
    simdjson::ondemand::field field;
    if (auto err = std::move(member).get(field)) return bad(err);
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return bad(err);
    if (key == "Records") {
      simdjson::ondemand::array records;
      if (auto err = field.value().get_array().get(records)) return bad(err);
      for (auto item : records) {
        simdjson::ondemand::object record;
        if (auto err = item.get_object().get(record)) return bad(err);
        std::string_view text;
        if (auto err = record.raw_json().get(text)) return bad(err);
        raw.records.push_back(TrimTrailingSpace(text));
      }
      has_records = true;
    } else if (key == "NextShardIterator") {
      std::string_view iterator;
      if (auto err = field.value().get_string().get(iterator)) return bad(err);
      raw.next_shard_iterator = std::string(iterator);
    }
  }
  if (!has_records) return BadResponse(kOp, "no Records");
  return raw;
}

// A record's fields, from its own text (which the DOM parser validates whole).
Outcome<DynamoStreamRecord> ParseRecord(std::string_view text) {
  constexpr std::string_view kOp = "GetRecords";
  element json;
  if (auto err = ThreadParser().parse(text.data(), text.size()).get(json)) {
    return BadResponse(kOp, simdjson::error_message(err));
  }
  DynamoStreamRecord record;
  record.event_id = StringField(json, "eventID");
  record.event_name = StringField(json, "eventName");
  element dynamodb;
  if (json["dynamodb"].get(dynamodb) != simdjson::SUCCESS || !dynamodb.is_object()) {
    return BadResponse(kOp, "a record without dynamodb");
  }
  record.sequence_number = StringField(dynamodb, "SequenceNumber");
  if (record.sequence_number.empty()) return BadResponse(kOp, "a record without SequenceNumber");
  record.approximate_creation_ms = TimestampField(dynamodb, "ApproximateCreationDateTime");
  record.size_bytes = IntField(dynamodb, "SizeBytes");
  record.json = std::string(text);
  return record;
}

}  // namespace

std::string_view DynamoStreamIteratorTypeName(DynamoStreamIteratorType type) {
  switch (type) {
    case DynamoStreamIteratorType::kTrimHorizon:
      return "TRIM_HORIZON";
    case DynamoStreamIteratorType::kLatest:
      return "LATEST";
    case DynamoStreamIteratorType::kAtSequenceNumber:
      return "AT_SEQUENCE_NUMBER";
    case DynamoStreamIteratorType::kAfterSequenceNumber:
      return "AFTER_SEQUENCE_NUMBER";
  }
  return "TRIM_HORIZON";
}

Result<std::unique_ptr<DynamoDbStreamsClient>> DynamoDbStreamsClient::Create(
    const ClientConfig& config, const auth::SettingsSource& source) {
  EDDY_ASSIGN_OR_RETURN(auto json,
                        AwsJsonClient::Create(kDynamoDbStreamsService, config, source));
  return std::unique_ptr<DynamoDbStreamsClient>(new DynamoDbStreamsClient(std::move(json)));
}

DynamoDbStreamsClient::DynamoDbStreamsClient(std::unique_ptr<AwsJsonClient> json)
    : json_(std::move(json)) {}

Outcome<std::vector<DynamoStreamSummary>> DynamoDbStreamsClient::ListStreams(
    const std::string& table_name) {
  constexpr std::string_view kOp = "ListStreams";
  std::vector<DynamoStreamSummary> streams;
  std::string start;
  for (;;) {
    JsonBody body;
    body.Open();
    if (!table_name.empty()) body.Key("TableName").String(table_name);
    if (!start.empty()) body.Key("ExclusiveStartStreamArn").String(start);
    auto call = json_->Call(kOp, body.Close().Take());
    if (!call.ok()) return call.error();
    auto doc = ParseBody(kOp, *call);
    if (!doc.ok()) return doc.error();
    simdjson::dom::array list;
    if ((*doc)["Streams"].get(list) != simdjson::SUCCESS) return BadResponse(kOp, "no Streams");
    for (element item : list) {
      streams.push_back(DynamoStreamSummary{StringField(item, "StreamArn"),
                                            StringField(item, "TableName"),
                                            StringField(item, "StreamLabel")});
    }
    std::string last = StringField(*doc, "LastEvaluatedStreamArn");
    if (last.empty()) return streams;
    if (last == start) return BadResponse(kOp, "LastEvaluatedStreamArn repeats the start");
    start = std::move(last);
  }
}

Outcome<DynamoStreamDescription> DynamoDbStreamsClient::DescribeStream(
    const std::string& stream_arn, int shards_per_page) {
  constexpr std::string_view kOp = "DescribeStream";
  DynamoStreamDescription description;
  std::string start;
  for (;;) {
    JsonBody body;
    body.Open().Key("StreamArn").String(stream_arn).Key("Limit").Int(shards_per_page);
    if (!start.empty()) body.Key("ExclusiveStartShardId").String(start);
    auto call = json_->Call(kOp, body.Close().Take());
    if (!call.ok()) return call.error();
    auto doc = ParseBody(kOp, *call);
    if (!doc.ok()) return doc.error();
    element d;
    if ((*doc)["StreamDescription"].get(d) != simdjson::SUCCESS || !d.is_object()) {
      return BadResponse(kOp, "no StreamDescription");
    }
    // The stream's own fields are the same on every page; the last page's are kept.
    description.arn = StringField(d, "StreamArn");
    description.label = StringField(d, "StreamLabel");
    description.status = StringField(d, "StreamStatus");
    description.view_type = StringField(d, "StreamViewType");
    description.table_name = StringField(d, "TableName");
    description.created_ms = TimestampField(d, "CreationRequestDateTime");
    simdjson::dom::array shards;
    if (d["Shards"].get(shards) != simdjson::SUCCESS) return BadResponse(kOp, "no Shards");
    for (element item : shards) {
      DynamoStreamShard shard;
      shard.shard_id = StringField(item, "ShardId");
      shard.parent_shard_id = StringField(item, "ParentShardId");
      element range;
      if (item["SequenceNumberRange"].get(range) == simdjson::SUCCESS && range.is_object()) {
        shard.starting_sequence_number = StringField(range, "StartingSequenceNumber");
        shard.ending_sequence_number = StringField(range, "EndingSequenceNumber");
      }
      if (shard.shard_id.empty()) return BadResponse(kOp, "a shard without ShardId");
      description.shards.push_back(std::move(shard));
    }
    std::string last = StringField(d, "LastEvaluatedShardId");
    if (last.empty()) return description;
    if (last == start) return BadResponse(kOp, "LastEvaluatedShardId repeats the start");
    start = std::move(last);
  }
}

Outcome<std::string> DynamoDbStreamsClient::GetShardIterator(const std::string& stream_arn,
                                                             const std::string& shard_id,
                                                             DynamoStreamIteratorType type,
                                                             const std::string& sequence_number) {
  constexpr std::string_view kOp = "GetShardIterator";
  JsonBody body;
  body.Open().Key("StreamArn").String(stream_arn).Key("ShardId").String(shard_id);
  body.Key("ShardIteratorType").String(DynamoStreamIteratorTypeName(type));
  if (type == DynamoStreamIteratorType::kAtSequenceNumber ||
      type == DynamoStreamIteratorType::kAfterSequenceNumber) {
    body.Key("SequenceNumber").String(sequence_number);
  }
  auto call = json_->Call(kOp, body.Close().Take());
  if (!call.ok()) return call;
  auto doc = ParseBody(kOp, *call);
  if (!doc.ok()) return doc.error();
  std::string iterator = StringField(*doc, "ShardIterator");
  if (iterator.empty()) return BadResponse(kOp, "no ShardIterator");
  return iterator;
}

Outcome<DynamoStreamRecords> DynamoDbStreamsClient::GetRecords(const std::string& shard_iterator,
                                                               int limit) {
  JsonBody body;
  body.Open().Key("ShardIterator").String(shard_iterator).Key("Limit").Int(limit).Close();
  auto call = json_->Call("GetRecords", body.Take());
  if (!call.ok()) return call.error();
  auto raw = SplitRecords(&*call);
  if (!raw.ok()) return raw.error();
  DynamoStreamRecords result;
  result.records.reserve(raw->records.size());
  for (std::string_view text : raw->records) {
    auto record = ParseRecord(text);
    if (!record.ok()) return record.error();
    result.records.push_back(std::move(record).value());
  }
  result.next_shard_iterator = std::move(raw->next_shard_iterator);
  return result;
}

Outcome<std::string> ResolveLatestStreamArn(DynamoDbClient& dynamodb,
                                            const std::string& table_name) {
  auto table = dynamodb.DescribeTable(table_name);
  if (!table.ok()) return table.error();
  if (table->latest_stream_arn.empty()) {
    return AwsError{0, "NoStream", "table " + table_name + " has no stream"};
  }
  return std::move(table->latest_stream_arn);
}

}  // namespace eddy::client
