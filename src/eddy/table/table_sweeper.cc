#include "eddy/table/table_sweeper.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "eddy/base/guarded.h"
#include "eddy/table/change_streams.h"

namespace eddy::table {
namespace {

constexpr int64_t kFiveYearsSeconds = 5LL * 365 * 24 * 3600;

}  // namespace

bool IsExpired(const Item& item, const std::string& attribute, int64_t now_seconds) {
  auto it = item.find(attribute);
  if (it == item.end() || it->second.type() != ValueType::kNumber) return false;
  const Number& at = it->second.number();
  const Number now = Number::Parse(std::to_string(now_seconds)).value();
  const Number oldest = Number::Parse(std::to_string(now_seconds - kFiveYearsSeconds)).value();
  return Number::Compare(at, now) <= 0 && Number::Compare(at, oldest) >= 0;
}

void TableSweeper::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      // A pass that throws (a bug, memory exhausted) is logged, and the next one runs after
      // the interval: it must not end the process.
      RunGuarded("TTL sweeper: a pass", [this] {
        auto swept = SweepOnce();
        if (!swept.ok()) spdlog::warn("TTL sweep: {}", swept.status().ToString());
      });
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                     [this] { return stopping_; });
    }
  });
}

void TableSweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<uint64_t> TableSweeper::SweepOnce() {
  uint64_t deleted = 0;
  const int64_t retention_ms = options_.change_retention_hours * 3600LL * 1000LL;
  const std::vector<TableDefinition> tables = store_->ListTables();
  {
    // Forget where the passes over deleted tables (or ones without TTL now) stopped.
    std::set<uint32_t> ttl_tables;
    for (const auto& table : tables) {
      if (table.ttl_enabled) ttl_tables.insert(table.id);
    }
    std::lock_guard lock(cursors_mu_);
    std::erase_if(ttl_cursors_, [&](const auto& entry) { return !ttl_tables.count(entry.first); });
  }
  for (const auto& table : tables) {
    auto trimmed = store_->TrimChanges(table.name, clock_->NowMicros() - retention_ms * 1000);
    if (!trimmed.ok() && trimmed.status().code() != Status::Code::kNotFound) {
      spdlog::warn("trimming the change records of table {}: {}", table.name,
                   trimmed.status().ToString());
    }
    if (Status s = MaintainStreams(table); !s.ok() && s.code() != Status::Code::kNotFound) {
      spdlog::warn("rolling the stream shards of table {}: {}", table.name, s.ToString());
    }
    if (!table.ttl_enabled || table.ttl_attribute.empty()) continue;
    auto swept = SweepTable(table);
    if (swept.ok()) {
      deleted += *swept;
    } else if (swept.status().code() != Status::Code::kNotFound) {
      spdlog::warn("deleting the expired items of table {}: {}", table.name,
                   swept.status().ToString());
    }
  }
  // Deleted tables kept for their streams: their records age out as a live table's do, and the
  // whole table goes when the retention has passed since its deletion.
  if (auto forgotten = store_->ForgetDeletedTables(clock_->NowMillis() - retention_ms);
      !forgotten.ok()) {
    spdlog::warn("forgetting deleted tables: {}", forgotten.status().ToString());
  }
  for (const auto& gone : store_->ListDeletedTables()) {
    auto trimmed = store_->TrimChanges(
        gone.definition.name, clock_->NowMicros() - retention_ms * 1000, gone.definition.id);
    if (!trimmed.ok() && trimmed.status().code() != Status::Code::kNotFound) {
      spdlog::warn("trimming the change records of deleted table {}: {}", gone.definition.name,
                   trimmed.status().ToString());
    }
  }
  return deleted;
}

Status TableSweeper::MaintainStreams(const TableDefinition& table) {
  if (table.streams.empty()) return Status::Ok();
  const int64_t now_ms = clock_->NowMillis();
  const int64_t retention_ms = options_.change_retention_hours * 3600LL * 1000LL;
  auto due = [&](TableDefinition* def, uint64_t next_seq) {
    const bool rolled = RollStreamShard(def, now_ms, next_seq, options_.stream_shard_interval_ms);
    const bool dropped = DropExpiredShards(def, now_ms - retention_ms);
    return rolled || dropped;
  };
  // Check on a copy first, so that a pass with nothing to do writes nothing.
  EDDY_ASSIGN_OR_RETURN(uint64_t next_seq, store_->NextSequence(table.name));
  TableDefinition copy = table;
  if (!due(&copy, next_seq)) return Status::Ok();
  // The shard closes at the sequence number current when the new shards are published, so no
  // reader can have read past the end of the parent.
  return store_
      ->UpdateTableAtSequence(table.name,
                              [&](TableDefinition* def, uint64_t next) -> Status {
                                if (def->id != table.id) {
                                  return Status::NotFound("table re-created");
                                }
                                due(def, next);
                                return Status::Ok();
                              })
      .status();
}

Result<uint64_t> TableSweeper::SweepTable(const TableDefinition& table) {
  const int64_t now_seconds = clock_->NowMillis() / 1000;
  TableStore::ItemRange range = TableStore::WholeTable(table);
  {
    std::lock_guard lock(cursors_mu_);
    auto it = ttl_cursors_.find(table.id);
    if (it != ttl_cursors_.end()) range.lower = it->second;
  }
  std::vector<Item> expired_keys;
  size_t read = 0;
  std::string resume_at;  // empty: this pass reached the end of the table
  EDDY_RETURN_IF_ERROR(store_->ScanItems(table.name, range, true, [&](const Item& item) {
    if (read >= std::max<size_t>(1, options_.max_items_read_per_pass) ||
        expired_keys.size() >= std::max<size_t>(1, options_.max_deletes_per_pass)) {
      resume_at = TableStore::ItemKey(table, item);
      return false;
    }
    ++read;
    if (IsExpired(item, table.ttl_attribute, now_seconds)) {
      expired_keys.push_back(KeyAttributes(table.key, item));
    }
    return true;
  }));
  {
    std::lock_guard lock(cursors_mu_);
    if (resume_at.empty()) {
      ttl_cursors_.erase(table.id);
    } else {
      ttl_cursors_[table.id] = std::move(resume_at);
    }
  }
  uint64_t deleted = 0;
  const std::string& attribute = table.ttl_attribute;
  for (size_t i = 0; i < expired_keys.size(); ++i) {
    // The same table (not one re-created under its name) with TTL still on.
    if (i % 100 == 0) {
      auto now = store_->GetTable(table.name);
      if (!now.ok()) return now.status();
      if (now->id != table.id || !now->ttl_enabled || now->ttl_attribute != attribute) break;
    }
    auto written = store_->Write(
        table.name, expired_keys[i],
        [&](const std::optional<Item>& current) -> Result<std::optional<Item>> {
          if (current && IsExpired(*current, attribute, now_seconds)) {
            return std::optional<Item>();
          }
          return current;  // rewritten meanwhile: keep it
        },
        ChangeOrigin::kTimeToLive);
    EDDY_RETURN_IF_ERROR(written.status());
    if (written->changed) ++deleted;
  }
  return deleted;
}

}  // namespace eddy::table
