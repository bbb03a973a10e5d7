#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eddy/io/fault_injection_file_system.h"
#include "eddy/io/file_system.h"

namespace eddy::io {
namespace {

// Reads a file with the standard library, independently of the code under test.
std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Spit(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

std::vector<std::string> Sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

class PosixFileSystemTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy_posix_fs_test_XXXXXX";
    char* dir = ::mkdtemp(tmpl);
    ASSERT_NE(dir, nullptr) << "mkdtemp failed";
    dir_ = dir;
  }

  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Path(std::string_view name) const { return JoinPath(dir_, name); }

  std::unique_ptr<WritableFile> Create(const std::string& path) {
    auto file = fs_->OpenWritable(path, OpenMode::kCreateNew);
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    return file.ok() ? std::move(file).value() : nullptr;
  }

  FileSystem* const fs_ = PosixFileSystem();
  std::string dir_;
};

TEST_F(PosixFileSystemTest, IsASingleton) {
  EXPECT_NE(fs_, nullptr);
  EXPECT_EQ(PosixFileSystem(), fs_);
}

TEST_F(PosixFileSystemTest, CreateAppendSyncTruncateAndContinue) {
  const std::string path = Path("f");
  auto file = Create(path);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->path(), path);
  EXPECT_EQ(file->Size(), 0u);
  EXPECT_TRUE(fs_->FileExists(path));

  ASSERT_TRUE(file->Append("hello").ok());
  EXPECT_EQ(file->Size(), 5u);
  ASSERT_TRUE(file->Append(" world").ok());
  EXPECT_EQ(file->Size(), 11u);
  ASSERT_TRUE(file->Append("").ok());
  EXPECT_EQ(file->Size(), 11u);
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(Slurp(path), "hello world");

  auto size = fs_->FileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 11u);

  ASSERT_TRUE(file->Truncate(5).ok());
  EXPECT_EQ(file->Size(), 5u);
  EXPECT_EQ(Slurp(path), "hello");
  size = fs_->FileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 5u);

  // Appends continue at the truncated end, not at the old end.
  ASSERT_TRUE(file->Append("!").ok());
  EXPECT_EQ(file->Size(), 6u);
  ASSERT_TRUE(file->Sync().ok());
  EXPECT_EQ(Slurp(path), "hello!");

  ASSERT_TRUE(file->Truncate(0).ok());
  ASSERT_TRUE(file->Append("x").ok());
  EXPECT_EQ(Slurp(path), "x");
}

TEST_F(PosixFileSystemTest, AppendsBinaryData) {
  const std::string path = Path("bin");
  auto file = Create(path);
  ASSERT_NE(file, nullptr);
  std::string data;
  for (int i = 0; i < 256 * 64; ++i) data.push_back(static_cast<char>(i));
  ASSERT_TRUE(file->Append(data).ok());
  EXPECT_EQ(file->Size(), data.size());
  EXPECT_EQ(Slurp(path), data);
}

TEST_F(PosixFileSystemTest, CreateNewFailsWhenFileExists) {
  const std::string path = Path("exists");
  Spit(path, "original");
  auto file = fs_->OpenWritable(path, OpenMode::kCreateNew);
  EXPECT_FALSE(file.ok());
  EXPECT_FALSE(file.status().message().empty());
  // The existing file is untouched.
  EXPECT_EQ(Slurp(path), "original");
}

TEST_F(PosixFileSystemTest, OpenExistingMissingIsNotFound) {
  auto file = fs_->OpenWritable(Path("missing"), OpenMode::kOpenExisting);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsNotFound()) << file.status().ToString();
  EXPECT_FALSE(fs_->FileExists(Path("missing")));
}

TEST_F(PosixFileSystemTest, OpenExistingAppendsAtEnd) {
  const std::string path = Path("existing");
  Spit(path, "abc");
  auto file = fs_->OpenWritable(path, OpenMode::kOpenExisting);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Size(), 3u);
  ASSERT_TRUE((*file)->Append("def").ok());
  EXPECT_EQ((*file)->Size(), 6u);
  EXPECT_EQ(Slurp(path), "abcdef");
}

