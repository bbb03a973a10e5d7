#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/base/thread_annotations.h"
#include "eddy/io/file_system.h"
#include "eddy/log/record_format.h"
#include "eddy/log/segment_index.h"

namespace eddy::log {

// Records decoded by a read, with the memory their views point into.
struct ReadBatch {
  std::vector<RecordView> records;
  std::vector<std::unique_ptr<char[]>> buffers;  // owned bytes behind the views
  uint64_t next_offset = 0;                      // offset after the last record returned
};

struct ReadLimits {
  size_t max_records = 10000;
  // Budget for partition keys + data. The first record is returned even if larger.
  size_t max_bytes = 10 * 1024 * 1024;
};

// Where one record of an append batch lands, for indexing.
struct FrameMeta {
  uint64_t offset;
  uint32_t position;  // byte position in the segment file
  int64_t arrival_ms;
};

// One segment of a shard log: the `.log` file and its two index files
// (docs/design/log-format.md).
//
// The active segment is appended to by its ShardLog, under the ShardLog's write lock; readers
// read concurrently up to the published readable size/end offset, which the ShardLog advances
// as data becomes visible (durable). Sealed segments are immutable.
//
// Thread-safety: Read*/Find*/accessors are thread-safe. Append/Seal/TruncateTo/SetVisible need
// external serialization (the ShardLog write lock).
class Segment {
 public:
  struct Options {
    uint32_t index_interval_bytes = 4096;
  };

  static std::string LogFileName(uint64_t base_offset);  // "00000000000000000042.log"
  // Parses "<20 digits>.log"; nullopt for any other name.
  static std::optional<uint64_t> ParseLogFileName(std::string_view name);

  // Creates a new empty active segment: writes and syncs its header. The caller syncs the
  // directory. Fails with AlreadyExists if the file exists.
  static Result<std::shared_ptr<Segment>> Create(io::FileSystem* fs, const std::string& dir,
                                                 uint64_t base_offset, int64_t created_ms,
                                                 Options options);

  // Opens a sealed segment whose records are [base_offset, end_offset). Checks the header and
  // the final time-index entry; rebuilds the indexes by a verifying scan when they are missing
  // or inconsistent (Corruption if the segment itself is damaged).
  static Result<std::shared_ptr<Segment>> OpenSealed(io::FileSystem* fs, const std::string& dir,
                                                     uint64_t base_offset, uint64_t end_offset,
                                                     Options options);

  // Opens the last segment of a log for appending, running recovery: a torn tail is cut off,
  // damage followed by valid data is a Corruption error naming file, position and offset.
  static Result<std::shared_ptr<Segment>> OpenActive(io::FileSystem* fs, const std::string& dir,
                                                     uint64_t base_offset, Options options);

  ~Segment();

  uint64_t base_offset() const { return base_offset_; }
  int64_t created_ms() const { return created_ms_; }
  const std::string& path() const { return log_path_; }
  // One past the last visible record.
  uint64_t end_offset() const { return end_offset_.load(std::memory_order_acquire); }
  uint64_t record_count() const { return end_offset() - base_offset_; }
  // Arrival time of the newest visible record; 0 when empty.
  int64_t last_arrival_ms() const { return last_arrival_ms_.load(std::memory_order_acquire); }
  // True once Seal() succeeded: nothing may be appended any more.
  bool sealed() const { return sealed_; }
  // Bytes in the file that readers may read.
  uint64_t readable_size() const { return readable_size_.load(std::memory_order_acquire); }

  // Appends decoded records with offsets >= `from` to `batch`, until the limits, the end of the
  // visible records or the end of the segment. Verifies every frame it passes.
  // REQUIRES: base_offset() <= from < end_offset().
  Status Read(uint64_t from, const ReadLimits& limits, size_t* bytes_used, ReadBatch* batch) const;

  // First visible record with arrival >= ms, or nullopt when every record is older.
  Result<std::optional<uint64_t>> FindFirstAtOrAfter(int64_t ms) const;

  // --- Writer side (externally serialized) ---

  // Bytes written to the file (visible or not).
  uint64_t written_size() const { return written_size_; }
  uint64_t written_end_offset() const { return written_end_offset_; }
  int64_t written_last_arrival_ms() const { return written_last_arrival_ms_; }
  const std::shared_ptr<io::WritableFile>& writer() const { return writer_; }

