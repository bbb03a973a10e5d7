#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/base/uint128.h"

namespace eddy::stream {

// The one account eddy serves (AWS account ids are 12 digits; LocalStack uses the same).
inline constexpr std::string_view kAccountId = "000000000000";

// One shard of a stream, as the catalog records it.
struct ShardMeta {
  uint32_t index = 0;  // shardId-<index, 12 digits>
  UInt128 starting_hash = 0;
  UInt128 ending_hash = 0;  // inclusive
  std::optional<uint32_t> parent;
  std::optional<uint32_t> adjacent_parent;
  int64_t created_ms = 0;
  // Set when the shard was closed by a split or merge: one past its last log offset.
  std::optional<uint64_t> closed_end_offset;
  int64_t closed_ms = 0;  // when it was closed (0 while open)

  bool open() const { return !closed_end_offset.has_value(); }
};

// "shardId-000000000007"
std::string ShardIdString(uint32_t index);
// Accepts "shardId-000000000007" and the short forms some clients send ("shardId-7").
std::optional<uint32_t> ParseShardId(std::string_view id);

// A stream, as the catalog records it.
struct StreamMeta {
  std::string name;
  std::string region = "us-east-1";
  std::string account_id = std::string(kAccountId);
  int64_t created_ms = 0;
  std::string mode = "PROVISIONED";  // or ON_DEMAND
  int retention_hours = 24;
  int max_record_size_kib = 1024;
  std::vector<ShardMeta> shards;  // indexed by shard index
  std::map<std::string, std::string> tags;

  std::string Arn() const;
  // Folder of this incarnation's shard logs under <data>/streams/.
  std::string DirName() const;
  uint32_t SequenceTag() const { return static_cast<uint32_t>(created_ms / 1000); }
  size_t OpenShardCount() const;

  std::string ToJson() const;
  static Result<StreamMeta> FromJson(std::string_view json);
};

// Parses arn:aws:kinesis:<region>:<account>:stream/<name> into the name (nullopt if not one).
std::optional<std::string> StreamNameFromArn(std::string_view arn);

}  // namespace eddy::stream
