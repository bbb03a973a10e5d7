#include "bench/kinesis_bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "bench/bench_record.h"
#include "bench/bench_util.h"
#include "bench/server_process.h"
#include "eddy/base/uint128.h"
#include "eddy/client/kinesis_client.h"

namespace eddy::bench {

namespace {

using client::KinesisClient;

// Hash keys are decimal numbers in 0 .. 2^128-1.
UInt128 ParseHashKey(const std::string& s) { return ParseUInt128(s).value_or(0); }

// Which shards of which streams exist, which are fully read, and which consumer owns each.
// A shard may be read once all its parents are fully read (parent-before-child, as KCL does),
// so that each partition key's records are seen in order across a split or merge.
class ShardBoard {
 public:
  struct Shard {
    int stream = 0;
    client::ShardInfo info;
    std::string iterator;       // empty: none yet
    std::string last_sequence;  // last record read, to resume after an expired iterator
    bool finished = false;
    int owner = 0;  // the consumer that reads it, fixed when the shard is first seen
  };

  ShardBoard(std::vector<std::string> streams, int consumers)
      : streams_(std::move(streams)), consumers_(consumers) {}

  // Reads the shard lists again (new children appear after resharding).
  client::Outcome<client::Empty> Refresh(KinesisClient& kinesis) {
    for (size_t s = 0; s < streams_.size(); ++s) {
      auto shards = kinesis.ListShards(streams_[s]);
      if (!shards.ok()) return shards.error();
      std::lock_guard lock(mu_);
      for (auto& info : *shards) {
        const std::string key = streams_[s] + "/" + info.shard_id;
        auto it = shards_.find(key);
        if (it == shards_.end()) {
          auto shard = std::make_shared<Shard>();
          shard->stream = static_cast<int>(s);
          shard->info = std::move(info);
          shard->owner = next_owner_++ % consumers_;
          shards_.emplace(key, std::move(shard));
        } else {
          it->second->info.ending_sequence_number = info.ending_sequence_number;
        }
      }
    }
    return client::Empty{};
  }

  // The shards consumer `c` may read now.
  std::vector<std::shared_ptr<Shard>> ReadyFor(int c) {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<Shard>> ready;
    for (auto& [key, shard] : shards_) {
      if (shard->owner != c || shard->finished) continue;
      if (!ParentDone(shard->stream, shard->info.parent_shard_id) ||
          !ParentDone(shard->stream, shard->info.adjacent_parent_shard_id)) {
        continue;
      }
      ready.push_back(shard);
    }
    return ready;
  }

  void Finish(const std::shared_ptr<Shard>& shard) {
    std::lock_guard lock(mu_);
    shard->finished = true;
  }

  const std::string& stream_name(int s) const { return streams_[static_cast<size_t>(s)]; }

 private:
  bool ParentDone(int stream, const std::string& parent) const {
    if (parent.empty()) return true;
    auto it = shards_.find(streams_[static_cast<size_t>(stream)] + "/" + parent);
    return it == shards_.end() || it->second->finished;  // trimmed away: nothing left to read
  }

