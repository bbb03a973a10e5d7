#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/base/status.h"

namespace eddy::log {

// Encoding and decoding of segment headers and record frames, as specified in
// docs/design/log-format.md. Pure functions; no I/O.

inline constexpr size_t kSegmentHeaderSize = 32;
inline constexpr size_t kFramePrefixSize = 8;  // length + CRC
inline constexpr size_t kBodyFixedSize = 20;   // version, flags, key length, offset, time
inline constexpr size_t kHashKeySize = 16;
inline constexpr size_t kMaxPartitionKeyBytes = 65535;
inline constexpr size_t kMaxDataBytes = 10 * 1024 * 1024;
inline constexpr size_t kMaxBodySize =
    kBodyFixedSize + kHashKeySize + kMaxPartitionKeyBytes + kMaxDataBytes;
inline constexpr size_t kMaxFrameSize = kFramePrefixSize + kMaxBodySize;
// One append (batch) encodes to at most this many bytes; with segments capped at 2 GiB, every
// byte position fits the indexes' u32.
inline constexpr size_t kMaxBatchBytes = 64 << 20;
inline constexpr uint64_t kMaxSegmentBytes = 2ull << 30;

// A 128-bit unsigned hash key, big-endian.
using HashKey = std::array<uint8_t, kHashKeySize>;

// A record as a producer hands it to the log. The views must stay valid for the call.
struct AppendRecord {
  std::string_view partition_key;
  std::optional<HashKey> explicit_hash_key;
  std::string_view data;
};

// A decoded record; its views point into the buffer it was decoded from.
struct RecordView {
  uint64_t offset = 0;
  int64_t arrival_ms = 0;
  std::string_view partition_key;
  std::optional<HashKey> explicit_hash_key;
  std::string_view data;
  bool more_in_batch = false;  // another record of the same append follows
};

// Bytes the frame of `record` occupies on disk.
size_t EncodedFrameSize(const AppendRecord& record);

// Checks the limits the log itself enforces (key and data sizes); callers with stricter limits
// (the Kinesis API's 256-character keys, 1 MiB records) check those first.
Status ValidateAppendRecord(const AppendRecord& record);

// Appends the frame of `record` with the given offset and arrival time to `out`.
// `more_in_batch` marks every record of an append but the last, so recovery can cut a batch
// that a crash left half written (appends are all-or-nothing).
// REQUIRES: ValidateAppendRecord(record).ok().
void EncodeFrame(const AppendRecord& record, uint64_t offset, int64_t arrival_ms,
                 bool more_in_batch, std::string* out);

enum class DecodeOutcome {
  kOk,          // *record and *frame_size are set
  kIncomplete,  // `available` ends inside the frame; *frame_size is the full size if known
                // (0 when even the prefix is incomplete)
  kInvalid,     // the bytes are not a valid frame (bad length, CRC, version, flags, offset)
};

// Decodes the frame at the start of `buf`. When `expected_offset` is set, a frame carrying
// another offset is kInvalid.
DecodeOutcome DecodeFrame(std::string_view buf, std::optional<uint64_t> expected_offset,
                          RecordView* record, size_t* frame_size);

struct SegmentHeader {
  uint64_t base_offset = 0;
  int64_t created_ms = 0;
};

std::string EncodeSegmentHeader(const SegmentHeader& header);
// Corruption when the magic, version or CRC is wrong. REQUIRES: buf.size() >= header size.
Status DecodeSegmentHeader(std::string_view buf, SegmentHeader* header);

}  // namespace eddy::log
