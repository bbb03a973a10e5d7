#include "bench/log_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "eddy/base/clock.h"
#include "eddy/io/file_system.h"

namespace eddy::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Counts appends in flight for one producer and lets it wait for a free slot.
class Window {
 public:
  explicit Window(int size) : free_(size) {}
  void Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void Release() {
    // Notify under the lock: once Drain() sees the last slot come back, the producer destroys
    // this Window, so nothing may touch cv_ after mu_ is released.
    std::lock_guard lock(mu_);
    ++free_;
    cv_.notify_one();
  }
  void Drain(int size) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return free_ == size; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
};

}  // namespace

Result<LogBenchReport> RunLogBench(const LogBenchOptions& options) {
  if (options.shards < 1 || options.producers < 1 || options.inflight < 1 ||
      options.batch_records < 1 || options.seconds <= 0) {
    return Status::InvalidArgument("shards, producers, inflight, batch and seconds must be > 0");
  }
  if (options.record_bytes > log::kMaxDataBytes) {
    return Status::InvalidArgument("record size over 10 MiB");
  }
  std::error_code ec;
  std::filesystem::remove_all(options.dir, ec);

  log::SyncScheduler scheduler(log::SyncScheduler::Options{options.sync_threads});
  log::LogOptions log_options;
  log_options.durability = options.durability;
  std::vector<std::unique_ptr<log::ShardLog>> logs;
  for (int i = 0; i < options.shards; ++i) {
    EDDY_ASSIGN_OR_RETURN(
        auto shard_log,
        log::ShardLog::Open(io::JoinPath(options.dir, fmt::format("shard-{}", i)), log_options,
                            {io::PosixFileSystem(), SystemClock(), &scheduler}));
    logs.push_back(std::move(shard_log));
  }

  std::string payload(options.record_bytes, 'x');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  std::vector<std::string> keys;
  for (size_t i = 0; i < options.batch_records; ++i) keys.push_back(fmt::format("key-{}", i));

  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> appends{0};
  std::atomic<uint64_t> failed{0};
  std::mutex latencies_mu;
  std::vector<double> latencies;
  const int64_t syncs_before = scheduler.runs();
  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::duration<double>(options.seconds);

  std::vector<std::thread> producers;
  for (int p = 0; p < options.producers; ++p) {
    producers.emplace_back([&, p] {
      Window window(options.inflight);
      std::vector<double> mine;
      std::mutex mine_mu;
      std::vector<log::AppendRecord> batch(options.batch_records);
      for (size_t i = 0; i < batch.size(); ++i) batch[i] = {keys[i], std::nullopt, payload};
      size_t shard = static_cast<size_t>(p);
      while (SteadyClock::now() < deadline) {
        window.Acquire();
        const auto t0 = SteadyClock::now();
        logs[shard % logs.size()]->AppendAsync(batch, [&, t0](const Result<log::AppendResult>& r) {
          const double ms =
              std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
          if (r.ok()) {
            records.fetch_add(r->count, std::memory_order_relaxed);
            appends.fetch_add(1, std::memory_order_relaxed);
            std::lock_guard lock(mine_mu);
            mine.push_back(ms);
          } else {
            failed.fetch_add(1, std::memory_order_relaxed);
          }
          window.Release();
        });
        shard += static_cast<size_t>(options.producers);
      }
      window.Drain(options.inflight);
      std::lock_guard lock(latencies_mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : producers) t.join();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  const int64_t syncs = scheduler.runs() - syncs_before;

  LogBenchReport report;
  report.options = options;
  report.elapsed_s = elapsed;
  report.records = records.load();
  report.appends = appends.load();
  report.failed_appends = failed.load();
  report.bytes = report.records * options.record_bytes;
  report.mb_per_s = static_cast<double>(report.bytes) / elapsed / 1e6;
  report.records_per_s = static_cast<double>(report.records) / elapsed;
  report.ack_p50_ms = Percentile(latencies, 0.50);
  report.ack_p99_ms = Percentile(latencies, 0.99);
  report.ack_max_ms = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
  report.fdatasyncs_per_s = static_cast<double>(syncs) / elapsed;

  // Read everything back: the benchmark also checks that what was acknowledged is there.
  for (const auto& shard_log : logs) {
    uint64_t next = shard_log->start_offset().value();
    const uint64_t end = shard_log->end_offset().value();
    while (next < end) {
      EDDY_ASSIGN_OR_RETURN(auto batch, shard_log->Read(LogOffset(next), log::ReadLimits{}));
      for (const auto& rec : batch.records) {
        if (rec.data != payload) {
          return Status::Corruption(fmt::format("{}: record {} differs from what was written",
                                                shard_log->dir(), rec.offset));
        }
      }
      report.verified_records += batch.records.size();
      if (batch.records.empty()) break;
      next = batch.next_offset;
    }
    EDDY_RETURN_IF_ERROR(shard_log->Close());
  }
  if (report.verified_records < report.records) {
    return Status::Corruption(fmt::format("acknowledged {} records but read back {}",
                                          report.records, report.verified_records));
  }
  logs.clear();
  if (!options.keep) std::filesystem::remove_all(options.dir, ec);
  return report;
}

std::string FormatReport(const LogBenchReport& r) {
  const auto& o = r.options;
  return fmt::format(
      "shard log benchmark: {} shards, {} B records, {} records/append, {} producers x {} in "
      "flight, durability={}, {} sync threads, {:.1f} s\n"
      "  throughput     {:10.1f} MB/s   {:12.0f} records/s   ({} appends, {} failed)\n"
      "  append->ack    p50 {:.3f} ms   p99 {:.3f} ms   max {:.3f} ms\n"
      "  fdatasync      {:10.0f} calls/s\n"
      "  verified       {} records read back intact\n",
      o.shards, o.record_bytes, o.batch_records, o.producers, o.inflight,
      log::DurabilityName(o.durability), o.sync_threads, r.elapsed_s, r.mb_per_s, r.records_per_s,
      r.appends, r.failed_appends, r.ack_p50_ms, r.ack_p99_ms, r.ack_max_ms, r.fdatasyncs_per_s,
      r.verified_records);
}

std::string FormatReportJson(const LogBenchReport& r) {
  const auto& o = r.options;
  return fmt::format(
      "{{\"shards\":{},\"record_bytes\":{},\"batch_records\":{},\"producers\":{},"
      "\"inflight\":{},\"durability\":\"{}\",\"sync_threads\":{},\"elapsed_s\":{:.3f},"
      "\"records\":{},\"appends\":{},\"failed_appends\":{},\"mb_per_s\":{:.1f},"
      "\"records_per_s\":{:.0f},\"ack_p50_ms\":{:.3f},\"ack_p99_ms\":{:.3f},"
      "\"ack_max_ms\":{:.3f},\"fdatasyncs_per_s\":{:.0f},\"verified_records\":{}}}",
      o.shards, o.record_bytes, o.batch_records, o.producers, o.inflight,
      log::DurabilityName(o.durability), o.sync_threads, r.elapsed_s, r.records, r.appends,
      r.failed_appends, r.mb_per_s, r.records_per_s, r.ack_p50_ms, r.ack_p99_ms, r.ack_max_ms,
      r.fdatasyncs_per_s, r.verified_records);
}

}  // namespace eddy::bench
