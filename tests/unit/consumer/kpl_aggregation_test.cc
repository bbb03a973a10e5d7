#include "eddy/consumer/kpl_aggregation.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "eddy/base/coding.h"
#include "eddy/base/md5.h"

namespace eddy::consumer {
namespace {

// A protobuf encoder for the KPL's messages, as the KPL writes them (field order as declared).

enum WireType {
  kVarint = 0,
  kFixed64 = 1,
  kBytes = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

void PutKey(std::string* out, uint32_t field, WireType type) {
  PutVarint64(out, (uint64_t{field} << 3) | type);
}
void PutUint(std::string* out, uint32_t field, uint64_t v) {
  PutKey(out, field, kVarint);
  PutVarint64(out, v);
}
void PutBytes(std::string* out, uint32_t field, std::string_view bytes) {
  PutKey(out, field, kBytes);
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

struct UserRecord {
  uint64_t partition_key_index = 0;
  std::optional<uint64_t> explicit_hash_key_index;
  std::string data;
  std::vector<std::pair<std::string, std::optional<std::string>>> tags;
};

std::string EncodeUserRecord(const UserRecord& r) {
  std::string out;
  PutUint(&out, 1, r.partition_key_index);
  if (r.explicit_hash_key_index) PutUint(&out, 2, *r.explicit_hash_key_index);
  PutBytes(&out, 3, r.data);
  for (const auto& [key, value] : r.tags) {
    std::string tag;
    PutBytes(&tag, 1, key);
    if (value) PutBytes(&tag, 2, *value);
    PutBytes(&out, 4, tag);
  }
  return out;
}

std::string EncodeAggregatedRecord(const std::vector<std::string>& partition_keys,
                                   const std::vector<std::string>& explicit_hash_keys,
                                   const std::vector<UserRecord>& records) {
  std::string out;
  for (const std::string& key : partition_keys) PutBytes(&out, 1, key);
  for (const std::string& key : explicit_hash_keys) PutBytes(&out, 2, key);
  for (const UserRecord& r : records) PutBytes(&out, 3, EncodeUserRecord(r));
  return out;
}

// Magic, message, MD5 of the message.
std::string Frame(std::string_view message) {
  std::string out(kKplMagic);
  out += message;
  const auto digest = Md5(message);
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return out;
}

std::string Aggregate(const std::vector<std::string>& partition_keys,
                      const std::vector<std::string>& explicit_hash_keys,
                      const std::vector<UserRecord>& records) {
  return Frame(EncodeAggregatedRecord(partition_keys, explicit_hash_keys, records));
}

Record Outer(std::string data) {
  Record r;
  r.sequence_number = "49590338271490256608559692538361571095921575989136588898";
  r.arrival_ms = 1700000000123;
  r.partition_key = "outer-key";
  r.data = std::move(data);
  return r;
}

std::vector<Record> DeaggregateData(std::string data, const HashKeyRange* range = nullptr,
                        DeaggregateOutcome* outcome = nullptr) {
  return Deaggregate(Outer(std::move(data)), range, outcome);
}

void ExpectPassedThrough(const std::string& data, DeaggregateOutcome expected) {
  DeaggregateOutcome outcome = DeaggregateOutcome::kDeaggregated;
  std::vector<Record> out = DeaggregateData(data, nullptr, &outcome);
  EXPECT_EQ(outcome, expected);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, data);
  EXPECT_FALSE(out[0].aggregated);
  EXPECT_EQ(out[0].sub_sequence_number, 0);
  EXPECT_EQ(out[0].partition_key, "outer-key");
  EXPECT_EQ(out[0].sequence_number, Outer("").sequence_number);
  EXPECT_EQ(out[0].arrival_ms, 1700000000123);
}

// The message, for tests that damage it and frame it again with a correct MD5.
std::string ThreeRecordMessage() {
  return EncodeAggregatedRecord(
      {"alpha", "beta"}, {"0", "340282366920938463463374607431768211455"},
      {{0, 1, "one", {}}, {1, std::nullopt, "two", {}}, {0, 0, "three", {{"k", "v"}, {"k2", {}}}}});
}

TEST(KplAggregationTest, PlainDataPassesThrough) {
  ExpectPassedThrough("", DeaggregateOutcome::kNotAggregated);
  ExpectPassedThrough("hello world", DeaggregateOutcome::kNotAggregated);
  ExpectPassedThrough(std::string(1000, 'x'), DeaggregateOutcome::kNotAggregated);
  // The magic alone, or with only a digest after it: KCL wants at least one protobuf byte.
  ExpectPassedThrough(std::string(kKplMagic), DeaggregateOutcome::kNotAggregated);
  ExpectPassedThrough(Frame(""), DeaggregateOutcome::kNotAggregated);
  EXPECT_FALSE(IsAggregated("hello"));
  EXPECT_FALSE(IsAggregated(Frame("")));
  EXPECT_TRUE(IsAggregated(Frame("\x0a\x00")));
}

TEST(KplAggregationTest, HandCheckedBytes) {
  // partition_key_table: ["a"]; records: [{partition_key_index: 0, data: "hi"}]
  const std::vector<uint8_t> bytes = {
      0xf3, 0x89, 0x9a, 0xc2,                          // magic
      0x0a, 0x01, 'a',                                 // field 1, length 1, "a"
      0x1a, 0x06,                                      // field 3, length 6: a Record
      0x08, 0x00,                                      //   field 1 (varint): 0
      0x1a, 0x02, 'h', 'i',                            //   field 3, length 2, "hi"
      0xed, 0x4f, 0xf2, 0x87, 0x77, 0x96, 0x6a, 0xe6,  // MD5 of the 11 protobuf bytes
      0xdf, 0x59, 0x91, 0x1c, 0xb0, 0x53, 0x0c, 0xc2,  // (Python's hashlib)
  };
  const std::string data(bytes.begin(), bytes.end());
  EXPECT_EQ(Aggregate({"a"}, {}, {{0, std::nullopt, "hi", {}}}), data);  // the test's encoder

  DeaggregateOutcome outcome;
  std::vector<Record> out = DeaggregateData(data, nullptr, &outcome);
  EXPECT_EQ(outcome, DeaggregateOutcome::kDeaggregated);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, "hi");
  EXPECT_EQ(out[0].partition_key, "a");
  EXPECT_EQ(out[0].explicit_hash_key, "");
  EXPECT_TRUE(out[0].aggregated);
  EXPECT_EQ(out[0].sub_sequence_number, 0);
}

TEST(KplAggregationTest, ThreeRecordsWithExplicitHashKeys) {
  DeaggregateOutcome outcome;
  std::vector<Record> out = DeaggregateData(Frame(ThreeRecordMessage()), nullptr, &outcome);
  EXPECT_EQ(outcome, DeaggregateOutcome::kDeaggregated);
  ASSERT_EQ(out.size(), 3u);
  const std::string outer_sequence = Outer("").sequence_number;
  const char* keys[] = {"alpha", "beta", "alpha"};
  const char* hash_keys[] = {"340282366920938463463374607431768211455", "", "0"};
  const char* data[] = {"one", "two", "three"};
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(out[i].sequence_number, outer_sequence);
    EXPECT_EQ(out[i].sub_sequence_number, static_cast<int64_t>(i));
    EXPECT_TRUE(out[i].aggregated);
    EXPECT_EQ(out[i].arrival_ms, 1700000000123);
    EXPECT_EQ(out[i].partition_key, keys[i]);
    EXPECT_EQ(out[i].explicit_hash_key, hash_keys[i]);
    EXPECT_EQ(out[i].data, data[i]);
  }
}

TEST(KplAggregationTest, AggregateWithoutRecordsGivesNone) {
  DeaggregateOutcome outcome;
  EXPECT_TRUE(DeaggregateData(Aggregate({"a"}, {}, {}), nullptr, &outcome).empty());
  EXPECT_EQ(outcome, DeaggregateOutcome::kDeaggregated);
}

TEST(KplAggregationTest, WrongMd5PassesThrough) {
  std::string data = Frame(ThreeRecordMessage());
  data.back() ^= 1;
  ExpectPassedThrough(data, DeaggregateOutcome::kMalformed);
  // A digest of other bytes.
  std::string message = ThreeRecordMessage();
  std::string other = Frame(message + "x");
  ExpectPassedThrough(std::string(kKplMagic) + message + other.substr(other.size() - 16),
                      DeaggregateOutcome::kMalformed);
}

TEST(KplAggregationTest, TruncatedProtobufPassesThrough) {
  const std::string message = ThreeRecordMessage();
  // Cut inside the last Record (its length prefix now points past the end), with a correct MD5.
  ExpectPassedThrough(Frame(message.substr(0, message.size() - 3)),
                      DeaggregateOutcome::kMalformed);
  // Every cut either parses (at a field boundary) or passes through; none reads past the end.
  for (size_t n = 1; n < message.size(); ++n) {
    DeaggregateOutcome outcome;
    std::vector<Record> out = DeaggregateData(Frame(message.substr(0, n)), nullptr, &outcome);
    if (outcome == DeaggregateOutcome::kDeaggregated) {
      EXPECT_LE(out.size(), 3u);
    } else {
      EXPECT_EQ(outcome, DeaggregateOutcome::kMalformed) << n;
      ASSERT_EQ(out.size(), 1u);
    }
  }
}

TEST(KplAggregationTest, InvalidProtobufPassesThrough) {
  const std::vector<std::string> messages = {
      "\xff\xff\xff",                              // a tag that never ends
      "\x0a\x05" "ab",                             // a length past the end
      "\x0a\xff\xff\xff\xff\x0f" "abc",          // a length of 4 GiB
      std::string("\x00\x00", 2),                  // field number 0
      "\x0e",                                      // wire type 6
      "\x0f",                                      // wire type 7
      "\x0c",                                      // an end group with no group
      "\x0b\x08\x01",                              // a group that never ends
      "\x0b\x14",                                  // a group closed by another field's end
      "\x09\x01\x02\x03",                          // a fixed64 cut short
      "\x0d\x01",                                  // a fixed32 cut short
      "\x10\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02",  // a varint over 64 bits
      "\x0a\x01" "a" "\x1a\x02\x1a\x00",               // Record without partition_key_index
      "\x0a\x01" "a" "\x1a\x02\x08\x00",               // Record without data
      "\x0a\x01" "a" "\x1a\x08\x08\x00\x1a\x00\x22\x02\x12\x00",  // Tag without its key
      "\x0a\x01" "a" "\x1a\x04\x08\x00\x1a\x05",                  // data past its Record
      "\x0a\x01" "a" "\x1a\x05\x08\x00\x1a\x00\x0c",              // end group in a Record
  };
  for (const std::string& message : messages) {
    SCOPED_TRACE(testing::PrintToString(message));
    ExpectPassedThrough(Frame(message), DeaggregateOutcome::kMalformed);
  }
  // Sixty-four thousand nested groups stop at the depth limit instead of the stack's.
  std::string deep;
  for (int i = 0; i < 65536; ++i) deep += "\x0b";
  ExpectPassedThrough(Frame(deep), DeaggregateOutcome::kMalformed);
}

TEST(KplAggregationTest, IndexOutsideItsTablePassesThrough) {
  ExpectPassedThrough(
      Aggregate({"a", "b"}, {}, {{0, std::nullopt, "x", {}}, {2, std::nullopt, "y", {}}}),
      DeaggregateOutcome::kMalformed);
  ExpectPassedThrough(Aggregate({"a"}, {}, {{0, 0, "x", {}}}), DeaggregateOutcome::kMalformed);
  ExpectPassedThrough(Aggregate({"a"}, {"1"}, {{0, 1, "x", {}}}), DeaggregateOutcome::kMalformed);
  // 2^32 would be 0 after Java's (int) cast; here it is out of range.
  ExpectPassedThrough(Aggregate({"a"}, {}, {{uint64_t{1} << 32, std::nullopt, "x", {}}}),
                      DeaggregateOutcome::kMalformed);
  ExpectPassedThrough(Aggregate({}, {}, {{0, std::nullopt, "x", {}}}),
                      DeaggregateOutcome::kMalformed);
}

TEST(KplAggregationTest, UnknownFieldsAreSkipped) {
  std::string record;
  PutUint(&record, 1, 7);  // overwritten below: the last value of a singular field wins
  PutUint(&record, 9, 12345);
  PutKey(&record, 10, kFixed64);
  record.append(8, '\x01');
  PutKey(&record, 11, kFixed32);
  record.append(4, '\x02');
  PutBytes(&record, 2, "a known field with the wrong wire type is an unknown field");
  PutKey(&record, 12, kStartGroup);
  PutUint(&record, 1, 5);
  PutKey(&record, 13, kStartGroup);
  PutKey(&record, 13, kEndGroup);
  PutKey(&record, 12, kEndGroup);
  PutUint(&record, 1, 1);
  PutBytes(&record, 3, "payload");
  std::string message;
  PutBytes(&message, 1, "first");
  PutUint(&message, 1, 99);  // a varint where the table holds strings: skipped
  PutBytes(&message, 1, "second");
  PutBytes(&message, 15, "unknown");
  PutKey(&message, 20, kFixed32);
  message.append(4, '\x00');
  PutBytes(&message, 3, record);

  DeaggregateOutcome outcome;
  std::vector<Record> out = DeaggregateData(Frame(message), nullptr, &outcome);
  EXPECT_EQ(outcome, DeaggregateOutcome::kDeaggregated);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].partition_key, "second");
  EXPECT_EQ(out[0].explicit_hash_key, "");
  EXPECT_EQ(out[0].data, "payload");
}

