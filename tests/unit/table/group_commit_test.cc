#include "eddy/table/group_commit.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/scoped_temp_dir.h"

namespace eddy::table {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.manual_wal_flush = true;  // as the table store opens it
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.path().string(), &raw).ok());
    db_.reset(raw);
  }
  void TearDown() override { db_.reset(); }

  void PutUnsynced(const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), key, value).ok());
  }
  // The value at `snapshot` (null: the newest), or "" when missing.
  std::string ValueAt(const rocksdb::Snapshot* snapshot, const std::string& key) {
    rocksdb::ReadOptions read;
    read.snapshot = snapshot;
    std::string value;
    const auto s = db_->Get(read, key, &value);
    return s.ok() ? value : "";
  }

  eddy::testing::ScopedTempDir dir_{"eddy-group-commit-test-"};
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(GroupCommitTest, ACallbackThatThrowsDoesNotStopTheCommitter) {
  GroupCommitter committer(db_.get(), /*enabled=*/true);
  PutUnsynced("k", "v1");
  bool later_ran = false;
  committer.AfterDurable([](const Status&) { throw std::runtime_error("no memory left"); });
  committer.AfterDurable([&later_ran](const Status&) { later_ran = true; });
  PutUnsynced("k2", "v2");
  ASSERT_TRUE(committer.AwaitDurable().ok());
  EXPECT_TRUE(later_ran);
  EXPECT_EQ(ValueAt(committer.ReadSnapshot().get(), "k2"), "v2");
}

TEST_F(GroupCommitTest, AWriteReachesTheReadSnapshotOnlyOnceSynced) {
  GroupCommitter committer(db_.get(), /*enabled=*/true);
  PutUnsynced("k", "v1");
  // Nobody asked for a sync yet: the write is applied but not in the read snapshot.
  EXPECT_EQ(ValueAt(nullptr, "k"), "v1");
  EXPECT_EQ(ValueAt(committer.ReadSnapshot().get(), "k"), "");
  const uint64_t syncs_before = committer.syncs();
  ASSERT_TRUE(committer.AwaitDurable().ok());
  EXPECT_EQ(ValueAt(committer.ReadSnapshot().get(), "k"), "v1");
  EXPECT_EQ(committer.syncs(), syncs_before + 1);

  // A snapshot held by a reader stays as it was while newer writes are synced.
  auto held = committer.ReadSnapshot();
  PutUnsynced("k", "v2");
  ASSERT_TRUE(committer.AwaitDurable().ok());
  EXPECT_EQ(ValueAt(held.get(), "k"), "v1");
  EXPECT_EQ(ValueAt(committer.ReadSnapshot().get(), "k"), "v2");
}

TEST_F(GroupCommitTest, NothingNewToSyncIsAnsweredAtOnceOnTheCallersThread) {
  GroupCommitter committer(db_.get(), /*enabled=*/true);
  ASSERT_TRUE(committer.AwaitDurable().ok());
  const uint64_t syncs = committer.syncs();
  std::thread::id ran_on;
  committer.AfterDurable([&](Status s) {
    EXPECT_TRUE(s.ok());
    ran_on = std::this_thread::get_id();
  });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(committer.syncs(), syncs);
}

TEST_F(GroupCommitTest, CallbacksRunInTheOrderTheyWereRegistered) {
  GroupCommitter committer(db_.get(), /*enabled=*/true);
  std::mutex mu;
  std::vector<int> order;
  for (int i = 0; i < 200; ++i) {
    if (i % 3 == 0) PutUnsynced("k" + std::to_string(i), "v");
    committer.AfterDurable([&, i](Status s) {
      EXPECT_TRUE(s.ok());
      std::lock_guard lock(mu);
      order.push_back(i);
    });
  }
  ASSERT_TRUE(committer.AwaitDurable().ok());
  std::lock_guard lock(mu);
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
}

TEST_F(GroupCommitTest, ConcurrentWritersShareSyncsAndEachIsSeenWhenAnswered) {
  GroupCommitter committer(db_.get(), /*enabled=*/true);
  constexpr int kThreads = 4;
  constexpr int kWrites = 300;
  const uint64_t syncs_before = committer.syncs();
  std::atomic<int> answered{0};
  std::atomic<int> unseen{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        PutUnsynced(key, "v");
        committer.AfterDurable([&, key](Status s) {
          EXPECT_TRUE(s.ok());
          if (ValueAt(committer.ReadSnapshot().get(), key) != "v") ++unseen;
          ++answered;
        });
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_TRUE(committer.AwaitDurable().ok());
  EXPECT_EQ(answered.load(), kThreads * kWrites);
  EXPECT_EQ(unseen.load(), 0);
  EXPECT_GE(committer.syncs(), syncs_before + 1);
  EXPECT_LE(committer.syncs(), syncs_before + kThreads * kWrites + 1);
}

TEST_F(GroupCommitTest, StoppingAnswersWhatIsWaiting) {
  std::atomic<int> answered{0};
  {
    GroupCommitter committer(db_.get(), /*enabled=*/true);
    for (int i = 0; i < 50; ++i) {
      PutUnsynced("k" + std::to_string(i), "v");
      committer.AfterDurable([&](Status s) {
        EXPECT_TRUE(s.ok());
        ++answered;
      });
    }
  }
  EXPECT_EQ(answered.load(), 50);
}

TEST_F(GroupCommitTest, DisabledAnswersAtOnceAndReadsTheNewestState) {
  GroupCommitter committer(db_.get(), /*enabled=*/false);
  PutUnsynced("k", "v");
  EXPECT_EQ(committer.ReadSnapshot(), nullptr);
  bool ran = false;
  committer.AfterDurable([&](Status s) { ran = s.ok(); });
  EXPECT_TRUE(ran);
  EXPECT_TRUE(committer.AwaitDurable().ok());
  EXPECT_EQ(committer.syncs(), 0u);
}

}  // namespace
}  // namespace eddy::table
