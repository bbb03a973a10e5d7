#include "eddy/table/table_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "eddy/base/coding.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/table/change_streams.h"
#include "eddy/table/group_commit.h"
#include "eddy/table/key_encoding.h"

namespace eddy::table {
namespace {

// Key spaces (docs/design/table-storage.md).
constexpr char kMetaPrefix = 'M';    // M name -> EncodeTableDefinition
constexpr char kItemPrefix = 'I';    // I table-id(u32 BE) index-id(u16 BE) pk [sk] -> EncodeItem
constexpr char kChangePrefix = 'C';  // C table-id(u32 BE) seq(u64 BE) -> EncodeChangeRecord
const std::string kNextTableIdKey = "N";   // -> next table id (u32 BE)
constexpr char kSequenceMarkPrefix = 'S';  // S table-id(u32 BE) -> last trimmed seq (u64 BE)
// R table-id(u32 BE) -> deletion time (ms, u64 BE) + EncodeTableDefinition: a deleted table
// whose change records are kept for its streams' readers until the retention ends.
constexpr char kDeletedPrefix = 'R';

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t GetBigEndian(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

std::string MetaKey(std::string_view name) {
  std::string k(1, kMetaPrefix);
  k.append(name);
  return k;
}

// `prefix` · table id (u32 BE): a key of its own (R, S), or the prefix of a table's keys (I, C).
std::string TableKey(char prefix, uint32_t table_id) {
  std::string k(1, prefix);
  PutBigEndian(&k, table_id, 4);
  return k;
}

std::string ItemSpacePrefix(uint32_t table_id, uint16_t index_id) {
  std::string k = TableKey(kItemPrefix, table_id);
  PutBigEndian(&k, index_id, 2);
  return k;
}

std::string DeletedTableKey(uint32_t table_id) { return TableKey(kDeletedPrefix, table_id); }
std::string SequenceMarkKey(uint32_t table_id) { return TableKey(kSequenceMarkPrefix, table_id); }

std::string ChangeKey(uint32_t table_id, uint64_t seq) {
  std::string k = TableKey(kChangePrefix, table_id);
  PutBigEndian(&k, seq, 8);
  return k;
}

// The first key after every key that starts with `prefix` (the prefixes here never end in
// 0xFF bytes only, so the successor exists).
std::string After(std::string prefix) { return PrefixSuccessor(std::move(prefix)); }

rocksdb::Slice AsSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view AsView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// Adds to `batch` the removal of a table's change records and of its trim mark.
void DeleteChanges(uint32_t table_id, rocksdb::WriteBatch* batch) {
  const std::string changes = TableKey(kChangePrefix, table_id);
  batch->DeleteRange(AsSlice(changes), AsSlice(After(changes)));
  batch->Delete(SequenceMarkKey(table_id));
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  const std::string message = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(message);
  if (s.IsNoSpace()) return Status::NoSpace(message);
  return Status::IoError(message);
}

Status TableNotFound(std::string_view name) {
  return Status::NotFound("table not found: " + std::string(name));
}

Status CheckKeyShape(const KeySchema& key, const Item& item) {
  auto check = [&](const KeyAttribute& k) {
    auto it = item.find(k.name);
    if (it == item.end() || it->second.type() != k.type) {
      return Status::InvalidArgument("the item's key does not match the schema (" + k.name + ")");
    }
    return Status::Ok();
  };
  EDDY_RETURN_IF_ERROR(check(key.partition));
  if (key.sort) EDDY_RETURN_IF_ERROR(check(*key.sort));
  return Status::Ok();
}

}  // namespace

// The live state of one table. Its definition may be replaced (UpdateTable); its id and key
// schema never change.
struct TableState {
  TableState(TableDefinition def, uint64_t next_seq)
      : id(def.id),
        key(def.key),
        definition(std::move(def)),
        indexes(std::make_shared<const std::vector<IndexDefinition>>(definition.indexes)),
        next_seq_(next_seq) {}

  const uint32_t id;
  const KeySchema key;
  // Both guarded by the store's catalog mutex; `indexes` is definition.indexes, shared so a
  // writer can hold on to the list it maintains without copying it.
  TableDefinition definition;
  std::shared_ptr<const std::vector<IndexDefinition>> indexes;

  // Registers a writer; false when the table is being deleted.
  bool BeginWrite() {
    std::lock_guard lock(mu_);
    if (deleted_) return false;
    ++writers_;
    return true;
  }
  void EndWrite() {
    std::lock_guard lock(mu_);
    if (--writers_ == 0) drained_.notify_all();
  }
  // Refuses new writers and waits for the ones in flight.
  void MarkDeletedAndDrain() {
    std::unique_lock lock(mu_);
    deleted_ = true;
    drained_.wait(lock, [this] { return writers_ == 0; });
  }

  // Takes writes again (a deletion that failed).
  void Undelete() {
    std::lock_guard lock(mu_);
    deleted_ = false;
  }

  uint64_t AssignSequence() {
    std::lock_guard lock(mu_);
    const uint64_t seq = next_seq_++;
    in_flight_.insert(seq);
    return seq;
  }
  // The commit of `seq` finished (committed, or failed: then it stays a gap).
  void FinishSequence(uint64_t seq) {
    std::lock_guard lock(mu_);
    in_flight_.erase(seq);
  }
  uint64_t VisibleHorizon() const {
    std::lock_guard lock(mu_);
    return in_flight_.empty() ? next_seq_ - 1 : *in_flight_.begin() - 1;
  }
  uint64_t NextSequence() const {
    std::lock_guard lock(mu_);
    return next_seq_;
  }
  // Runs `f(next_seq)` with sequence assignment held off.
  template <typename F>
  auto WithSequenceHeld(F&& f) {
    std::lock_guard lock(mu_);
    return f(next_seq_);
  }
  // Records at or below this were trimmed.
  std::atomic<uint64_t> trimmed_through{0};

 private:
  mutable std::mutex mu_;
  std::condition_variable drained_;
  bool deleted_ GUARDED_BY(mu_) = false;
  int writers_ GUARDED_BY(mu_) = 0;
  uint64_t next_seq_ GUARDED_BY(mu_);  // sequences start at 1
  std::set<uint64_t> in_flight_ GUARDED_BY(mu_);
};

class TableStore::Impl {
 public:
  Impl(std::unique_ptr<rocksdb::DB> db, const TableStoreOptions& options, Clock* clock)
      : db_(std::move(db)),
        committer_(db_.get(), options.sync),
        clock_(clock),
        stripe_count_(static_cast<size_t>(std::max(1, options.lock_stripes))),
        stripes_(new std::mutex[stripe_count_]) {
    write_options_.sync = options.sync;
  }