TEST_F(PosixFileSystemTest, ReadAtOffsets) {
  const std::string path = Path("r");
  Spit(path, "0123456789");
  auto file = fs_->OpenReadable(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->path(), path);

  auto size = (*file)->Size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 10u);

  char scratch[16];
  auto n = (*file)->Read(0, 4, scratch);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(std::string(scratch, *n), "0123");

  n = (*file)->Read(3, 5, scratch);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
  EXPECT_EQ(std::string(scratch, *n), "34567");

  n = (*file)->Read(9, 1, scratch);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(scratch, *n), "9");

  n = (*file)->Read(5, 0, scratch);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST_F(PosixFileSystemTest, ShortReadAtEndOfFile) {
  const std::string path = Path("short");
  Spit(path, "0123456789");
  auto file = fs_->OpenReadable(path);
  ASSERT_TRUE(file.ok());
  char scratch[16];

  auto n = (*file)->Read(7, 10, scratch);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(std::string(scratch, *n), "789");

  n = (*file)->Read(10, 4, scratch);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);

  n = (*file)->Read(1000, 4, scratch);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST_F(PosixFileSystemTest, ReaderSeesLaterAppends) {
  const std::string path = Path("grow");
  auto writer = Create(path);
  ASSERT_NE(writer, nullptr);
  auto reader = fs_->OpenReadable(path);
  ASSERT_TRUE(reader.ok());
  auto size = (*reader)->Size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 0u);

  ASSERT_TRUE(writer->Append("abc").ok());
  size = (*reader)->Size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 3u);
  char scratch[8];
  auto n = (*reader)->Read(0, 8, scratch);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(scratch, *n), "abc");
}

TEST_F(PosixFileSystemTest, ConcurrentReads) {
  const std::string path = Path("concurrent");
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  Spit(path, data);
  auto file = fs_->OpenReadable(path);
  ASSERT_TRUE(file.ok());
  const ReadableFile* reader = file->get();

  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      char scratch[100];
      for (size_t offset = static_cast<size_t>(t); offset + 100 <= data.size(); offset += 997) {
        auto n = reader->Read(offset, 100, scratch);
        if (!n.ok() || *n != 100 || std::string_view(scratch, 100) != data.substr(offset, 100)) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(PosixFileSystemTest, OpenReadableMissingIsNotFound) {
  auto file = fs_->OpenReadable(Path("nope"));
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsNotFound()) << file.status().ToString();
}

TEST_F(PosixFileSystemTest, ListDirectory) {
  auto empty = fs_->ListDirectory(dir_);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());

  Spit(Path("a"), "1");
  Spit(Path("b.log"), "2");
  ASSERT_TRUE(fs_->CreateDirectories(Path("sub")).ok());
  Spit(JoinPath(Path("sub"), "nested"), "3");

  auto names = fs_->ListDirectory(dir_);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  // Names, not paths; no "." or ".."; not recursive.
  EXPECT_EQ(Sorted(*names), (std::vector<std::string>{"a", "b.log", "sub"}));

  auto sub_names = fs_->ListDirectory(Path("sub"));
  ASSERT_TRUE(sub_names.ok());
  EXPECT_EQ(*sub_names, (std::vector<std::string>{"nested"}));
}

TEST_F(PosixFileSystemTest, ListMissingDirectoryIsNotFound) {
  auto names = fs_->ListDirectory(Path("missing"));
  ASSERT_FALSE(names.ok());
  EXPECT_TRUE(names.status().IsNotFound()) << names.status().ToString();
}

