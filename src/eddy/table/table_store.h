#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/base/result.h"
#include "eddy/table/model_types.h"
#include "eddy/table/change_record.h"
#include "eddy/table/table_definition.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace eddy::table {

struct TableStoreOptions {
  std::string dir;  // the RocksDB directory (created if missing)
  // true: an item write is durable once AfterDurable says so (one fsync covers all the writes
  // waiting for it), and readers do not see it before. false: a write is as durable as it will
  // get when it returns: it reached the operating system (survives a process crash, not power
  // loss).
  bool sync = true;
  int lock_stripes = 4096;  // striped per-item locks
  // The environment RocksDB works through (null: the process's own files); tests inject
  // faults with it. Must outlive the store.
  rocksdb::Env* env = nullptr;
};

// The new state of one item given its current state (std::nullopt: no item): the new item,
// std::nullopt to delete it, or an error that abandons the write with nothing changed (a failed
// condition, a validation error found against the current item). Runs under the item's lock;
// it must not call back into the store.
using Mutation = std::function<Result<std::optional<Item>>(const std::optional<Item>& current)>;

// What a write did.
struct WriteResult {
  std::optional<Item> before;
  std::optional<Item> after;
  bool changed = false;     // false: the write changed nothing and committed nothing
  uint64_t change_seq = 0;  // the change record's sequence number when changed
};

// One item of an atomic multi-item write.
struct WriteOp {
  std::string table;
  Item key;  // at least the table's key attributes (others are ignored)
  Mutation mutate;
};

struct AtomicWriteResult {
  // Ok when everything committed. Otherwise the first failure, and nothing was written.
  Status status;
  std::vector<Status> op_status;     // one per op, in order (Ok for those that passed)
  std::vector<WriteResult> results;  // one per op when status is Ok
};

// A deleted table kept for the readers of its streams (TableStore::DeleteTable).
struct DeletedTable {
  TableDefinition definition;  // as at deletion, its streams disabled and their shards closed
  int64_t deleted_ms = 0;
};

// Tables on RocksDB (docs/design/table-storage.md): the catalog, items under an
// order-preserving key, and one change record per item change committed in the same atomic
// batch as the item.
//
// Writes to one item are serialized (a striped lock held from the read of the current item to
// the commit), so its change records are in commit order. Writes to different items commit
// concurrently; a group commit (group_commit.h) syncs many at once. Reads see only durable
// writes. Change records are readable up to the table's visible horizon (every record at or
// below it is durable or a permanent gap).
//
// Errors: NotFound for a missing table ("table not found"), AlreadyExists on CreateTable of an
// existing name, a Mutation's own error unchanged, IoError/Corruption from storage.
//
// Thread-safety: thread-safe.
class TableStore {
 public:
  static Result<std::unique_ptr<TableStore>> Open(const TableStoreOptions& options, Clock* clock);
  ~TableStore();
  TableStore(const TableStore&) = delete;
  TableStore& operator=(const TableStore&) = delete;

  // --- catalog ---
  // Assigns the id and creation time; returns the stored definition.
  Result<TableDefinition> CreateTable(TableDefinition table);
  Result<TableDefinition> GetTable(std::string_view name) const;
  // Sorted by name.
  std::vector<TableDefinition> ListTables() const;
  // The tables `keep` accepts, sorted by name. Only those are copied: a background task that
  // looks for the few tables it serves (e.g. those with a Kinesis destination) many times a
  // second costs next to nothing however many tables there are. `keep` runs under the
  // catalog's lock and must not call the store.
  std::vector<TableDefinition> ListTables(
      const std::function<bool(const TableDefinition&)>& keep) const;
  // A number that changes whenever a table is created or deleted or its definition changes:
  // read it before ListTables, and while it stays the same the list is still current.
  uint64_t CatalogVersion() const;
  // Removes the table and its items. Writes in flight finish first; later ones see NotFound.
  // A table with streams keeps its change records, and its streams disabled with every shard
  // closed, as a deleted table (ListDeletedTables) until ForgetDeletedTables; one without
  // streams loses its change records at once. `check` runs first, atomically with the deletion
  // (e.g. deletion protection); its error aborts it. Returns the definition as it was.
  Result<TableDefinition> DeleteTable(
      std::string_view name, const std::function<Status(const TableDefinition&)>& check = nullptr);
  // Changes a table's definition (not its name, id, key schema or set of indexes; an index's
  // capacity may change) atomically.
  Result<TableDefinition> UpdateTable(std::string_view name,
                                      const std::function<Status(TableDefinition*)>& edit);
  // UpdateTable, with `edit` also given the sequence number the table's next change will get,
  // and no change assigned a number from then until the new definition is published: a cut in
  // the change sequence (a stream shard's end) that readers of either definition agree on.
  Result<TableDefinition> UpdateTableAtSequence(
      std::string_view name, const std::function<Status(TableDefinition*, uint64_t)>& edit);
  // Adds a global index (the API has validated it; the store assigns its id). Every write from
  // now on maintains it; the items already there are indexed in the background, with the
  // index marked `backfilling` until that ends (also across a restart). AlreadyExists if the
  // name is taken. `edit` (optional) changes the definition in the same commit (e.g. adds the
  // index's attribute definitions).
  Result<TableDefinition> AddIndex(std::string_view table, IndexDefinition index,
                                   const std::function<Status(TableDefinition*)>& edit = nullptr);
  // Threads the store holds for index backfills: running ones, and ended ones not yet joined
  // (each start joins those that ended). For tests and metrics.
  size_t BackfillThreads() const;
  // Removes an index and its entries (stopping its backfill). NotFound if there is none.
  Result<TableDefinition> DeleteIndex(std::string_view table, std::string_view index);

