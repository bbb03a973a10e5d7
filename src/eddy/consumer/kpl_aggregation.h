#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "eddy/base/uint128.h"
#include "eddy/consumer/record.h"

namespace eddy::consumer {

// The Kinesis Producer Library's aggregated record format
// (amazon-kinesis-producer/aggregation-format.md): the 4 magic bytes F3 89 9A C2, a protobuf
// AggregatedRecord, then the 16-byte MD5 of the protobuf bytes.
//
//   message AggregatedRecord {
//     repeated string partition_key_table = 1;
//     repeated string explicit_hash_key_table = 2;
//     repeated Record records = 3;
//   }
//   message Record {
//     required uint64 partition_key_index = 1;
//     optional uint64 explicit_hash_key_index = 2;
//     required bytes data = 3;
//     repeated Tag tags = 4;  // Tag { required string key = 1; optional string value = 2; }
//   }
//
// Thread-safety: pure functions.

inline constexpr std::string_view kKplMagic = "\xF3\x89\x9A\xC2";

// A shard's hash key range, both ends included (a Kinesis Shard's HashKeyRange).
struct HashKeyRange {
  UInt128 starting_hash_key = 0;
  UInt128 ending_hash_key = kUInt128Max;

  bool Contains(UInt128 key) const { return starting_hash_key <= key && key <= ending_hash_key; }
};

// True when `data` starts with the KPL magic and is long enough to hold a non-empty protobuf
// and its MD5. Only a first look: Deaggregate still passes a blob through whose digest or
// protobuf is wrong.
bool IsAggregated(std::string_view data);

// What Deaggregate made of a record, for callers that count or log it.
enum class DeaggregateOutcome {
  kNotAggregated,  // no magic, or too short: passed through
  kMalformed,      // magic, but a wrong MD5 or an invalid protobuf: passed through
  kTooLarge,       // valid, but its user records would copy over kMaxCopiedKeyBytes: passed through
  kDeaggregated,   // the user records (possibly none, for an aggregate without records)
  kOutsideShard,   // a user record's hash key is outside `shard_range`: all dropped
};

// Every user record gets its own copy of its partition key and explicit hash key, and many
// user records may name one table entry: a 1 MiB aggregate could otherwise ask for terabytes
// (one 500 KB key named by 80,000 records). A 1 MiB aggregate of empty user records sharing
// one 256-byte partition key (Kinesis' limit is 256 characters) copies about 43 MiB.
inline constexpr size_t kMaxCopiedKeyBytes = size_t{64} << 20;

// Splits a KPL aggregate into its user records as KCL's AggregatorUtil does. Each user record
// keeps the outer sequence number and arrival time, takes its partition key (and explicit hash
// key, if it has one) from the aggregate's tables, its index among the aggregate's records as
// sub_sequence_number, and aggregated = true.
//
// A record that is not an aggregate, or whose MD5 or protobuf is wrong, comes back unchanged as
// the only element (KCL hands such a blob to the processor as it is). Invalid protobuf includes
// anything protobuf's parser refuses (a read past the end, a bad wire type, a missing required
// field) and also a table index out of range, where KCL differs: it logs the error and delivers
// the user records before the bad one (see the .cc).
//
// `shard_range`: when not null, KCL's reshard filter. A user record's effective hash key is its
// explicit hash key (decimal) or else the MD5 of its partition key read as a big-endian 128-bit
// integer; if any user record's key lies outside the range, the whole aggregate is dropped and
// the result is empty: the KPL sent it to a shard that had been split or merged, and sends the
// records again to the right shard. An explicit hash key that is not a decimal number below
// 2^128 counts as outside every range. Null: no filtering.
//
// `outcome`, when not null, receives which of these happened. Never reads past `record.data`;
// allocates in proportion to the bytes the aggregate really holds (no length or count read
// from it is trusted), up to kMaxCopiedKeyBytes of copied keys.
std::vector<Record> Deaggregate(Record record, const HashKeyRange* shard_range,
                                DeaggregateOutcome* outcome = nullptr);

}  // namespace eddy::consumer