  const std::vector<std::string> streams_;
  const int consumers_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Shard>> shards_;  // by "stream/shard id"
  int next_owner_ = 0;
};

struct Counters {
  std::atomic<uint64_t> put_calls{0};
  std::atomic<uint64_t> get_calls{0};
  std::atomic<uint64_t> failed_entries{0};
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> splits{0};
  std::atomic<uint64_t> merges{0};
};

// Splits the first open shard of `stream` at its hash-range midpoint, waits for ACTIVE, and
// returns the parent's id (empty on failure, with `error` set).
std::string SplitOne(KinesisClient& kinesis, const std::string& stream, FirstError& error) {
  auto shards = kinesis.ListShards(stream);
  if (!shards.ok()) {
    error.Set("reshard: " + shards.error().ToString());
    return "";
  }
  for (const auto& s : *shards) {
    if (!s.open()) continue;
    const auto lo = ParseHashKey(s.starting_hash_key);
    const auto hi = ParseHashKey(s.ending_hash_key);
    const std::string mid = FormatUInt128(lo + (hi - lo) / 2 + 1);
    auto split = kinesis.SplitShard(stream, s.shard_id, mid);
    if (!split.ok()) {
      error.Set("SplitShard: " + split.error().ToString());
      return "";
    }
    auto active = kinesis.WaitForActive(stream);
    if (!active.ok()) error.Set("reshard: " + active.error().ToString());
    return s.shard_id;
  }
  return "";
}

// Merges the two open children of `parent` back into one.
bool MergeChildren(KinesisClient& kinesis, const std::string& stream, const std::string& parent,
                   FirstError& error) {
  auto shards = kinesis.ListShards(stream);
  if (!shards.ok()) {
    error.Set("reshard: " + shards.error().ToString());
    return false;
  }
  std::vector<client::ShardInfo> children;
  for (const auto& s : *shards) {
    if (s.open() && s.parent_shard_id == parent) children.push_back(s);
  }
  if (children.size() != 2) {
    error.Set(
        fmt::format("reshard: expected 2 open children of {}, found {}", parent, children.size()));
    return false;
  }
  std::sort(children.begin(), children.end(), [](const auto& a, const auto& b) {
    return ParseHashKey(a.starting_hash_key) < ParseHashKey(b.starting_hash_key);
  });
  auto merge = kinesis.MergeShards(stream, children[0].shard_id, children[1].shard_id);
  if (!merge.ok()) {
    error.Set("MergeShards: " + merge.error().ToString());
    return false;
  }
  auto active = kinesis.WaitForActive(stream);
  if (!active.ok()) error.Set("reshard: " + active.error().ToString());
  return active.ok();
}

}  // namespace

Result<KinesisBenchReport> RunKinesisBench(const KinesisBenchOptions& options) {
  if (options.streams < 1 || options.shards < 1 || options.producers < 1 || options.consumers < 1 ||
      options.batch_records < 1 || options.batch_records > 500 || options.key_spread < 1 ||
      (options.records == 0 && options.seconds <= 0)) {
    return Status::InvalidArgument(
        "streams, shards, producers, consumers and key spread must be > 0, batch 1..500, and "
        "seconds > 0 unless records is set");
  }
  if (options.streams > 100 || options.shards > 1000 || options.producers > 1024 ||
      options.consumers > 1024 || options.key_spread > 1'000'000) {
    return Status::InvalidArgument(
        "at most 100 streams, 1000 shards, 1024 producers, 1024 consumers and 1,000,000 keys");
  }
  if (options.record_bytes < kBenchRecordMinBytes || options.record_bytes > (1 << 20)) {
    return Status::InvalidArgument(
        fmt::format("record size must be {} B .. 1 MiB", kBenchRecordMinBytes));
  }

  // The server: ours, or the one at `endpoint`.
  std::unique_ptr<ServerProcess> own_server;
  std::string endpoint = options.endpoint;
  pid_t server_pid = options.server_pid;
  if (endpoint.empty()) {
    const std::string binary = options.eddy_binary.empty() ? SelfExecutable() : options.eddy_binary;
    EDDY_ASSIGN_OR_RETURN(own_server, ServerProcess::Start(binary, options.server_data_dir,
                                                           {"--durability", options.durability}));
    endpoint = own_server->endpoint();
    server_pid = own_server->pid();
  }

  client::ClientConfig config;
  config.endpoint = endpoint;
  config.region = options.region;
  config.fallback_credentials = auth::Credentials{"eddy-bench", "eddy-bench", ""};
  config.retry.max_attempts = 10;
  config.http.max_idle_connections = static_cast<size_t>(options.producers + options.consumers + 4);
  EDDY_ASSIGN_OR_RETURN(auto kinesis, KinesisClient::Create(config));

  // Fresh streams, named after this process so concurrent runs do not collide.
  std::vector<std::string> streams;
  for (int s = 0; s < options.streams; ++s) {
    streams.push_back(
        fmt::format("eddy-bench-{}-{}-{}", ::getpid(),
                    std::chrono::system_clock::now().time_since_epoch().count() % 1000000, s));
    auto created = kinesis->CreateStream(streams.back(), options.shards);
    if (!created.ok()) return Status::Unavailable("CreateStream: " + created.error().ToString());
  }
  for (const auto& name : streams) {
    auto active = kinesis->WaitForActive(name);
    if (!active.ok()) return Status::Unavailable("CreateStream: " + active.error().ToString());
  }

  KinesisBenchReport report;
  report.options = options;
  report.endpoint = endpoint;
  Ledger ledger(options.producers);
  Counters counters;
  FirstError error;
  Samples put_samples, get_samples, put_to_get_samples;
  std::vector<std::string> keys;
  for (int k = 0; k < options.key_spread; ++k) keys.push_back(fmt::format("pk-{}", k));

  std::atomic<bool> consuming{true};
  const auto start = SteadyClock::now();
  const auto deadline = options.records > 0
                            ? SteadyClock::time_point::max()
                            : start + std::chrono::duration_cast<SteadyClock::duration>(
                                          std::chrono::duration<double>(options.seconds));

  // Producers.
  std::atomic<uint64_t> budget{options.records};  // records still to send when records > 0
  std::vector<std::thread> producers;
  for (int p = 0; p < options.producers; ++p) {
    producers.emplace_back([&, p] {
      std::vector<float> latencies;
      std::deque<BenchRecord> retry;
      uint64_t next_counter = 0;
      uint64_t batch_no = static_cast<uint64_t>(p);
      const double per_producer_rate =
          options.rate > 0 ? static_cast<double>(options.rate) / options.producers : 0;
      uint64_t sent = 0;
      int calls_without_progress = 0;
      constexpr int kMaxCallsWithoutProgress = 20;
      std::vector<BenchRecord> batch;
      std::vector<std::string> payloads;
      std::vector<client::PutEntry> entries;
      while (!error.set()) {
        if (SteadyClock::now() >= deadline) break;
        batch.clear();
        while (!retry.empty() && batch.size() < static_cast<size_t>(options.batch_records)) {
          batch.push_back(retry.front());
          retry.pop_front();
        }
        while (batch.size() < static_cast<size_t>(options.batch_records)) {
          if (options.records > 0) {
            uint64_t left = budget.load();
            while (left > 0 && !budget.compare_exchange_weak(left, left - 1)) {
            }
            if (left == 0) break;
          }
          BenchRecord r;
          r.producer = static_cast<uint32_t>(p);
          r.counter = next_counter++;
          r.key = static_cast<uint32_t>((r.counter * 2654435761ULL + static_cast<uint64_t>(p)) %
                                        static_cast<uint64_t>(options.key_spread));
          batch.push_back(r);
        }
        if (batch.empty()) break;  // the record budget is spent
        if (per_producer_rate > 0) {
          const auto due = start + std::chrono::duration_cast<SteadyClock::duration>(
                                       std::chrono::duration<double>(sent / per_producer_rate));
          std::this_thread::sleep_until(due);
        }
        const uint64_t sent_ns = NowNs();
        payloads.resize(batch.size());
        entries.resize(batch.size());
        for (size_t i = 0; i < batch.size(); ++i) {
          batch[i].sent_ns = sent_ns;
          payloads[i] = EncodeBenchRecord(batch[i], options.record_bytes);
          entries[i] = client::PutEntry{payloads[i], keys[batch[i].key], {}};
        }
        const std::string& stream = streams[batch_no++ % streams.size()];
        const auto t0 = SteadyClock::now();
        auto put = kinesis->PutRecords(stream, entries);
        latencies.push_back(
            std::chrono::duration<float, std::milli>(SteadyClock::now() - t0).count());
        counters.put_calls.fetch_add(1, std::memory_order_relaxed);
        sent += batch.size();
        if (!put.ok()) {
          // The client has already retried with backoff; a server that keeps failing would
          // otherwise keep a --records run going forever.
          if (client::IsRetryableError(put.error()) &&
              ++calls_without_progress < kMaxCallsWithoutProgress) {
            for (const auto& r : batch) retry.push_back(r);
            continue;
          }
          error.Set("PutRecords: " + put.error().ToString());
          break;
        }
        bool progress = false;
        for (size_t i = 0; i < batch.size(); ++i) {
          if (put->records[i].ok()) {
            ledger.Acked(batch[i].producer, batch[i].counter);
            counters.acked.fetch_add(1, std::memory_order_relaxed);
            progress = true;
          } else {
            counters.failed_entries.fetch_add(1, std::memory_order_relaxed);
            retry.push_back(batch[i]);
          }
        }
        if (progress) {
          calls_without_progress = 0;
        } else if (++calls_without_progress >= kMaxCallsWithoutProgress) {
          error.Set(fmt::format("PutRecords: every entry failed in {} calls in a row (last: {})",
                                kMaxCallsWithoutProgress, put->records[0].error_code));
          break;
        }
      }
      put_samples.Add(latencies);
    });
  }

  // Consumers.
  ShardBoard board(streams, options.consumers);
  std::mutex refresh_mu;
  auto refresh = [&] {
    std::lock_guard lock(refresh_mu);
    auto r = board.Refresh(*kinesis);
    if (!r.ok()) error.Set("ListShards: " + r.error().ToString());
  };
  std::atomic<int64_t> last_read_ns{0};
  auto consume = [&](int c) {
    std::vector<float> get_latencies;
    std::vector<float> e2e;
    while (consuming.load() && !error.set()) {
      bool read_any = false;
      auto ready = board.ReadyFor(c);
      for (auto& shard : ready) {
        if (shard->iterator.empty()) {
          client::IteratorStart from;
          if (!shard->last_sequence.empty()) {
            from.type = client::IteratorType::kAfterSequenceNumber;
            from.sequence_number = shard->last_sequence;
          }
          auto it = kinesis->GetShardIterator(board.stream_name(shard->stream),
                                              shard->info.shard_id, from);
          if (!it.ok()) {
            error.Set("GetShardIterator: " + it.error().ToString());
            break;
          }
          shard->iterator = std::move(*it);
        }
        const auto t0 = SteadyClock::now();
        auto got = kinesis->GetRecords(shard->iterator);
        get_latencies.push_back(
            std::chrono::duration<float, std::milli>(SteadyClock::now() - t0).count());
        counters.get_calls.fetch_add(1, std::memory_order_relaxed);
        if (!got.ok()) {
          if (got.error().type == "ExpiredIteratorException") {
            shard->iterator.clear();
            continue;
          }
          error.Set("GetRecords: " + got.error().ToString());
          break;
        }
        const uint64_t now_ns = NowNs();
        for (const auto& record : got->records) {
          auto decoded = DecodeBenchRecord(record.data);
          if (!decoded) {
            ledger.Corrupt();
            continue;
          }
          ledger.Read(*decoded);
          e2e.push_back(static_cast<float>(static_cast<double>(now_ns - decoded->sent_ns) / 1e6));
        }
        if (!got->records.empty()) {
          read_any = true;
          shard->last_sequence = got->records.back().sequence_number;
          last_read_ns.store(static_cast<int64_t>(now_ns));
        }
        if (got->next_shard_iterator.empty()) {
          board.Finish(shard);  // closed and fully read: its children may start
          refresh();
        } else {
          shard->iterator = std::move(got->next_shard_iterator);
        }
      }
      if (!read_any) std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_ms));
    }
    get_samples.Add(get_latencies);
    put_to_get_samples.Add(e2e);
  };

  refresh();
  std::vector<std::thread> consumers;
  auto start_consumers = [&] {
    for (int c = 0; c < options.consumers; ++c) consumers.emplace_back(consume, c);
  };
  if (!options.drain_after) start_consumers();

  // Resharding and the periodic shard-list refresh run here while producers work.
  std::string split_parent;
  while (!error.set()) {
    const double elapsed = SecondsSince(start);
    if (options.reshard && options.records == 0) {
      if (split_parent.empty() && counters.splits == 0 && elapsed > options.seconds / 3) {
        split_parent = SplitOne(*kinesis, streams[0], error);
        if (!split_parent.empty()) counters.splits++;
        refresh();
      } else if (!split_parent.empty() && counters.merges == 0 &&
                 elapsed > 2 * options.seconds / 3) {
        if (MergeChildren(*kinesis, streams[0], split_parent, error)) counters.merges++;
        refresh();
      }
    }
    const bool producers_done = SteadyClock::now() >= deadline ||
                                (options.records > 0 && counters.acked.load() >= options.records);
    if (producers_done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!options.drain_after) refresh();
  }
  for (auto& t : producers) t.join();
  report.produce_s = SecondsSince(start);

  // Let consumers read everything that was acknowledged.
  const auto drain_start = SteadyClock::now();
  if (options.drain_after) {
    refresh();
    start_consumers();
  }
  const auto consume_start = options.drain_after ? drain_start : start;
  while (!error.set() && !ledger.AllAckedRead() &&
         SecondsSince(drain_start) < options.drain_timeout_s) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Records read after the last acknowledged one would be duplicates: give them a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  consuming = false;
  for (auto& t : consumers) t.join();
  const int64_t last_ns = last_read_ns.load();
  report.consume_s =
      last_ns > 0 ? std::chrono::duration<double>(
                        SteadyClock::time_point(std::chrono::nanoseconds(last_ns)) - consume_start)
                        .count()
                  : SecondsSince(consume_start);

  if (server_pid > 0) {
    const auto memory = ReadProcessMemory(server_pid);
    report.server_rss_bytes = memory.rss_bytes;
    report.server_peak_rss_bytes = memory.peak_rss_bytes;
  }
  for (const auto& name : streams) (void)kinesis->DeleteStream(name);

  const auto tally = ledger.Tally();
  report.records_in = tally.acked;
  report.records_out = tally.read_unique;
  report.lost = tally.lost;
  report.duplicated = tally.duplicated;
  report.reordered = tally.reordered;
  report.corrupt = tally.corrupt;
  report.unacknowledged = tally.unacknowledged;
  const double mb = static_cast<double>(options.record_bytes) / 1e6;
  report.records_in_per_s = static_cast<double>(report.records_in) / report.produce_s;
  report.mb_in_per_s = report.records_in_per_s * mb;
  report.records_out_per_s =
      report.consume_s > 0 ? static_cast<double>(report.records_out) / report.consume_s : 0;
  report.mb_out_per_s = report.records_out_per_s * mb;
  report.put_latency = put_samples.Summary();
  report.get_latency = get_samples.Summary();
  report.put_to_get = put_to_get_samples.Summary();
  report.put_calls = counters.put_calls.load();
  report.get_calls = counters.get_calls.load();
  report.failed_entries = counters.failed_entries.load();
  report.client_retries = kinesis->transport().retries();
  report.splits = counters.splits.load();
  report.merges = counters.merges.load();
  report.error = error.Get();
  if (report.error.empty() && !ledger.AllAckedRead()) {
    report.error = fmt::format("consumers did not read every acknowledged record within {} s",
                               options.drain_timeout_s);
  }
  return report;
}