  // --- items ---
  // The item with this key (the table's key attributes of `key`), or std::nullopt.
  Result<std::optional<Item>> GetItem(std::string_view table, const Item& key) const;
  // Several items from one consistent snapshot (an atomic multi-item write is seen whole or
  // not at all). One result per key, in order; NotFound if any table is missing.
  Result<std::vector<std::optional<Item>>> GetItems(
      const std::vector<std::pair<std::string, Item>>& table_and_keys) const;
  // Reads the current item, applies `mutate` and, when the item changes, commits the new item
  // and its change record together. An item equal to the current one (AttributeValue
  // equality) commits nothing.
  //
  // Returns once the write is applied: later writes build on it, but it is not yet durable
  // (with options.sync) and readers (GetItem, GetItems, ScanItems, the change records) do not
  // see it yet. Call AfterDurable before acknowledging it — also for a write that failed or
  // changed nothing, since what it read may not be durable yet.
  Result<WriteResult> Write(std::string_view table, const Item& key, const Mutation& mutate,
                            ChangeOrigin origin = ChangeOrigin::kUser);
  // All ops or none: every item is locked, every mutation runs against the current items, and
  // if all succeed the changes commit in one batch. REQUIRES: no two ops on the same item
  // (InvalidArgument otherwise).
  AtomicWriteResult WriteAtomically(const std::vector<WriteOp>& ops,
                                    ChangeOrigin origin = ChangeOrigin::kUser);

  // Calls `done` once every write that returned before this call is durable and visible to
  // readers: at once on this thread when nothing is waiting, else later on the store's commit
  // thread (so `done` must be quick and must not write to the store and wait). With an error
  // when the sync failed (those writes may or may not survive a crash).
  void AfterDurable(std::function<void(Status)> done);

  // Visits the table's items, or an index's entries, in key order (forward or backward) within
  // [lower, upper) of the storage-key space given by the bounds below; `visit` returns false to
  // stop. A consistent snapshot of the table.
  struct ItemRange {
    std::string lower;  // inclusive; from PartitionStart / SortKeyBound / TableStart
    std::string upper;  // exclusive
  };
  Status ScanItems(std::string_view table, const ItemRange& range, bool forward,
                   const std::function<bool(const Item& item)>& visit) const;
  // Key ranges of a table's item space or, with `index`, of that index's entries (ordered by
  // the index key, then the table key). `table` must be a current definition.
  static ItemRange WholeTable(const TableDefinition& table, const IndexDefinition* index = nullptr);
  static ItemRange Partition(const TableDefinition& table, const AttributeValue& partition_key,
                             const IndexDefinition* index = nullptr);
  // The storage key of an item or, with `index`, of its index entry (the key attributes of the
  // table and of the index must match their schemas).
  static std::string ItemKey(const TableDefinition& table, const Item& item,
                             const IndexDefinition* index = nullptr);

  // --- changes ---
  // Change records with sequence > `after`, in sequence order, at most `limit` and about
  // `max_bytes` of stored records (the first is returned even if larger), none past the
  // visible horizon. With `table_id` (not 0), NotFound unless the table of that name has it
  // (not a table re-created under the name).
  Result<std::vector<ChangeRecord>> ReadChanges(std::string_view table, uint64_t after,
                                                size_t limit, size_t max_bytes = SIZE_MAX,
                                                uint32_t table_id = 0) const;
  // The highest sequence number at or below which every change is committed (or a gap). With
  // `table_id` (not 0): of the table of that name and id, live or deleted (ReadChanges too).
  Result<uint64_t> VisibleHorizon(std::string_view table, uint32_t table_id = 0) const;
  // The sequence number the table's next change will get (every change after this call has
  // this one or a higher one).
  Result<uint64_t> NextSequence(std::string_view table) const;
  // The lowest sequence number whose change record may still exist (records below it were
  // trimmed by retention).
  Result<uint64_t> FirstRetainedSequence(std::string_view table, uint32_t table_id = 0) const;
  // Deletes the table's change records committed before `before_us` (microseconds since the
  // epoch), oldest first, stopping at the first newer one. Sequence numbers are never reused
  // afterwards, across restarts too. Returns the number deleted.
  Result<uint64_t> TrimChanges(std::string_view table, int64_t before_us, uint32_t table_id = 0);
  // Deleted tables whose change records are still kept, by name then id.
  std::vector<DeletedTable> ListDeletedTables() const;
  // Removes, with their change records, the deleted tables deleted before `deleted_before_ms`.
  // Returns how many.
  Result<uint64_t> ForgetDeletedTables(int64_t deleted_before_ms);

 private:
  class Impl;
  explicit TableStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy::table
