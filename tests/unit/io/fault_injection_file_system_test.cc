#include "eddy/io/fault_injection_file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "eddy/io/file_system.h"

namespace eddy::io {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

class FaultInjectionFileSystemTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy_fault_fs_test_XXXXXX";
    char* dir = ::mkdtemp(tmpl);
    ASSERT_NE(dir, nullptr) << "mkdtemp failed";
    dir_ = dir;
  }

  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Path(std::string_view name) const { return JoinPath(dir_, name); }

  std::unique_ptr<WritableFile> Open(const std::string& path, OpenMode mode) {
    auto file = fs_.OpenWritable(path, mode);
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    return file.ok() ? std::move(file).value() : nullptr;
  }
  std::unique_ptr<WritableFile> Create(const std::string& path) {
    return Open(path, OpenMode::kCreateNew);
  }

  std::string dir_;
  FaultInjectionFileSystem fs_{PosixFileSystem()};
};

TEST_F(FaultInjectionFileSystemTest, PassesThroughWithoutFaults) {
  const std::string path = Path("f");
  auto file = Create(path);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->path(), path);
  ASSERT_TRUE(file->Append("hello").ok());
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(file->Size(), 5u);
  EXPECT_EQ(Slurp(path), "hello");
  EXPECT_TRUE(fs_.FileExists(path));
  auto size = fs_.FileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 5u);
  auto contents = ReadWholeFile(&fs_, path);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(*contents, "hello");
  auto names = fs_.ListDirectory(dir_);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"f"}));
  EXPECT_EQ(fs_.bytes_written(), 5);
  EXPECT_FALSE(fs_.OpenWritable(path, OpenMode::kCreateNew).ok());
  EXPECT_TRUE(fs_.OpenWritable(Path("missing"), OpenMode::kOpenExisting).status().IsNotFound());
}

TEST_F(FaultInjectionFileSystemTest, FailNextSyncsFailsExactlyN) {
  auto file = Create(Path("f"));
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Append("data").ok());

  fs_.FailNextSyncs(3);
  for (int i = 0; i < 3; ++i) {
    Status status = file->Sync();
    EXPECT_TRUE(status.IsIoError()) << "sync " << i << ": " << status.ToString();
  }
  EXPECT_TRUE(file->Sync().ok());
  EXPECT_TRUE(file->Sync().ok());
  EXPECT_EQ(fs_.sync_count(), 2);
}