std::string FormatKinesisReport(const KinesisBenchReport& r) {
  const auto& o = r.options;
  auto lat = [](const LatencySummary& s) {
    return fmt::format("p50 {:8.3f}   p99 {:8.3f}   p999 {:8.3f}   max {:8.3f} ms  ({} samples)",
                       s.p50_ms, s.p99_ms, s.p999_ms, s.max_ms, s.samples);
  };
  std::string out = fmt::format(
      "kinesis benchmark against {}\n"
      "  {} stream(s) x {} shards, {} producers, {} consumers, {} B records, {} per PutRecords, "
      "{} partition keys{}{}{}\n"
      "  in        {:12.0f} records/s   {:8.1f} MB/s   ({} records in {:.2f} s, {} calls)\n"
      "  out       {:12.0f} records/s   {:8.1f} MB/s   ({} records in {:.2f} s, {} calls)\n"
      "  PutRecords  {}\n"
      "  GetRecords  {}\n"
      "  put->get    {}\n"
      "  entries failed and re-sent {}, client retries {}, splits {}, merges {}\n"
      "  server RSS  {}\n"
      "  records   lost {}   duplicated {}   reordered {}   corrupt {}   unacknowledged {}\n",
      r.endpoint, o.streams, o.shards, o.producers, o.consumers, o.record_bytes, o.batch_records,
      o.key_spread, o.rate > 0 ? fmt::format(", rate {} records/s", o.rate) : "",
      o.reshard ? ", resharding" : "", o.drain_after ? ", consumers after producers" : "",
      r.records_in_per_s, r.mb_in_per_s, r.records_in, r.produce_s, r.put_calls,
      r.records_out_per_s, r.mb_out_per_s, r.records_out, r.consume_s, r.get_calls,
      lat(r.put_latency), lat(r.get_latency), lat(r.put_to_get), r.failed_entries, r.client_retries,
      r.splits, r.merges,
      r.server_peak_rss_bytes > 0
          ? fmt::format("{:.1f} MB (peak {:.1f} MB)", r.server_rss_bytes / 1e6,
                        r.server_peak_rss_bytes / 1e6)
          : std::string("unknown"),
      r.lost, r.duplicated, r.reordered, r.corrupt, r.unacknowledged);
  if (!r.error.empty()) out += "  ERROR: " + r.error + "\n";
  if (r.lost > 0 || r.corrupt > 0) {
    out += fmt::format("  !!! DATA LOSS: {} acknowledged records lost, {} corrupt !!!\n", r.lost,
                       r.corrupt);
  }
  return out;
}