  ~Impl() {
    stopping_ = true;
    {
      std::lock_guard lock(backfill_mu_);
      for (auto& b : backfills_) b.thread.join();
    }
    // Answer every write still waiting while the rest of the store is alive.
    (void)committer_.AwaitDurable();
  }

  // Starts the backfills a previous run left unfinished.
  void ResumeBackfills() {
    std::lock_guard lock(catalog_mu_);
    for (const auto& [name, state] : tables_) {
      for (const auto& index : state->definition.indexes) {
        if (index.backfilling) StartBackfill(state, index.id);
      }
    }
  }

  Status Recover() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    const std::string meta(1, kMetaPrefix);
    uint32_t max_id = 0;
    for (it->Seek(AsSlice(meta)); it->Valid() && it->key().starts_with(AsSlice(meta)); it->Next()) {
      EDDY_ASSIGN_OR_RETURN(TableDefinition def, DecodeTableDefinition(AsView(it->value())));
      max_id = std::max(max_id, def.id);
      const std::string name = def.name;
      EDDY_ASSIGN_OR_RETURN(auto state, RestoreTableState(std::move(def)));
      tables_.emplace(name, std::move(state));
      catalog_version_.fetch_add(1, std::memory_order_release);
    }
    EDDY_RETURN_IF_ERROR(FromRocks(it->status(), "read the table catalog"));
    const std::string deleted(1, kDeletedPrefix);
    for (it->Seek(AsSlice(deleted)); it->Valid() && it->key().starts_with(AsSlice(deleted));
         it->Next()) {
      const std::string_view value = AsView(it->value());
      if (value.size() < 8) return Status::Corruption("deleted table record: truncated");
      const auto deleted_ms = static_cast<int64_t>(GetBigEndian(value, 8));
      EDDY_ASSIGN_OR_RETURN(TableDefinition def, DecodeTableDefinition(value.substr(8)));
      max_id = std::max(max_id, def.id);
      EDDY_ASSIGN_OR_RETURN(auto state, RestoreTableState(std::move(def)));
      state->MarkDeletedAndDrain();  // takes no writes
      deleted_.emplace(state->id, DeletedTableState{state, deleted_ms});
    }
    EDDY_RETURN_IF_ERROR(FromRocks(it->status(), "read the deleted tables"));
    std::string next;
    auto s = db_->Get(rocksdb::ReadOptions(), kNextTableIdKey, &next);
    if (s.ok() && next.size() == 4) {
      next_table_id_ = static_cast<uint32_t>(GetBigEndian(next, 4));
    } else if (!s.IsNotFound()) {
      return FromRocks(s.ok() ? rocksdb::Status::Corruption("bad next table id") : s,
                       "read the next table id");
    }
    next_table_id_ = std::max(next_table_id_, max_id + 1);
    return Status::Ok();
  }

  // The lowest sequence number a table's next change may get by its stream shards: a shard was
  // cut at the sequence number current then, and the changes given lower numbers may have been
  // lost with a crash before their sync (or failed), leaving no record. A number inside a
  // closed shard is never given again, so no change lands in a shard its readers have finished.
  static uint64_t SequenceFloor(const TableDefinition& def) {
    uint64_t floor = 1;
    for (const auto& stream : def.streams) {
      for (const auto& shard : stream.shards) {
        floor = std::max(floor, shard.first_seq);
        if (!shard.open()) floor = std::max(floor, shard.last_seq + 1);
      }
    }
    return floor;
  }

  // A stored table's state (live or deleted) as its records leave it: numbering goes on after
  // its last change record, its trim mark and its stream shards; records up to the trim mark
  // are gone.
  Result<std::shared_ptr<TableState>> RestoreTableState(TableDefinition def) const {
    const uint32_t table_id = def.id;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    const std::string prefix = TableKey(kChangePrefix, table_id);
    it->SeekForPrev(AsSlice(ChangeKey(table_id, ~uint64_t{0})));
    uint64_t last = 0;
    if (it->Valid() && it->key().starts_with(AsSlice(prefix)) && it->key().size() == 13) {
      last = GetBigEndian(AsView(it->key()).substr(5), 8);
    }
    EDDY_RETURN_IF_ERROR(FromRocks(it->status(), "read change records"));
    // Records trimmed by retention leave their last sequence behind, so numbering goes on.
    uint64_t trimmed_through = 0;
    std::string mark;
    auto s = db_->Get(rocksdb::ReadOptions(), SequenceMarkKey(table_id), &mark);
    if (s.ok() && mark.size() == 8) trimmed_through = GetBigEndian(mark, 8);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read the sequence mark");
    const uint64_t next_seq = std::max({last + 1, trimmed_through + 1, SequenceFloor(def)});
    auto state = std::make_shared<TableState>(std::move(def), next_seq);
    state->trimmed_through = trimmed_through;
    return state;
  }

  Result<uint64_t> TrimChanges(std::string_view table, int64_t before_us, uint32_t table_id) {
    auto state = FindChangeTable(table, table_id);
    if (!state) return TableNotFound(table);
    const uint64_t horizon = state->VisibleHorizon();
    const std::string lower = ChangeKey(state->id, 0);
    const std::string upper = ChangeKey(state->id, horizon + 1);
    rocksdb::ReadOptions read;
    rocksdb::Slice upper_slice = AsSlice(upper);
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
    uint64_t last_trimmed = 0, count = 0;
    for (it->Seek(AsSlice(lower)); it->Valid(); it->Next()) {
      const std::string_view value = AsView(it->value());
      if (value.size() < 11) return Status::Corruption("change record: truncated");
      const int64_t time_us = static_cast<int64_t>(DecodeFixed64(value.data() + 3));
      if (time_us >= before_us) break;
      last_trimmed = GetBigEndian(AsView(it->key()).substr(5), 8);
      ++count;
    }
    EDDY_RETURN_IF_ERROR(FromRocks(it->status(), "read change records"));
    if (count == 0) return uint64_t{0};
    // Readers learn of the trim before it happens (they check after reading), never after.
    state->trimmed_through = std::max(state->trimmed_through.load(), last_trimmed);
    rocksdb::WriteBatch batch;
    batch.DeleteRange(AsSlice(lower), AsSlice(ChangeKey(state->id, last_trimmed + 1)));
    std::string mark;
    PutBigEndian(&mark, last_trimmed, 8);
    batch.Put(SequenceMarkKey(state->id), mark);
    EDDY_RETURN_IF_ERROR(FromRocks(db_->Write(write_options_, &batch), "trim change records"));
    RefreshReadSnapshot();
    return count;
  }