TEST(KplAggregationTest, ShardRangeFilterDropsTheWholeAggregate) {
  // MD5("alpha") = 58606826522850340945736240254012750329 < 2^127 <= MD5("beta").
  const HashKeyRange lower{0, (UInt128{1} << 127) - 1};
  const HashKeyRange upper{UInt128{1} << 127, kUInt128Max};
  const std::string by_key = Aggregate({"alpha", "beta"}, {},
                                       {{0, std::nullopt, "a1", {}},
                                        {0, std::nullopt, "a2", {}},
                                        {1, std::nullopt, "b", {}}});
  DeaggregateOutcome outcome;
  EXPECT_TRUE(DeaggregateData(by_key, &lower, &outcome).empty());
  EXPECT_EQ(outcome, DeaggregateOutcome::kOutsideShard);
  EXPECT_TRUE(DeaggregateData(by_key, &upper, &outcome).empty());
  EXPECT_EQ(outcome, DeaggregateOutcome::kOutsideShard);
  EXPECT_EQ(DeaggregateData(by_key, nullptr, &outcome).size(), 3u);  // no range, no filter
  const std::string only_alpha =
      Aggregate({"alpha"}, {}, {{0, std::nullopt, "a1", {}}, {0, std::nullopt, "a2", {}}});
  EXPECT_EQ(DeaggregateData(only_alpha, &lower, &outcome).size(), 2u);
  EXPECT_EQ(outcome, DeaggregateOutcome::kDeaggregated);

  // An explicit hash key wins over the partition key's MD5; the range's ends are inside it.
  const HashKeyRange exact{100, 200};
  const std::vector<std::string> hash_keys = {"100", "200", "0150", "201", "abc", ""};
  const std::string by_hash_key =
      Aggregate({"beta"}, hash_keys, {{0, 0, "x", {}}, {0, 1, "y", {}}, {0, 2, "z", {}}});
  EXPECT_EQ(DeaggregateData(by_hash_key, &exact, &outcome).size(), 3u);
  EXPECT_EQ(outcome, DeaggregateOutcome::kDeaggregated);
  for (uint64_t bad : {3, 4, 5}) {  // 201, not a number, empty
    const std::string data = Aggregate({"beta"}, hash_keys, {{0, 0, "x", {}}, {0, bad, "y", {}}});
    EXPECT_TRUE(DeaggregateData(data, &exact, &outcome).empty()) << bad;
    EXPECT_EQ(outcome, DeaggregateOutcome::kOutsideShard);
    EXPECT_EQ(DeaggregateData(data, nullptr, &outcome).size(), 2u);
  }
  // 2^128 is above every shard.
  const HashKeyRange all;
  const std::string above = "340282366920938463463374607431768211456";
  EXPECT_TRUE(DeaggregateData(Aggregate({"a"}, {above}, {{0, 0, "x", {}}}), &all).empty());
}

