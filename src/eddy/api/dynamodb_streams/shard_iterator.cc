#include "eddy/api/dynamodb_streams/shard_iterator.h"

#include <fmt/format.h>

#include <algorithm>

#include "eddy/base/base64.h"
#include "eddy/base/coding.h"
#include "eddy/base/crc32c.h"

namespace eddy::api::dynamodb_streams {
namespace {

constexpr char kVersion = 1;
constexpr size_t kMaxField = 1024;

void PutString(std::string* out, std::string_view s) {
  PutVarint64(out, s.size());
  out->append(s);
}

bool GetString(std::string_view* in, std::string* out) {
  uint64_t n = 0;
  if (!GetVarint64(in, &n) || n > kMaxField || n > in->size()) return false;
  out->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

Status Invalid() { return Status::InvalidArgument("Invalid ShardIterator"); }

}  // namespace

std::string EncodeShardIterator(std::string_view stream_arn, const ShardPosition& p) {
  std::string payload(1, kVersion);
  PutString(&payload, p.table);
  PutString(&payload, p.stream_label);
  PutString(&payload, p.shard_id);
  PutFixed64(&payload, p.next_seq);
  PutFixed64(&payload, static_cast<uint64_t>(p.issued_ms));
  PutFixed32(&payload, crc32c::Value(payload));
  std::string out(stream_arn);
  out += "|1|";
  base64::EncodeTo(payload, &out);
  return out;
}

Result<ShardPosition> DecodeShardIterator(std::string_view iterator) {
  const size_t bar = iterator.rfind('|');
  if (bar == std::string_view::npos || bar < 2 || iterator.substr(bar - 2, 3) != "|1|") {
    return Invalid();
  }
  auto payload = base64::Decode(iterator.substr(bar + 1));
  if (!payload || payload->size() < 1 + 3 + 8 + 8 + 4) return Invalid();
  const size_t body = payload->size() - 4;
  if (crc32c::Value(std::string_view(*payload).substr(0, body)) !=
      DecodeFixed32(payload->data() + body)) {
    return Invalid();
  }
  std::string_view in(payload->data(), body);
  if (in[0] != kVersion) return Invalid();
  in.remove_prefix(1);
  ShardPosition p;
  if (!GetString(&in, &p.table) || !GetString(&in, &p.stream_label) ||
      !GetString(&in, &p.shard_id) || in.size() != 16) {
    return Invalid();
  }
  p.next_seq = DecodeFixed64(in.data());
  p.issued_ms = static_cast<int64_t>(DecodeFixed64(in.data() + 8));
  // The ARN in front must name the same stream.
  auto name = ParseStreamArn(iterator.substr(0, bar - 2));
  if (!name.ok() || name->table != p.table || name->label != p.stream_label) return Invalid();
  return p;
}

std::string FormatSequenceNumber(uint64_t seq) { return fmt::format("1{:020d}", seq); }

Result<uint64_t> ParseSequenceNumber(std::string_view text) {
  if (text.size() != 21 || text[0] != '1' ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("not a sequence number of this stream");
  }
  uint64_t seq = 0;
  for (char c : text.substr(1)) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (seq > (UINT64_MAX - digit) / 10) {
      return Status::InvalidArgument("not a sequence number of this stream");
    }
    seq = seq * 10 + digit;
  }
  return seq;
}

Result<StreamName> ParseStreamArn(std::string_view arn) {
  // arn:aws:dynamodb:<region>:<account>:table/<T>/stream/<label>
  auto bad = [&] { return Status::InvalidArgument("Invalid StreamArn: " + std::string(arn)); };
  if (!arn.starts_with("arn:")) return bad();
  size_t colons = 0, pos = 0;
  for (; pos < arn.size() && colons < 5; ++pos) {
    if (arn[pos] == ':') ++colons;
  }
  if (colons != 5 || arn.substr(0, pos).find(":dynamodb:") == std::string_view::npos) {
    return bad();
  }
  std::string_view resource = arn.substr(pos);
  if (!resource.starts_with("table/")) return bad();
  resource.remove_prefix(6);
  const size_t marker = resource.find("/stream/");
  if (marker == std::string_view::npos || marker == 0) return bad();
  StreamName name{std::string(resource.substr(0, marker)),
                  std::string(resource.substr(marker + 8))};
  if (name.label.empty() || name.table.find('/') != std::string::npos) return bad();
  return name;
}

}  // namespace eddy::api::dynamodb_streams
