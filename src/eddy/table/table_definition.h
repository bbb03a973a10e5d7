#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/table/attribute_value.h"

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
  friend bool operator==(const TableDefinition&, const TableDefinition&) = default;
};

// The index named `name`, or nullptr.
const IndexDefinition* FindIndex(const TableDefinition& table, std::string_view name);

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
