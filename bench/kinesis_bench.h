#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "bench/bench_util.h"
#include "eddy/base/result.h"

namespace eddy::bench {

// `eddy bench kinesis`: producers PutRecords into fresh streams while consumers read every
// shard (following children across resharding), through the Kinesis API of any endpoint.
// Every record is checked (see bench_record.h), so the report says how many records were lost,
// duplicated, reordered or corrupt besides how fast they went.
struct KinesisBenchOptions {
  // Empty: start `eddy serve` as a child process (on a free loopback port, data in
  // `server_data_dir`, with `durability`) and stop it afterwards.
  std::string endpoint;
  std::string region = "us-east-1";
  pid_t server_pid = 0;  // with `endpoint`: the server's pid, to report its memory (0: unknown)
  std::string durability = "sync";  // for the server started here: sync, interval or none
  std::string server_data_dir = "eddy-data/bench-kinesis";
  std::string eddy_binary;  // for the server started here; empty: this executable

  int streams = 1;
  int shards = 4;  // per stream
  int producers = 4;
  int consumers = 2;
  size_t record_bytes = 1024;
  int batch_records = 500;      // records per PutRecords (1: PutRecords of one)
  double seconds = 10;          // how long producers run (unless `records` is set)
  uint64_t records = 0;         // stop after this many acknowledged records (0: use `seconds`)
  uint64_t rate = 0;            // records/s across all producers (0: as fast as possible)
  int key_spread = 1000;        // distinct partition keys
  bool reshard = false;         // split a shard after 1/3 of the run, merge the children after 2/3
  bool drain_after = false;     // consumers start only when producers are done (measures draining)
  double drain_timeout_s = 60;  // how long consumers may take to read everything afterwards
  int poll_ms = 1;              // consumer pause after a round of GetRecords that read nothing
};

struct KinesisBenchReport {
  KinesisBenchOptions options;
  std::string endpoint;
  double produce_s = 0;      // producers' wall time
  double consume_s = 0;      // consumers' wall time until everything was read (or the timeout)
  uint64_t records_in = 0;   // acknowledged
  uint64_t records_out = 0;  // distinct records read
  double records_in_per_s = 0, mb_in_per_s = 0;
  double records_out_per_s = 0, mb_out_per_s = 0;
  LatencySummary put_latency;  // per PutRecords call
  LatencySummary get_latency;  // per GetRecords call
  LatencySummary put_to_get;   // per record: PutRecords sent -> read by a consumer
  uint64_t put_calls = 0, get_calls = 0;
  uint64_t failed_entries = 0;  // PutRecords entries answered with an error (and re-sent)
  uint64_t client_retries = 0;  // calls the client retried (throttling, 5xx, network)
  uint64_t lost = 0, duplicated = 0, reordered = 0, corrupt = 0, unacknowledged = 0;
  uint64_t splits = 0, merges = 0;
  uint64_t server_rss_bytes = 0, server_peak_rss_bytes = 0;  // 0: unknown
  std::string error;  // set when the run could not complete (the figures are partial)

  bool clean() const { return lost == 0 && corrupt == 0 && error.empty(); }
};

Result<KinesisBenchReport> RunKinesisBench(const KinesisBenchOptions& options);

std::string FormatKinesisReport(const KinesisBenchReport& report);
std::string FormatKinesisReportJson(const KinesisBenchReport& report);

}  // namespace eddy::bench
