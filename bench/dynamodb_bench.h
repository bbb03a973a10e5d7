#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "eddy/base/result.h"

namespace eddy::bench {

// `eddy bench dynamodb`: `clients` threads drive one phase after another against a fresh
// table (partition key pk S, sort key sk N) through the DynamoDB API of any endpoint:
//   put     PutItem of new items (durable when acknowledged on eddy)
//   update  UpdateItem ADD of a counter on items the put phase wrote
//   get     GetItem of items the put phase wrote (a missing item is an error)
//   query   Query of one partition, `query_limit` items
//   limits  DescribeLimits: no table work, the cost of one signed round trip through eddy
//   floor   the same requests to a responder in this process that answers `200 {}` and does
//           nothing else (null_responder.h): the most any server could answer these clients
//           on this machine (events driver only)
//   stream  PutItem at `stream_rate` writes/s (0: as fast as the clients go) while one reader
//           follows the table's DynamoDB stream (GetRecords, shard lineage included); the
//           latency reported is from a PutItem's send to its record arriving in a GetRecords
//           answer (the table gets a NEW_IMAGE stream when this phase is asked for)
// and reports each phase's operations/s and latency percentiles.
struct DynamoDbBenchOptions {
  // Empty: start `eddy serve` as a child process (free loopback port, `server_data_dir`,
  // `durability`) and stop it afterwards.
  std::string endpoint;
  std::string region = "us-east-1";
  pid_t server_pid = 0;  // with `endpoint`: the server's pid, to report its memory
  std::string durability = "sync";
  std::string server_data_dir = "eddy-data/bench-dynamodb";
  std::string eddy_binary;  // empty: this executable

  int clients = 16;  // connections, one request in flight each
  // How the clients are driven:
  //   events   `client_threads` epoll loops share the connections (bench/http_load.h): the
  //            generator costs little, so the server's rate is measured (plain HTTP only; a
  //            TLS endpoint falls back to threads)
  //   threads  a thread per client making blocking calls with the SDK-like AwsJsonClient
  //            (retries included), as an application with a thread per request would
  std::string driver = "events";
  int client_threads = 1;
  double seconds = 5;       // per phase
  size_t item_bytes = 200;  // payload attribute size
  int partitions = 100;     // distinct partition keys
  int query_limit = 10;
  int stream_rate = 5000;  // writes/s in the stream phase, over all clients (0: unpaced)
  std::vector<std::string> phases = {"put", "update", "get", "query"};
};

struct DynamoDbPhaseReport {
  std::string name;
  uint64_t operations = 0;
  uint64_t errors = 0;
  double seconds = 0;
  double ops_per_s = 0;
  LatencySummary latency;
  // The server's CPU time (user + system, all threads) per operation during the phase, in
  // microseconds; 0 when unknown (no server pid, or the floor phase, which eddy does not
  // serve). With the load generator on the same cores, ops/s says how fast both together go;
  // this says what one operation costs the server, whatever else runs on the machine. It
  // includes the server's background work during the phase (RocksDB flushes and compactions,
  // possibly started by an earlier phase's writes); failed operations count like the others.
  double server_cpu_us_per_op = 0;
  std::string first_error;
};

struct DynamoDbBenchReport {
  DynamoDbBenchOptions options;
  std::string endpoint;
  std::string driver;  // the driver used ("events" falls back to "threads" for TLS)
  std::vector<DynamoDbPhaseReport> phases;
  uint64_t server_rss_bytes = 0, server_peak_rss_bytes = 0;  // 0: unknown

  bool clean() const;  // no phase had an error
};

Result<DynamoDbBenchReport> RunDynamoDbBench(const DynamoDbBenchOptions& options);

std::string FormatDynamoDbReport(const DynamoDbBenchReport& report);
std::string FormatDynamoDbReportJson(const DynamoDbBenchReport& report);

}  // namespace eddy::bench