TEST_F(PosixFileSystemTest, CreateDirectoriesNestedAndIdempotent) {
  const std::string deep = JoinPath(JoinPath(JoinPath(dir_, "x"), "y"), "z");
  ASSERT_TRUE(fs_->CreateDirectories(deep).ok());
  EXPECT_TRUE(std::filesystem::is_directory(deep));
  EXPECT_TRUE(std::filesystem::is_directory(Path("x/y")));
  EXPECT_TRUE(fs_->FileExists(deep));

  // Idempotent, and leaves contents alone.
  Spit(JoinPath(deep, "keep"), "k");
  ASSERT_TRUE(fs_->CreateDirectories(deep).ok());
  ASSERT_TRUE(fs_->CreateDirectories(Path("x")).ok());
  EXPECT_EQ(Slurp(JoinPath(deep, "keep")), "k");

  // A trailing slash names the same directory.
  ASSERT_TRUE(fs_->CreateDirectories(Path("t1/t2/")).ok());
  EXPECT_TRUE(std::filesystem::is_directory(Path("t1/t2")));

  EXPECT_TRUE(fs_->CreateDirectories("").ok());
}

TEST_F(PosixFileSystemTest, CreateDirectoriesOverFileFails) {
  Spit(Path("file"), "x");
  EXPECT_FALSE(fs_->CreateDirectories(Path("file")).ok());
  EXPECT_FALSE(fs_->CreateDirectories(Path("file/sub")).ok());
  EXPECT_EQ(Slurp(Path("file")), "x");
}

TEST_F(PosixFileSystemTest, SyncDirectory) {
  EXPECT_TRUE(fs_->SyncDirectory(dir_).ok());
  Status missing = fs_->SyncDirectory(Path("missing"));
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
}

TEST_F(PosixFileSystemTest, RemoveFile) {
  const std::string path = Path("doomed");
  Spit(path, "x");
  ASSERT_TRUE(fs_->FileExists(path));
  ASSERT_TRUE(fs_->RemoveFile(path).ok());
  EXPECT_FALSE(fs_->FileExists(path));
  EXPECT_FALSE(std::filesystem::exists(path));

  Status again = fs_->RemoveFile(path);
  EXPECT_TRUE(again.IsNotFound()) << again.ToString();
}

TEST_F(PosixFileSystemTest, RenameFile) {
  const std::string from = Path("from");
  const std::string to = Path("to");
  Spit(from, "payload");
  ASSERT_TRUE(fs_->RenameFile(from, to).ok());
  EXPECT_FALSE(fs_->FileExists(from));
  EXPECT_EQ(Slurp(to), "payload");

  // Renaming over an existing file replaces it.
  Spit(from, "newer");
  ASSERT_TRUE(fs_->RenameFile(from, to).ok());
  EXPECT_FALSE(fs_->FileExists(from));
  EXPECT_EQ(Slurp(to), "newer");

  Status missing = fs_->RenameFile(Path("ghost"), to);
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
  EXPECT_EQ(Slurp(to), "newer");
}

TEST_F(PosixFileSystemTest, FileSize) {
  Spit(Path("empty"), "");
  Spit(Path("seven"), "1234567");
  auto empty = fs_->FileSize(Path("empty"));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 0u);
  auto seven = fs_->FileSize(Path("seven"));
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(*seven, 7u);
  auto missing = fs_->FileSize(Path("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
}

TEST_F(PosixFileSystemTest, FileExists) {
  EXPECT_FALSE(fs_->FileExists(Path("f")));
  Spit(Path("f"), "");
  EXPECT_TRUE(fs_->FileExists(Path("f")));
  EXPECT_TRUE(fs_->FileExists(dir_));
  EXPECT_FALSE(fs_->FileExists(Path("f/g")));
}

TEST_F(PosixFileSystemTest, WriteFileAtomicallyCreatesAndReplaces) {
  const std::string path = Path("meta");
  ASSERT_TRUE(WriteFileAtomically(fs_, path, "version 1").ok());
  EXPECT_EQ(Slurp(path), "version 1");
  EXPECT_FALSE(fs_->FileExists(path + ".tmp"));

  ASSERT_TRUE(WriteFileAtomically(fs_, path, "v2").ok());
  EXPECT_EQ(Slurp(path), "v2");  // shorter content: the old tail is gone
  EXPECT_FALSE(fs_->FileExists(path + ".tmp"));

  ASSERT_TRUE(WriteFileAtomically(fs_, path, "").ok());
  auto size = fs_->FileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 0u);

  auto names = fs_->ListDirectory(dir_);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"meta"}));
}

