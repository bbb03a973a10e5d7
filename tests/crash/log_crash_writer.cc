// Appends self-describing records to shard logs as fast as it can, in durable mode, and writes
// one line per acknowledged append to file descriptor 3:
//   <shard> <first offset> <count> <batch id>
// It runs until killed. Usage: log_crash_writer DIR SHARDS RUN_ID
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crash_record.h"
#include "eddy/base/clock.h"
#include "eddy/io/file_system.h"
#include "eddy/log/shard_log.h"

using eddy::crashtest::CrashRecordId;
using eddy::crashtest::MakeCrashRecord;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DIR SHARDS RUN_ID\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int shards = std::atoi(argv[2]);
  const uint64_t run_id = std::strtoull(argv[3], nullptr, 10);

  eddy::log::SyncScheduler scheduler(eddy::log::SyncScheduler::Options{4});
  eddy::log::LogOptions options;
  options.max_segment_bytes = 256 * 1024;  // roll often: crashes land around rolls too
  options.index_interval_bytes = 1024;
  std::vector<std::unique_ptr<eddy::log::ShardLog>> logs;
  for (int s = 0; s < shards; ++s) {
    auto log =
        eddy::log::ShardLog::Open(dir + "/shard-" + std::to_string(s), options,
                                  {eddy::io::PosixFileSystem(), eddy::SystemClock(), &scheduler});
    if (!log.ok()) {
      std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
      return 1;
    }
    logs.push_back(std::move(log).value());
  }
  std::fprintf(stderr, "ready\n");

  std::atomic<uint64_t> next_batch{run_id << 32};
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&, p] {
      std::mt19937_64 rng(run_id * 31 + static_cast<uint64_t>(p));
      for (;;) {
        const auto shard = static_cast<uint32_t>(rng() % static_cast<uint64_t>(shards));
        const auto count = static_cast<uint32_t>(1 + rng() % 20);
        const uint64_t batch = next_batch.fetch_add(1);
        std::vector<std::string> data;
        std::vector<eddy::log::AppendRecord> records;
        for (uint32_t i = 0; i < count; ++i) {
          data.push_back(MakeCrashRecord({shard, batch, i, count}, rng() % 3000));
        }
        for (const auto& d : data) records.push_back({"pk", std::nullopt, d});
        auto r = logs[shard]->Append(records);
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          std::_Exit(1);
        }
        char line[96];
        const int n = std::snprintf(line, sizeof line, "%u %llu %u %llu\n", shard,
                                    static_cast<unsigned long long>(r->first_offset.value()), count,
                                    static_cast<unsigned long long>(batch));
        // One write of a short line is atomic on a pipe.
        if (::write(3, line, static_cast<size_t>(n)) != n) std::_Exit(1);
      }
    });
  }
  for (auto& t : producers) t.join();
  return 0;
}