  // --- catalog ---

  Result<TableDefinition> CreateTable(TableDefinition def) {
    std::lock_guard ddl(ddl_mu_);
    {
      std::lock_guard lock(catalog_mu_);
      if (tables_.count(def.name) != 0) {
        return Status::AlreadyExists("table already exists: " + def.name);
      }
    }
    def.id = next_table_id_;
    def.created_ms = clock_->NowMillis();
    // A stream's label names its ARN. A table re-created under the name of a deleted one whose
    // streams are still readable must not take one of their labels (both made in the same
    // millisecond): its stream starts after the latest of them.
    if (!def.streams.empty()) {
      int64_t latest_ms = 0;
      {
        std::lock_guard lock(catalog_mu_);
        for (const auto& [id, deleted] : deleted_) {
          if (deleted.state->definition.name != def.name) continue;
          for (const auto& stream : deleted.state->definition.streams) {
            latest_ms = std::max(latest_ms, stream.created_ms);
          }
        }
      }
      if (def.streams.front().created_ms <= latest_ms) {
        std::vector<StreamDefinition> asked = std::move(def.streams);
        def.streams.clear();
        for (const auto& stream : asked) {
          EDDY_RETURN_IF_ERROR(EnableStream(&def, stream.view, latest_ms + 1, 1));
          if (!stream.enabled) EDDY_RETURN_IF_ERROR(DisableStream(&def, latest_ms + 1, 1));
        }
      }
    }
    rocksdb::WriteBatch batch;
    std::string next;
    PutBigEndian(&next, def.id + 1ULL, 4);
    batch.Put(kNextTableIdKey, next);
    batch.Put(MetaKey(def.name), EncodeTableDefinition(def));
    EDDY_RETURN_IF_ERROR(FromRocks(db_->Write(write_options_, &batch), "create table"));
    ++next_table_id_;
    std::lock_guard lock(catalog_mu_);
    tables_.emplace(def.name, std::make_shared<TableState>(def, 1));
    catalog_version_.fetch_add(1, std::memory_order_release);
    return def;
  }

  Result<TableDefinition> GetTable(std::string_view name) const {
    std::lock_guard lock(catalog_mu_);
    auto it = tables_.find(name);
    if (it == tables_.end()) return TableNotFound(name);
    return it->second->definition;
  }

  std::vector<TableDefinition> ListTables(
      const std::function<bool(const TableDefinition&)>& keep) const {
    std::lock_guard lock(catalog_mu_);
    std::vector<TableDefinition> out;
    if (!keep) out.reserve(tables_.size());
    for (const auto& [name, state] : tables_) {
      if (!keep || keep(state->definition)) out.push_back(state->definition);
    }
    return out;
  }

  Result<TableDefinition> DeleteTable(std::string_view name,
                                      const std::function<Status(const TableDefinition&)>& check) {
    std::lock_guard ddl(ddl_mu_);
    std::shared_ptr<TableState> state;
    TableDefinition was;
    const int64_t now_ms = clock_->NowMillis();
    {
      std::lock_guard lock(catalog_mu_);
      auto it = tables_.find(name);
      if (it == tables_.end()) return TableNotFound(name);
      if (check) EDDY_RETURN_IF_ERROR(check(it->second->definition));
      state = it->second;
      was = state->definition;
      tables_.erase(it);
      catalog_version_.fetch_add(1, std::memory_order_release);
      // A table with streams keeps its change records, and its streams (disabled, every shard
      // closed), for the streams' readers until the retention ends, as DynamoDB does. Readers
      // find it among the deleted tables from now on, never in neither place.
      if (!was.streams.empty()) deleted_.emplace(state->id, DeletedTableState{state, now_ms});
    }
    const bool keep_changes = !was.streams.empty();
    state->MarkDeletedAndDrain();
    TableDefinition kept = was;
    if (EnabledStream(kept)) (void)DisableStream(&kept, now_ms, state->NextSequence());
    rocksdb::WriteBatch batch;
    batch.Delete(MetaKey(name));
    const std::string items = TableKey(kItemPrefix, state->id);
    batch.DeleteRange(AsSlice(items), AsSlice(After(items)));
    if (keep_changes) {
      std::string value;
      PutBigEndian(&value, static_cast<uint64_t>(now_ms), 8);
      value += EncodeTableDefinition(kept);
      batch.Put(DeletedTableKey(state->id), value);
    } else {
      DeleteChanges(state->id, &batch);
    }
    const Status s = FromRocks(db_->Write(write_options_, &batch), "delete table");
    {
      std::lock_guard lock(catalog_mu_);
      if (!s.ok()) {
        // Still on disk: keep it usable rather than lose track of it (the same state: its
        // sequence numbers, the ones waiting for their sync and its trim mark go on).
        deleted_.erase(state->id);
        state->Undelete();
        tables_.emplace(std::string(name), std::move(state));
        catalog_version_.fetch_add(1, std::memory_order_release);
        return s;
      }
      if (keep_changes) state->definition = std::move(kept);
    }
    RefreshReadSnapshot();
    return was;
  }

  Result<TableDefinition> UpdateTable(std::string_view name,
                                      const std::function<Status(TableDefinition*)>& edit) {
    std::lock_guard ddl(ddl_mu_);
    auto state = FindTable(name);
    if (!state) return TableNotFound(name);
    TableDefinition def = DefinitionOf(*state);
    EDDY_RETURN_IF_ERROR(edit(&def));
    if (def.name != name || def.id != state->id || !(def.key == state->key)) {
      return Status::InvalidArgument("a table's name, id and key schema cannot change");
    }
    const std::vector<IndexDefinition>& before = *IndexesOf(*state);
    auto same_index = [](IndexDefinition a, IndexDefinition b) {
      a.read_capacity = b.read_capacity;
      a.write_capacity = b.write_capacity;
      return a == b;
    };
    if (def.next_index_id != DefinitionOf(*state).next_index_id ||
        !std::equal(def.indexes.begin(), def.indexes.end(), before.begin(), before.end(),
                    same_index)) {
      return Status::InvalidArgument("UpdateTable cannot add, remove or redefine indexes");
    }
    EDDY_RETURN_IF_ERROR(FromRocks(
        db_->Put(write_options_, MetaKey(name), EncodeTableDefinition(def)), "update table"));
    Publish(*state, def);
    return def;
  }

