#include "eddy/log/record_format.h"

#include <cstring>

#include "eddy/base/check.h"
#include "eddy/base/coding.h"
#include "eddy/base/crc32c.h"

namespace eddy::log {
namespace {

constexpr uint8_t kRecordVersion = 1;
constexpr uint8_t kFlagExplicitHashKey = 0x01;
constexpr uint8_t kFlagMoreInBatch = 0x02;
constexpr uint8_t kKnownFlags = kFlagExplicitHashKey | kFlagMoreInBatch;
constexpr char kSegmentMagic[8] = {'e', 'd', 'd', 'y', 's', 'e', 'g', '\0'};
constexpr uint32_t kSegmentFormatVersion = 1;

uint32_t HeaderCrc(const char* h) {
  uint32_t crc = crc32c::Value(h, 12);
  return crc32c::Extend(crc, h + 16, 16);
}

}  // namespace

size_t EncodedFrameSize(const AppendRecord& record) {
  return kFramePrefixSize + kBodyFixedSize + (record.explicit_hash_key ? kHashKeySize : 0) +
         record.partition_key.size() + record.data.size();
}

Status ValidateAppendRecord(const AppendRecord& record) {
  if (record.partition_key.size() > kMaxPartitionKeyBytes) {
    return Status::InvalidArgument("partition key longer than 65535 bytes");
  }
  if (record.data.size() > kMaxDataBytes) {
    return Status::InvalidArgument("record data longer than 10 MiB");
  }
  return Status::Ok();
}

void EncodeFrame(const AppendRecord& record, uint64_t offset, int64_t arrival_ms,
                 bool more_in_batch, std::string* out) {
  const size_t frame_size = EncodedFrameSize(record);
  const size_t start = out->size();
  out->resize(start + frame_size);
  char* p = out->data() + start;
  const auto body_size = static_cast<uint32_t>(frame_size - kFramePrefixSize);
  EncodeFixed32(p, body_size);
  char* body = p + kFramePrefixSize;
  body[0] = static_cast<char>(kRecordVersion);
  body[1] = static_cast<char>((record.explicit_hash_key ? kFlagExplicitHashKey : 0) |
                              (more_in_batch ? kFlagMoreInBatch : 0));
  EncodeFixed16(body + 2, static_cast<uint16_t>(record.partition_key.size()));
  EncodeFixed64(body + 4, offset);
  EncodeFixed64(body + 12, static_cast<uint64_t>(arrival_ms));
  char* q = body + kBodyFixedSize;
  if (record.explicit_hash_key) {
    std::memcpy(q, record.explicit_hash_key->data(), kHashKeySize);
    q += kHashKeySize;
  }
  if (!record.partition_key.empty()) {
    std::memcpy(q, record.partition_key.data(), record.partition_key.size());
    q += record.partition_key.size();
  }
  if (!record.data.empty()) std::memcpy(q, record.data.data(), record.data.size());
  uint32_t crc = crc32c::Value(p, 4);
  crc = crc32c::Extend(crc, body, body_size);
  EncodeFixed32(p + 4, crc);
}

DecodeOutcome DecodeFrame(std::string_view buf, std::optional<uint64_t> expected_offset,
                          RecordView* record, size_t* frame_size) {
  *frame_size = 0;
  if (buf.size() < kFramePrefixSize) return DecodeOutcome::kIncomplete;
  const char* p = buf.data();
  const uint32_t body_size = DecodeFixed32(p);
  if (body_size < kBodyFixedSize || body_size > kMaxBodySize) return DecodeOutcome::kInvalid;
  *frame_size = kFramePrefixSize + body_size;
  if (buf.size() < *frame_size) return DecodeOutcome::kIncomplete;
  const char* body = p + kFramePrefixSize;
  uint32_t crc = crc32c::Value(p, 4);
  crc = crc32c::Extend(crc, body, body_size);
  if (crc != DecodeFixed32(p + 4)) return DecodeOutcome::kInvalid;
  const auto version = static_cast<uint8_t>(body[0]);
  const auto flags = static_cast<uint8_t>(body[1]);
  if (version != kRecordVersion || (flags & ~kKnownFlags) != 0) {
    return DecodeOutcome::kInvalid;
  }
  const uint16_t key_size = DecodeFixed16(body + 2);
  const size_t hash_size = (flags & kFlagExplicitHashKey) ? kHashKeySize : 0;
  if (kBodyFixedSize + hash_size + key_size > body_size) return DecodeOutcome::kInvalid;
  const uint64_t offset = DecodeFixed64(body + 4);
  if (expected_offset && *expected_offset != offset) return DecodeOutcome::kInvalid;
  record->offset = offset;
  record->arrival_ms = static_cast<int64_t>(DecodeFixed64(body + 12));
  const char* q = body + kBodyFixedSize;
  if (hash_size != 0) {
    HashKey key;
    std::memcpy(key.data(), q, kHashKeySize);
    record->explicit_hash_key = key;
    q += kHashKeySize;
  } else {
    record->explicit_hash_key.reset();
  }
  record->more_in_batch = (flags & kFlagMoreInBatch) != 0;
  record->partition_key = std::string_view(q, key_size);
  q += key_size;
  record->data = std::string_view(q, body + body_size - q);
  return DecodeOutcome::kOk;
}

std::string EncodeSegmentHeader(const SegmentHeader& header) {
  std::string h(kSegmentHeaderSize, '\0');
  std::memcpy(h.data(), kSegmentMagic, sizeof kSegmentMagic);
  EncodeFixed32(h.data() + 8, kSegmentFormatVersion);
  EncodeFixed64(h.data() + 16, header.base_offset);
  EncodeFixed64(h.data() + 24, static_cast<uint64_t>(header.created_ms));
  EncodeFixed32(h.data() + 12, HeaderCrc(h.data()));
  return h;
}

Status DecodeSegmentHeader(std::string_view buf, SegmentHeader* header) {
  EDDY_CHECK(buf.size() >= kSegmentHeaderSize);
  const char* h = buf.data();
  if (std::memcmp(h, kSegmentMagic, sizeof kSegmentMagic) != 0) {
    return Status::Corruption("bad segment magic");
  }
  if (DecodeFixed32(h + 8) != kSegmentFormatVersion) {
    return Status::Corruption("unsupported segment format version " +
                              std::to_string(DecodeFixed32(h + 8)));
  }
  if (DecodeFixed32(h + 12) != HeaderCrc(h)) return Status::Corruption("bad segment header CRC");
  header->base_offset = DecodeFixed64(h + 16);
  header->created_ms = static_cast<int64_t>(DecodeFixed64(h + 24));
  return Status::Ok();
}

}  // namespace eddy::log
