// The table store when the disk fails: full (every write refused), or refusing to sync the
// write-ahead log. What was written meanwhile is neither acknowledged nor shown to readers;
// after a full disk everything goes on once there is room, after a failed fsync once the
// store is reopened.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "eddy/table/table_store.h"
#include "support/scoped_temp_dir.h"
#include "unit/table/table_test_util.h"

namespace eddy::table {
namespace {

// The real file system, with two faults to switch on: syncing a write-ahead log file (*.log)
// fails with EIO (`fail_log_syncs`), or writing any file fails with ENOSPC (`disk_full`).
class FailingDiskFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FailingDiskFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FailingDiskFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), this, IsLog(name));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* file,
                                       rocksdb::IODebugContext* dbg) override {
    auto s = target()->ReopenWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), this, IsLog(name));
    return s;
  }

  std::atomic<bool> fail_log_syncs{false};  // fsync of a log reports EIO
  std::atomic<bool> disk_full{false};       // every write reports ENOSPC
  std::atomic<int> failures{0};

 private:
  static bool IsLog(const std::string& name) {
    return name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
  }

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, FailingDiskFileSystem* fs, bool log)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), log_(log) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->disk_full) return Full();
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->disk_full) return Full();
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (log_ && fs_->fail_log_syncs) return Refuse();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (log_ && fs_->fail_log_syncs) return Refuse();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    rocksdb::IOStatus Refuse() {
      fs_->failures.fetch_add(1);
      return rocksdb::IOStatus::IOError("injected: the disk refused to sync");
    }
    rocksdb::IOStatus Full() {
      fs_->failures.fetch_add(1);
      return rocksdb::IOStatus::NoSpace("injected: no space left on the device");
    }
    FailingDiskFileSystem* fs_;
    const bool log_;
  };
};

using testing::PutMutation;
using testing::S;

TableDefinition Plain() {
  TableDefinition t;
  t.name = "plain";
  t.key.partition = {"pk", ValueType::kString};
  t.attribute_definitions = {{"pk", ValueType::kString}};
  t.pay_per_request = true;
  return t;
}

// What AfterDurable says about the writes made so far.
Status Durability(TableStore& store) {
  std::promise<Status> said;
  auto answer = said.get_future();
  store.AfterDurable([&said](Status s) { said.set_value(std::move(s)); });
  if (answer.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    return Status::Unavailable("no answer from AfterDurable in 20 s");
  }
  return answer.get();
}

class TableStoreSyncFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.dir = dir_.path().string();
    options_.sync = true;
    options_.env = env_.get();
    Open();
    ASSERT_TRUE(store_->CreateTable(Plain()).ok());
    ASSERT_TRUE(store_->Write("plain", before_, PutMutation(before_)).ok());
    ASSERT_TRUE(Durability(*store_).ok());
  }
  void Open() {
    store_.reset();
    auto opened = TableStore::Open(options_, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }
  bool Visible(const Item& key) {
    auto got = store_->GetItem("plain", key);
    return got.ok() && got->has_value();
  }

  eddy::testing::ScopedTempDir dir_{"eddy-table-sync-failure-"};
  std::shared_ptr<FailingDiskFileSystem> fs_ = std::make_shared<FailingDiskFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
  ManualClock clock_;
  TableStoreOptions options_;
  std::unique_ptr<TableStore> store_;
  const Item before_{{"pk", S("before")}};
  const Item during_{{"pk", S("during")}};
  const Item after_{{"pk", S("after")}};
};

// A full disk is a recoverable error: once there is room again, the writes made meanwhile are
// made durable and the store goes on. While the disk is full nothing is acknowledged, although
// RocksDB, trying to recover, drops the log that failed and starts a new one that syncs fine:
// the write whose record was lost with the old log is in no file until a flush succeeds.
TEST_F(TableStoreSyncFailureTest, AfterAFullDiskTheWritesMadeMeanwhileBecomeDurable) {
  fs_->disk_full = true;
  ASSERT_TRUE(store_->Write("plain", during_, PutMutation(during_)).ok());  // applied, not durable
  for (int round = 0; round < 5; ++round) {  // each round waits for the committer's next try
    EXPECT_FALSE(Durability(*store_).ok()) << round;
    EXPECT_TRUE(Visible(before_));
    EXPECT_FALSE(Visible(during_)) << round;  // readers see only what is durable
  }
  EXPECT_GT(fs_->failures.load(), 0);

  fs_->disk_full = false;
  // The committer retries every 100 ms, and RocksDB's own recovery has its own pace: the
  // first rounds after the disk recovered may still report the failure.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  Status durable = Durability(*store_);
  while (!durable.ok() && std::chrono::steady_clock::now() < deadline) {
    durable = Durability(*store_);
  }
  ASSERT_TRUE(durable.ok()) << durable.ToString();
  EXPECT_TRUE(Visible(during_));
  ASSERT_TRUE(store_->Write("plain", after_, PutMutation(after_)).ok());
  ASSERT_TRUE(Durability(*store_).ok());
  EXPECT_TRUE(Visible(after_));

  Open();
  EXPECT_TRUE(Visible(before_));
  EXPECT_TRUE(Visible(during_));
  EXPECT_TRUE(Visible(after_));
}

// A failed fsync is not retried: the kernel may have dropped the pages it could not write, so
// a later successful fsync would prove nothing. RocksDB stops taking writes until the store is
// reopened; what was acknowledged stays readable meanwhile, and survives the reopen.
TEST_F(TableStoreSyncFailureTest, AfterAFailedFsyncWritesStopUntilARestart) {
  fs_->fail_log_syncs = true;
  ASSERT_TRUE(store_->Write("plain", during_, PutMutation(during_)).ok());  // applied, not durable
  EXPECT_FALSE(Durability(*store_).ok());
  EXPECT_GT(fs_->failures.load(), 0);
  fs_->fail_log_syncs = false;
  EXPECT_TRUE(Visible(before_));
  EXPECT_FALSE(Visible(during_));
  // Nothing is acknowledged from now on.
  EXPECT_FALSE(Durability(*store_).ok());
  auto refused = store_->Write("plain", after_, PutMutation(after_));
  if (refused.ok()) {
    EXPECT_FALSE(Durability(*store_).ok());
  }
  EXPECT_FALSE(Visible(after_));

  Open();  // the restart
  EXPECT_TRUE(Visible(before_));
  ASSERT_TRUE(store_->Write("plain", after_, PutMutation(after_)).ok());
  ASSERT_TRUE(Durability(*store_).ok());
  EXPECT_TRUE(Visible(after_));
}

}  // namespace
}  // namespace eddy::table