TEST_F(FaultInjectionFileSystemTest, FailNextSyncsIsSharedAcrossFiles) {
  auto a = Create(Path("a"));
  auto b = Create(Path("b"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  fs_.FailNextSyncs(2);
  EXPECT_FALSE(a->Sync().ok());
  EXPECT_FALSE(b->Sync().ok());
  EXPECT_TRUE(a->Sync().ok());
  EXPECT_TRUE(b->Sync().ok());
}

TEST_F(FaultInjectionFileSystemTest, FailNextSyncsWithCustomErrno) {
  auto file = Create(Path("f"));
  ASSERT_NE(file, nullptr);
  fs_.FailNextSyncs(1, ENOSPC);
  EXPECT_TRUE(file->Sync().IsNoSpace());
  EXPECT_TRUE(file->Sync().ok());
}

TEST_F(FaultInjectionFileSystemTest, FailNextSyncsZeroFailsNothing) {
  auto file = Create(Path("f"));
  ASSERT_NE(file, nullptr);
  fs_.FailNextSyncs(2);
  fs_.FailNextSyncs(0);  // replaces the pending count
  EXPECT_TRUE(file->Sync().ok());
  EXPECT_EQ(fs_.sync_count(), 1);
}

TEST_F(FaultInjectionFileSystemTest, SyncCountCountsSuccessfulSyncs) {
  EXPECT_EQ(fs_.sync_count(), 0);
  auto a = Create(Path("a"));
  auto b = Create(Path("b"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Sync().ok());
  EXPECT_EQ(fs_.sync_count(), 1);
  ASSERT_TRUE(b->Sync().ok());
  ASSERT_TRUE(a->Sync().ok());
  EXPECT_EQ(fs_.sync_count(), 3);
  fs_.FailNextSyncs(1);
  EXPECT_FALSE(a->Sync().ok());
  EXPECT_EQ(fs_.sync_count(), 3);
  ASSERT_TRUE(a->Sync().ok());
  EXPECT_EQ(fs_.sync_count(), 4);
}

TEST_F(FaultInjectionFileSystemTest, WriteBudgetTearsTheCrossingAppend) {
  const std::string path = Path("f");
  auto file = Create(path);
  ASSERT_NE(file, nullptr);
  fs_.SetWriteBudget(10);

  ASSERT_TRUE(file->Append("abcdef").ok());  // 6 of 10
  EXPECT_EQ(file->Size(), 6u);

  Status status = file->Append("ghijkl");  // crosses the limit after 4 bytes
  EXPECT_TRUE(status.IsNoSpace()) << status.ToString();
  // The prefix reached the file and Size() counts it.
  EXPECT_EQ(file->Size(), 10u);
  EXPECT_EQ(Slurp(path), "abcdefghij");
  EXPECT_EQ(fs_.bytes_written(), 10);

  // The disk stays full.
  status = file->Append("m");
  EXPECT_TRUE(status.IsNoSpace()) << status.ToString();
  EXPECT_EQ(file->Size(), 10u);
  EXPECT_EQ(Slurp(path), "abcdefghij");

  // Freeing space lets writes continue where the file ends.
  fs_.SetWriteBudget(-1);
  ASSERT_TRUE(file->Append("XYZ").ok());
  EXPECT_EQ(file->Size(), 13u);
  EXPECT_EQ(Slurp(path), "abcdefghijXYZ");
  EXPECT_EQ(fs_.bytes_written(), 13);
}

TEST_F(FaultInjectionFileSystemTest, WriteBudgetExactFitSucceeds) {
  auto file = Create(Path("f"));
  ASSERT_NE(file, nullptr);
  fs_.SetWriteBudget(5);
  EXPECT_TRUE(file->Append("12345").ok());
  EXPECT_TRUE(file->Append("").ok());
  EXPECT_TRUE(file->Append("6").IsNoSpace());
  EXPECT_EQ(file->Size(), 5u);
}

TEST_F(FaultInjectionFileSystemTest, WriteBudgetZeroWritesNothing) {
  const std::string path = Path("f");
  auto file = Create(path);
  ASSERT_NE(file, nullptr);
  fs_.SetWriteBudget(0);
  EXPECT_TRUE(file->Append("abc").IsNoSpace());
  EXPECT_EQ(file->Size(), 0u);
  EXPECT_EQ(Slurp(path), "");
}

TEST_F(FaultInjectionFileSystemTest, WriteBudgetIsSharedAcrossFiles) {
  auto a = Create(Path("a"));
  auto b = Create(Path("b"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  fs_.SetWriteBudget(8);
  ASSERT_TRUE(a->Append("aaaaa").ok());
  EXPECT_TRUE(b->Append("bbbbb").IsNoSpace());
  EXPECT_EQ(a->Size(), 5u);
  EXPECT_EQ(b->Size(), 3u);
  EXPECT_EQ(Slurp(Path("b")), "bbb");
}

TEST_F(FaultInjectionFileSystemTest, DropUnsyncedDataTruncatesToLastSync) {
  const std::string path = Path("log");
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
    ASSERT_TRUE(file->Append("durable").ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Append("-volatile").ok());
    EXPECT_EQ(Slurp(path), "durable-volatile");
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  EXPECT_TRUE(fs_.FileExists(path));
  EXPECT_EQ(Slurp(path), "durable");
}

TEST_F(FaultInjectionFileSystemTest, DropUnsyncedDataKeepsEmptyFileWhoseDirectoryWasSynced) {
  const std::string path = Path("never_synced");
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Append("lost").ok());
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  ASSERT_TRUE(fs_.FileExists(path));
  EXPECT_EQ(Slurp(path), "");
}

TEST_F(FaultInjectionFileSystemTest, DropUnsyncedDataRemovesFilesCreatedSinceDirectorySync) {
  const std::string old_path = Path("old");
  const std::string new_path = Path("new");
  {
    auto old_file = Create(old_path);
    ASSERT_NE(old_file, nullptr);
    ASSERT_TRUE(old_file->Append("old data").ok());
    ASSERT_TRUE(old_file->Sync().ok());
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());

    // Synced data does not help a file whose directory entry is not durable.
    auto new_file = Create(new_path);
    ASSERT_NE(new_file, nullptr);
    ASSERT_TRUE(new_file->Append("new data").ok());
    ASSERT_TRUE(new_file->Sync().ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  EXPECT_FALSE(fs_.FileExists(new_path));
  ASSERT_TRUE(fs_.FileExists(old_path));
  EXPECT_EQ(Slurp(old_path), "old data");
}

TEST_F(FaultInjectionFileSystemTest, SyncingAnotherDirectoryDoesNotSaveAFile) {
  ASSERT_TRUE(fs_.CreateDirectories(Path("a")).ok());
  ASSERT_TRUE(fs_.CreateDirectories(Path("b")).ok());
  const std::string in_a = JoinPath(Path("a"), "f");
  const std::string in_b = JoinPath(Path("b"), "f");
  {
    auto fa = Create(in_a);
    auto fb = Create(in_b);
    ASSERT_NE(fa, nullptr);
    ASSERT_NE(fb, nullptr);
    ASSERT_TRUE(fa->Append("A").ok());
    ASSERT_TRUE(fb->Append("B").ok());
    ASSERT_TRUE(fa->Sync().ok());
    ASSERT_TRUE(fb->Sync().ok());
    ASSERT_TRUE(fs_.SyncDirectory(Path("a")).ok());
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());  // the parent of b, not b itself
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  ASSERT_TRUE(fs_.FileExists(in_a));
  EXPECT_EQ(Slurp(in_a), "A");
  EXPECT_FALSE(fs_.FileExists(in_b));
}

TEST_F(FaultInjectionFileSystemTest, DropUnsyncedDataLeavesUntouchedFilesAlone) {
  // A file that existed before and was never opened through the wrapper is fully durable.
  const std::string path = Path("preexisting");
  Spit(path, "from before");
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  EXPECT_EQ(Slurp(path), "from before");
}

TEST_F(FaultInjectionFileSystemTest, ExistingFileContentCountsAsSynced) {
  const std::string path = Path("existing");
  Spit(path, "base");
  {
    auto file = Open(path, OpenMode::kOpenExisting);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->Size(), 4u);
    ASSERT_TRUE(file->Append("+unsynced").ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  ASSERT_TRUE(fs_.FileExists(path));
  EXPECT_EQ(Slurp(path), "base");
}

TEST_F(FaultInjectionFileSystemTest, DropUnsyncedDataAfterTruncate) {
  const std::string path = Path("t");
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
    ASSERT_TRUE(file->Append("0123456789").ok());
    ASSERT_TRUE(file->Sync().ok());
    // The shard log cuts a torn tail: the synced length can only go down.
    ASSERT_TRUE(file->Truncate(4).ok());
    ASSERT_TRUE(file->Append("xy").ok());
    EXPECT_EQ(Slurp(path), "0123xy");
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  EXPECT_EQ(Slurp(path), "0123");
}

TEST_F(FaultInjectionFileSystemTest, FailedSyncMakesNothingDurable) {
  const std::string path = Path("f");
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
    ASSERT_TRUE(file->Append("abc").ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Append("def").ok());
    fs_.FailNextSyncs(1);
    ASSERT_FALSE(file->Sync().ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  EXPECT_EQ(Slurp(path), "abc");
}

TEST_F(FaultInjectionFileSystemTest, RemovedFileIsNotResurrectedOrTracked) {
  const std::string path = Path("gone");
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Append("x").ok());
  }
  ASSERT_TRUE(fs_.RemoveFile(path).ok());
  EXPECT_FALSE(fs_.FileExists(path));
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  EXPECT_FALSE(fs_.FileExists(path));
  EXPECT_TRUE(fs_.RemoveFile(path).IsNotFound());
}

TEST_F(FaultInjectionFileSystemTest, WriteFileAtomicallySurvivesPowerLoss) {
  const std::string path = Path("meta");
  ASSERT_TRUE(WriteFileAtomically(&fs_, path, "v1").ok());
  ASSERT_TRUE(WriteFileAtomically(&fs_, path, "version two").ok());
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  ASSERT_TRUE(fs_.FileExists(path));
  EXPECT_EQ(Slurp(path), "version two");
  EXPECT_FALSE(fs_.FileExists(path + ".tmp"));
}

TEST_F(FaultInjectionFileSystemTest, RenameKeepsSyncedSizeOfSource) {
  const std::string from = Path("from");
  const std::string to = Path("to");
  {
    auto file = Create(from);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Append("synced").ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Append("+not").ok());
  }
  ASSERT_TRUE(fs_.RenameFile(from, to).ok());
  ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  EXPECT_FALSE(fs_.FileExists(from));
  ASSERT_TRUE(fs_.FileExists(to));
  EXPECT_EQ(Slurp(to), "synced");
}

TEST_F(FaultInjectionFileSystemTest, RenameIsNotDurableWithoutDirectorySync) {
  const std::string from = Path("from");
  const std::string to = Path("to");
  {
    auto file = Create(from);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Append("data").ok());
    ASSERT_TRUE(file->Sync().ok());
  }
  ASSERT_TRUE(fs_.RenameFile(from, to).ok());
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  EXPECT_FALSE(fs_.FileExists(to));
}

TEST_F(FaultInjectionFileSystemTest, FailNextDirectorySyncs) {
  const std::string path = Path("f");
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Append("abc").ok());
    ASSERT_TRUE(file->Sync().ok());
    fs_.FailNextDirectorySyncs(2);
    Status status = fs_.SyncDirectory(dir_);
    EXPECT_TRUE(status.IsIoError()) << status.ToString();
    EXPECT_TRUE(fs_.SyncDirectory(dir_).IsIoError());
    // The failed directory syncs made nothing durable.
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  EXPECT_FALSE(fs_.FileExists(path));

  // The third one succeeds and makes a new file's entry durable.
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  EXPECT_TRUE(fs_.FileExists(path));
}

TEST_F(FaultInjectionFileSystemTest, FailedDirectorySyncFailsWriteFileAtomically) {
  fs_.FailNextDirectorySyncs(1);
  EXPECT_FALSE(WriteFileAtomically(&fs_, Path("meta"), "x").ok());
  EXPECT_TRUE(WriteFileAtomically(&fs_, Path("meta"), "y").ok());
  EXPECT_EQ(Slurp(Path("meta")), "y");
}

TEST_F(FaultInjectionFileSystemTest, DirectorySyncsDoNotCountAsFileSyncs) {
  ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
  EXPECT_EQ(fs_.sync_count(), 0);
}

TEST_F(FaultInjectionFileSystemTest, FilesAreUsableAgainAfterReopen) {
  const std::string path = Path("f");
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
    ASSERT_TRUE(file->Append("abc").ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Append("def").ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  // A "restarted process" reopens the file; its content counts as synced.
  {
    auto file = Open(path, OpenMode::kOpenExisting);
    ASSERT_NE(file, nullptr);
    EXPECT_EQ(file->Size(), 3u);
    ASSERT_TRUE(file->Append("ghi").ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  EXPECT_EQ(Slurp(path), "abc");
}

// Regression: creations were matched to the synced directory by exact string, so
// SyncDirectory("/d/") did not cover "/d/f" and a simulated crash deleted a durable file.
TEST_F(FaultInjectionFileSystemTest, SyncDirectorySpelledWithTrailingSlashCoversItsFiles) {
  const std::string path = Path("f");
  {
    auto file = Create(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Append("abc").ok());
    ASSERT_TRUE(file->Sync().ok());
    // "dir/" and "dir" are the same directory to the OS.
    ASSERT_TRUE(fs_.SyncDirectory(dir_ + "/").ok());
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  ASSERT_TRUE(fs_.FileExists(path));
  EXPECT_EQ(Slurp(path), "abc");
}

// Regression: renaming an untracked file over a tracked one kept the old file's synced length,
// so a simulated crash kept bytes that were never synced.
TEST_F(FaultInjectionFileSystemTest, RenameOfUntrackedFileReplacesTargetsSyncedSize) {
  const std::string target = Path("target");
  const std::string source = Path("source");
  {
    auto file = Create(target);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Append(std::string(100, 'y')).ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
  }
  // A durable file never opened through the wrapper (e.g. written before a restart).
  Spit(source, std::string(10, 'x'));
  ASSERT_TRUE(fs_.RenameFile(source, target).ok());
  ASSERT_TRUE(fs_.SyncDirectory(dir_).ok());
  {
    auto file = Open(target, OpenMode::kOpenExisting);
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(file->Size(), 10u);
    ASSERT_TRUE(file->Append(std::string(200, 'u')).ok());  // never synced
    ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  }
  EXPECT_EQ(Slurp(target), std::string(10, 'x'));
}

}  // namespace
}  // namespace eddy::io
