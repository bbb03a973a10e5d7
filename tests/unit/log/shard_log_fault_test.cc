// Power cuts, failed fsyncs and a full disk, through FaultInjectionFileSystem.
#include <atomic>
#include <chrono>
#include <thread>

#include "log_test_util.h"

namespace eddy::log {
namespace {

using testing::LogTest;

TEST_F(LogTest, AcknowledgedRecordsSurviveAPowerCut) {
  options_.max_segment_bytes = 2048;
  OpenLog();
  auto data = Numbered(40, 120);
  for (const auto& d : data) AppendOne(d);
  ASSERT_GT(SegmentFiles().size(), 2u);
  log_.reset();  // no clean close of anything unsynced
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  OpenLog();
  EXPECT_EQ(ReadAll(), data);
}

TEST_F(LogTest, ReadersAndTheProducerSeeNothingBeforeTheSyncCompletes) {
  OpenLog();
  AppendOne("durable");
  fs_.BlockSyncs();
  std::atomic<bool> acked{false};
  const std::string data = "pending";
  AppendRecord rec{"k", std::nullopt, data};
  log_->AppendAsync({&rec, 1}, [&](const Result<AppendResult>& r) {
    EXPECT_TRUE(r.ok());
    acked = true;
  });
  // The record is written (it is in the file) but its fdatasync is held.
  for (int i = 0; i < 2000 && fs_.blocked_syncs() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(fs_.blocked_syncs(), 1);
  EXPECT_FALSE(acked.load());
  EXPECT_EQ(log_->end_offset().value(), 1u);
  auto r = log_->Read(LogOffset(1), ReadLimits{});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->records.empty());
  EXPECT_EQ(log_->OffsetForTime(0).value().value(), 0u);
  fs_.UnblockSyncs();
  for (int i = 0; i < 2000 && !acked.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(acked.load());
  EXPECT_EQ(log_->end_offset().value(), 2u);
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"durable", "pending"}));
}

TEST_F(LogTest, UnsyncedWritesOfWeakModeMayVanishButNothingTornAppears) {
  options_.durability = Durability::kNone;
  OpenLog();
  AppendAll(Numbered(5));
  ASSERT_TRUE(log_->Close().ok());
  OpenLog();
  AppendAll(Numbered(5, 100, 5));  // written, never synced
  // Simulate the power cut while the log is still open (the log object is then abandoned).
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  // The "crashed" log is set aside, not closed, until the restarted one has been checked.
  std::unique_ptr<ShardLog> crashed = std::move(log_);
  OpenLog();
  EXPECT_EQ(ReadAll(), Numbered(5));
  log_.reset();
}

TEST_F(LogTest, FailedSyncFailsTheAppendHidesItAndTheLogRecovers) {
  OpenLog();
  AppendAll(Numbered(3));
  fs_.FailNextSyncs(1);
  AppendRecord rec{"k", std::nullopt, "lost"};
  auto r = log_->Append({&rec, 1});
  EXPECT_TRUE(r.status().IsIoError()) << r.status().ToString();
  EXPECT_EQ(log_->end_offset().value(), 3u);  // never visible
  auto read = log_->Read(LogOffset(3), ReadLimits{});
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->records.empty());
  // The fault has cleared: appends resume at the same offset.
  EXPECT_EQ(AppendOne("kept"), 3u);
  OpenLog();
  auto expected = Numbered(3);
  expected.push_back("kept");
  EXPECT_EQ(ReadAll(), expected);
}

TEST_F(LogTest, RolledBackBatchLeavesNoStaleIndexEntries) {
  // A failed sync rolls back a batch; a later batch reuses its offsets with other frame sizes.
  // Readers must find every record, before and after a reopen, sealed or not.
  options_.index_interval_bytes = 64;
  options_.max_segment_bytes = 4096;
  OpenLog();
  AppendAll({std::string(72, 'a'), std::string(72, 'b'), std::string(72, 'c')});
  fs_.FailNextSyncs(1);
  std::vector<AppendRecord> lost;
  const std::string d1(72, 'A'), d2(372, 'A');
  for (const auto* d : {&d1, &d2, &d1, &d1, &d1}) lost.push_back({"", std::nullopt, *d});
  ASSERT_FALSE(log_->Append(lost).ok());
  const std::vector<std::string> kept = {std::string(272, 'B'), std::string(272, 'B'),
                                         std::string(22, 'B'), std::string(22, 'B'),
                                         std::string(72, 'B')};
  std::vector<AppendRecord> batch;
  for (const auto& d : kept) batch.push_back({"", std::nullopt, d});
  ASSERT_TRUE(log_->Append(batch).ok());
  auto check = [&] {
    for (uint64_t o = 3; o < 8; ++o) {
      auto r = log_->Read(LogOffset(o), ReadLimits{1, 1 << 20});
      ASSERT_TRUE(r.ok()) << "offset " << o << ": " << r.status().ToString();
      ASSERT_EQ(r->records.size(), 1u);
      EXPECT_EQ(r->records[0].data, kept[o - 3]);
    }
  };
  check();
  OpenLog();
  check();
  AppendAll(Numbered(40, 100));  // seal the segment
  OpenLog();
  check();
}

