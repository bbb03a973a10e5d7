#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/table/model_types.h"

namespace eddy::table {

// One key attribute: its name and scalar type (S, N or B).
struct KeyAttribute {
  std::string name;
  ValueType type = ValueType::kString;
  friend bool operator==(const KeyAttribute&, const KeyAttribute&) = default;
};

// A table's or index's primary key: a partition (HASH) key and an optional sort (RANGE) key.
struct KeySchema {
  KeyAttribute partition;
  std::optional<KeyAttribute> sort;
  friend bool operator==(const KeySchema&, const KeySchema&) = default;
};

enum class ProjectionType : uint8_t { kAll = 0, kKeysOnly = 1, kInclude = 2 };

// A global or local secondary index.
struct IndexDefinition {
  std::string name;
  uint16_t id = 0;  // storage id within the table; 0 is the table itself, never an index
  bool local = false;
  KeySchema key;
  ProjectionType projection = ProjectionType::kAll;
  std::vector<std::string> non_key_attributes;  // kInclude only
  int64_t read_capacity = 0;
  int64_t write_capacity = 0;
  // A global index added to a table that holds items is being filled from them
  // (TableStore::AddIndex); it is not readable until that ends.
  bool backfilling = false;
  friend bool operator==(const IndexDefinition&, const IndexDefinition&) = default;
};

// What a DynamoDB stream's records show of the item (StreamViewType).
enum class StreamViewType : uint8_t {
  kKeysOnly = 0,
  kNewImage = 1,
  kOldImage = 2,
  kNewAndOldImages = 3,
};

// One shard of a table's change stream: a contiguous range of the table's change sequence
// numbers (TableStore::ReadChanges). A stream's shards form one lineage: each new shard starts
// right after its parent ends, so reading parents before children gives every change once and
// in per-item order.
struct StreamShard {
  std::string id;         // "shardId-" + 20-digit creation time in ms + "-" + 8 hex digits
  std::string parent_id;  // empty for a stream's first shard
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;  // once closed; first_seq - 1 for a shard that closed empty
  int64_t created_ms = 0;
  int64_t closed_ms = 0;  // 0 while open
  bool open() const { return closed_ms == 0; }
  friend bool operator==(const StreamShard&, const StreamShard&) = default;
};

// One DynamoDB stream of a table. Enabling a stream again after disabling it starts a new one
// (new label, new ARN); the old one stays readable until its records age out.
struct StreamDefinition {
  std::string label;  // creation time, "2026-12-01T22:51:10.252" (UTC, milliseconds)
  StreamViewType view = StreamViewType::kNewAndOldImages;
  int64_t created_ms = 0;
  bool enabled = true;
  std::vector<StreamShard> shards;  // oldest first, which is also their ids' order
  friend bool operator==(const StreamDefinition&, const StreamDefinition&) = default;
};

// A Kinesis stream the table's changes are copied into (Kinesis Data Streams for DynamoDB).
struct KinesisDestination {
  std::string stream_arn;    // as the user gave it
  std::string stream_name;   // the eddy stream it names
  bool microsecond = false;  // ApproximateCreationDateTime in µs (else ms)
  bool enabled = true;       // ACTIVE; false: DISABLED (kept so Describe lists it)
  // The forwarding checkpoint: every change up to this sequence number is in the stream, and
  // the checkpoint was written at `checkpoint_ms` (records appended after that may be ahead
  // of it after a crash; see api/dynamodb/kinesis_forwarder.h).
  uint64_t forwarded_through = 0;
  int64_t checkpoint_ms = 0;
  friend bool operator==(const KinesisDestination&, const KinesisDestination&) = default;
};

// Everything the catalog keeps about a table. The API layer validates a definition before the
// store sees it; the store assigns `id` and `created_ms`.
struct TableDefinition {
  std::string name;
  uint32_t id = 0;  // never reused, so a re-created table never sees its predecessor's data
  int64_t created_ms = 0;
  KeySchema key;
  std::vector<KeyAttribute> attribute_definitions;
  std::vector<IndexDefinition> indexes;
  // The id the next index gets: ids are never reused within a table, so entries a deleted
  // index left behind can never show up in a new one.
  uint16_t next_index_id = 1;
  bool pay_per_request = false;
  int64_t read_capacity = 0;
  int64_t write_capacity = 0;
  bool deletion_protection = false;
  std::string table_class = "STANDARD";
  std::vector<std::pair<std::string, std::string>> tags;  // in the order they were added
  // Time to live: items whose `ttl_attribute` is a number of epoch seconds in the past are
  // deleted in the background (TableSweeper).
  bool ttl_enabled = false;
  std::string ttl_attribute;
  // DynamoDB streams, oldest first; at most one (the last) is enabled.
  std::vector<StreamDefinition> streams;
  std::vector<KinesisDestination> kinesis_destinations;
  friend bool operator==(const TableDefinition&, const TableDefinition&) = default;
};

// The index named `name`, or nullptr.
const IndexDefinition* FindIndex(const TableDefinition& table, std::string_view name);

// The key attributes of `item` per `key` (those it has), nothing else.
Item KeyAttributes(const KeySchema& key, const Item& item);

// An item's entry in an index: the projected attributes (the table's and the index's key
// attributes, plus all attributes or the INCLUDE list), or std::nullopt when the item is not in
// the index (sparse: an index key attribute is missing, of another type than the index's key
// schema says, or an empty S or B value).
std::optional<Item> IndexEntry(const KeySchema& table_key, const IndexDefinition& index,
                               const Item& item);

// The catalog record of a table. It is itself an encoded Item (EncodeItem) of named fields, so
// fields can be added later without a format break: unknown fields are ignored on decode and a
// missing field takes its default.
std::string EncodeTableDefinition(const TableDefinition& table);
Result<TableDefinition> DecodeTableDefinition(std::string_view bytes);

}  // namespace eddy::table
