#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/io/fault_injection_file_system.h"
#include "eddy/log/shard_log.h"

namespace eddy::log::testing {

// A fresh directory under /tmp per test, removed afterwards; a manual clock; a fault-injecting
// file system over the real one; one sync scheduler.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-log-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/shard";
  }
  void TearDown() override {
    log_.reset();
    std::filesystem::remove_all(root_);
  }

  ShardLog::Env env() { return {&fs_, &clock_, &scheduler_}; }

  void OpenLog() {
    log_.reset();
    auto r = ShardLog::Open(dir_, options_, env());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    log_ = std::move(r).value();
  }

  Status TryOpen() {
    log_.reset();
    auto r = ShardLog::Open(dir_, options_, env());
    if (r.ok()) log_ = std::move(r).value();
    return r.status();
  }

  // Appends one record per string; returns the first offset.
  uint64_t AppendAll(const std::vector<std::string>& data, std::string_view key = "key") {
    std::vector<AppendRecord> records;
    for (const auto& d : data) records.push_back({key, std::nullopt, d});
    auto r = log_->Append(records);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->first_offset.value() : UINT64_MAX;
  }

  uint64_t AppendOne(const std::string& data, std::string_view key = "key") {
    return AppendAll({data}, key);
  }

  // Every readable record's data, in offset order, read in small batches.
  std::vector<std::string> ReadAll(size_t batch_records = 7) {
    std::vector<std::string> out;
    uint64_t next = log_->start_offset().value();
    for (;;) {
      auto r = log_->Read(LogOffset(next), ReadLimits{batch_records, 1 << 20});
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok() || r->records.empty()) break;
      for (const auto& rec : r->records) {
        EXPECT_EQ(rec.offset, next);
        ++next;
        out.emplace_back(rec.data);
      }
      EXPECT_EQ(r->next_offset, next);
    }
    EXPECT_EQ(next, log_->end_offset().value());
    return out;
  }

  static std::vector<std::string> Numbered(int n, size_t size = 100, int from = 0) {
    std::vector<std::string> v;
    for (int i = from; i < from + n; ++i) {
      std::string s = "record-" + std::to_string(i) + "-";
      while (s.size() < size) s += static_cast<char>('a' + (s.size() + i) % 26);
      v.push_back(s);
    }
    return v;
  }

  std::vector<std::string> SegmentFiles() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      if (e.path().extension() == ".log") names.push_back(e.path().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string root_;
  std::string dir_;
  ManualClock clock_;
  io::FaultInjectionFileSystem fs_{io::PosixFileSystem()};
  SyncScheduler scheduler_{SyncScheduler::Options{2}};
  LogOptions options_;
  std::unique_ptr<ShardLog> log_;
};

}  // namespace eddy::log::testing
