#include "eddy/log/shard_log.h"

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include "log_test_util.h"

namespace eddy::log {
namespace {

using testing::LogTest;

TEST_F(LogTest, NewLogIsEmpty) {
  OpenLog();
  EXPECT_EQ(log_->start_offset().value(), 0u);
  EXPECT_EQ(log_->end_offset().value(), 0u);
  auto r = log_->Read(LogOffset(0), ReadLimits{});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->records.empty());
  EXPECT_EQ(r->next_offset, 0u);
}

TEST_F(LogTest, AppendAssignsDenseOffsetsAndReadsBack) {
  OpenLog();
  EXPECT_EQ(AppendOne("first"), 0u);
  EXPECT_EQ(AppendAll({"a", "b", "c"}), 1u);
  EXPECT_EQ(AppendOne("last"), 4u);
  EXPECT_EQ(log_->end_offset().value(), 5u);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"first", "a", "b", "c", "last"}));
}

TEST_F(LogTest, RecordFieldsSurvive) {
  OpenLog();
  HashKey key{};
  key[15] = 7;
  const std::string data("\0binary\xff", 8);
  AppendRecord rec{"partition", key, data};
  clock_.SetMillis(1'750'000'000'000);
  auto r = log_->Append({&rec, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->arrival_ms, 1'750'000'000'000);
  auto batch = log_->Read(LogOffset(0), ReadLimits{});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->records.size(), 1u);
  EXPECT_EQ(batch->records[0].partition_key, "partition");
  EXPECT_EQ(batch->records[0].explicit_hash_key, key);
  EXPECT_EQ(batch->records[0].data, std::string("\0binary\xff", 8));
  EXPECT_EQ(batch->records[0].arrival_ms, 1'750'000'000'000);
}

TEST_F(LogTest, ArrivalTimesNeverGoBackwards) {
  OpenLog();
  clock_.SetMillis(2'000'000);
  AppendOne("a");
  clock_.SetMillis(1'000'000);  // the wall clock stepped back
  AppendOne("b");
  auto batch = log_->Read(LogOffset(0), ReadLimits{});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->records.size(), 2u);
  EXPECT_EQ(batch->records[1].arrival_ms, 2'000'000);
}

TEST_F(LogTest, EmptyAndOversizedAppendsAreRejected) {
  OpenLog();
  EXPECT_EQ(log_->Append({}).status().code(), Status::Code::kInvalidArgument);
  std::string big(kMaxDataBytes + 1, 'x');
  AppendRecord rec{"k", std::nullopt, big};
  EXPECT_EQ(log_->Append({&rec, 1}).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(log_->end_offset().value(), 0u);
}

TEST_F(LogTest, OversizedBatchIsRejected) {
  OpenLog();
  const std::string data(kMaxDataBytes, 'x');
  std::vector<AppendRecord> records(7, AppendRecord{"k", std::nullopt, data});  // 70 MiB
  EXPECT_EQ(log_->Append(records).status().code(), Status::Code::kInvalidArgument);
  records.resize(6);  // 60 MiB fits
  EXPECT_TRUE(log_->Append(records).ok());
}

TEST_F(LogTest, SegmentSizeOutsideLimitsIsRejected) {
  options_.max_segment_bytes = 100;
  EXPECT_EQ(TryOpen().code(), Status::Code::kInvalidArgument);
  options_.max_segment_bytes = kMaxSegmentBytes + 1;
  EXPECT_EQ(TryOpen().code(), Status::Code::kInvalidArgument);
}

TEST_F(LogTest, ReadRespectsRecordAndByteLimits) {
  OpenLog();
  AppendAll(Numbered(50, 100));
  auto r = log_->Read(LogOffset(10), ReadLimits{5, 1 << 20});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->records.size(), 5u);
  EXPECT_EQ(r->records[0].offset, 10u);
  EXPECT_EQ(r->next_offset, 15u);
  // Each record counts key (3) + data (100) = 103 bytes: 350 bytes fit 3.
  r = log_->Read(LogOffset(0), ReadLimits{100, 350});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 3u);
  // The first record is returned even when it alone exceeds the budget.
  r = log_->Read(LogOffset(0), ReadLimits{100, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 1u);
  r = log_->Read(LogOffset(0), ReadLimits{0, 1 << 20});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->records.empty());
}

