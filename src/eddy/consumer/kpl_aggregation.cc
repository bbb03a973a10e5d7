#include "eddy/consumer/kpl_aggregation.h"

#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "eddy/base/coding.h"
#include "eddy/base/md5.h"

namespace eddy::consumer {
namespace {

constexpr size_t kDigestSize = 16;

// Protobuf wire types.
constexpr int kVarint = 0;
constexpr int kFixed64 = 1;
constexpr int kLengthDelimited = 2;
constexpr int kStartGroup = 3;
constexpr int kEndGroup = 4;
constexpr int kFixed32 = 5;

// protobuf's own default recursion limit; only (deprecated) groups nest here.
constexpr int kMaxGroupDepth = 100;

// Reads protobuf fields from a byte range. Every read checks the bounds and fails (returns
// false) instead of reading past the end; nothing here allocates.
class ProtoReader {
 public:
  explicit ProtoReader(std::string_view input) : input_(input) {}

  bool done() const { return input_.empty(); }

  // REQUIRES: !done().
  bool ReadTag(uint32_t* field, int* wire_type) {
    uint64_t tag = 0;
    if (!GetVarint64(&input_, &tag) || tag > UINT32_MAX) return false;
    *field = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<int>(tag & 7);
    return *field != 0;  // field number 0 is invalid
  }

  bool ReadVarint(uint64_t* value) { return GetVarint64(&input_, value); }

  bool ReadLengthDelimited(std::string_view* value) {
    uint64_t length = 0;
    if (!GetVarint64(&input_, &length) || length > input_.size()) return false;
    *value = input_.substr(0, length);
    input_.remove_prefix(length);
    return true;
  }

  // Skips the value of a field this reader does not know, as protobuf's parser does. An end
  // group outside its group is an error (protobuf: "protocol message end-group tag did not
  // match expected tag").
  bool Skip(uint32_t field, int wire_type, int depth = 0) {
    uint64_t ignored = 0;
    std::string_view ignored_bytes;
    switch (wire_type) {
      case kVarint:
        return ReadVarint(&ignored);
      case kFixed64:
        return Advance(8);
      case kLengthDelimited:
        return ReadLengthDelimited(&ignored_bytes);
      case kFixed32:
        return Advance(4);
      case kStartGroup:
        if (depth >= kMaxGroupDepth) return false;
        while (!done()) {
          uint32_t inner_field = 0;
          int inner_type = 0;
          if (!ReadTag(&inner_field, &inner_type)) return false;
          if (inner_type == kEndGroup) return inner_field == field;
          if (!Skip(inner_field, inner_type, depth + 1)) return false;
        }
        return false;  // the group never ends
      default:  // kEndGroup without a group, or the unused wire types 6 and 7
        return false;
    }
  }

 private:
  bool Advance(size_t n) {
    if (input_.size() < n) return false;
    input_.remove_prefix(n);
    return true;
  }

