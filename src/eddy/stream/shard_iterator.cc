#include "eddy/stream/shard_iterator.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <cstring>

#include "eddy/base/base64.h"
#include "eddy/base/coding.h"

namespace eddy::stream {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kMacSize = 16;  // truncated HMAC-SHA256
// version, created, shard, offset, issued, name length
constexpr size_t kFixedSize = 1 + 8 + 4 + 8 + 8 + 1;

std::array<uint8_t, 32> Mac(const IteratorCodec::Key& key, std::string_view data) {
  std::array<uint8_t, 32> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return out;
}

}  // namespace

std::string IteratorCodec::Encode(const IteratorPosition& p) const {
  std::string raw;
  raw.reserve(kFixedSize + p.stream_name.size() + kMacSize);
  raw.push_back(static_cast<char>(kVersion));
  PutFixed64(&raw, static_cast<uint64_t>(p.stream_created_ms));
  PutFixed32(&raw, p.shard_index);
  PutFixed64(&raw, p.offset);
  PutFixed64(&raw, static_cast<uint64_t>(p.issued_ms));
  raw.push_back(static_cast<char>(p.stream_name.size()));
  raw += p.stream_name;
  const auto mac = Mac(key_, raw);
  raw.append(reinterpret_cast<const char*>(mac.data()), kMacSize);
  return base64::Encode(raw);
}

Result<IteratorPosition> IteratorCodec::Decode(std::string_view token, int64_t now_ms) const {
  const Status invalid = Status::InvalidArgument("Invalid ShardIterator.");
  auto raw = base64::Decode(token);
  if (!raw || raw->size() < kFixedSize + kMacSize) return invalid;
  const std::string_view body(raw->data(), raw->size() - kMacSize);
  const auto mac = Mac(key_, body);
  if (CRYPTO_memcmp(mac.data(), raw->data() + body.size(), kMacSize) != 0) return invalid;
  const char* p = body.data();
  if (static_cast<uint8_t>(p[0]) != kVersion) return invalid;
  IteratorPosition pos;
  pos.stream_created_ms = static_cast<int64_t>(DecodeFixed64(p + 1));
  pos.shard_index = DecodeFixed32(p + 9);
  pos.offset = DecodeFixed64(p + 13);
  pos.issued_ms = static_cast<int64_t>(DecodeFixed64(p + 21));
  const size_t name_size = static_cast<uint8_t>(p[29]);
  if (body.size() != kFixedSize + name_size) return invalid;
  pos.stream_name.assign(p + kFixedSize, name_size);
  if (now_ms - pos.issued_ms > kLifetimeMs) {
    return Status::Expired("Iterator expired. The iterator was created at time " +
                           std::to_string(pos.issued_ms) + " while right now it is " +
                           std::to_string(now_ms) +
                           " which is further in the future than the tolerated delay of " +
                           std::to_string(kLifetimeMs) + " milliseconds.");
  }
  return pos;
}

}  // namespace eddy::stream