TEST_F(LogTest, ReadOutsideTheLogIsOutOfRange) {
  OpenLog();
  AppendAll(Numbered(3));
  EXPECT_TRUE(log_->Read(LogOffset(4), ReadLimits{}).status().IsOutOfRange());
  auto at_end = log_->Read(LogOffset(3), ReadLimits{});
  ASSERT_TRUE(at_end.ok());
  EXPECT_TRUE(at_end->records.empty());
}

TEST_F(LogTest, LargestRecordRoundTrips) {
  OpenLog();
  std::string big(kMaxDataBytes, 'z');
  big[12345] = 'q';
  AppendOne("small");
  AppendOne(big);
  AppendOne("after");
  auto r = log_->Read(LogOffset(1), ReadLimits{10, 1});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].data, big);
  EXPECT_EQ(ReadAll(2), (std::vector<std::string>{"small", big, "after"}));
}

TEST_F(LogTest, ReopenKeepsRecordsAndContinuesOffsets) {
  OpenLog();
  auto data = Numbered(20);
  AppendAll(data);
  OpenLog();
  EXPECT_EQ(log_->end_offset().value(), 20u);
  EXPECT_EQ(AppendOne("more"), 20u);
  data.push_back("more");
  OpenLog();
  EXPECT_EQ(ReadAll(), data);
}

TEST_F(LogTest, RollsBySizeAndReadsAcrossSegments) {
  options_.max_segment_bytes = 4096;
  options_.index_interval_bytes = 512;
  OpenLog();
  std::vector<std::string> all;
  for (int i = 0; i < 40; ++i) {
    auto batch = Numbered(3, 300, i * 3);
    AppendAll(batch);
    all.insert(all.end(), batch.begin(), batch.end());
  }
  EXPECT_GT(SegmentFiles().size(), 5u);
  EXPECT_EQ(log_->Stats().segment_count, SegmentFiles().size());
  EXPECT_EQ(ReadAll(4), all);
  // A read that starts in one segment continues into the next.
  auto r = log_->Read(LogOffset(0), ReadLimits{100, 1 << 20});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.size(), 100u);
  OpenLog();
  EXPECT_EQ(ReadAll(11), all);
  // Random access to every offset.
  for (uint64_t o = 0; o < all.size(); o += 7) {
    auto one = log_->Read(LogOffset(o), ReadLimits{1, 1 << 20});
    ASSERT_TRUE(one.ok());
    ASSERT_EQ(one->records.size(), 1u);
    EXPECT_EQ(one->records[0].data, all[o]);
  }
}