  // Appends encoded frames. On failure the file is cut back to its size before the call (if
  // that fails too, the returned status says so and `*needs_repair` is set).
  Status Append(std::string_view frames, const std::vector<FrameMeta>& metas, bool* needs_repair);

  // Cuts unpublished data: back to `size` bytes / `end_offset`. Used after failed syncs and
  // writes. REQUIRES: size >= readable_size().
  Status TruncateTo(uint64_t size, uint64_t end_offset, int64_t last_arrival_ms);

  // Makes written data up to (size, end_offset) visible to readers.
  void SetVisible(uint64_t size, uint64_t end_offset, int64_t last_arrival_ms);

  // Finishes the segment: final time-index entry, index files written and synced, data synced.
  // After success the segment is immutable. REQUIRES: everything written is visible.
  Status Seal();

  // Deletes the segment's files. The object stays readable by holders of open references.
  Status RemoveFiles();

 private:
  Segment(io::FileSystem* fs, const std::string& dir, uint64_t base_offset, Options options);

  enum class ScanStop { kEnd, kIncomplete, kInvalid, kVisitorStopped };
  struct ScanResult {
    ScanStop stop;
    uint64_t position;      // where the scan stopped
    uint64_t offset;        // offset expected at `position`
    size_t frame_size = 0;  // for kInvalid: the size the frame claims (0 if its length is absurd)
  };
  using Visitor = std::function<bool(const RecordView&, uint64_t position, size_t frame_size)>;
  // Reads frames from (position, offset) until `limit` bytes, verifying each.
  Result<ScanResult> Scan(uint64_t position, uint64_t offset, uint64_t limit,
                          const Visitor& visit) const;

  // Read() without the fallback: from the index entry at or before `from` (or from the first
  // record when !use_index).
  Status ReadFrom(uint64_t from, const ReadLimits& limits, bool use_index, size_t* bytes_used,
                  ReadBatch* batch) const;
  Status OpenReader();
  Status ReadHeader(uint64_t file_size);
  // Rebuilds the indexes from a full verifying scan of a sealed segment and rewrites them.
  Status RebuildSealedIndex(uint64_t end_offset);
  // Loads a sealed segment's index files, rebuilding them if inconsistent.
  Status EnsureIndexLoaded() const;
  // True when a valid frame carrying `offset` starts at `position` and ends by `limit`.
  Result<bool> FrameAt(uint64_t position, uint64_t offset, uint64_t limit) const;
  // True when a valid frame with an offset above `after_offset` starts somewhere in
  // (position, limit).
  Result<bool> ValidFrameFollows(uint64_t position, uint64_t after_offset, uint64_t limit) const;
  Status WriteIndexFilesAtomically(const SegmentIndex& index);
  Status OpenIndexWriters();
  Status Corruption(uint64_t position, uint64_t offset, std::string_view what) const;

  io::FileSystem* const fs_;
  const std::string dir_;
  const uint64_t base_offset_;
  const Options options_;
  const std::string log_path_;
  const std::string index_path_;
  const std::string time_index_path_;
  int64_t created_ms_ = 0;

  std::unique_ptr<io::ReadableFile> reader_;
  std::atomic<uint64_t> readable_size_{0};
  std::atomic<uint64_t> end_offset_{0};
  std::atomic<int64_t> last_arrival_ms_{0};

  mutable std::mutex index_mu_;
  mutable SegmentIndex index_ GUARDED_BY(index_mu_);
  mutable bool index_loaded_ GUARDED_BY(index_mu_) = false;
  bool sealed_ = false;

  // Writer state (active segment only).
  std::shared_ptr<io::WritableFile> writer_;
  std::unique_ptr<io::WritableFile> index_writer_;
  std::unique_ptr<io::WritableFile> time_index_writer_;
  bool index_files_broken_ = false;  // stop appending to index files; rewrite them at seal
  IndexBuilder builder_;
  uint64_t written_size_ = 0;
  uint64_t written_end_offset_ = 0;
  int64_t written_last_arrival_ms_ = 0;
};

}  // namespace eddy::log