  std::string_view input_;
};

// One `Record` of the aggregate, pointing into the aggregate's bytes.
struct UserRecordView {
  uint64_t partition_key_index = 0;
  std::optional<uint64_t> explicit_hash_key_index;
  std::string_view data;
};

struct AggregateView {
  std::vector<std::string_view> partition_keys;
  std::vector<std::string_view> explicit_hash_keys;
  std::vector<UserRecordView> records;
};

// A Tag is parsed only to refuse one without its required key, as protobuf does.
bool ParseTag(std::string_view bytes) {
  ProtoReader reader(bytes);
  bool has_key = false;
  while (!reader.done()) {
    uint32_t field = 0;
    int wire_type = 0;
    if (!reader.ReadTag(&field, &wire_type)) return false;
    if (field == 1 && wire_type == kLengthDelimited) {
      std::string_view key;
      if (!reader.ReadLengthDelimited(&key)) return false;
      has_key = true;
    } else if (!reader.Skip(field, wire_type)) {
      return false;
    }
  }
  return has_key;
}

// A field whose number is known but whose wire type is not the declared one is an unknown
// field to protobuf's generated parsers (they switch on the whole tag), so it is skipped here
// too. A singular field given twice keeps its last value.
std::optional<UserRecordView> ParseUserRecord(std::string_view bytes) {
  ProtoReader reader(bytes);
  UserRecordView record;
  bool has_partition_key_index = false;
  bool has_data = false;
  while (!reader.done()) {
    uint32_t field = 0;
    int wire_type = 0;
    if (!reader.ReadTag(&field, &wire_type)) return std::nullopt;
    bool ok = true;
    if (field == 1 && wire_type == kVarint) {
      ok = reader.ReadVarint(&record.partition_key_index);
      has_partition_key_index = true;
    } else if (field == 2 && wire_type == kVarint) {
      uint64_t index = 0;
      ok = reader.ReadVarint(&index);
      record.explicit_hash_key_index = index;
    } else if (field == 3 && wire_type == kLengthDelimited) {
      ok = reader.ReadLengthDelimited(&record.data);
      has_data = true;
    } else if (field == 4 && wire_type == kLengthDelimited) {
      std::string_view tag;
      ok = reader.ReadLengthDelimited(&tag) && ParseTag(tag);
    } else {
      ok = reader.Skip(field, wire_type);
    }
    if (!ok) return std::nullopt;
  }
  // Both are `required`: protobuf's parseFrom refuses a message without them.
  if (!has_partition_key_index || !has_data) return std::nullopt;
  return record;
}

// Parses the AggregatedRecord and checks every index against its table. The vectors grow with
// the entries actually present (each takes at least two bytes of input), never with a count
// read from the input.
std::optional<AggregateView> ParseAggregate(std::string_view bytes) {
  ProtoReader reader(bytes);
  AggregateView view;
  while (!reader.done()) {
    uint32_t field = 0;
    int wire_type = 0;
    if (!reader.ReadTag(&field, &wire_type)) return std::nullopt;
    if (wire_type != kLengthDelimited || field < 1 || field > 3) {
      if (!reader.Skip(field, wire_type)) return std::nullopt;
      continue;
    }
    std::string_view value;
    if (!reader.ReadLengthDelimited(&value)) return std::nullopt;
    if (field == 1) {
      view.partition_keys.push_back(value);
    } else if (field == 2) {
      view.explicit_hash_keys.push_back(value);
    } else {
      std::optional<UserRecordView> record = ParseUserRecord(value);
      if (!record) return std::nullopt;
      view.records.push_back(*record);
    }
  }
  // KCL differs here: an index outside its table throws inside its loop over the records, which
  // it catches and logs, keeping the user records before the bad one and losing the rest. An
  // aggregate that names keys it does not have is corrupt as a whole; passing it through leaves
  // the bytes to the processor instead of silently dropping part of them.
  for (const UserRecordView& record : view.records) {
    if (record.partition_key_index >= view.partition_keys.size()) return std::nullopt;
    if (record.explicit_hash_key_index &&
        *record.explicit_hash_key_index >= view.explicit_hash_keys.size()) {
      return std::nullopt;
    }
  }
  return view;
}

// KCL reads an explicit hash key with `new BigInteger(s)`, which takes leading zeros.
std::optional<UInt128> ParseExplicitHashKey(std::string_view decimal) {
  const size_t first = decimal.find_first_not_of('0');
  if (first == std::string_view::npos) {
    return decimal.empty() ? std::nullopt : std::optional<UInt128>(0);
  }
  return ParseUInt128(decimal.substr(first));
}

// KCL's AggregatorUtil.effectiveHashKey. Nullopt for an explicit hash key that is not a decimal
// number below 2^128: BigInteger either refuses it or gives a value outside every shard.
std::optional<UInt128> EffectiveHashKey(const AggregateView& view, const UserRecordView& record) {
  if (record.explicit_hash_key_index) {
    return ParseExplicitHashKey(view.explicit_hash_keys[*record.explicit_hash_key_index]);
  }
  return UInt128FromBigEndian(Md5(view.partition_keys[record.partition_key_index]));
}

size_t CopiedKeyBytes(const AggregateView& view) {
  size_t total = 0;
  for (const UserRecordView& record : view.records) {
    total += view.partition_keys[record.partition_key_index].size();
    if (record.explicit_hash_key_index) {
      total += view.explicit_hash_keys[*record.explicit_hash_key_index].size();
    }
  }
  return total;
}

std::vector<Record> PassThrough(Record record) {
  std::vector<Record> result;
  result.push_back(std::move(record));
  return result;
}

}  // namespace

bool IsAggregated(std::string_view data) {
  // KCL also wants more than the digest after the magic: an empty protobuf is not an aggregate.
  return data.size() > kKplMagic.size() + kDigestSize && data.starts_with(kKplMagic);
}

std::vector<Record> Deaggregate(Record record, const HashKeyRange* shard_range,
                                DeaggregateOutcome* outcome) {
  DeaggregateOutcome ignored;
  DeaggregateOutcome& out = outcome ? *outcome : ignored;
  if (!IsAggregated(record.data)) {
    out = DeaggregateOutcome::kNotAggregated;
    return PassThrough(std::move(record));
  }
  const std::string_view body = std::string_view(record.data).substr(kKplMagic.size());
  const std::string_view message = body.substr(0, body.size() - kDigestSize);
  const std::string_view digest = body.substr(message.size());
  const std::array<uint8_t, kDigestSize> expected = Md5(message);
  if (digest != std::string_view(reinterpret_cast<const char*>(expected.data()), kDigestSize)) {
    out = DeaggregateOutcome::kMalformed;
    return PassThrough(std::move(record));
  }
  std::optional<AggregateView> view = ParseAggregate(message);
  if (!view) {
    out = DeaggregateOutcome::kMalformed;
    return PassThrough(std::move(record));
  }
  if (CopiedKeyBytes(*view) > kMaxCopiedKeyBytes) {
    out = DeaggregateOutcome::kTooLarge;
    return PassThrough(std::move(record));
  }
  if (shard_range) {
    // All or nothing, as KCL: it removes the user records it already took from this aggregate.
    for (const UserRecordView& user : view->records) {
      const std::optional<UInt128> key = EffectiveHashKey(*view, user);
      if (!key || !shard_range->Contains(*key)) {
        out = DeaggregateOutcome::kOutsideShard;
        return {};
      }
    }
  }
  std::vector<Record> result;
  result.reserve(view->records.size());
  for (size_t i = 0; i < view->records.size(); ++i) {
    const UserRecordView& user = view->records[i];
    Record& r = result.emplace_back();
    r.sequence_number = record.sequence_number;
    r.sub_sequence_number = static_cast<int64_t>(i);
    r.aggregated = true;
    r.arrival_ms = record.arrival_ms;
    r.partition_key = view->partition_keys[user.partition_key_index];
    if (user.explicit_hash_key_index) {
      r.explicit_hash_key = view->explicit_hash_keys[*user.explicit_hash_key_index];
    }
    r.data = user.data;
  }
  out = DeaggregateOutcome::kDeaggregated;
  return result;
}

}  // namespace eddy::consumer
