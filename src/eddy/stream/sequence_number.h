#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::stream {

// eddy's Kinesis sequence numbers: 56 decimal digits, "49" followed by a zero-padded 128-bit
// value V = stream_tag << 96 | shard_index << 64 | log_offset, where stream_tag is the
// stream's creation time in seconds. So a sequence number
//  - resolves to (shard, log offset) without a scan;
//  - strictly increases within a shard (by offset);
//  - is greater in a child shard than in any of its parents (shard indexes only grow);
//  - is never reused by a stream deleted and created again under the same name.
// All have the same length, so numeric and lexicographic order agree (KCL compares them as
// BigIntegers; other clients compare strings).
struct SequencePosition {
  uint32_t stream_tag = 0;
  uint32_t shard_index = 0;
  uint64_t offset = 0;
};

std::string FormatSequenceNumber(const SequencePosition& position);
// nullopt for anything FormatSequenceNumber could not have produced.
std::optional<SequencePosition> ParseSequenceNumber(std::string_view text);

}  // namespace eddy::stream
