#include "eddy/cli/log_commands.h"

#include <fmt/format.h>

#include <cstdio>

#include "eddy/base/clock.h"
#include "eddy/io/file_system.h"
#include "eddy/log/shard_log.h"

namespace eddy::cli {
namespace {

Status VerifyLog(const std::string& dir, log::SyncScheduler* scheduler) {
  EDDY_ASSIGN_OR_RETURN(auto shard_log,
                        log::ShardLog::Open(dir, log::LogOptions{},
                                            {io::PosixFileSystem(), SystemClock(), scheduler}));
  const auto stats = shard_log->Stats();
  uint64_t next = stats.start_offset.value();
  uint64_t records = 0;
  uint64_t bytes = 0;
  while (next < stats.end_offset.value()) {
    EDDY_ASSIGN_OR_RETURN(auto batch, shard_log->Read(LogOffset(next), log::ReadLimits{}));
    if (batch.records.empty()) break;
    for (const auto& r : batch.records) bytes += r.data.size();
    records += batch.records.size();
    next = batch.next_offset;
  }
  std::printf("%s: ok: %zu segments, offsets %llu..%llu, %llu records, %llu data bytes\n",
              dir.c_str(), stats.segment_count,
              static_cast<unsigned long long>(stats.start_offset.value()),
              static_cast<unsigned long long>(stats.end_offset.value()),
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(bytes));
  return shard_log->Close();
}

}  // namespace

void AddLogCommands(CLI::App& app) {
  auto* log_cmd = app.add_subcommand("log", "Inspect shard logs on disk");
  log_cmd->require_subcommand(1);
  auto* verify = log_cmd->add_subcommand(
      "verify", "Recover and fully read shard log directories, checking every record's CRC");
  auto dirs = std::make_shared<std::vector<std::string>>();
  verify->add_option("dirs", *dirs, "Shard log directories")
      ->required()
      ->check(CLI::ExistingDirectory);
  verify->callback([dirs] {
    log::SyncScheduler scheduler(log::SyncScheduler::Options{1});
    int failures = 0;
    for (const auto& dir : *dirs) {
      Status s = VerifyLog(dir, &scheduler);
      if (!s.ok()) {
        std::fprintf(stderr, "%s: %s\n", dir.c_str(), s.ToString().c_str());
        ++failures;
      }
    }
    if (failures > 0) throw CLI::RuntimeError(1);
  });
}

}  // namespace eddy::cli
