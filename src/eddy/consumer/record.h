#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::consumer {

// A position in a shard as KCL stores it in a lease's `checkpoint` and
// `checkpointSubSequenceNumber`: a sequence number (decimal digits) and the index of a user
// record inside a KPL aggregate, or one of KCL's sentinels (TRIM_HORIZON, LATEST, AT_TIMESTAMP,
// SHARD_END), whose sub-sequence number is 0.
//
// Thread-safety: a value type.
struct ExtendedSequenceNumber {
  std::string sequence_number;
  int64_t sub_sequence_number = 0;

  static constexpr std::string_view kTrimHorizon = "TRIM_HORIZON";
  static constexpr std::string_view kLatest = "LATEST";
  static constexpr std::string_view kAtTimestamp = "AT_TIMESTAMP";
  static constexpr std::string_view kShardEnd = "SHARD_END";

  static ExtendedSequenceNumber TrimHorizon() { return {std::string(kTrimHorizon), 0}; }
  static ExtendedSequenceNumber Latest() { return {std::string(kLatest), 0}; }
  static ExtendedSequenceNumber AtTimestamp() { return {std::string(kAtTimestamp), 0}; }
  static ExtendedSequenceNumber ShardEnd() { return {std::string(kShardEnd), 0}; }

  bool is_sentinel() const { return IsSentinel(sequence_number); }
  bool is_shard_end() const { return sequence_number == kShardEnd; }
  bool empty() const { return sequence_number.empty(); }

  static bool IsSentinel(std::string_view s) {
    return s == kTrimHorizon || s == kLatest || s == kAtTimestamp || s == kShardEnd;
  }

  friend bool operator==(const ExtendedSequenceNumber&, const ExtendedSequenceNumber&) = default;
};

// Compares two decimal sequence numbers by value (they may differ in length): <0, 0 or >0.
// REQUIRES: both are non-empty strings of digits.
int CompareSequenceNumbers(std::string_view a, std::string_view b);

// Orders positions as KCL does: the sentinels TRIM_HORIZON, AT_TIMESTAMP and LATEST come before
// every sequence number and SHARD_END after every one; two sequence numbers compare by value,
// then by sub-sequence number. <0, 0 or >0.
int ComparePositions(const ExtendedSequenceNumber& a, const ExtendedSequenceNumber& b);

// One record as a record processor sees it: a Kinesis record, a user record taken out of a KPL
// aggregate (`aggregated`, with its index in `sub_sequence_number`), or a DynamoDB stream
// record (`data` holds the record's JSON as DynamoDB Streams' GetRecords returns it, and
// `partition_key` its sequence number, as the DynamoDB Streams Kinesis Adapter does).
//
// Thread-safety: a value type.
struct Record {
  std::string sequence_number;
  int64_t sub_sequence_number = 0;
  bool aggregated = false;
  int64_t arrival_ms = 0;  // ApproximateArrivalTimestamp (Kinesis) or ApproximateCreationDateTime
  std::string partition_key;
  std::string explicit_hash_key;  // only for user records of a KPL aggregate; empty otherwise
  std::string data;               // the bytes

  ExtendedSequenceNumber position() const { return {sequence_number, sub_sequence_number}; }
};

}  // namespace eddy::consumer