TEST_F(LogTest, RollsByAge) {
  options_.max_segment_age_ms = 60'000;
  OpenLog();
  AppendOne("a");
  AppendOne("b");
  EXPECT_EQ(SegmentFiles().size(), 1u);
  clock_.AdvanceMillis(60'000);
  AppendOne("c");
  EXPECT_EQ(SegmentFiles().size(), 2u);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(LogTest, OffsetForTime) {
  options_.max_segment_bytes = 4096;
  options_.index_interval_bytes = 256;
  OpenLog();
  const int64_t t0 = clock_.NowMillis();
  for (int i = 0; i < 100; ++i) {
    AppendAll(Numbered(2, 150, i * 2));  // offsets 2i, 2i+1 arrive at t0 + 10 i
    clock_.AdvanceMillis(10);
  }
  auto at = [&](int64_t ms) { return log_->OffsetForTime(ms).value().value(); };
  EXPECT_EQ(at(t0 - 1'000'000), 0u);
  EXPECT_EQ(at(t0), 0u);
  EXPECT_EQ(at(t0 + 1), 2u);
  EXPECT_EQ(at(t0 + 500), 100u);
  EXPECT_EQ(at(t0 + 505), 102u);
  EXPECT_EQ(at(t0 + 990), 198u);
  EXPECT_EQ(at(t0 + 991), 200u);  // after the newest: the end
  OpenLog();                      // the same answers from indexes loaded from disk
  EXPECT_EQ(at(t0 + 500), 100u);
  EXPECT_EQ(at(t0 + 1), 2u);
}

TEST_F(LogTest, RetentionDeletesWholeExpiredSegments) {
  options_.max_segment_bytes = 4096;
  options_.retention_ms = 3'600'000;
  OpenLog();
  for (int i = 0; i < 10; ++i) AppendAll(Numbered(10, 300, i * 10));  // several segments, t0
  const size_t segments_before = SegmentFiles().size();
  ASSERT_GT(segments_before, 3u);
  clock_.AdvanceMillis(1'800'000);
  AppendAll(Numbered(2, 300, 100));  // newer records, t0 + 30 min
  auto deleted = log_->EnforceRetention();
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 0u);  // nothing is an hour old yet
  clock_.AdvanceMillis(1'800'001);
  deleted = log_->EnforceRetention();
  ASSERT_TRUE(deleted.ok());
  EXPECT_GT(*deleted, 0u);
  const uint64_t horizon = log_->start_offset().value();
  EXPECT_GT(horizon, 0u);
  EXPECT_LE(horizon, 100u);  // the newer records stay
  EXPECT_TRUE(log_->Read(LogOffset(0), ReadLimits{}).status().IsOutOfRange());
  auto r = log_->Read(LogOffset(horizon), ReadLimits{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.back().offset, 101u);
  OpenLog();  // the trim survives a restart
  EXPECT_EQ(log_->start_offset().value(), horizon);
  EXPECT_EQ(AppendOne("x"), 102u);
}

TEST_F(LogTest, RetentionChangesAtRunTimeAndIdleShardsAgeOut) {
  options_.retention_ms = 24 * 3'600'000LL;
  OpenLog();
  AppendAll(Numbered(5));
  clock_.AdvanceMillis(2 * 3'600'000);
  EXPECT_EQ(*log_->EnforceRetention(), 0u);
  log_->SetRetentionMs(3'600'000);
  EXPECT_EQ(log_->retention_ms(), 3'600'000);
  // The only segment is the active one: it is sealed and removed.
  EXPECT_EQ(*log_->EnforceRetention(), 1u);
  EXPECT_EQ(log_->start_offset().value(), 5u);
  EXPECT_EQ(log_->end_offset().value(), 5u);
  EXPECT_EQ(AppendOne("new"), 5u);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"new"}));
}

TEST_F(LogTest, MissingOrDamagedIndexesAreRebuilt) {
  options_.max_segment_bytes = 4096;
  options_.index_interval_bytes = 256;
  OpenLog();
  std::vector<std::string> all = Numbered(60, 200);
  for (int i = 0; i < 60; i += 3) {
    AppendAll({all.begin() + i, all.begin() + i + 3});
    clock_.AdvanceMillis(5);
  }
  const int64_t probe_time = clock_.NowMillis() - 50;
  const uint64_t expected = log_->OffsetForTime(probe_time).value().value();
  log_.reset();
  auto files = SegmentFiles();
  ASSERT_GT(files.size(), 3u);
  auto stem = [](const std::string& p) { return p.substr(0, p.size() - 4); };
  std::filesystem::remove(stem(files[0]) + ".index");
  std::filesystem::remove(stem(files[1]) + ".timeindex");
  {  // garbage in a third
    std::FILE* f = std::fopen((stem(files[2]) + ".timeindex").c_str(), "wb");
    std::fputs("garbage garbage garbage!", f);
    std::fclose(f);
  }
  {  // garbage in the active segment's offset index
    std::FILE* f = std::fopen((stem(files.back()) + ".index").c_str(), "wb");
    std::fputs("\x01\x02\x03\x04\xff\xff\xff\x7f", f);
    std::fclose(f);
  }
  OpenLog();
  EXPECT_TRUE(std::filesystem::exists(stem(files[0]) + ".index"));
  EXPECT_EQ(ReadAll(5), all);
  EXPECT_EQ(log_->OffsetForTime(probe_time).value().value(), expected);
}

TEST_F(LogTest, WeakerDurabilityModesAckWithoutWaitingAndSyncOnClose) {
  for (Durability d : {Durability::kNone, Durability::kInterval}) {
    std::filesystem::remove_all(dir_);
    options_.durability = d;
    options_.sync_interval_ms = 5;
    OpenLog();
    AppendAll(Numbered(10));
    EXPECT_EQ(log_->end_offset().value(), 10u);
    ASSERT_TRUE(log_->Close().ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());  // power cut after a clean close loses nothing
    OpenLog();
    EXPECT_EQ(ReadAll(), Numbered(10)) << DurabilityName(d);
  }
}