TEST_F(LogTest, IntervalModeSyncsWritesThatLandDuringASync) {
  options_.durability = Durability::kInterval;
  options_.sync_interval_ms = 5;
  OpenLog();
  AppendOne("first");
  fs_.BlockSyncs();
  for (int i = 0; i < 2000 && fs_.blocked_syncs() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(fs_.blocked_syncs(), 1);
  AppendOne("during the sync");
  fs_.UnblockSyncs();
  const int64_t syncs = fs_.sync_count();
  for (int i = 0; i < 2000 && fs_.sync_count() < syncs + 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());  // power cut, log still open
  std::unique_ptr<ShardLog> crashed = std::move(log_);
  OpenLog();
  EXPECT_EQ(ReadAll(), (std::vector<std::string>{"first", "during the sync"}));
  log_.reset();
}

TEST_F(LogTest, FailedDirectorySyncDuringARollDoesNotWedgeTheLog) {
  options_.max_segment_bytes = 1024;
  OpenLog();
  std::vector<std::string> kept;
  for (const auto& d : Numbered(7, 100)) {
    AppendOne(d);
    kept.push_back(d);
  }
  fs_.FailNextDirectorySyncs(1);
  const std::string data(100, 'z');
  AppendRecord rec{"key", std::nullopt, data};
  EXPECT_FALSE(log_->Append({&rec, 1}).ok());   // the roll's directory sync failed
  for (const auto& d : Numbered(10, 100, 7)) {  // the fault is gone: appends roll on
    AppendOne(d);
    kept.push_back(d);
  }
  OpenLog();
  EXPECT_EQ(ReadAll(), kept);
}

TEST_F(LogTest, FullDiskFailsAppendsCleanlyAndTheyResumeWhenSpaceReturns) {
  OpenLog();
  AppendAll(Numbered(3));
  fs_.SetWriteBudget(50);  // the next frame (131 bytes) is torn after 50
  const std::string data(100, 'x');
  AppendRecord rec{"key", std::nullopt, data};
  auto r = log_->Append({&rec, 1});
  EXPECT_TRUE(r.status().IsNoSpace()) << r.status().ToString();
  EXPECT_EQ(log_->end_offset().value(), 3u);
  EXPECT_EQ(ReadAll(), Numbered(3));
  fs_.SetWriteBudget(-1);
  EXPECT_EQ(AppendOne("after"), 3u);
  log_.reset();
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  OpenLog();
  auto expected = Numbered(3);
  expected.push_back("after");
  EXPECT_EQ(ReadAll(), expected);
}

TEST_F(LogTest, FullDiskDuringSegmentRollLeavesTheLogUsable) {
  options_.max_segment_bytes = 1024;
  OpenLog();
  std::vector<std::string> kept;
  for (const auto& d : Numbered(7, 100)) {
    AppendOne(d);
    kept.push_back(d);
  }
  fs_.SetWriteBudget(0);  // the roll cannot write the new segment's header
  const std::string data(100, 'y');
  AppendRecord rec{"key", std::nullopt, data};
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(log_->Append({&rec, 1}).ok());
  EXPECT_EQ(ReadAll(), kept);
  fs_.SetWriteBudget(-1);
  for (const auto& d : Numbered(10, 100, 7)) {
    AppendOne(d);
    kept.push_back(d);
  }
  OpenLog();
  EXPECT_EQ(ReadAll(), kept);
}

TEST_F(LogTest, RepeatedSyncFailuresNeverExposeOrLoseAcknowledgedData) {
  OpenLog();
  std::vector<std::string> acked;
  for (int i = 0; i < 60; ++i) {
    if (i % 7 == 3) fs_.FailNextSyncs(1);
    std::string d = "r" + std::to_string(i);
    AppendRecord rec{"k", std::nullopt, d};
    if (log_->Append({&rec, 1}).ok()) acked.push_back(d);
  }
  EXPECT_LT(acked.size(), 60u);
  EXPECT_EQ(ReadAll(), acked);
  log_.reset();
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  OpenLog();
  EXPECT_EQ(ReadAll(), acked);
}

}  // namespace
}  // namespace eddy::log
