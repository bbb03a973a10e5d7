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
