#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "eddy/base/clock.h"
#include "eddy/base/result.h"
#include "eddy/table/table_store.h"

namespace eddy::table {

struct TableSweeperOptions {
  int interval_ms = 1000;               // pause between passes
  size_t max_deletes_per_pass = 10000;  // per table, to bound a pass's memory and time
  // Items a pass reads per TTL table: a large table is gone through over several passes, each
  // going on where the last one stopped (so a pass's cost is bounded, not the table's size).
  size_t max_items_read_per_pass = 100000;
  int64_t change_retention_hours = 24;  // change records older than this are deleted
  // A DynamoDB stream's open shard is closed and followed by a child once it is this old and
  // holds a change (AWS: about four hours).
  int64_t stream_shard_interval_ms = 4 * 3600 * 1000;
};

// The tables' background upkeep, one pass every `interval_ms`:
// - Change records older than the retention are deleted (TableStore::TrimChanges), also those
// of deleted tables kept for their streams, which go entirely once deleted that long ago.
// - DynamoDB streams roll over to a new shard every `stream_shard_interval_ms`; shards closed
// longer ago than the retention are forgotten (change_streams.h).
// - Expired items of tables with time to live enabled are deleted, as DynamoDB's TTL does: an item
// expires when its TTL attribute is a number of epoch seconds at or before now, and not more
// than five years before now (DynamoDB ignores such old values). Each deletion is an ordinary
// write with origin kTimeToLive, so its change record is a REMOVE from the TTL service. An
// item rewritten with a later time before its deletion commits is kept (the check is repeated
// under the item's lock).
//
// A pass reads at most `max_items_read_per_pass` items of each TTL table, from where the previous
// pass stopped, wrapping around at the end: an expired item is deleted within
// ceil(items / max_items_read_per_pass) passes.
//
// Thread-safety: Start/Stop from one thread; SweepOnce from any.
class TableSweeper {
 public:
  TableSweeper(TableStore* store, Clock* clock, TableSweeperOptions options = {})
      : store_(store), clock_(clock), options_(options) {}
  ~TableSweeper() { Stop(); }
  TableSweeper(const TableSweeper&) = delete;
  TableSweeper& operator=(const TableSweeper&) = delete;

  // Runs passes on a thread of its own until Stop().
  void Start();
  void Stop();

  // One pass over every table. Returns the number of expired items deleted. A table that
  // fails (or is deleted meanwhile) is skipped with a warning; the others are still swept.
  Result<uint64_t> SweepOnce();

 private:
  Result<uint64_t> SweepTable(const TableDefinition& table);
  Status MaintainStreams(const TableDefinition& table);

  TableStore* const store_;
  Clock* const clock_;
  const TableSweeperOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  // Per table id: the storage key the next TTL pass starts at (absent: the table's start).
  std::mutex cursors_mu_;
  std::map<uint32_t, std::string> ttl_cursors_;
};

// Whether `item` has expired at `now_seconds` by `attribute` (the rule above).
bool IsExpired(const Item& item, const std::string& attribute, int64_t now_seconds);

}  // namespace eddy::table
