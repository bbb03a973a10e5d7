#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "eddy/base/result.h"

namespace eddy::bench {

// `eddy bench consumer`: what the consumer runtime (src/eddy/consumer/) costs on a pre-filled
// stream, phase by phase, against any endpoint (or an `eddy serve` started for the run):
//
//   prefill    `records` records of record_bytes_min..record_bytes_max bytes (uniform) are
//              written with PutRecords into a fresh `shards`-shard stream; every later phase
//              reads these same records
//   drain      the ceiling: one thread per shard runs a plain GetRecords loop (`max_records` per
//              call) from TRIM_HORIZON until it has read every record of its shard (after an
//              untimed first read of each shard: the server's first read of fresh records is
//              slower, and every later phase reads them warm)
//   inprocess  `workers` consumer::Worker objects in this process (each with its own Kinesis
//              and lease-table clients) under a fresh application, from TRIM_HORIZON, with a
//              no-op RecordProcessor that checkpoints once per batch: from the workers' start
//              until every record was processed (counted per shard by sequence number, so a
//              batch delivered again after a lease moved is counted once); drain and inprocess
//              alternate `rounds` times, and each inprocess round is compared with the drain
//              just before it
//   rest       after inprocess has drained the stream, with its workers still running and
//              nothing new written: conditional lease-table writes per lease per second
//              (LeaseCoordinator::stats().writes) over `rest_intervals` renewal intervals
//   multilang  the same as inprocess with a no-op KCL multilang processor (a python3 script:
//              checkpoints once per batch, answers status) run by MultiLangProcessorFactory
//   failover   two workers under a fresh application (LATEST): (a) graceful: Shutdown() of one,
//              time until the other owns every lease it held; (b) crash: an `eddy worker`
//              child process holding half the leases is SIGKILLed, time until the in-process
//              survivor owns them all
//
// Each phase reports this process's RSS at its start and its peak RSS (VmHWM) during the phase:
// before each phase, memory the allocator holds free goes back to the kernel (tcmalloc's
// ReleaseFreeMemory, when linked) and the peak is reset through /proc/self/clear_refs (when the
// kernel refuses, the figure is the peak so far and `peak_rss_per_phase` is false).
struct ConsumerBenchOptions {
  // Empty: start `eddy serve` as a child process (free loopback port, `server_data_dir`,
  // `durability`) and stop it afterwards.
  std::string endpoint;
  std::string region = "us-east-1";
  pid_t server_pid = 0;  // with `endpoint`: the server's pid, to report its memory
  std::string durability = "sync";
  std::string server_data_dir = "eddy-data/bench-consumer";
  std::string eddy_binary;  // for the server and the crash phase's `eddy worker`; empty: this one

  int shards = 4;
  uint64_t records = 200000;
  size_t record_bytes_min = 100;
  size_t record_bytes_max = 1000;
  int workers = 2;            // inprocess and multilang
  int max_records = 10000;    // per GetRecords, in every phase
  int64_t failover_ms = 3000;  // the workers' failover time (renewals every third of it)
  double rest_intervals = 6;  // the rest phase's window, in renewal intervals (>= 2)
  // drain and inprocess alternate this many times on the same records; their figures are the
  // median round's, the ratio the median of the rounds' ratios (the cores are shared: one
  // round of about a second moves by tens of percent when something else runs).
  int rounds = 5;
  std::string python = "python3";
  double phase_timeout_s = 120;
  bool verbose = false;  // the workers' info logs (leases taken, handed over) on stderr
  std::vector<std::string> phases = {"drain", "inprocess", "rest", "multilang", "failover"};
};

// A phase that consumes the pre-filled records (drain, inprocess, multilang).
struct ConsumeFigures {
  bool ran = false;
  uint64_t records = 0;     // distinct records processed (read, for drain)
  uint64_t deliveries = 0;  // records handed to processors, re-deliveries included
  double seconds = 0;       // from the start until the last record was processed
  double first_record_s = 0;  // from the start until the first batch was processed
  double records_per_s = 0;
  double mb_per_s = 0;
  // records_per_s / the same round's drain (multilang: the median drain's); for the median
  // inprocess figures, the median of the rounds' ratios. 0 when drain did not run.
  double ratio_to_drain = 0;
  uint64_t get_calls = 0;     // drain only
  uint64_t checkpoints = 0;   // checkpoints written (inprocess, multilang)
  uint64_t lease_takes = 0;   // leases the workers took (inprocess, multilang)
  // Leases handed over from one worker to the other to balance them (a steal): the shard is
  // read by nobody from the owner's last batch until the taker's next scan.
  uint64_t lease_handovers = 0;
  // CPU time (user + system) from the start until the last record: this process, the server
  // (-1: unknown), and the children this process reaped (multilang: the processors, until
  // they exited).
  double cpu_s = 0, server_cpu_s = -1, children_cpu_s = 0;
  uint64_t rss_start_bytes = 0, peak_rss_bytes = 0;
  std::string error;
};

struct RestFigures {
  bool ran = false;
  int leases = 0;
  double renewal_interval_ms = 0;  // failover/3 - epsilon, as the worker renews
  double window_s = 0;
  uint64_t writes = 0, renewals = 0, checkpoints = 0, takes = 0;  // in the window
  // Raw: writes in the window / leases / window.
  double writes_per_lease_per_s = 0;
  // Steady rate: per worker, the writes between its first and last burst of writes in the
  // window over the time between them (no error from where the window cuts the period).
  double steady_writes_per_lease_per_s = 0;
  // The steady rate times failover/3: writes per lease per renewal interval, taking the
  // interval as failover/3.
  double writes_per_lease_per_third = 0;
  // Writes per lease per renewal pass (the renewer's actual period is failover/3 - epsilon plus
  // the pass itself): 1 when nothing but renewals is written.
  double writes_per_lease_per_pass = 0;
  uint64_t rss_start_bytes = 0, peak_rss_bytes = 0;
  std::string error;
};

struct FailoverFigures {
  bool ran = false;
  int graceful_leases = 0;   // leases the stopped worker held
  double graceful_ms = 0;    // Shutdown() -> the survivor owns them all
  int crash_leases = 0;      // leases the killed worker held
  double crash_ms = 0;       // SIGKILL -> the survivor owns them all
  double crash_target_ms = 0;  // failover time + one renewal interval
  uint64_t rss_start_bytes = 0, peak_rss_bytes = 0;
  std::string error;
};

struct ConsumerBenchReport {
  ConsumerBenchOptions options;
  std::string endpoint;
  std::string stream;
  uint64_t records_written = 0;
  uint64_t bytes_written = 0;
  double prefill_s = 0;
  std::vector<uint64_t> records_per_shard;
  // drain and inprocess: the median round (by records/s), and every round in order.
  ConsumeFigures drain, inprocess, multilang;
  std::vector<ConsumeFigures> drain_rounds, inprocess_rounds;
  RestFigures rest;
  FailoverFigures failover;
  bool peak_rss_per_phase = false;
  uint64_t server_peak_rss_bytes = 0;  // 0: unknown
  std::string error;

  bool clean() const {
    for (const auto& rounds : {drain_rounds, inprocess_rounds}) {
      for (const auto& f : rounds) {
        if (!f.error.empty()) return false;
      }
    }
    return error.empty() && multilang.error.empty() && rest.error.empty() &&
           failover.error.empty();
  }
};

Result<ConsumerBenchReport> RunConsumerBench(const ConsumerBenchOptions& options);

std::string FormatConsumerReport(const ConsumerBenchReport& report);
std::string FormatConsumerReportJson(const ConsumerBenchReport& report);

}  // namespace eddy::bench
