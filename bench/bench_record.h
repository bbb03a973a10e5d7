#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace eddy::bench {

// The payload of every record `eddy bench kinesis` writes, so that consumers can tell lost,
// duplicated, reordered and corrupt records apart:
//
//   magic "EDB1" | producer u32 | counter u64 | key u32 | sent_ns u64 | filler… | crc32c u32
//
// little-endian; `counter` numbers a producer's records from 0; `key` is the partition-key
// index; `sent_ns` the producer's steady clock when the PutRecords call began; the filler is
// derived from (producer, counter); the CRC32C covers everything before it.
struct BenchRecord {
  uint32_t producer = 0;
  uint64_t counter = 0;
  uint32_t key = 0;
  uint64_t sent_ns = 0;
};

inline constexpr size_t kBenchRecordMinBytes = 32;

// REQUIRES: size >= kBenchRecordMinBytes.
std::string EncodeBenchRecord(const BenchRecord& record, size_t size);
// nullopt when the bytes are not an intact bench record (bad magic, size or checksum).
std::optional<BenchRecord> DecodeBenchRecord(std::string_view bytes);

// Which records were acknowledged to producers and which were read by consumers, and what that
// means: lost (acknowledged, never read), duplicated (read more than once), reordered (a
// partition key's records read out of the order they were acknowledged in) and unacknowledged
// (read although the producer never saw an acknowledgement: a retried or timed-out put).
//
// Thread-safety: all methods may be called concurrently.
class Ledger {
 public:
  explicit Ledger(int producers);

  // The producer saw its record `counter` acknowledged.
  void Acked(uint32_t producer, uint64_t counter);
  void Read(const BenchRecord& record);
  void Corrupt();

  struct Counts {
    uint64_t acked = 0;
    uint64_t read_unique = 0;  // distinct records read
    uint64_t lost = 0;
    uint64_t duplicated = 0;
    uint64_t reordered = 0;
    uint64_t corrupt = 0;
    uint64_t unacknowledged = 0;
  };
  Counts Tally() const;
  // True when every acknowledged record has been read at least once.
  bool AllAckedRead() const;

 private:
  struct PerProducer {
    std::vector<uint8_t> acked;  // by counter
    std::vector<uint8_t> reads;  // by counter, saturating at 255
  };
  mutable std::mutex mu_;
  std::vector<PerProducer> producers_;
  // (producer << 32 | partition key) -> the highest counter read + 1. Only pairs that were
  // read are held, so memory follows the records read rather than producers x keys.
  std::unordered_map<uint64_t, uint64_t> last_counter_by_producer_key_;
  uint64_t acked_ = 0;
  uint64_t acked_read_ = 0;
  uint64_t reordered_ = 0;
  uint64_t corrupt_ = 0;
};

}  // namespace eddy::bench
