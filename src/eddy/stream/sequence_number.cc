#include "eddy/stream/sequence_number.h"

#include "eddy/base/uint128.h"

namespace eddy::stream {
namespace {

constexpr std::string_view kPrefix = "49";
constexpr size_t kDigits = 54;  // after the prefix

}  // namespace

std::string FormatSequenceNumber(const SequencePosition& p) {
  const UInt128 v = (UInt128{p.stream_tag} << 96) | (UInt128{p.shard_index} << 64) | p.offset;
  const std::string digits = FormatUInt128(v);
  std::string out(kPrefix);
  out.append(kDigits - digits.size(), '0');
  out += digits;
  return out;
}

std::optional<SequencePosition> ParseSequenceNumber(std::string_view text) {
  if (text.size() != kPrefix.size() + kDigits || text.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  std::string_view digits = text.substr(kPrefix.size());
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  const auto v = ParseUInt128(digits);
  if (!v) return std::nullopt;
  SequencePosition p;
  p.stream_tag = static_cast<uint32_t>(*v >> 96);
  p.shard_index = static_cast<uint32_t>(*v >> 64);
  p.offset = static_cast<uint64_t>(*v);
  return p;
}

}  // namespace eddy::stream
