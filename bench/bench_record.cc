#include "bench/bench_record.h"

#include <cstring>
#include <string>

#include "eddy/base/coding.h"
#include "eddy/base/crc32c.h"

namespace eddy::bench {

namespace {
constexpr char kMagic[4] = {'E', 'D', 'B', '1'};

void Put32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void Put64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t Get32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
uint64_t Get64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
}  // namespace

std::string EncodeBenchRecord(const BenchRecord& r, size_t size) {
  std::string out(size, '\0');
  char* p = out.data();
  std::memcpy(p, kMagic, 4);
  Put32(p + 4, r.producer);
  Put64(p + 8, r.counter);
  Put32(p + 16, r.key);
  Put64(p + 20, r.sent_ns);
  // The filler is a window into a fixed pseudo-random text, starting where (producer, counter)
  // say: cheap to make, and different from record to record.
  static const std::string pattern = [] {
    std::string t((1u << 20) + 4096, '\0');
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (char& c : t) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      c = static_cast<char>('a' + (x >> 59) % 26);
    }
    return t;
  }();
  if (size > 32) {
    const size_t start = (r.counter * 31 + r.producer * 7) % 4096;
    std::memcpy(p + 28, pattern.data() + start, size - 32);
  }
  Put32(p + size - 4, crc32c::Value(p, size - 4));
  return out;
}

std::optional<BenchRecord> DecodeBenchRecord(std::string_view bytes) {
  if (bytes.size() < kBenchRecordMinBytes) return std::nullopt;
  const char* p = bytes.data();
  if (std::memcmp(p, kMagic, 4) != 0) return std::nullopt;
  if (crc32c::Value(p, bytes.size() - 4) != Get32(p + bytes.size() - 4)) return std::nullopt;
  BenchRecord r;
  r.producer = Get32(p + 4);
  r.counter = Get64(p + 8);
  r.key = Get32(p + 16);
  r.sent_ns = Get64(p + 20);
  return r;
}

Ledger::Ledger(int producers) : producers_(static_cast<size_t>(producers)) {}

void Ledger::Acked(uint32_t producer, uint64_t counter) {
  std::lock_guard lock(mu_);
  if (producer >= producers_.size()) return;
  auto& p = producers_[producer];
  if (p.acked.size() <= counter) p.acked.resize(counter + 1 + counter / 2, 0);
  if (p.acked[counter]) return;
  p.acked[counter] = 1;
  ++acked_;
  if (counter < p.reads.size() && p.reads[counter] > 0) ++acked_read_;
}

void Ledger::Read(const BenchRecord& r) {
  std::lock_guard lock(mu_);
  if (r.producer >= producers_.size()) {
    ++corrupt_;
    return;
  }
  auto& p = producers_[r.producer];
  if (p.reads.size() <= r.counter) p.reads.resize(r.counter + 1 + r.counter / 2, 0);
  if (p.reads[r.counter] == 0 && r.counter < p.acked.size() && p.acked[r.counter]) ++acked_read_;
  if (p.reads[r.counter] < 255) ++p.reads[r.counter];
  // A producer numbers its records in the order it sends them; a record of the same key read
  // after one with a higher number came out of order (a duplicate is counted as such instead).
  uint64_t& last = last_counter_by_producer_key_[(static_cast<uint64_t>(r.producer) << 32) | r.key];
  if (p.reads[r.counter] == 1 && last > r.counter + 1) ++reordered_;
  if (r.counter + 1 > last) last = r.counter + 1;
}

void Ledger::Corrupt() {
  std::lock_guard lock(mu_);
  ++corrupt_;
}

bool Ledger::AllAckedRead() const {
  std::lock_guard lock(mu_);
  return acked_read_ == acked_;
}

Ledger::Counts Ledger::Tally() const {
  std::lock_guard lock(mu_);
  Counts c;
  c.acked = acked_;
  c.reordered = reordered_;
  c.corrupt = corrupt_;
  for (const auto& p : producers_) {
    for (size_t i = 0; i < p.reads.size(); ++i) {
      const uint8_t reads = p.reads[i];
      const bool acked = i < p.acked.size() && p.acked[i];
      if (reads > 0) ++c.read_unique;
      if (reads > 1) c.duplicated += reads - 1;
      if (reads > 0 && !acked) ++c.unacknowledged;
    }
    for (size_t i = 0; i < p.acked.size(); ++i) {
      if (p.acked[i] && (i >= p.reads.size() || p.reads[i] == 0)) ++c.lost;
    }
  }
  return c;
}

}  // namespace eddy::bench
