#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/base/result.h"

namespace eddy::stream {

// Where a shard iterator points: a position in one shard of one incarnation of a stream.
struct IteratorPosition {
  std::string stream_name;
  int64_t stream_created_ms = 0;  // tells a re-created stream of the same name apart
  uint32_t shard_index = 0;
  uint64_t offset = 0;  // the next record to read
  int64_t issued_ms = 0;
};

// Self-contained shard iterators: the position, authenticated with HMAC-SHA256 under a secret
// kept in the data directory, in base64. They survive restarts, need no server state, and a
// forged or damaged one is rejected. Kinesis iterators expire 5 minutes after issue.
//
// Thread-safety: immutable after construction; safe from any thread.
class IteratorCodec {
 public:
  static constexpr int64_t kLifetimeMs = 5 * 60 * 1000;
  using Key = std::array<uint8_t, 32>;

  explicit IteratorCodec(const Key& key) : key_(key) {}

  std::string Encode(const IteratorPosition& position) const;
  // InvalidArgument for a token that is not one of ours (or was altered); Expired when it is
  // older than kLifetimeMs at `now_ms`.
  Result<IteratorPosition> Decode(std::string_view token, int64_t now_ms) const;

 private:
  Key key_;
};

}  // namespace eddy::stream