TEST_F(PosixFileSystemTest, WriteFileAtomicallyReplacesStaleTemp) {
  const std::string path = Path("meta");
  Spit(path + ".tmp", "left over from a crash");
  ASSERT_TRUE(WriteFileAtomically(fs_, path, "fresh").ok());
  EXPECT_EQ(Slurp(path), "fresh");
  EXPECT_FALSE(fs_->FileExists(path + ".tmp"));
}

TEST_F(PosixFileSystemTest, WriteFileAtomicallyIntoMissingDirectoryFails) {
  const std::string path = JoinPath(Path("no_such_dir"), "meta");
  EXPECT_FALSE(WriteFileAtomically(fs_, path, "x").ok());
  EXPECT_FALSE(fs_->FileExists(path));
}

TEST_F(PosixFileSystemTest, ReadWholeFile) {
  std::string binary("a\0b\0c", 5);
  Spit(Path("bin"), binary);
  auto contents = ReadWholeFile(fs_, Path("bin"));
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_EQ(*contents, binary);

  Spit(Path("empty"), "");
  contents = ReadWholeFile(fs_, Path("empty"));
  ASSERT_TRUE(contents.ok());
  EXPECT_TRUE(contents->empty());

  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + 7);
  Spit(Path("big"), big);
  contents = ReadWholeFile(fs_, Path("big"));
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->size(), big.size());
  EXPECT_TRUE(*contents == big);

  contents = ReadWholeFile(fs_, Path("missing"));
  ASSERT_FALSE(contents.ok());
  EXPECT_TRUE(contents.status().IsNotFound());
}

TEST(PathTest, JoinPath) {
  EXPECT_EQ(JoinPath("a/b", "c"), "a/b/c");
  EXPECT_EQ(JoinPath("a/b/", "c"), "a/b/c");
  EXPECT_EQ(JoinPath("/", "c"), "/c");
  EXPECT_EQ(JoinPath("", "c"), "c");
  EXPECT_EQ(JoinPath("/tmp", "x.log"), "/tmp/x.log");
}

TEST(PathTest, DirName) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(DirName("/a/b"), "/a");
  EXPECT_EQ(DirName("a/b/c/"), "a/b");
  EXPECT_EQ(DirName("a/b/c///"), "a/b");
  EXPECT_EQ(DirName("c/"), ".");
  EXPECT_EQ(DirName("/c/"), "/");
  EXPECT_EQ(DirName("/"), "/");
  EXPECT_EQ(DirName("a//b"), "a");
  EXPECT_EQ(DirName("//b"), "/");
  EXPECT_EQ(DirName("///"), "/");
  EXPECT_EQ(DirName(""), ".");
}

TEST(PathTest, DirNameInvertsJoinPath) {
  for (const char* dir : {"a", "a/b", "/x/y/z", "/x"}) {
    EXPECT_EQ(DirName(JoinPath(dir, "file")), dir);
  }
}

}  // namespace
}  // namespace eddy::io

namespace eddy::io {
namespace {

TEST(CreateDirectoriesDurablyTest, CreatesNestedFoldersAndIsIdempotent) {
  char tmpl[] = "/tmp/eddy-durable-dirs-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  const std::string deep = root + "/a/b/c";
  EXPECT_TRUE(CreateDirectoriesDurably(PosixFileSystem(), deep).ok());
  EXPECT_TRUE(PosixFileSystem()->FileExists(deep));
  EXPECT_TRUE(CreateDirectoriesDurably(PosixFileSystem(), deep).ok());
  std::filesystem::remove_all(root);
}

TEST(CreateDirectoriesDurablyTest, FailedDirectorySyncIsReportedAndRetryable) {
  // A failed sync of the new entry is an error, not a silent success.
  char tmpl[] = "/tmp/eddy-durable-dirs-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  FaultInjectionFileSystem fs(PosixFileSystem());
  fs.FailNextDirectorySyncs(1);
  EXPECT_FALSE(CreateDirectoriesDurably(&fs, root + "/x/y").ok());
  EXPECT_TRUE(CreateDirectoriesDurably(&fs, root + "/x/y").ok());
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace eddy::io