  Result<TableDefinition> UpdateTableAtSequence(
      std::string_view name, const std::function<Status(TableDefinition*, uint64_t)>& edit) {
    std::lock_guard ddl(ddl_mu_);
    auto state = FindTable(name);
    if (!state) return TableNotFound(name);
    // Lock order: ddl_mu_, then the table's sequence lock, then catalog_mu_ (in Publish).
    return state->WithSequenceHeld([&](uint64_t next_seq) -> Result<TableDefinition> {
      TableDefinition def = DefinitionOf(*state);
      const TableDefinition before = def;
      EDDY_RETURN_IF_ERROR(edit(&def, next_seq));
      if (def.name != before.name || def.id != before.id || !(def.key == before.key) ||
          def.indexes != before.indexes || def.next_index_id != before.next_index_id) {
        return Status::InvalidArgument("only streams and destinations change at a sequence");
      }
      EDDY_RETURN_IF_ERROR(FromRocks(
          db_->Put(write_options_, MetaKey(name), EncodeTableDefinition(def)), "update table"));
      Publish(*state, def);
      return def;
    });
  }

  Result<TableDefinition> AddIndex(std::string_view name, IndexDefinition index,
                                   const std::function<Status(TableDefinition*)>& edit) {
    std::lock_guard ddl(ddl_mu_);
    auto state = FindTable(name);
    if (!state) return TableNotFound(name);
    TableDefinition def = DefinitionOf(*state);
    if (FindIndex(def, index.name) != nullptr) {
      return Status::AlreadyExists("index already exists: " + index.name);
    }
    if (def.next_index_id == UINT16_MAX) return Status::ResourceExhausted("no index ids left");
    if (edit) EDDY_RETURN_IF_ERROR(edit(&def));
    index.id = def.next_index_id++;
    index.backfilling = true;
    def.indexes.push_back(index);
    EDDY_RETURN_IF_ERROR(FromRocks(
        db_->Put(write_options_, MetaKey(name), EncodeTableDefinition(def)), "add index"));
    // Published before the backfill reads anything: every write that locks an item after this
    // point maintains the index, and the backfill indexes each item under the same lock.
    Publish(*state, def);
    StartBackfill(state, index.id);
    return def;
  }

  Result<TableDefinition> DeleteIndex(std::string_view name, std::string_view index_name) {
    std::lock_guard ddl(ddl_mu_);
    auto state = FindTable(name);
    if (!state) return TableNotFound(name);
    TableDefinition def = DefinitionOf(*state);
    const IndexDefinition* index = FindIndex(def, index_name);
    if (index == nullptr) return Status::NotFound("index not found: " + std::string(index_name));
    const std::string space = ItemSpacePrefix(state->id, index->id);
    std::erase_if(def.indexes, [&](const IndexDefinition& i) { return i.name == index_name; });
    rocksdb::WriteBatch batch;
    batch.Put(MetaKey(name), EncodeTableDefinition(def));
    batch.DeleteRange(AsSlice(space), AsSlice(After(space)));
    EDDY_RETURN_IF_ERROR(FromRocks(db_->Write(write_options_, &batch), "delete index"));
    RefreshReadSnapshot();
    // A write that read the old index list may still add an entry under the old id; ids are
    // never reused, so nothing ever reads it (DeleteTable removes it).
    Publish(*state, def);
    return def;
  }

  TableDefinition DefinitionOf(const TableState& state) const {
    std::lock_guard lock(catalog_mu_);
    return state.definition;
  }

  std::shared_ptr<const std::vector<IndexDefinition>> IndexesOf(const TableState& state) const {
    std::lock_guard lock(catalog_mu_);
    return state.indexes;
  }

  void Publish(TableState& state, const TableDefinition& def) {
    auto indexes = std::make_shared<const std::vector<IndexDefinition>>(def.indexes);
    std::lock_guard lock(catalog_mu_);
    state.definition = def;
    state.indexes = std::move(indexes);
    catalog_version_.fetch_add(1, std::memory_order_release);
  }

  uint64_t CatalogVersion() const { return catalog_version_.load(std::memory_order_acquire); }

  // --- backfill ---

  void StartBackfill(std::shared_ptr<TableState> state, uint16_t index_id) {
    std::lock_guard lock(backfill_mu_);
    // The backfills that ended are joined here, so a server that adds indexes for months does
    // not keep a thread (and its stack) for each.
    std::erase_if(backfills_, [](BackfillThread& b) {
      if (!b.ended->load(std::memory_order_acquire)) return false;
      b.thread.join();
      return true;
    });
    BackfillThread b;
    b.ended = std::make_shared<std::atomic<bool>>(false);
    b.thread = std::thread([this, state = std::move(state), index_id, ended = b.ended] {
      Backfill(state, index_id);
      ended->store(true, std::memory_order_release);
    });
    backfills_.push_back(std::move(b));
  }

  size_t BackfillThreads() {
    std::lock_guard lock(backfill_mu_);
    return backfills_.size();
  }

  // Indexes every item of the table, each under its item lock (so a concurrent write of the
  // item either committed before, and is read here, or comes after and maintains the index
  // itself), then marks the index readable.
  void Backfill(const std::shared_ptr<TableState>& state, uint16_t index_id) {
    auto find_index = [&]() -> std::optional<IndexDefinition> {
      auto indexes = IndexesOf(*state);
      for (const auto& i : *indexes) {
        if (i.id == index_id) return i;
      }
      return std::nullopt;
    };
    std::optional<IndexDefinition> index = find_index();
    if (!index) return;
    // A write that locked its item before the index was published may not maintain it; wait
    // for each such write to commit, so the iterator below sees its item.
    for (size_t i = 0; i < stripe_count_; ++i) std::lock_guard barrier(stripes_[i]);
    const std::string space = ItemSpacePrefix(state->id, 0);
    const std::string space_end = After(space);
    rocksdb::ReadOptions read;
    rocksdb::Slice upper = AsSlice(space_end);
    read.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
    rocksdb::WriteOptions unsynced;  // the final catalog write syncs the log up to it
    size_t visited = 0;
    for (it->Seek(AsSlice(space)); it->Valid(); it->Next()) {
      if (stopping_) return;
      if (++visited % 256 == 0 && !find_index()) return;  // the index was deleted
      if (!state->BeginWrite()) return;                   // the table is being deleted
      const std::string storage_key = it->key().ToString();
      std::mutex& stripe = stripes_[std::hash<std::string>{}(storage_key) % stripe_count_];
      Status s;
      {
        std::lock_guard lock(stripe);
        auto current = ReadItem(storage_key);
        s = current.status();
        if (s.ok() && *current) {
          if (auto entry = IndexEntry(state->key, *index, **current)) {
            s = FromRocks(db_->Put(unsynced, EntryKey(state->id, state->key, *index, **current),
                                   EncodeItem(*entry)),
                          "backfill index");
          }
        }
      }
      state->EndWrite();
      if (!s.ok()) return;  // left backfilling; a restart tries again
    }
    if (!it->status().ok()) return;
    std::lock_guard ddl(ddl_mu_);
    TableDefinition def = DefinitionOf(*state);
    if (FindTable(def.name) != state) return;
    bool found = false;
    for (auto& i : def.indexes) {
      if (i.id == index_id) {
        i.backfilling = false;
        found = true;
      }
    }
    if (!found) return;
    // Readers see the entries (through the committer's snapshot) before the index turns
    // readable.
    if (db_->Put(write_options_, MetaKey(def.name), EncodeTableDefinition(def)).ok()) {
      (void)committer_.AwaitDurable();  // a failed sync fails the next item write's answer too
      Publish(*state, def);
    }
  }