std::string FormatKinesisReportJson(const KinesisBenchReport& r) {
  const auto& o = r.options;
  auto lat = [](const LatencySummary& s) {
    return fmt::format(
        "{{\"p50_ms\":{:.3f},\"p99_ms\":{:.3f},\"p999_ms\":{:.3f},\"max_ms\":{:.3f},"
        "\"samples\":{}}}",
        s.p50_ms, s.p99_ms, s.p999_ms, s.max_ms, s.samples);
  };
  std::string error;
  for (char c : r.error) {
    if (c == '"' || c == '\\') error += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) error += c;
  }
  return fmt::format(
      "{{\"endpoint\":\"{}\",\"streams\":{},\"shards\":{},\"producers\":{},\"consumers\":{},"
      "\"record_bytes\":{},\"batch_records\":{},\"key_spread\":{},\"rate\":{},\"reshard\":{},"
      "\"drain_after\":{},\"produce_s\":{:.3f},\"consume_s\":{:.3f},\"records_in\":{},"
      "\"records_out\":{},\"records_in_per_s\":{:.0f},\"mb_in_per_s\":{:.2f},"
      "\"records_out_per_s\":{:.0f},\"mb_out_per_s\":{:.2f},\"put_latency\":{},"
      "\"get_latency\":{},\"put_to_get\":{},\"put_calls\":{},\"get_calls\":{},"
      "\"failed_entries\":{},\"client_retries\":{},\"splits\":{},\"merges\":{},"
      "\"server_rss_bytes\":{},\"server_peak_rss_bytes\":{},\"lost\":{},\"duplicated\":{},"
      "\"reordered\":{},\"corrupt\":{},\"unacknowledged\":{},\"clean\":{},\"error\":\"{}\"}}",
      r.endpoint, o.streams, o.shards, o.producers, o.consumers, o.record_bytes, o.batch_records,
      o.key_spread, o.rate, o.reshard, o.drain_after, r.produce_s, r.consume_s, r.records_in,
      r.records_out, r.records_in_per_s, r.mb_in_per_s, r.records_out_per_s, r.mb_out_per_s,
      lat(r.put_latency), lat(r.get_latency), lat(r.put_to_get), r.put_calls, r.get_calls,
      r.failed_entries, r.client_retries, r.splits, r.merges, r.server_rss_bytes,
      r.server_peak_rss_bytes, r.lost, r.duplicated, r.reordered, r.corrupt, r.unacknowledged,
      r.clean(), error);
}

}  // namespace eddy::bench