TEST_F(LogTest, ACallbackThatThrowsLeavesTheOthersAndCloseAlone) {
  OpenLog();
  std::promise<Status> second;
  auto second_done = second.get_future();
  AppendRecord a{"k", std::nullopt, "a"};
  AppendRecord b{"k", std::nullopt, "b"};
  log_->AppendAsync({&a, 1},
                    [](const Result<AppendResult>&) { throw std::runtime_error("a bug"); });
  log_->AppendAsync({&b, 1},
                    [&second](const Result<AppendResult>& r) { second.set_value(r.status()); });
  ASSERT_EQ(second_done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(second_done.get().ok());
  AppendOne("c");                   // the scheduler's threads still sync
  EXPECT_TRUE(log_->Close().ok());  // does not wait forever for the callback that threw
  OpenLog();
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(LogTest, ClosedLogRefusesAppendsButStillReads) {
  OpenLog();
  AppendOne("a");
  ASSERT_TRUE(log_->Close().ok());
  ASSERT_TRUE(log_->Close().ok());  // idempotent
  AppendRecord rec{"k", std::nullopt, "b"};
  EXPECT_EQ(log_->Append({&rec, 1}).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"a"}));
}

TEST_F(LogTest, StopAppendsFixesTheEndButKeepsReadsAndRetention) {
  options_.retention_ms = 3'600'000;
  OpenLog();
  AppendAll(Numbered(3));
  auto end = log_->StopAppends();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->value(), 3u);
  AppendRecord rec{"k", std::nullopt, "late"};
  EXPECT_EQ(log_->Append({&rec, 1}).status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(ReadAll(), Numbered(3));
  clock_.AdvanceMillis(2 * 3'600'000);
  auto deleted = log_->EnforceRetention();
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1u);
}

TEST_F(LogTest, ParseDurability) {
  EXPECT_EQ(*ParseDurability("sync"), Durability::kSync);
  EXPECT_EQ(*ParseDurability("interval"), Durability::kInterval);
  EXPECT_EQ(*ParseDurability("none"), Durability::kNone);
  EXPECT_FALSE(ParseDurability("fast").ok());
}

TEST_F(LogTest, ConcurrentAppendersShareSyncsAndReadersSeeAConsistentPrefix) {
  options_.max_segment_bytes = 64 * 1024;
  OpenLog();
  constexpr int kWriters = 4;
  constexpr int kAppendsEach = 200;
  const int64_t syncs_before = fs_.sync_count();
  std::atomic<bool> done{false};
  std::atomic<int> reader_errors{0};
  std::thread reader([&] {
    uint64_t next = 0;
    while (!done.load() || next < log_->end_offset().value()) {
      auto r = log_->Read(LogOffset(next), ReadLimits{50, 1 << 20});
      if (!r.ok()) {
        ++reader_errors;
        break;
      }
      for (const auto& rec : r->records) {
        // Each record names its writer and sequence; offsets must be dense.
        if (rec.offset != next || rec.data.substr(0, 1) != "w") ++reader_errors;
        ++next;
      }
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kAppendsEach; ++i) {
        std::string data = "w" + std::to_string(w) + ":" + std::to_string(i);
        AppendRecord rec{"k", std::nullopt, data};
        ASSERT_TRUE(log_->Append({&rec, 1}).ok());
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(reader_errors.load(), 0);
  EXPECT_EQ(log_->end_offset().value(), uint64_t{kWriters * kAppendsEach});
  // Per writer, its records appear in the order it appended them.
  std::vector<int> last(kWriters, -1);
  for (const auto& d : ReadAll(100)) {
    const int w = d[1] - '0';
    const int i = std::stoi(d.substr(3));
    EXPECT_EQ(i, last[w] + 1);
    last[w] = i;
  }
  // Group commit: far fewer data syncs than appends (each append waited for one).
  EXPECT_LT(fs_.sync_count() - syncs_before, int64_t{kWriters * kAppendsEach});
}

}  // namespace
}  // namespace eddy::log