  std::shared_ptr<TableState> FindTable(std::string_view name) const {
    std::lock_guard lock(catalog_mu_);
    auto it = tables_.find(name);
    return it == tables_.end() ? nullptr : it->second;
  }

  // --- items ---

  static std::string ItemKey(uint32_t table_id, const KeySchema& key, const Item& item) {
    std::string k = ItemSpacePrefix(table_id, 0);
    AppendKeyValue(item.at(key.partition.name), &k);
    if (key.sort) AppendKeyValue(item.at(key.sort->name), &k);
    return k;
  }

  // An index entry's key: the index key, then the table key (so entries are unique).
  static std::string EntryKey(uint32_t table_id, const KeySchema& table_key,
                              const IndexDefinition& index, const Item& item) {
    std::string k = ItemSpacePrefix(table_id, index.id);
    AppendKeyValue(item.at(index.key.partition.name), &k);
    if (index.key.sort) AppendKeyValue(item.at(index.key.sort->name), &k);
    AppendKeyValue(item.at(table_key.partition.name), &k);
    if (table_key.sort) AppendKeyValue(item.at(table_key.sort->name), &k);
    return k;
  }

  // Adds to `batch` what keeps `index` in step with an item going from `before` to `after`.
  static void MaintainIndex(uint32_t table_id, const KeySchema& table_key,
                            const IndexDefinition& index, const std::optional<Item>& before,
                            const std::optional<Item>& after, rocksdb::WriteBatch* batch) {
    std::optional<Item> old_entry = before ? IndexEntry(table_key, index, *before) : std::nullopt;
    std::optional<Item> new_entry = after ? IndexEntry(table_key, index, *after) : std::nullopt;
    std::string old_key, new_key;
    if (old_entry) old_key = EntryKey(table_id, table_key, index, *before);
    if (new_entry) new_key = EntryKey(table_id, table_key, index, *after);
    if (old_entry && (!new_entry || old_key != new_key)) batch->Delete(old_key);
    if (new_entry && (old_key != new_key || old_entry != new_entry)) {
      batch->Put(new_key, EncodeItem(*new_entry));
    }
  }

  // The newest version (`snapshot` null), as a writer holding the item's lock needs, or the
  // version in `snapshot`.
  Result<std::optional<Item>> ReadItem(const std::string& storage_key,
                                       const rocksdb::Snapshot* snapshot = nullptr) const {
    std::string value;
    rocksdb::ReadOptions read;
    read.snapshot = snapshot;
    auto s = db_->Get(read, storage_key, &value);
    if (s.IsNotFound()) return std::optional<Item>();
    EDDY_RETURN_IF_ERROR(FromRocks(s, "read item"));
    EDDY_ASSIGN_OR_RETURN(Item item, DecodeItem(value));
    return std::optional<Item>(std::move(item));
  }

  Result<std::optional<Item>> GetItem(std::string_view table, const Item& key) const {
    auto state = FindTable(table);
    if (!state) return TableNotFound(table);
    EDDY_RETURN_IF_ERROR(CheckKeyShape(state->key, key));
    const auto snapshot = committer_.ReadSnapshot();
    return ReadItem(ItemKey(state->id, state->key, key), snapshot.get());
  }

  Result<std::vector<std::optional<Item>>> GetItems(
      const std::vector<std::pair<std::string, Item>>& table_and_keys) const {
    std::vector<std::string> storage_keys;
    storage_keys.reserve(table_and_keys.size());
    for (const auto& [table, key] : table_and_keys) {
      auto state = FindTable(table);
      if (!state) return TableNotFound(table);
      EDDY_RETURN_IF_ERROR(CheckKeyShape(state->key, key));
      storage_keys.push_back(ItemKey(state->id, state->key, key));
    }
    // One snapshot for all keys: the durable one, or (no group commit) a new one.
    std::shared_ptr<const rocksdb::Snapshot> snapshot = committer_.ReadSnapshot();
    if (!snapshot) snapshot = NewSharedSnapshot(db_.get());
    rocksdb::ReadOptions read;
    read.snapshot = snapshot.get();
    std::vector<std::optional<Item>> out;
    Status status;
    for (const auto& k : storage_keys) {
      std::string value;
      auto s = db_->Get(read, k, &value);
      if (s.IsNotFound()) {
        out.emplace_back();
        continue;
      }
      status = FromRocks(s, "read item");
      if (!status.ok()) break;
      auto item = DecodeItem(value);
      if (!item.ok()) {
        status = item.status();
        break;
      }
      out.emplace_back(std::move(item).value());
    }
    if (!status.ok()) return status;
    return out;
  }

  AtomicWriteResult WriteAtomically(const std::vector<WriteOp>& ops, ChangeOrigin origin) {
    AtomicWriteResult result;
    result.op_status.assign(ops.size(), Status::Ok());
    auto fail = [&](size_t i, Status s) {
      result.op_status[i] = s;
      if (result.status.ok()) result.status = std::move(s);
    };

    // Resolve the tables and register as their writers (a DeleteTable waits for us).
    struct Target {
      std::shared_ptr<TableState> state;
      std::string storage_key;
    };
    std::vector<Target> targets(ops.size());
    std::vector<std::shared_ptr<TableState>> registered;
    auto release_tables = [&] {
      for (auto& state : registered) state->EndWrite();
    };
    for (size_t i = 0; i < ops.size(); ++i) {
      auto state = FindTable(ops[i].table);
      if (!state) {
        fail(i, TableNotFound(ops[i].table));
        continue;
      }
      if (std::find(registered.begin(), registered.end(), state) == registered.end()) {
        if (!state->BeginWrite()) {
          fail(i, TableNotFound(ops[i].table));
          continue;
        }
        registered.push_back(state);
      }
      if (Status s = CheckKeyShape(state->key, ops[i].key); !s.ok()) {
        fail(i, std::move(s));
        continue;
      }
      targets[i] = {state, ItemKey(state->id, state->key, ops[i].key)};
    }
    if (!result.status.ok()) {
      release_tables();
      return result;
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (targets[i].storage_key == targets[j].storage_key) {
          fail(i, Status::InvalidArgument("two operations on one item"));
        }
      }
    }
    if (!result.status.ok()) {
      release_tables();
      return result;
    }

