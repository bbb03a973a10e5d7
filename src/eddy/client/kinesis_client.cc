#include "eddy/client/kinesis_client.h"

#include <simdjson.h>

#include <chrono>
#include <thread>

#include "eddy/base/base64.h"
#include "eddy/client/json_body.h"
#include "eddy/client/json_response.h"

namespace eddy::client {

namespace {

using simdjson::dom::element;

// The stream a request names: AWS's operations take StreamName or StreamARN (botocore's kinesis
// model), and a consumer is configured with either, so a string that is an ARN goes as one.
JsonBody& StreamKey(JsonBody& body, const std::string& stream) {
  return body.Key(stream.starts_with("arn:") ? "StreamARN" : "StreamName").String(stream);
}

template <typename T>
Outcome<T> Fail(const Outcome<std::string>& call) {
  return call.error();
}

}  // namespace

std::string_view IteratorTypeName(IteratorType type) {
  switch (type) {
    case IteratorType::kTrimHorizon:
      return "TRIM_HORIZON";
    case IteratorType::kLatest:
      return "LATEST";
    case IteratorType::kAtSequenceNumber:
      return "AT_SEQUENCE_NUMBER";
    case IteratorType::kAfterSequenceNumber:
      return "AFTER_SEQUENCE_NUMBER";
    case IteratorType::kAtTimestamp:
      return "AT_TIMESTAMP";
  }
  return "TRIM_HORIZON";
}

Result<std::unique_ptr<KinesisClient>> KinesisClient::Create(const ClientConfig& config,
                                                             const auth::SettingsSource& source) {
  EDDY_ASSIGN_OR_RETURN(auto json, AwsJsonClient::Create(kKinesisService, config, source));
  return std::unique_ptr<KinesisClient>(new KinesisClient(std::move(json)));
}

KinesisClient::KinesisClient(std::unique_ptr<AwsJsonClient> json) : json_(std::move(json)) {}

Outcome<Empty> KinesisClient::CreateStream(const std::string& name,
                                           std::optional<int> shard_count, bool on_demand) {
  JsonBody body;
  body.Open().Key("StreamName").String(name);
  if (shard_count) body.Key("ShardCount").Int(*shard_count);
  if (on_demand) body.Key("StreamModeDetails").Open().Key("StreamMode").String("ON_DEMAND").Close();
  return CallForNothing(*json_, "CreateStream", body.Close().Take());
}

Outcome<Empty> KinesisClient::DeleteStream(const std::string& name,
                                           bool enforce_consumer_deletion) {
  JsonBody body;
  StreamKey(body.Open(), name);
  if (enforce_consumer_deletion) body.Key("EnforceConsumerDeletion").Bool(true);
  return CallForNothing(*json_, "DeleteStream", body.Close().Take());
}

Outcome<StreamSummary> KinesisClient::DescribeStreamSummary(const std::string& name) {
  JsonBody body;
  auto call = json_->Call("DescribeStreamSummary", StreamKey(body.Open(), name).Close().Take());
  if (!call.ok()) return Fail<StreamSummary>(call);
  auto doc = ParseBody("DescribeStreamSummary", *call);
  if (!doc.ok()) return doc.error();
  element d;
  if ((*doc)["StreamDescriptionSummary"].get(d) != simdjson::SUCCESS || !d.is_object()) {
    return BadResponse("DescribeStreamSummary", "no StreamDescriptionSummary");
  }
  StreamSummary s;
  s.name = StringField(d, "StreamName");
  s.arn = StringField(d, "StreamARN");
  s.status = StringField(d, "StreamStatus");
  element mode;
  if (d["StreamModeDetails"].get(mode) == simdjson::SUCCESS && mode.is_object()) {
    s.mode = StringField(mode, "StreamMode");
  }
  s.open_shard_count = static_cast<int>(IntField(d, "OpenShardCount"));
  s.retention_hours = static_cast<int>(IntField(d, "RetentionPeriodHours"));
  s.created_ms = TimestampField(d, "StreamCreationTimestamp");
  return s;
}

Outcome<StreamSummary> KinesisClient::WaitForActive(const std::string& name, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto summary = DescribeStreamSummary(name);
    if (!summary.ok() || summary->status == "ACTIVE") return summary;
    if (std::chrono::steady_clock::now() >= deadline) {
      return AwsError{0, "Timeout",
                      "stream " + name + " still " + summary->status + " after " +
                          std::to_string(timeout_ms) + " ms"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Outcome<std::vector<std::string>> KinesisClient::ListStreams() {
  std::vector<std::string> names;
  std::string next_token;
  for (;;) {
    JsonBody body;
    body.Open();
    if (!next_token.empty()) body.Key("NextToken").String(next_token);
    auto call = json_->Call("ListStreams", body.Close().Take());
    if (!call.ok()) return Fail<std::vector<std::string>>(call);
    auto doc = ParseBody("ListStreams", *call);
    if (!doc.ok()) return doc.error();
    simdjson::dom::array list;
    if ((*doc)["StreamNames"].get(list) == simdjson::SUCCESS) {
      for (auto item : list) {
        std::string_view name;
        if (item.get(name) == simdjson::SUCCESS) names.emplace_back(name);
      }
    }
    next_token = StringField(*doc, "NextToken");
    bool more = false;
    if ((*doc)["HasMoreStreams"].get(more) != simdjson::SUCCESS) more = false;
    if (!more || next_token.empty()) return names;
  }
}

Outcome<std::vector<ShardInfo>> KinesisClient::ListShards(const std::string& name) {
  std::vector<ShardInfo> shards;
  std::string next_token;
  for (;;) {
    JsonBody body;
    body.Open();
    // NextToken and StreamName/StreamARN are mutually exclusive in ListShards.
    if (next_token.empty()) {
      StreamKey(body, name);
    } else {
      body.Key("NextToken").String(next_token);
    }
    auto call = json_->Call("ListShards", body.Close().Take());
    if (!call.ok()) return Fail<std::vector<ShardInfo>>(call);
    auto doc = ParseBody("ListShards", *call);
    if (!doc.ok()) return doc.error();
    simdjson::dom::array list;
    if ((*doc)["Shards"].get(list) != simdjson::SUCCESS) {
      return BadResponse("ListShards", "no Shards");
    }
    for (auto item : list) {
      ShardInfo shard;
      shard.shard_id = StringField(item, "ShardId");
      shard.parent_shard_id = StringField(item, "ParentShardId");
      shard.adjacent_parent_shard_id = StringField(item, "AdjacentParentShardId");
      element range;
      if (item["HashKeyRange"].get(range) == simdjson::SUCCESS && range.is_object()) {
        shard.starting_hash_key = StringField(range, "StartingHashKey");
        shard.ending_hash_key = StringField(range, "EndingHashKey");
      }
      element seq;
      if (item["SequenceNumberRange"].get(seq) == simdjson::SUCCESS && seq.is_object()) {
        shard.starting_sequence_number = StringField(seq, "StartingSequenceNumber");
        shard.ending_sequence_number = StringField(seq, "EndingSequenceNumber");
      }
      shards.push_back(std::move(shard));
    }
    next_token = StringField(*doc, "NextToken");
    if (next_token.empty()) return shards;
  }
}

Outcome<PutRecordResult> KinesisClient::PutRecord(const std::string& stream,
                                                  const PutEntry& entry) {
  JsonBody body;
  body.Reserve(base64::EncodedSize(entry.data.size()) + 128);
  StreamKey(body.Open(), stream).Key("Data").Base64(entry.data);
  body.Key("PartitionKey").String(entry.partition_key);
  if (!entry.explicit_hash_key.empty()) body.Key("ExplicitHashKey").String(entry.explicit_hash_key);
  auto call = json_->Call("PutRecord", body.Close().Take());
  if (!call.ok()) return Fail<PutRecordResult>(call);
  auto doc = ParseBody("PutRecord", *call);
  if (!doc.ok()) return doc.error();
  return PutRecordResult{StringField(*doc, "ShardId"), StringField(*doc, "SequenceNumber")};
}

Outcome<PutRecordsResult> KinesisClient::PutRecords(const std::string& stream,
                                                    const std::vector<PutEntry>& entries) {
  size_t size = 64 + stream.size();
  for (const auto& e : entries) {
    size += base64::EncodedSize(e.data.size()) + e.partition_key.size() +
            e.explicit_hash_key.size() + 64;
  }
  JsonBody body;
  body.Reserve(size);
  StreamKey(body.Open(), stream).Key("Records").OpenArray();
  for (const auto& e : entries) {
    body.Open().Key("Data").Base64(e.data).Key("PartitionKey").String(e.partition_key);
    if (!e.explicit_hash_key.empty()) body.Key("ExplicitHashKey").String(e.explicit_hash_key);
    body.Close();
  }
  body.CloseArray().Close();
  auto call = json_->Call("PutRecords", body.Take());
  if (!call.ok()) return Fail<PutRecordsResult>(call);
  auto doc = ParseBody("PutRecords", *call);
  if (!doc.ok()) return doc.error();
  PutRecordsResult result;
  result.failed_record_count = static_cast<int>(IntField(*doc, "FailedRecordCount"));
  simdjson::dom::array list;
  if ((*doc)["Records"].get(list) != simdjson::SUCCESS) {
    return BadResponse("PutRecords", "no Records");
  }
  result.records.reserve(entries.size());
  for (auto item : list) {
    PutRecordsEntryResult r;
    r.shard_id = StringField(item, "ShardId");
    r.sequence_number = StringField(item, "SequenceNumber");
    r.error_code = StringField(item, "ErrorCode");
    r.error_message = StringField(item, "ErrorMessage");
    result.records.push_back(std::move(r));
  }
  if (result.records.size() != entries.size()) {
    return BadResponse("PutRecords", "Records does not have one entry per record sent");
  }
  return result;
}

Outcome<std::string> KinesisClient::GetShardIterator(const std::string& stream,
                                                     const std::string& shard_id,
                                                     const IteratorStart& start) {
  JsonBody body;
  StreamKey(body.Open(), stream).Key("ShardId").String(shard_id);
  body.Key("ShardIteratorType").String(IteratorTypeName(start.type));
  if (start.type == IteratorType::kAtSequenceNumber ||
      start.type == IteratorType::kAfterSequenceNumber) {
    body.Key("StartingSequenceNumber").String(start.sequence_number);
  }
  if (start.type == IteratorType::kAtTimestamp) {
    body.Key("Timestamp").Timestamp(start.timestamp_ms < 0 ? 0 : start.timestamp_ms);
  }
  auto call = json_->Call("GetShardIterator", body.Close().Take());
  if (!call.ok()) return call;
  auto doc = ParseBody("GetShardIterator", *call);
  if (!doc.ok()) return doc.error();
  std::string iterator = StringField(*doc, "ShardIterator");
  if (iterator.empty()) return BadResponse("GetShardIterator", "no ShardIterator");
  return iterator;
}

Outcome<GetRecordsResult> KinesisClient::GetRecords(const std::string& shard_iterator,
                                                    int limit) {
  JsonBody body;
  body.Open().Key("ShardIterator").String(shard_iterator).Key("Limit").Int(limit).Close();
  auto call = json_->Call("GetRecords", body.Take());
  if (!call.ok()) return Fail<GetRecordsResult>(call);
  auto doc = ParseBody("GetRecords", *call);
  if (!doc.ok()) return doc.error();
  GetRecordsResult result;
  result.next_shard_iterator = StringField(*doc, "NextShardIterator");
  result.millis_behind_latest = IntField(*doc, "MillisBehindLatest");
  simdjson::dom::array list;
  if ((*doc)["Records"].get(list) != simdjson::SUCCESS) {
    return BadResponse("GetRecords", "no Records");
  }
  result.records.reserve(list.size());
  for (auto item : list) {
    Record record;
    record.sequence_number = StringField(item, "SequenceNumber");
    record.partition_key = StringField(item, "PartitionKey");
    record.arrival_ms = TimestampField(item, "ApproximateArrivalTimestamp");
    std::string_view data;
    if (item["Data"].get(data) == simdjson::SUCCESS) {
      auto decoded = base64::Decode(data);
      if (!decoded) return BadResponse("GetRecords", "Data is not base64");
      record.data = std::move(*decoded);
    }
    result.records.push_back(std::move(record));
  }
  simdjson::dom::array children;
  if ((*doc)["ChildShards"].get(children) == simdjson::SUCCESS) {
    for (auto item : children) {
      ChildShard child;
      child.shard_id = StringField(item, "ShardId");
      element range;
      if (item["HashKeyRange"].get(range) == simdjson::SUCCESS && range.is_object()) {
        child.starting_hash_key = StringField(range, "StartingHashKey");
        child.ending_hash_key = StringField(range, "EndingHashKey");
      }
      simdjson::dom::array parents;
      if (item["ParentShards"].get(parents) == simdjson::SUCCESS) {
        for (auto p : parents) {
          std::string_view id;
          if (p.get(id) == simdjson::SUCCESS) child.parent_shards.emplace_back(id);
        }
      }
      result.child_shards.push_back(std::move(child));
    }
  }
  return result;
}

Outcome<Empty> KinesisClient::SplitShard(const std::string& stream, const std::string& shard_id,
                                         const std::string& new_starting_hash_key) {
  JsonBody body;
  StreamKey(body.Open(), stream).Key("ShardToSplit").String(shard_id);
  body.Key("NewStartingHashKey").String(new_starting_hash_key).Close();
  return CallForNothing(*json_, "SplitShard", body.Take());
}

Outcome<Empty> KinesisClient::MergeShards(const std::string& stream, const std::string& shard_id,
                                          const std::string& adjacent_shard_id) {
  JsonBody body;
  StreamKey(body.Open(), stream).Key("ShardToMerge").String(shard_id);
  body.Key("AdjacentShardToMerge").String(adjacent_shard_id).Close();
  return CallForNothing(*json_, "MergeShards", body.Take());
}

Outcome<Empty> KinesisClient::UpdateShardCount(const std::string& stream,
                                               int target_shard_count) {
  JsonBody body;
  StreamKey(body.Open(), stream).Key("TargetShardCount").Int(target_shard_count);
  body.Key("ScalingType").String("UNIFORM_SCALING").Close();
  return CallForNothing(*json_, "UpdateShardCount", body.Take());
}

}  // namespace eddy::client
