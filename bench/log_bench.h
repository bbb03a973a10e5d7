#pragma once

#include <cstdint>
#include <string>

#include "eddy/base/result.h"
#include "eddy/log/shard_log.h"

namespace eddy::bench {

// The shard-log benchmark: producers append batches of fixed-size records to N shard logs
// through one SyncScheduler, with a window of appends in flight each, for a fixed time.
struct LogBenchOptions {
  std::string dir = "eddy-data/bench-log";  // removed before and after the run
  int shards = 4;
  size_t record_bytes = 1024;
  size_t batch_records = 100;  // records per append (a typical PutRecords)
  int producers = 2;           // threads issuing appends
  int inflight = 16;           // appends in flight per producer
  double seconds = 10;
  log::Durability durability = log::Durability::kSync;
  int sync_threads = 16;
  bool keep = false;  // keep the data directory afterwards
};

struct LogBenchReport {
  LogBenchOptions options;
  double elapsed_s = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;  // record data bytes acknowledged
  uint64_t appends = 0;
  uint64_t failed_appends = 0;
  double mb_per_s = 0;  // 10^6 bytes per second of record data
  double records_per_s = 0;
  double ack_p50_ms = 0;  // append call -> acknowledgement
  double ack_p99_ms = 0;
  double ack_max_ms = 0;
  double fdatasyncs_per_s = 0;
  uint64_t verified_records = 0;  // read back after the run
};

Result<LogBenchReport> RunLogBench(const LogBenchOptions& options);

std::string FormatReport(const LogBenchReport& report);
std::string FormatReportJson(const LogBenchReport& report);

}  // namespace eddy::bench