    // Lock the items' stripes in a global order.
    std::vector<size_t> stripes;
    for (const auto& t : targets)
      stripes.push_back(std::hash<std::string>{}(t.storage_key) % stripe_count_);
    std::sort(stripes.begin(), stripes.end());
    stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
    for (size_t s : stripes) stripes_[s].lock();
    // The index lists are read under the item locks (see AddIndex).
    std::vector<std::shared_ptr<const std::vector<IndexDefinition>>> indexes(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) indexes[i] = IndexesOf(*targets[i].state);

    rocksdb::WriteBatch batch;
    std::vector<std::pair<std::shared_ptr<TableState>, uint64_t>> sequences;
    result.results.resize(ops.size());
    const int64_t now_us = clock_->NowMicros();
    // Every mutation runs, even after one failed, so that each op reports its own outcome
    // (TransactWriteItems lists a reason per item).
    for (size_t i = 0; i < ops.size(); ++i) {
      auto current = ReadItem(targets[i].storage_key);
      if (!current.ok()) {
        fail(i, current.status());
        break;
      }
      WriteResult& w = result.results[i];
      w.before = std::move(*current);
      auto next = ops[i].mutate(w.before);
      if (!next.ok()) {
        fail(i, next.status());
        continue;
      }
      w.after = std::move(*next);
      if (w.after) {
        const KeySchema& key = targets[i].state->key;
        if (Status s = CheckKeyShape(key, *w.after);
            !s.ok() || ItemKey(targets[i].state->id, key, *w.after) != targets[i].storage_key) {
          fail(i, Status::InvalidArgument("a write cannot change an item's key"));
          continue;
        }
      }
      w.changed = w.before != w.after;
    }
    Status commit;
    if (result.status.ok()) {
      for (size_t i = 0; i < ops.size(); ++i) {
        WriteResult& w = result.results[i];
        if (!w.changed) continue;
        const std::shared_ptr<TableState>& state = targets[i].state;
        if (w.after) {
          batch.Put(targets[i].storage_key, EncodeItem(*w.after));
        } else {
          batch.Delete(targets[i].storage_key);
        }
        for (const auto& index : *indexes[i]) {
          MaintainIndex(state->id, state->key, index, w.before, w.after, &batch);
        }
        ChangeRecord change;
        change.event = !w.before ? ChangeEvent::kInsert
                                 : (w.after ? ChangeEvent::kModify : ChangeEvent::kRemove);
        change.origin = origin;
        change.time_us = now_us;
        change.keys = KeyAttributes(state->key, w.after ? *w.after : *w.before);
        change.old_image = w.before;
        change.new_image = w.after;
        w.change_seq = state->AssignSequence();
        sequences.emplace_back(state, w.change_seq);
        batch.Put(ChangeKey(state->id, w.change_seq), EncodeChangeRecord(change));
      }
      if (batch.Count() > 0) {
        commit = FromRocks(db_->Write(item_write_options_, &batch), "write item");
      }
      // The change records become visible to readers once they are durable (a reader never
      // sees a change a crash could take back). A failed commit leaves gaps at once.
      if (commit.ok()) {
        FinishWhenDurable(std::move(sequences));
      } else {
        for (const auto& [state, seq] : sequences) state->FinishSequence(seq);
      }
    }
    for (auto it = stripes.rbegin(); it != stripes.rend(); ++it) stripes_[*it].unlock();
    release_tables();
    if (!commit.ok()) {
      result.status = commit;
      result.results.clear();
    }
    if (!result.status.ok()) result.results.clear();
    return result;
  }

  // After a large delete: a new read snapshot, so the old one does not keep the deleted data
  // from being compacted away while the tables are idle.
  void RefreshReadSnapshot() {
    committer_.AfterDurable([](const Status&) {});
  }

  // Ends `sequences` (makes their change records readable) once a sync has covered them. After
  // a failed sync they stay in flight and the next sync is waited for: readers of the change
  // space read the newest state, and must not see a record that may not be on disk.
  void FinishWhenDurable(std::vector<std::pair<std::shared_ptr<TableState>, uint64_t>> sequences) {
    if (sequences.empty()) return;
    committer_.AfterDurable([this, sequences = std::move(sequences)](Status synced) mutable {
      if (!synced.ok()) {
        // Shutting down on a failing disk: left in flight (a restart starts afresh).
        if (!stopping_) FinishWhenDurable(std::move(sequences));
        return;
      }
      for (const auto& [state, seq] : sequences) state->FinishSequence(seq);
    });
  }

  Status ScanItems(std::string_view table, const ItemRange& range, bool forward,
                   const std::function<bool(const Item&)>& visit) const {
    if (!FindTable(table)) return TableNotFound(table);
    const auto snapshot = committer_.ReadSnapshot();
    rocksdb::ReadOptions read;
    read.snapshot = snapshot.get();
    rocksdb::Slice lower = AsSlice(range.lower);
    rocksdb::Slice upper = AsSlice(range.upper);
    read.iterate_lower_bound = &lower;
    read.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
    if (forward) {
      it->SeekToFirst();
    } else {
      it->SeekToLast();
    }
    for (; it->Valid(); forward ? it->Next() : it->Prev()) {
      EDDY_ASSIGN_OR_RETURN(Item item, DecodeItem(AsView(it->value())));
      if (!visit(item)) return Status::Ok();
    }
    return FromRocks(it->status(), "scan items");
  }

  // --- changes ---

