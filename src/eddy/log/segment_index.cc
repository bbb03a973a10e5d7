#include "eddy/log/segment_index.h"

#include <algorithm>

#include "eddy/base/coding.h"

namespace eddy::log {

std::optional<OffsetIndexEntry> SegmentIndex::FloorOffset(uint32_t rel) const {
  auto it =
      std::upper_bound(offsets_.begin(), offsets_.end(), rel,
                       [](uint32_t r, const OffsetIndexEntry& e) { return r < e.relative_offset; });
  if (it == offsets_.begin()) return std::nullopt;
  return *std::prev(it);
}

std::optional<uint32_t> SegmentIndex::LastBeforeTime(int64_t ms) const {
  auto it = std::lower_bound(times_.begin(), times_.end(), ms,
                             [](const TimeIndexEntry& e, int64_t t) { return e.arrival_ms < t; });
  if (it == times_.begin()) return std::nullopt;
  return std::prev(it)->relative_offset;
}

void SegmentIndex::Clear() {
  offsets_.clear();
  times_.clear();
}

void SegmentIndex::TruncateAfter(uint32_t rel) {
  while (!offsets_.empty() && offsets_.back().relative_offset > rel) offsets_.pop_back();
  while (!times_.empty() && times_.back().relative_offset > rel) times_.pop_back();
}

void SegmentIndex::EncodeOffsetEntry(const OffsetIndexEntry& e, std::string* out) {
  PutFixed32(out, e.relative_offset);
  PutFixed32(out, e.position);
}

void SegmentIndex::EncodeTimeEntry(const TimeIndexEntry& e, std::string* out) {
  PutFixed64(out, static_cast<uint64_t>(e.arrival_ms));
  PutFixed32(out, e.relative_offset);
}

std::string SegmentIndex::EncodeOffsets() const {
  std::string out;
  out.reserve(offsets_.size() * kOffsetIndexEntrySize);
  for (const auto& e : offsets_) EncodeOffsetEntry(e, &out);
  return out;
}

std::string SegmentIndex::EncodeTimes() const {
  std::string out;
  out.reserve(times_.size() * kTimeIndexEntrySize);
  for (const auto& e : times_) EncodeTimeEntry(e, &out);
  return out;
}

bool SegmentIndex::DecodeOffsets(std::string_view data) {
  offsets_.clear();
  const size_t n = data.size() / kOffsetIndexEntrySize;
  offsets_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const char* p = data.data() + i * kOffsetIndexEntrySize;
    OffsetIndexEntry e{DecodeFixed32(p), DecodeFixed32(p + 4)};
    if (!offsets_.empty() && (e.relative_offset <= offsets_.back().relative_offset ||
                              e.position <= offsets_.back().position)) {
      offsets_.clear();
      return false;
    }
    offsets_.push_back(e);
  }
  return true;
}

bool SegmentIndex::DecodeTimes(std::string_view data) {
  times_.clear();
  const size_t n = data.size() / kTimeIndexEntrySize;
  times_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const char* p = data.data() + i * kTimeIndexEntrySize;
    TimeIndexEntry e{static_cast<int64_t>(DecodeFixed64(p)), DecodeFixed32(p + 8)};
    if (!times_.empty() && (e.arrival_ms < times_.back().arrival_ms ||
                            e.relative_offset <= times_.back().relative_offset)) {
      times_.clear();
      return false;
    }
    times_.push_back(e);
  }
  return true;
}

void IndexBuilder::ResumeFrom(const SegmentIndex& index) {
  Reset();
  if (!index.offsets().empty()) {
    have_offset_ = true;
    last_offset_position_ = index.offsets().back().position;
  }
  if (!index.times().empty()) {
    // The position of a time entry is not stored; the offset entry at or before it is a
    // conservative stand-in (it only makes the next time entry come a little sooner).
    have_time_ = true;
    last_time_ms_ = index.times().back().arrival_ms;
    auto floor = index.FloorOffset(index.times().back().relative_offset);
    last_time_position_ = floor ? floor->position : 0;
  }
}

void IndexBuilder::Reset() {
  have_offset_ = false;
  have_time_ = false;
  last_offset_position_ = 0;
  last_time_position_ = 0;
  last_time_ms_ = 0;
}

void IndexBuilder::Observe(uint32_t relative_offset, uint32_t position, int64_t arrival_ms,
                           SegmentIndex* index, std::string* offset_bytes,
                           std::string* time_bytes) {
  if (!have_offset_ || position - last_offset_position_ >= interval_) {
    OffsetIndexEntry e{relative_offset, position};
    index->AddOffset(e);
    SegmentIndex::EncodeOffsetEntry(e, offset_bytes);
    have_offset_ = true;
    last_offset_position_ = position;
  }
  if (!have_time_ || (position - last_time_position_ >= interval_ && arrival_ms > last_time_ms_)) {
    TimeIndexEntry e{arrival_ms, relative_offset};
    index->AddTime(e);
    SegmentIndex::EncodeTimeEntry(e, time_bytes);
    have_time_ = true;
    last_time_position_ = position;
    last_time_ms_ = arrival_ms;
  }
}

}  // namespace eddy::log
