#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/base/status.h"

namespace eddy::io {

// A file written at its end. Append() writes through to the OS (no user-space buffer); Sync()
// makes everything appended so far durable (fdatasync).
//
// Failure contract: when Append() fails, a prefix of `data` may have reached the file, and
// Size() counts it. The caller decides what to do with the torn bytes (the shard log truncates
// them away). When Sync() fails, the caller must not assume any unsynced byte is durable, now
// or after a later successful Sync (Linux may drop dirty pages on a failed writeback).
//
// Thread-safety: Append() and Truncate() from one thread at a time; Sync() and Size() may run
// concurrently with them (the shard log syncs while the next append writes). A Sync() covers at
// least the bytes appended before it started.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;
  // Cuts the file to `size` bytes; later appends continue from there. REQUIRES: size <= Size().
  virtual Status Truncate(uint64_t size) = 0;
  // Bytes in the file as this object wrote them (including torn prefixes of failed appends).
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

// A file read at arbitrary offsets.
// Thread-safety: Read() and Size() are safe to call concurrently (pread).
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Reads up to `n` bytes at `offset` into `scratch`. Returns the bytes read: fewer than `n`
  // only at the end of the file.
  virtual Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const = 0;
  virtual Result<uint64_t> Size() const = 0;
  virtual const std::string& path() const = 0;
};

enum class OpenMode {
  kCreateNew,     // the file must not exist (O_EXCL)
  kOpenExisting,  // the file must exist; appends continue at its current end
};

// The file operations eddy's storage uses, behind an interface so tests can inject faults
// (FaultInjectionFileSystem) without a real failing disk.
//
// Thread-safety: implementations are safe to call from any thread.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                             OpenMode mode) = 0;
  virtual Result<std::unique_ptr<ReadableFile>> OpenReadable(const std::string& path) = 0;
  // Names (not paths) of the entries in `dir`, without "." and "..", in no particular order.
  virtual Result<std::vector<std::string>> ListDirectory(const std::string& dir) = 0;
  // Creates `dir` and any missing parents; OK if it exists.
  virtual Status CreateDirectories(const std::string& dir) = 0;
  // Makes creations, renames and removals of entries in `dir` durable (fsync on the directory).
  virtual Status SyncDirectory(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
};

// The real file system. The returned object lives for the whole process.
FileSystem* PosixFileSystem();

// Creates `dir` and its missing parents, and makes each new entry durable by syncing the
// directory that holds it (a new shard's folder must survive a power cut with its contents).
// A retry after a failed sync syncs only the levels it creates itself.
Status CreateDirectoriesDurably(FileSystem* fs, const std::string& dir);

// Reads a whole file (for small files: indexes, metadata).
Result<std::string> ReadWholeFile(FileSystem* fs, const std::string& path);

// Replaces `path` with `contents` so that a crash leaves either the old or the new file:
// writes `path`.tmp, syncs it, renames it over `path`, syncs the directory.
Status WriteFileAtomically(FileSystem* fs, const std::string& path, std::string_view contents);

// "a/b" + "c" -> "a/b/c".
std::string JoinPath(std::string_view dir, std::string_view name);
// "a/b/c" -> "a/b"; "c" -> ".".
std::string DirName(std::string_view path);

}  // namespace eddy::io
