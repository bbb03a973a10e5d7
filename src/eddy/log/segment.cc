#include "eddy/log/segment.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "eddy/base/check.h"
#include "eddy/base/coding.h"

namespace eddy::log {
namespace {

constexpr size_t kScanChunk = 1 << 20;      // recovery and rebuild scans read 1 MiB at a time
constexpr size_t kMinReadChunk = 64 << 10;  // reads fetch at least 64 KiB
constexpr size_t kMaxReadChunk = 8 << 20;

std::string BaseName(uint64_t base_offset) { return fmt::format("{:020d}", base_offset); }

}  // namespace

std::string Segment::LogFileName(uint64_t base_offset) { return BaseName(base_offset) + ".log"; }

std::optional<uint64_t> Segment::ParseLogFileName(std::string_view name) {
  if (name.size() != 24 || name.substr(20) != ".log") return std::nullopt;
  uint64_t v = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

Segment::Segment(io::FileSystem* fs, const std::string& dir, uint64_t base_offset, Options options)
    : fs_(fs),
      dir_(dir),
      base_offset_(base_offset),
      options_(options),
      log_path_(io::JoinPath(dir, BaseName(base_offset) + ".log")),
      index_path_(io::JoinPath(dir, BaseName(base_offset) + ".index")),
      time_index_path_(io::JoinPath(dir, BaseName(base_offset) + ".timeindex")),
      builder_(options.index_interval_bytes) {}

Segment::~Segment() = default;

Status Segment::Corruption(uint64_t position, uint64_t offset, std::string_view what) const {
  return Status::Corruption(
      fmt::format("{}: {} at byte {} (record offset {})", log_path_, what, position, offset));
}

Status Segment::OpenReader() {
  EDDY_ASSIGN_OR_RETURN(reader_, fs_->OpenReadable(log_path_));
  return Status::Ok();
}

Status Segment::ReadHeader(uint64_t file_size) {
  if (file_size < kSegmentHeaderSize) {
    return Status::Corruption(log_path_ + ": shorter than the segment header");
  }
  char buf[kSegmentHeaderSize];
  EDDY_ASSIGN_OR_RETURN(size_t n, reader_->Read(0, sizeof buf, buf));
  if (n != sizeof buf) return Status::Corruption(log_path_ + ": short header read");
  SegmentHeader header;
  EDDY_RETURN_IF_ERROR(
      DecodeSegmentHeader(std::string_view(buf, sizeof buf), &header).WithContext(log_path_));
  if (header.base_offset != base_offset_) {
    return Status::Corruption(
        fmt::format("{}: header says base offset {}", log_path_, header.base_offset));
  }
  created_ms_ = header.created_ms;
  return Status::Ok();
}

Result<std::shared_ptr<Segment>> Segment::Create(io::FileSystem* fs, const std::string& dir,
                                                 uint64_t base_offset, int64_t created_ms,
                                                 Options options) {
  std::shared_ptr<Segment> seg(new Segment(fs, dir, base_offset, options));
  seg->created_ms_ = created_ms;
  // A failure here leaves no file of ours behind (an existing file is not ours to remove).
  EDDY_ASSIGN_OR_RETURN(auto writer, fs->OpenWritable(seg->log_path_, io::OpenMode::kCreateNew));
  seg->writer_ = std::move(writer);
  Status s = seg->writer_->Append(EncodeSegmentHeader({base_offset, created_ms}));
  if (s.ok()) s = seg->writer_->Sync();
  if (s.ok()) s = seg->OpenReader();
  if (s.ok()) s = seg->WriteIndexFilesAtomically(SegmentIndex());
  if (s.ok()) s = seg->OpenIndexWriters();
  if (!s.ok()) {
    // Leave nothing half-made behind; the caller may retry later (e.g. after ENOSPC clears).
    seg->writer_.reset();
    (void)fs->RemoveFile(seg->log_path_);
    if (fs->FileExists(seg->index_path_)) (void)fs->RemoveFile(seg->index_path_);
    if (fs->FileExists(seg->time_index_path_)) (void)fs->RemoveFile(seg->time_index_path_);
    return s;
  }
  seg->written_size_ = kSegmentHeaderSize;
  seg->written_end_offset_ = base_offset;
  {
    // The writer builds the index in memory from here on; readers must not load the files.
    std::lock_guard lock(seg->index_mu_);
    seg->index_loaded_ = true;
  }
  seg->SetVisible(kSegmentHeaderSize, base_offset, 0);
  return seg;
}

Result<std::shared_ptr<Segment>> Segment::OpenSealed(io::FileSystem* fs, const std::string& dir,
                                                     uint64_t base_offset, uint64_t end_offset,
                                                     Options options) {
  std::shared_ptr<Segment> seg(new Segment(fs, dir, base_offset, options));
  seg->sealed_ = true;
  EDDY_RETURN_IF_ERROR(seg->OpenReader());
  EDDY_ASSIGN_OR_RETURN(uint64_t size, seg->reader_->Size());
  EDDY_RETURN_IF_ERROR(seg->ReadHeader(size));
  if (end_offset <= base_offset) {
    return Status::Corruption(fmt::format("{}: sealed segment holds no records", seg->log_path_));
  }
  seg->readable_size_.store(size, std::memory_order_release);
  seg->end_offset_.store(end_offset, std::memory_order_release);
  seg->written_size_ = size;
  seg->written_end_offset_ = end_offset;

  // The final time-index entry names the last record and its arrival time (retention needs it).
  bool index_ok = false;
  if (fs->FileExists(seg->time_index_path_) && fs->FileExists(seg->index_path_)) {
    auto tsize = fs->FileSize(seg->time_index_path_);
    auto osize = fs->FileSize(seg->index_path_);
    if (tsize.ok() && osize.ok() && *tsize >= kTimeIndexEntrySize &&
        *tsize % kTimeIndexEntrySize == 0 && *osize % kOffsetIndexEntrySize == 0) {
      EDDY_ASSIGN_OR_RETURN(auto tfile, fs->OpenReadable(seg->time_index_path_));
      char buf[kTimeIndexEntrySize];
      EDDY_ASSIGN_OR_RETURN(size_t n, tfile->Read(*tsize - kTimeIndexEntrySize, sizeof buf, buf));
      if (n == sizeof buf &&
          DecodeFixed32(buf + 8) == static_cast<uint32_t>(end_offset - 1 - base_offset)) {
        seg->last_arrival_ms_.store(static_cast<int64_t>(DecodeFixed64(buf)));
        index_ok = true;
      }
    }
  }
  if (!index_ok) EDDY_RETURN_IF_ERROR(seg->RebuildSealedIndex(end_offset));
  seg->written_last_arrival_ms_ = seg->last_arrival_ms();
  return seg;
}

Status Segment::RebuildSealedIndex(uint64_t end_offset) {
  SegmentIndex index;
  IndexBuilder builder(options_.index_interval_bytes);
  std::string ignored_offsets;
  std::string ignored_times;
  int64_t last_ms = 0;
  uint64_t last_offset = base_offset_;
  EDDY_ASSIGN_OR_RETURN(uint64_t size, reader_->Size());
  EDDY_ASSIGN_OR_RETURN(ScanResult r, Scan(kSegmentHeaderSize, base_offset_, size,
                                           [&](const RecordView& rec, uint64_t pos, size_t) {
                                             builder.Observe(
                                                 static_cast<uint32_t>(rec.offset - base_offset_),
                                                 static_cast<uint32_t>(pos), rec.arrival_ms, &index,
                                                 &ignored_offsets, &ignored_times);
                                             last_ms = rec.arrival_ms;
                                             last_offset = rec.offset;
                                             return true;
                                           }));
  if (r.stop != ScanStop::kEnd) return Corruption(r.position, r.offset, "invalid record");
  if (r.offset != end_offset) {
    return Status::Corruption(fmt::format("{}: holds records up to offset {}, expected {}",
                                          log_path_, r.offset, end_offset));
  }
  const auto last_rel = static_cast<uint32_t>(last_offset - base_offset_);
  if (index.times().empty() || index.times().back().relative_offset != last_rel) {
    index.AddTime({last_ms, last_rel});
  }
  EDDY_RETURN_IF_ERROR(WriteIndexFilesAtomically(index));
  last_arrival_ms_.store(last_ms, std::memory_order_release);
  std::lock_guard lock(index_mu_);
  index_ = std::move(index);
  index_loaded_ = true;
  return Status::Ok();
}

Status Segment::EnsureIndexLoaded() const {
  std::lock_guard lock(index_mu_);
  if (index_loaded_) return Status::Ok();
  // Sealed segments load lazily: most are never read again after they are written.
  auto offsets = io::ReadWholeFile(fs_, index_path_);
  auto times = io::ReadWholeFile(fs_, time_index_path_);
  SegmentIndex index;
  bool ok = offsets.ok() && times.ok() && index.DecodeOffsets(*offsets) &&
            index.DecodeTimes(*times) && !index.offsets().empty();
  if (ok) {
    const uint64_t size = readable_size();
    const uint64_t count = end_offset() - base_offset_;
    for (const auto& e : index.offsets()) {
      if (e.position < kSegmentHeaderSize || e.position >= size || e.relative_offset >= count) {
        ok = false;
        break;
      }
    }
  }
  if (ok) {
    index_ = std::move(index);
  } else {
    // Index damaged since open: fall back to scanning from the start (correct, slower) and
    // leave the files for the next open's rebuild.
    index_.Clear();
  }
  index_loaded_ = true;
  return Status::Ok();
}

Result<std::shared_ptr<Segment>> Segment::OpenActive(io::FileSystem* fs, const std::string& dir,
                                                     uint64_t base_offset, Options options) {
  std::shared_ptr<Segment> seg(new Segment(fs, dir, base_offset, options));
  EDDY_ASSIGN_OR_RETURN(auto writer, fs->OpenWritable(seg->log_path_, io::OpenMode::kOpenExisting));
  seg->writer_ = std::move(writer);
  EDDY_RETURN_IF_ERROR(seg->OpenReader());
  uint64_t size = seg->writer_->Size();

  // A crash while creating the segment can leave a short or zero-filled header with nothing
  // after it; no record was ever acknowledged in such a file.
  bool interrupted_create = size < kSegmentHeaderSize;
  if (!interrupted_create && size == kSegmentHeaderSize) {
    char buf[kSegmentHeaderSize];
    EDDY_ASSIGN_OR_RETURN(size_t n, seg->reader_->Read(0, sizeof buf, buf));
    SegmentHeader ignored;
    interrupted_create =
        n != sizeof buf || !DecodeSegmentHeader(std::string_view(buf, n), &ignored).ok();
  }
  if (interrupted_create) {
    EDDY_RETURN_IF_ERROR(seg->writer_->Truncate(0));
    EDDY_RETURN_IF_ERROR(seg->writer_->Append(EncodeSegmentHeader({base_offset, 0})));
    EDDY_RETURN_IF_ERROR(seg->writer_->Sync());
    size = kSegmentHeaderSize;
  }
  EDDY_RETURN_IF_ERROR(seg->ReadHeader(size));

  // Start the tail scan at the last index entry that still points at the record it names.
  SegmentIndex index;
  {
    auto offsets = io::ReadWholeFile(fs, seg->index_path_);
    auto times = io::ReadWholeFile(fs, seg->time_index_path_);
    if (!offsets.ok() || !times.ok() || !index.DecodeOffsets(*offsets) ||
        !index.DecodeTimes(*times)) {
      index.Clear();
    }
  }
  // Every entry must point at the start of the record it names (version byte and offset field
  // at the right place); cut the index at the first one that does not.
  for (size_t i = 0; i < index.offsets().size(); ++i) {
    const OffsetIndexEntry e = index.offsets()[i];
    char head[kFramePrefixSize + 12];
    bool good = e.position >= kSegmentHeaderSize && e.position + sizeof head <= size;
    if (good) {
      EDDY_ASSIGN_OR_RETURN(size_t n, seg->reader_->Read(e.position, sizeof head, head));
      good = n == sizeof head && head[kFramePrefixSize] == 1 &&
             DecodeFixed64(head + kFramePrefixSize + 4) == base_offset + e.relative_offset;
    }
    if (!good) {
      index.TruncateAfter(e.relative_offset == 0 ? 0 : e.relative_offset - 1);
      if (e.relative_offset == 0) index.Clear();
      break;
    }
  }
  uint64_t start_pos = kSegmentHeaderSize;
  uint64_t start_offset = base_offset;
  bool resume = false;
  while (!index.offsets().empty()) {
    const OffsetIndexEntry e = index.offsets().back();
    if (e.position >= kSegmentHeaderSize && e.position < size) {
      EDDY_ASSIGN_OR_RETURN(bool valid,
                            seg->FrameAt(e.position, base_offset + e.relative_offset, size));
      if (valid) {
        start_pos = e.position;
        start_offset = base_offset + e.relative_offset;
        resume = true;
        break;
      }
    }
    index.TruncateAfter(e.relative_offset == 0 ? 0 : e.relative_offset - 1);
    if (e.relative_offset == 0) index.Clear();
  }
  if (resume) {
    index.TruncateAfter(static_cast<uint32_t>(start_offset - base_offset));
    seg->builder_.ResumeFrom(index);
  } else {
    index.Clear();
  }

  // Scan the tail, remembering where the last complete append (batch) ends: records of a batch
  // that a crash left half written are cut with the torn bytes (appends are all-or-nothing).
  std::string ignored_offsets;
  std::string ignored_times;
  struct Boundary {
    bool known = false;
    uint64_t position = 0;
    uint64_t offset = 0;
    int64_t last_ms = 0;
  } boundary;
  ScanResult r{};
  for (;;) {
    boundary = Boundary{};
    if (!resume) boundary = Boundary{true, kSegmentHeaderSize, base_offset, 0};
    EDDY_ASSIGN_OR_RETURN(
        r,
        seg->Scan(start_pos, start_offset, size,
                  [&](const RecordView& rec, uint64_t pos, size_t frame_size) {
                    if (!(resume && rec.offset == start_offset)) {
                      seg->builder_.Observe(static_cast<uint32_t>(rec.offset - base_offset),
                                            static_cast<uint32_t>(pos), rec.arrival_ms, &index,
                                            &ignored_offsets, &ignored_times);
                    }
                    if (!rec.more_in_batch) {
                      boundary = Boundary{true, pos + frame_size, rec.offset + 1, rec.arrival_ms};
                    }
                    return true;
                  }));
    if (boundary.known) break;
    // Resumed inside a batch that never completed: rescan the segment from its start.
    resume = false;
    start_pos = kSegmentHeaderSize;
    start_offset = base_offset;
    index.Clear();
    seg->builder_.Reset();
  }
  // A frame that runs past the end of the file is a torn write by definition. Only a complete
  // but invalid frame can be damage; look for valid records after it (not inside it: its own
  // payload may hold bytes that look like frames).
  if (r.stop == ScanStop::kInvalid) {
    const uint64_t search_from = r.frame_size != 0 && r.position + r.frame_size <= size
                                     ? r.position + r.frame_size - 1
                                     : r.position;
    EDDY_ASSIGN_OR_RETURN(bool follows, seg->ValidFrameFollows(search_from, r.offset, size));
    if (follows) {
      return seg->Corruption(r.position, r.offset,
                             "damaged record followed by valid records (not a torn tail)");
    }
  }
  if (boundary.position < size) {
    // A torn tail: unacknowledged bytes from an interrupted write. Cut them off for good.
    EDDY_RETURN_IF_ERROR(seg->writer_->Truncate(boundary.position));
    EDDY_RETURN_IF_ERROR(seg->writer_->Sync());
  }
  if (boundary.offset == base_offset) {
    index.Clear();
  } else {
    index.TruncateAfter(static_cast<uint32_t>(boundary.offset - 1 - base_offset));
  }
  seg->builder_.ResumeFrom(index);
  const int64_t last_ms = boundary.last_ms;  // the scan visits at least the record it resumed at
  EDDY_RETURN_IF_ERROR(seg->WriteIndexFilesAtomically(index));
  EDDY_RETURN_IF_ERROR(seg->OpenIndexWriters());
  {
    std::lock_guard lock(seg->index_mu_);
    seg->index_ = std::move(index);
    seg->index_loaded_ = true;
  }
  seg->written_size_ = boundary.position;
  seg->written_end_offset_ = boundary.offset;
  seg->written_last_arrival_ms_ = last_ms;
  seg->SetVisible(boundary.position, boundary.offset, last_ms);
  return seg;
}

Result<bool> Segment::FrameAt(uint64_t position, uint64_t offset, uint64_t limit) const {
  char prefix[kFramePrefixSize];
  if (position + kFramePrefixSize > limit) return false;
  EDDY_ASSIGN_OR_RETURN(size_t n, reader_->Read(position, sizeof prefix, prefix));
  const uint64_t frame_size = kFramePrefixSize + uint64_t{DecodeFixed32(prefix)};
  if (n != sizeof prefix || frame_size > kMaxFrameSize || position + frame_size > limit) {
    return false;
  }
  std::string frame(frame_size, '\0');
  EDDY_ASSIGN_OR_RETURN(size_t m, reader_->Read(position, frame.size(), frame.data()));
  RecordView rec;
  size_t decoded_size = 0;
  return m == frame.size() && DecodeFrame(frame, offset, &rec, &decoded_size) == DecodeOutcome::kOk;
}

Result<bool> Segment::ValidFrameFollows(uint64_t position, uint64_t after_offset,
                                        uint64_t limit) const {
  // Offsets a later frame could plausibly carry: at most one per minimal frame in the rest.
  const uint64_t max_offset =
      after_offset + (limit - position) / (kFramePrefixSize + kBodyFixedSize) + 1;
  std::string buf;
  uint64_t pos = position + 1;
  // Checking a candidate reads its whole frame; bound the total so crafted payloads cannot make
  // recovery crawl. Running out counts as "valid data follows": report, never cut silently.
  uint64_t budget = 512ull << 20;
  while (pos + kFramePrefixSize + kBodyFixedSize <= limit) {
    const uint64_t want = std::min<uint64_t>(limit - pos, kScanChunk);
    buf.resize(want);
    EDDY_ASSIGN_OR_RETURN(size_t n, reader_->Read(pos, want, buf.data()));
    buf.resize(n);
    size_t i = 0;
    for (; i + kFramePrefixSize + kBodyFixedSize <= n; ++i) {
      const char* p = buf.data() + i;
      // Cheap filters first: version byte, flags, plausible offset.
      if (p[8] != 1 || (static_cast<uint8_t>(p[9]) & ~3u) != 0) continue;
      const uint64_t offset = DecodeFixed64(p + 12);
      if (offset < after_offset || offset > max_offset) continue;
      const uint64_t frame_size = kFramePrefixSize + uint64_t{DecodeFixed32(p)};
      if (frame_size > budget) return true;
      budget -= frame_size;
      EDDY_ASSIGN_OR_RETURN(bool valid, FrameAt(pos + i, offset, limit));
      if (valid) return true;
    }
    if (n < want || i == 0) break;
    pos += i;
  }
  return false;
}

Result<Segment::ScanResult> Segment::Scan(uint64_t position, uint64_t offset, uint64_t limit,
                                          const Visitor& visit) const {
  std::string buf;
  size_t min_next = 0;  // bytes the next read needs to hold one whole frame
  while (position < limit) {
    const uint64_t want = std::min<uint64_t>(limit - position, std::max(kScanChunk, min_next));
    buf.resize(want);
    EDDY_ASSIGN_OR_RETURN(size_t n, reader_->Read(position, want, buf.data()));
    if (n < want) {
      // The file is shorter than `limit`: treat what is missing as a torn tail.
      limit = position + n;
      buf.resize(n);
    }
    size_t used = 0;
    min_next = 0;
    while (used < n) {
      RecordView rec;
      size_t frame_size = 0;
      auto outcome =
          DecodeFrame(std::string_view(buf.data(), n).substr(used), offset, &rec, &frame_size);
      if (outcome == DecodeOutcome::kInvalid) {
        return ScanResult{ScanStop::kInvalid, position + used, offset, frame_size};
      }
      if (outcome == DecodeOutcome::kIncomplete) {
        const size_t needed = frame_size == 0 ? kFramePrefixSize : frame_size;
        if (position + used + needed > limit) {
          return ScanResult{ScanStop::kIncomplete, position + used, offset};
        }
        min_next = needed;
        break;
      }
      if (!visit(rec, position + used, frame_size)) {
        return ScanResult{ScanStop::kVisitorStopped, position + used, offset};
      }
      used += frame_size;
      ++offset;
    }
    position += used;
  }
  return ScanResult{ScanStop::kEnd, position, offset};
}

Status Segment::Read(uint64_t from, const ReadLimits& limits, size_t* bytes_used,
                     ReadBatch* batch) const {
  const size_t records_before = batch->records.size();
  const size_t buffers_before = batch->buffers.size();
  const size_t bytes_before = *bytes_used;
  Status s = ReadFrom(from, limits, /*use_index=*/true, bytes_used, batch);
  if (s.IsCorruption()) {
    // An index entry can be wrong (index files are not checksummed); the records themselves
    // are. Scan from the segment's first record before calling the data corrupt.
    batch->records.resize(records_before);
    batch->buffers.resize(buffers_before);
    *bytes_used = bytes_before;
    Status retry = ReadFrom(from, limits, /*use_index=*/false, bytes_used, batch);
    if (retry.ok()) {
      spdlog::warn("{}: index entry near offset {} is wrong; read by scanning", log_path_, from);
    }
    return retry;
  }
  return s;
}

Status Segment::ReadFrom(uint64_t from, const ReadLimits& limits, bool use_index,
                         size_t* bytes_used, ReadBatch* batch) const {
  // End offset before readable size: SetVisible publishes them in the opposite order, so every
  // record below `end` lies wholly below `limit`.
  const uint64_t end = end_offset();
  const uint64_t limit = readable_size();
  EDDY_CHECK(from >= base_offset_ && from < end);
  EDDY_RETURN_IF_ERROR(EnsureIndexLoaded());
  uint64_t position = kSegmentHeaderSize;
  uint64_t offset = base_offset_;
  if (use_index) {
    std::lock_guard lock(index_mu_);
    if (auto e = index_.FloorOffset(static_cast<uint32_t>(from - base_offset_))) {
      position = e->position;
      offset = base_offset_ + e->relative_offset;
    }
  }
  size_t min_next = 0;
  while (offset < end && position < limit && batch->records.size() < limits.max_records) {
    const size_t budget_left = limits.max_bytes > *bytes_used ? limits.max_bytes - *bytes_used : 0;
    size_t want = std::clamp<size_t>(budget_left + 4096, kMinReadChunk, kMaxReadChunk);
    want = static_cast<size_t>(std::min<uint64_t>(std::max(want, min_next), limit - position));
    auto chunk = std::make_unique<char[]>(want);
    EDDY_ASSIGN_OR_RETURN(size_t n, reader_->Read(position, want, chunk.get()));
    if (n < want) return Corruption(position + n, offset, "segment file shorter than its data");
    std::string_view view(chunk.get(), n);
    size_t used = 0;
    bool kept = false;
    bool full = false;
    min_next = 0;
    while (used < n && offset < end) {
      RecordView rec;
      size_t frame_size = 0;
      auto outcome = DecodeFrame(view.substr(used), offset, &rec, &frame_size);
      if (outcome == DecodeOutcome::kInvalid) {
        return Corruption(position + used, offset, "invalid record");
      }
      if (outcome == DecodeOutcome::kIncomplete) {
        const size_t needed = frame_size == 0 ? kFramePrefixSize : frame_size;
        if (position + used + needed > limit) {
          return Corruption(position + used, offset, "record runs past the end of the data");
        }
        min_next = needed;
        break;
      }
      if (offset >= from) {
        const size_t size = rec.partition_key.size() + rec.data.size();
        if (batch->records.size() >= limits.max_records ||
            (!batch->records.empty() && *bytes_used + size > limits.max_bytes)) {
          full = true;
          break;
        }
        batch->records.push_back(rec);
        *bytes_used += size;
        kept = true;
      }
      used += frame_size;
      ++offset;
    }
    if (kept) batch->buffers.push_back(std::move(chunk));
    if (full) break;
    position += used;
  }
  if (!batch->records.empty()) batch->next_offset = batch->records.back().offset + 1;
  return Status::Ok();
}

Result<std::optional<uint64_t>> Segment::FindFirstAtOrAfter(int64_t ms) const {
  const uint64_t end = end_offset();
  if (end == base_offset_ || last_arrival_ms() < ms) return std::optional<uint64_t>();
  EDDY_RETURN_IF_ERROR(EnsureIndexLoaded());
  uint64_t position = kSegmentHeaderSize;
  uint64_t offset = base_offset_;
  {
    std::lock_guard lock(index_mu_);
    if (auto rel = index_.LastBeforeTime(ms)) {
      if (auto e = index_.FloorOffset(*rel)) {
        position = e->position;
        offset = base_offset_ + e->relative_offset;
      }
    }
  }
  std::optional<uint64_t> found;
  EDDY_ASSIGN_OR_RETURN(ScanResult r, Scan(position, offset, readable_size(),
                                           [&](const RecordView& rec, uint64_t, size_t) {
                                             if (rec.offset >= end) return false;
                                             if (rec.arrival_ms >= ms) {
                                               found = rec.offset;
                                               return false;
                                             }
                                             return true;
                                           }));
  if (r.stop == ScanStop::kInvalid || r.stop == ScanStop::kIncomplete) {
    return Corruption(r.position, r.offset, "invalid record");
  }
  return found;
}

Status Segment::Append(std::string_view frames, const std::vector<FrameMeta>& metas,
                       bool* needs_repair) {
  *needs_repair = false;
  const uint64_t before = written_size_;
  Status s = writer_->Append(frames);
  if (!s.ok()) {
    Status t = writer_->Truncate(before);
    if (!t.ok()) {
      *needs_repair = true;
      return s.WithContext("append failed and could not be undone (" + t.ToString() + ")");
    }
    return s;
  }
  written_size_ += frames.size();
  written_end_offset_ = metas.back().offset + 1;
  written_last_arrival_ms_ = metas.back().arrival_ms;

  std::string offset_bytes;
  std::string time_bytes;
  {
    std::lock_guard lock(index_mu_);
    for (const auto& m : metas) {
      builder_.Observe(static_cast<uint32_t>(m.offset - base_offset_), m.position, m.arrival_ms,
                       &index_, &offset_bytes, &time_bytes);
    }
  }
  if (!index_files_broken_) {
    // Index files are derived data: on failure stop writing them and rewrite them at seal.
    const uint64_t index_before = index_writer_->Size();
    const uint64_t time_before = time_index_writer_->Size();
    Status is = offset_bytes.empty() ? Status::Ok() : index_writer_->Append(offset_bytes);
    if (is.ok() && !time_bytes.empty()) is = time_index_writer_->Append(time_bytes);
    if (!is.ok()) {
      index_files_broken_ = true;
      (void)index_writer_->Truncate(index_before);
      (void)time_index_writer_->Truncate(time_before);
    }
  }
  return Status::Ok();
}

Status Segment::TruncateTo(uint64_t size, uint64_t end_offset, int64_t last_arrival_ms) {
  EDDY_CHECK(size >= readable_size());
  EDDY_RETURN_IF_ERROR(writer_->Truncate(size));
  written_size_ = size;
  written_end_offset_ = end_offset;
  written_last_arrival_ms_ = last_arrival_ms;
  std::lock_guard lock(index_mu_);
  if (end_offset == base_offset_) {
    index_.Clear();
  } else {
    index_.TruncateAfter(static_cast<uint32_t>(end_offset - 1 - base_offset_));
  }
  builder_.ResumeFrom(index_);
  // The index files hold entries for the cut records: rewrite them now, so that neither readers
  // nor a later open trust an entry that points into bytes that are gone or reused.
  Status s = WriteIndexFilesAtomically(index_);
  if (s.ok()) s = OpenIndexWriters();
  if (!s.ok()) index_files_broken_ = true;  // retried at seal; open re-verifies entries anyway
  return Status::Ok();
}

void Segment::SetVisible(uint64_t size, uint64_t end_offset, int64_t last_arrival_ms) {
  // Time and size first: a reader that sees the new end offset also sees the bytes behind it.
  if (last_arrival_ms != 0) last_arrival_ms_.store(last_arrival_ms, std::memory_order_release);
  readable_size_.store(size, std::memory_order_release);
  end_offset_.store(end_offset, std::memory_order_release);
}

Status Segment::Seal() {
  EDDY_CHECK(!sealed_);
  EDDY_CHECK(written_end_offset_ > base_offset_);
  EDDY_CHECK(readable_size() == written_size_);
  EDDY_RETURN_IF_ERROR(writer_->Sync());
  const auto last_rel = static_cast<uint32_t>(written_end_offset_ - 1 - base_offset_);
  SegmentIndex snapshot;
  std::string final_time;
  {
    std::lock_guard lock(index_mu_);
    if (index_.times().empty() || index_.times().back().relative_offset != last_rel) {
      TimeIndexEntry e{written_last_arrival_ms_, last_rel};
      index_.AddTime(e);
      SegmentIndex::EncodeTimeEntry(e, &final_time);
    }
    if (index_files_broken_) snapshot = index_;
  }
  if (index_files_broken_) {
    EDDY_RETURN_IF_ERROR(WriteIndexFilesAtomically(snapshot));
  } else {
    Status s = final_time.empty() ? Status::Ok() : time_index_writer_->Append(final_time);
    if (s.ok()) s = index_writer_->Sync();
    if (s.ok()) s = time_index_writer_->Sync();
    if (!s.ok()) {
      // The memory already holds the final entry; a retry must rewrite the files whole rather
      // than sync a file that lacks it (or ends in half of it).
      index_files_broken_ = true;
      return s;
    }
  }
  index_writer_.reset();
  time_index_writer_.reset();
  sealed_ = true;
  return Status::Ok();
}

Status Segment::WriteIndexFilesAtomically(const SegmentIndex& index) {
  EDDY_RETURN_IF_ERROR(io::WriteFileAtomically(fs_, index_path_, index.EncodeOffsets()));
  return io::WriteFileAtomically(fs_, time_index_path_, index.EncodeTimes());
}

Status Segment::OpenIndexWriters() {
  EDDY_ASSIGN_OR_RETURN(index_writer_, fs_->OpenWritable(index_path_, io::OpenMode::kOpenExisting));
  EDDY_ASSIGN_OR_RETURN(time_index_writer_,
                        fs_->OpenWritable(time_index_path_, io::OpenMode::kOpenExisting));
  index_files_broken_ = false;
  return Status::Ok();
}

Status Segment::RemoveFiles() {
  Status s = fs_->RemoveFile(log_path_);
  for (const auto& p : {index_path_, time_index_path_}) {
    if (fs_->FileExists(p)) {
      Status r = fs_->RemoveFile(p);
      if (s.ok()) s = r;
    }
  }
  return s;
}

}  // namespace eddy::log
