#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "eddy/consumer/source.h"

namespace eddy::consumer {

// An in-memory Source: shards with their records, closable, with children. Iterators are
// "<shard>#<index of the next record>". Sequence numbers are 10-digit decimal strings, growing
// across the whole source.
// Thread-safety: every method may be called from any thread.
class FakeSource final : public Source {
 public:
  const std::string& name() const override { return name_; }

  void AddShard(const std::string& id, std::vector<std::string> parents = {}) {
    std::lock_guard lock(mu_);
    Shard& shard = shards_[id];
    shard.info.shard_id = id;
    shard.info.parent_shard_ids = std::move(parents);
    order_.push_back(id);
  }
  // Appends a record; returns its sequence number.
  std::string Put(const std::string& shard_id, const std::string& key, const std::string& data) {
    std::lock_guard lock(mu_);
    Record record;
    record.sequence_number = Sequence(++next_sequence_);
    record.partition_key = key;
    record.data = data;
    shards_.at(shard_id).records.push_back(record);
    return record.sequence_number;
  }
  void Close(const std::string& shard_id) {
    std::lock_guard lock(mu_);
    shards_.at(shard_id).info.closed = true;
  }
  void Delete() {
    std::lock_guard lock(mu_);
    deleted_ = true;
  }
  void SetReportChildren(bool report) {
    std::lock_guard lock(mu_);
    report_children_ = report;
  }

  Result<std::vector<SourceShard>> ListShards() override {
    std::lock_guard lock(mu_);
    if (deleted_) return Status::NotFound("stream fake");
    std::vector<SourceShard> out;
    for (const auto& id : order_) out.push_back(shards_.at(id).info);
    return out;
  }
  Result<std::string> GetIterator(const std::string& shard_id,
                                  const StartPosition& start) override {
    std::lock_guard lock(mu_);
    if (deleted_) return Status::NotFound("stream fake");
    auto it = shards_.find(shard_id);
    if (it == shards_.end()) return Status::NotFound("shard " + shard_id);
    const auto& records = it->second.records;
    size_t index = 0;
    switch (start.kind) {
      case StartPosition::Kind::kTrimHorizon:
      case StartPosition::Kind::kAtTimestamp:
        index = 0;
        break;
      case StartPosition::Kind::kLatest:
        index = records.size();
        break;
      case StartPosition::Kind::kAtSequenceNumber:
      case StartPosition::Kind::kAfterSequenceNumber: {
        auto at = std::find_if(records.begin(), records.end(), [&](const Record& r) {
          return r.sequence_number >= start.sequence_number;
        });
        index = static_cast<size_t>(at - records.begin());
        if (start.kind == StartPosition::Kind::kAfterSequenceNumber && at != records.end() &&
            at->sequence_number == start.sequence_number) {
          ++index;
        }
        break;
      }
    }
    ++iterators;
    return shard_id + "#" + std::to_string(index);
  }
  Result<ReadResult> Read(const std::string& iterator, int limit) override {
    std::lock_guard lock(mu_);
    if (deleted_) return Status::NotFound("stream fake");
    const size_t hash = iterator.find('#');
    const std::string shard_id = iterator.substr(0, hash);
    size_t index = std::stoul(iterator.substr(hash + 1));
    const Shard& shard = shards_.at(shard_id);
    ReadResult result;
    while (index < shard.records.size() && static_cast<int>(result.records.size()) < limit) {
      result.records.push_back(shard.records[index++]);
    }
    if (shard.info.closed && index == shard.records.size()) {
      if (report_children_) {
        for (const auto& id : order_) {
          const auto& parents = shards_.at(id).info.parent_shard_ids;
          if (std::find(parents.begin(), parents.end(), shard_id) != parents.end()) {
            result.child_shards.push_back(shards_.at(id).info);
          }
        }
      }
    } else {
      result.next_iterator = shard_id + "#" + std::to_string(index);
    }
    ++reads;
    return result;
  }
  bool may_aggregate() const override { return true; }

  int reads = 0;
  int iterators = 0;

 private:
  struct Shard {
    SourceShard info;
    std::vector<Record> records;
  };
  static std::string Sequence(int n) {
    std::string s = std::to_string(n);
    return std::string(10 - s.size(), '0') + s;
  }

  std::mutex mu_;
  const std::string name_ = "fake";
  std::map<std::string, Shard> shards_;
  std::vector<std::string> order_;
  int next_sequence_ = 0;
  bool deleted_ = false;
  bool report_children_ = true;
};

}  // namespace eddy::consumer