  Result<std::vector<ChangeRecord>> ReadChanges(std::string_view table, uint64_t after,
                                                size_t limit, size_t max_bytes,
                                                uint32_t table_id) const {
    auto state = FindChangeTable(table, table_id);
    if (!state) return TableNotFound(table);
    const uint64_t horizon = state->VisibleHorizon();
    std::vector<ChangeRecord> out;
    if (after >= horizon || limit == 0) return out;
    const std::string lower = ChangeKey(state->id, after + 1);
    const std::string upper = ChangeKey(state->id, horizon + 1);
    rocksdb::ReadOptions read;
    rocksdb::Slice upper_slice = AsSlice(upper);
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
    size_t bytes = 0;
    for (it->Seek(AsSlice(lower)); it->Valid() && out.size() < limit; it->Next()) {
      if (!out.empty() && bytes + it->value().size() > max_bytes) break;
      bytes += it->value().size();
      EDDY_ASSIGN_OR_RETURN(ChangeRecord record, DecodeChangeRecord(AsView(it->value())));
      record.sequence = GetBigEndian(AsView(it->key()).substr(5), 8);
      out.push_back(std::move(record));
    }
    EDDY_RETURN_IF_ERROR(FromRocks(it->status(), "read change records"));
    return out;
  }

  Result<uint64_t> VisibleHorizon(std::string_view table, uint32_t table_id) const {
    auto state = FindChangeTable(table, table_id);
    if (!state) return TableNotFound(table);
    return state->VisibleHorizon();
  }

  Result<uint64_t> NextSequence(std::string_view table) const {
    auto state = FindTable(table);
    if (!state) return TableNotFound(table);
    return state->NextSequence();
  }

  void AfterDurable(std::function<void(Status)> done) { committer_.AfterDurable(std::move(done)); }

  Result<uint64_t> FirstRetainedSequence(std::string_view table, uint32_t table_id) const {
    auto state = FindChangeTable(table, table_id);
    if (!state) return TableNotFound(table);
    return state->trimmed_through.load() + 1;
  }

  // The table whose change records `table_id` names: the live table called `name` (any id
  // when `table_id` is 0), or a deleted one of that name whose records are kept.
  std::shared_ptr<TableState> FindChangeTable(std::string_view name, uint32_t table_id) const {
    std::lock_guard lock(catalog_mu_);
    auto live = tables_.find(name);
    if (live != tables_.end() && (table_id == 0 || live->second->id == table_id)) {
      return live->second;
    }
    auto deleted = table_id == 0 ? deleted_.end() : deleted_.find(table_id);
    if (deleted != deleted_.end() && deleted->second.state->definition.name == name) {
      return deleted->second.state;
    }
    return nullptr;
  }

  std::vector<DeletedTable> ListDeletedTables() const {
    std::vector<DeletedTable> out;
    {
      std::lock_guard lock(catalog_mu_);
      for (const auto& [id, deleted] : deleted_) {
        out.push_back({deleted.state->definition, deleted.deleted_ms});
      }
    }
    std::sort(out.begin(), out.end(), [](const DeletedTable& a, const DeletedTable& b) {
      return std::tie(a.definition.name, a.definition.id) <
             std::tie(b.definition.name, b.definition.id);
    });
    return out;
  }

  Result<uint64_t> ForgetDeletedTables(int64_t deleted_before_ms) {
    std::lock_guard ddl(ddl_mu_);
    std::vector<uint32_t> due;
    {
      std::lock_guard lock(catalog_mu_);
      for (const auto& [id, deleted] : deleted_) {
        if (deleted.deleted_ms < deleted_before_ms) due.push_back(id);
      }
    }
    for (uint32_t id : due) {
      // Readers learn of it before the records go (as with a trim): new ones no longer find the
      // table, and one that already holds it sees everything trimmed.
      DeletedTableState forgotten;
      {
        std::lock_guard lock(catalog_mu_);
        auto it = deleted_.find(id);
        if (it == deleted_.end()) continue;
        forgotten = it->second;
        deleted_.erase(it);
      }
      forgotten.state->trimmed_through = forgotten.state->NextSequence();
      rocksdb::WriteBatch batch;
      DeleteChanges(id, &batch);
      batch.Delete(DeletedTableKey(id));
      const Status s = FromRocks(db_->Write(write_options_, &batch), "forget deleted table");
      if (!s.ok()) {
        std::lock_guard lock(catalog_mu_);
        deleted_.emplace(id, std::move(forgotten));  // tried again on the next pass
        return s;
      }
    }
    if (!due.empty()) RefreshReadSnapshot();
    return static_cast<uint64_t>(due.size());
  }

 private:
  const std::unique_ptr<rocksdb::DB> db_;
  // Item writes are not synced one by one: the committer syncs the log for many at once and
  // holds back their visibility to readers (the read snapshot, the change horizon) until then.
  GroupCommitter committer_;
  Clock* const clock_;
  rocksdb::WriteOptions write_options_;  // catalog and other rare writes: synced when asked
  const rocksdb::WriteOptions item_write_options_;  // item writes: never synced (see committer_)
  const size_t stripe_count_;
  const std::unique_ptr<std::mutex[]> stripes_;

  std::atomic<bool> stopping_{false};
  std::mutex backfill_mu_;
  struct BackfillThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> ended;  // set by the thread as its last act
  };
  std::vector<BackfillThread> backfills_ GUARDED_BY(backfill_mu_);

  std::mutex ddl_mu_;           // serializes CreateTable, DeleteTable, UpdateTable, *Index
  uint32_t next_table_id_ = 1;  // guarded by ddl_mu_ (after Recover)
  mutable std::mutex catalog_mu_;
  // Moves on (under catalog_mu_) whenever tables_ or a live table's definition changes.
  std::atomic<uint64_t> catalog_version_{0};
  std::map<std::string, std::shared_ptr<TableState>, std::less<>> tables_ GUARDED_BY(catalog_mu_);
  // Deleted tables whose change records are kept for their streams, by table id.
  struct DeletedTableState {
    std::shared_ptr<TableState> state;  // takes no writes; its definition's streams are closed
    int64_t deleted_ms = 0;
  };
  std::map<uint32_t, DeletedTableState> deleted_ GUARDED_BY(catalog_mu_);
};

TableStore::TableStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TableStore::~TableStore() = default;

