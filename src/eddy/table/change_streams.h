#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/base/result.h"
#include "eddy/table/table_definition.h"

namespace eddy::table {

// The lifecycle of a table's DynamoDB streams, as edits of its definition (applied through
// TableStore::UpdateTable). A stream is a view of the table's change records: its shards are
// ranges of change sequence numbers, one lineage per stream (docs/design/table-storage.md).
// `next_seq` is the sequence number the table's next change will get
// (TableStore::NextSequence): a shard opened now starts there, one closed now ends before it.
//
// Thread-safety: pure functions.

// Starts a new stream with one open shard. FailedPrecondition if a stream is enabled already.
Status EnableStream(TableDefinition* table, StreamViewType view, int64_t now_ms, uint64_t next_seq);
// Closes the enabled stream's open shard and marks the stream disabled (it stays readable).
// FailedPrecondition if no stream is enabled.
Status DisableStream(TableDefinition* table, int64_t now_ms, uint64_t next_seq);
// Rolls the enabled stream over: when its open shard is at least `interval_ms` old and holds at
// least one change, closes it and opens a child naming it as parent. Returns whether it did.
bool RollStreamShard(TableDefinition* table, int64_t now_ms, uint64_t next_seq,
                     int64_t interval_ms);
// Forgets shards closed before `before_ms` (their records have aged out) and disabled streams
// left without shards. Returns whether anything went.
bool DropExpiredShards(TableDefinition* table, int64_t before_ms);

// The enabled stream, or nullptr.
const StreamDefinition* EnabledStream(const TableDefinition& table);
// The stream with this label, or nullptr.
const StreamDefinition* FindStream(const TableDefinition& table, std::string_view label);
// The shard with this id, or nullptr.
const StreamShard* FindShard(const StreamDefinition& stream, std::string_view shard_id);
// A stream label: the UTC time with milliseconds, "2026-12-01T22:51:10.252".
std::string StreamLabel(int64_t ms);

}  // namespace eddy::table
