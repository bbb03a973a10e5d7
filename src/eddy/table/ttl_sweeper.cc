#include "eddy/table/ttl_sweeper.h"

#include <spdlog/spdlog.h>

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

void TtlSweeper::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      auto swept = SweepOnce();
      if (!swept.ok()) spdlog::warn("TTL sweep: {}", swept.status().ToString());
      lock.lock();
      wake_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                     [this] { return stopping_; });
    }
  });
}

void TtlSweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<uint64_t> TtlSweeper::SweepOnce() {
  uint64_t deleted = 0;
  for (const auto& table : store_->ListTables()) {
    if (!table.ttl_enabled || table.ttl_attribute.empty()) continue;
    const int64_t now_seconds = clock_->NowMillis() / 1000;
    std::vector<Item> expired_keys;
    Status scanned = store_->ScanItems(table.name, TableStore::WholeTable(table), true,
                                       [&](const Item& item) {
                                         if (IsExpired(item, table.ttl_attribute, now_seconds)) {
                                           Item key;
                                           key.emplace(table.key.partition.name,
                                                       item.at(table.key.partition.name));
                                           if (table.key.sort) {
                                             key.emplace(table.key.sort->name,
                                                         item.at(table.key.sort->name));
                                           }
                                           expired_keys.push_back(std::move(key));
                                         }
                                         return expired_keys.size() <
                                                options_.max_deletes_per_pass;
                                       });
    if (scanned.code() == Status::Code::kNotFound) continue;  // deleted meanwhile
    EDDY_RETURN_IF_ERROR(scanned);
    const std::string attribute = table.ttl_attribute;
    for (const auto& key : expired_keys) {
      auto written = store_->Write(
          table.name, key,
          [&](const std::optional<Item>& current) -> Result<std::optional<Item>> {
            if (current && IsExpired(*current, attribute, now_seconds)) {
              return std::optional<Item>();
            }
            return current;  // rewritten meanwhile: keep it
          },
          ChangeOrigin::kTimeToLive);
      if (written.status().code() == Status::Code::kNotFound) break;  // table deleted
      EDDY_RETURN_IF_ERROR(written.status());
      if (written->changed) ++deleted;
    }
  }
  return deleted;
}

}  // namespace eddy::table