Result<std::unique_ptr<TableStore>> TableStore::Open(const TableStoreOptions& options,
                                                     Clock* clock) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.IncreaseParallelism(2);
  // RocksDB's own log (LOG in the directory): at INFO, rolled at 16 MiB, 4 old ones kept.
  // Debian's librocksdb is built without NDEBUG, so its Options default to DEBUG, which writes
  // a line for every FlushWAL: ~90 bytes per group commit, 4 GB a day under steady writes,
  // into one file that never rolled.
  db_options.info_log_level = rocksdb::InfoLogLevel::INFO_LEVEL;
  db_options.max_log_file_size = 16 << 20;
  db_options.keep_log_file_num = 4;
  // Writers that join a commit group sleep instead of spinning for it: on a machine with few
  // cores the spinning takes the CPU the group's leader and the network need.
  db_options.enable_write_thread_adaptive_yield = false;
  // Most writes first look up the item they replace; a memtable bloom filter answers "not
  // there" without walking the skiplist.
  db_options.memtable_prefix_bloom_size_ratio = 0.02;
  db_options.memtable_whole_key_filtering = true;
  // With group commit, item writes are not synced one by one: their log records stay in
  // RocksDB's buffer until the committer writes and syncs the whole buffer with one FlushWAL
  // (one write and one fdatasync for the group, none on the threads that wrote). A synced
  // write (the catalog) still writes and syncs the buffer itself. This relies on RocksDB's
  // default write pipeline (no pipelined or unordered writes, one write queue): a write's log
  // record is in the buffer before its sequence number is visible to a snapshot.
  db_options.manual_wal_flush = options.sync;
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  rocksdb::DB* raw = nullptr;
  EDDY_RETURN_IF_ERROR(
      FromRocks(rocksdb::DB::Open(db_options, options.dir, &raw), "open tables at " + options.dir));
  auto impl = std::make_unique<Impl>(std::unique_ptr<rocksdb::DB>(raw), options, clock);
  EDDY_RETURN_IF_ERROR(impl->Recover());
  impl->ResumeBackfills();
  return std::unique_ptr<TableStore>(new TableStore(std::move(impl)));
}

Result<TableDefinition> TableStore::CreateTable(TableDefinition table) {
  return impl_->CreateTable(std::move(table));
}
Result<TableDefinition> TableStore::GetTable(std::string_view name) const {
  return impl_->GetTable(name);
}
std::vector<TableDefinition> TableStore::ListTables() const { return impl_->ListTables(nullptr); }

std::vector<TableDefinition> TableStore::ListTables(
    const std::function<bool(const TableDefinition&)>& keep) const {
  return impl_->ListTables(keep);
}

uint64_t TableStore::CatalogVersion() const { return impl_->CatalogVersion(); }

size_t TableStore::BackfillThreads() const { return impl_->BackfillThreads(); }

Result<TableDefinition> TableStore::DeleteTable(
    std::string_view name, const std::function<Status(const TableDefinition&)>& check) {
  return impl_->DeleteTable(name, check);
}
Result<TableDefinition> TableStore::UpdateTable(
    std::string_view name, const std::function<Status(TableDefinition*)>& edit) {
  return impl_->UpdateTable(name, edit);
}

Result<TableDefinition> TableStore::AddIndex(std::string_view table, IndexDefinition index,
                                             const std::function<Status(TableDefinition*)>& edit) {
  return impl_->AddIndex(table, std::move(index), edit);
}
Result<TableDefinition> TableStore::DeleteIndex(std::string_view table, std::string_view index) {
  return impl_->DeleteIndex(table, index);
}

Result<std::optional<Item>> TableStore::GetItem(std::string_view table, const Item& key) const {
  return impl_->GetItem(table, key);
}

Result<std::vector<std::optional<Item>>> TableStore::GetItems(
    const std::vector<std::pair<std::string, Item>>& table_and_keys) const {
  return impl_->GetItems(table_and_keys);
}

Result<WriteResult> TableStore::Write(std::string_view table, const Item& key,
                                      const Mutation& mutate, ChangeOrigin origin) {
  std::vector<WriteOp> ops;
  ops.push_back(WriteOp{std::string(table), key, mutate});
  auto r = impl_->WriteAtomically(ops, origin);
  if (!r.status.ok()) return r.status;
  return std::move(r.results[0]);
}

AtomicWriteResult TableStore::WriteAtomically(const std::vector<WriteOp>& ops,
                                              ChangeOrigin origin) {
  return impl_->WriteAtomically(ops, origin);
}

void TableStore::AfterDurable(std::function<void(Status)> done) {
  impl_->AfterDurable(std::move(done));
}

Status TableStore::ScanItems(std::string_view table, const ItemRange& range, bool forward,
                             const std::function<bool(const Item&)>& visit) const {
  return impl_->ScanItems(table, range, forward, visit);
}

TableStore::ItemRange TableStore::WholeTable(const TableDefinition& table,
                                             const IndexDefinition* index) {
  std::string lower = ItemSpacePrefix(table.id, index ? index->id : 0);
  std::string upper = After(lower);
  return {std::move(lower), std::move(upper)};
}

TableStore::ItemRange TableStore::Partition(const TableDefinition& table,
                                            const AttributeValue& partition_key,
                                            const IndexDefinition* index) {
  std::string lower = ItemSpacePrefix(table.id, index ? index->id : 0);
  AppendKeyValue(partition_key, &lower);
  std::string upper = After(lower);
  return {std::move(lower), std::move(upper)};
}

std::string TableStore::ItemKey(const TableDefinition& table, const Item& item,
                                const IndexDefinition* index) {
  if (index) return Impl::EntryKey(table.id, table.key, *index, item);
  return Impl::ItemKey(table.id, table.key, item);
}

Result<std::vector<ChangeRecord>> TableStore::ReadChanges(std::string_view table, uint64_t after,
                                                          size_t limit, size_t max_bytes,
                                                          uint32_t table_id) const {
  return impl_->ReadChanges(table, after, limit, max_bytes, table_id);
}

Result<TableDefinition> TableStore::UpdateTableAtSequence(
    std::string_view name, const std::function<Status(TableDefinition*, uint64_t)>& edit) {
  return impl_->UpdateTableAtSequence(name, edit);
}

Result<uint64_t> TableStore::VisibleHorizon(std::string_view table, uint32_t table_id) const {
  return impl_->VisibleHorizon(table, table_id);
}

Result<uint64_t> TableStore::NextSequence(std::string_view table) const {
  return impl_->NextSequence(table);
}

Result<uint64_t> TableStore::FirstRetainedSequence(std::string_view table,
                                                   uint32_t table_id) const {
  return impl_->FirstRetainedSequence(table, table_id);
}

Result<uint64_t> TableStore::TrimChanges(std::string_view table, int64_t before_us,
                                         uint32_t table_id) {
  return impl_->TrimChanges(table, before_us, table_id);
}

std::vector<DeletedTable> TableStore::ListDeletedTables() const {
  return impl_->ListDeletedTables();
}

Result<uint64_t> TableStore::ForgetDeletedTables(int64_t deleted_before_ms) {
  return impl_->ForgetDeletedTables(deleted_before_ms);
}

}  // namespace eddy::table