TEST(KplAggregationTest, KeysCopiedPastTheLimitPassThrough) {
  // One 64 KiB partition key named by 1,100 records: 70 MB of copies from a 72 KB record.
  std::vector<UserRecord> records(1100, UserRecord{0, std::nullopt, "", {}});
  ExpectPassedThrough(Aggregate({std::string(64 << 10, 'k')}, {}, records),
                      DeaggregateOutcome::kTooLarge);
  records.resize(1000);  // 65,536,000 bytes: within the limit
  EXPECT_EQ(DeaggregateData(Aggregate({std::string(64 << 10, 'k')}, {}, records)).size(), 1000u);
}

// Deterministic fuzzing: random bytes after the magic (with and without a correct MD5), and
// random damage to a valid aggregate framed with a correct MD5 so the parser sees it.
TEST(KplAggregationTest, RandomInputNeverCrashes) {
  std::mt19937 rng(20240601);
  const std::string valid = ThreeRecordMessage();
  int deaggregated = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string message;
    if (i % 3 == 0) {
      message.resize(rng() % 64);
      for (char& c : message) c = static_cast<char>(rng());
    } else {
      message = valid;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng() % message.size();
        switch (rng() % 3) {
          case 0: message[at] = static_cast<char>(rng()); break;
          case 1: message.erase(at, 1 + rng() % 4); break;
          default: message.insert(at, 1, static_cast<char>(rng())); break;
        }
        if (message.empty()) message = "\x08";
      }
    }
    const std::string data = i % 5 == 4 ? std::string(kKplMagic) + message : Frame(message);
    DeaggregateOutcome outcome;
    std::vector<Record> out = DeaggregateData(data, nullptr, &outcome);
    if (outcome == DeaggregateOutcome::kDeaggregated) {
      ++deaggregated;
      size_t bytes = 0;
      for (const Record& r : out) bytes += r.data.size() + r.partition_key.size();
      EXPECT_LE(bytes, 16 * data.size());
    } else {
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0].data, data);
    }
  }
  // The damage leaves some aggregates valid: the loop reaches the decoding, not only the checks.
  EXPECT_GT(deaggregated, 100);
}

}  // namespace
}  // namespace eddy::consumer
