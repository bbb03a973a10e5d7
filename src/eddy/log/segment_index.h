#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::log {

// The sparse offset and time indexes of one segment, in memory (docs/design/log-format.md).
// Entries are decided by IndexBuilder so that a rebuild from the segment yields the same
// entries as were written while appending.
//
// Thread-safety: not thread-safe; Segment guards it.
struct OffsetIndexEntry {
  uint32_t relative_offset;
  uint32_t position;
};

struct TimeIndexEntry {
  int64_t arrival_ms;
  uint32_t relative_offset;
};

inline constexpr size_t kOffsetIndexEntrySize = 8;
inline constexpr size_t kTimeIndexEntrySize = 12;

class SegmentIndex {
 public:
  const std::vector<OffsetIndexEntry>& offsets() const { return offsets_; }
  const std::vector<TimeIndexEntry>& times() const { return times_; }

  // Position to start scanning from to find relative offset `rel`: the last entry at or
  // before it, or nullopt when there is none.
  std::optional<OffsetIndexEntry> FloorOffset(uint32_t rel) const;
  // Relative offset to start scanning from to find the first record with arrival >= ms: the
  // last time entry with time < ms (nullopt: start at the segment's first record).
  std::optional<uint32_t> LastBeforeTime(int64_t ms) const;

  void AddOffset(OffsetIndexEntry e) { offsets_.push_back(e); }
  void AddTime(TimeIndexEntry e) { times_.push_back(e); }
  void Clear();
  // Drops offset entries with relative offset > rel and time entries with relative offset > rel.
  void TruncateAfter(uint32_t rel);

  // File images.
  static void EncodeOffsetEntry(const OffsetIndexEntry& e, std::string* out);
  static void EncodeTimeEntry(const TimeIndexEntry& e, std::string* out);
  std::string EncodeOffsets() const;
  std::string EncodeTimes() const;
  // Parses file images, ignoring a torn trailing partial entry. Returns false when the entries
  // are not strictly increasing (offsets, positions) / non-decreasing (times).
  bool DecodeOffsets(std::string_view data);
  bool DecodeTimes(std::string_view data);

 private:
  std::vector<OffsetIndexEntry> offsets_;
  std::vector<TimeIndexEntry> times_;
};

// Decides, record by record, which index entries to write.
// Thread-safety: not thread-safe.
class IndexBuilder {
 public:
  explicit IndexBuilder(uint32_t interval_bytes) : interval_(interval_bytes) {}

  // Continues after the index's existing entries (used when reopening an active segment).
  void ResumeFrom(const SegmentIndex& index);
  void Reset();

  // Observes the next record of the segment; appends the entries it needs to `index` and their
  // file images to `offset_bytes` / `time_bytes`.
  void Observe(uint32_t relative_offset, uint32_t position, int64_t arrival_ms, SegmentIndex* index,
               std::string* offset_bytes, std::string* time_bytes);

 private:
  const uint32_t interval_;
  bool have_offset_ = false;
  bool have_time_ = false;
  uint32_t last_offset_position_ = 0;
  uint32_t last_time_position_ = 0;
  int64_t last_time_ms_ = 0;
};

}  // namespace eddy::log
