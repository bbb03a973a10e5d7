// The `eddy` command: subcommands for running and inspecting eddy.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "bench/consumer_bench.h"
#include "bench/dynamodb_bench.h"
#include "bench/kinesis_bench.h"
#include "bench/log_bench.h"
#include "eddy/cli/log_commands.h"
#include "eddy/cli/stream_commands.h"
#include "eddy/cli/table_commands.h"
#include "eddy/cli/worker_command.h"
#include "eddy/cli/serve_command.h"
#include "eddy/server/server.h"

namespace {

// eddy bench consumer (its options live as long as the parsed command line needs them).
struct ConsumerBenchState {
  eddy::bench::ConsumerBenchOptions options;
  bool json = false;
};

void AddConsumerBench(CLI::App& bench) {
  auto state = std::make_shared<ConsumerBenchState>();
  auto& cb = state->options;
  auto* bench_consumer = bench.add_subcommand(
      "consumer",
      "The consumer runtime on a pre-filled stream: a plain GetRecords drain (the ceiling), "
      "in-process workers, multilang workers, lease-table writes at rest, and failover after "
      "a graceful stop and after a SIGKILL");
  bench_consumer->add_option(
      "--endpoint", cb.endpoint,
      "Server to measure (default: start eddy serve on a free port for the run)");
  bench_consumer->add_option("--region", cb.region, "Region to sign for")->capture_default_str();
  bench_consumer->add_option("--server-pid", cb.server_pid,
                             "With --endpoint: the server's pid, to report its memory");
  bench_consumer
      ->add_option("--durability", cb.durability,
                   "For the server started here: sync (acknowledge after fsync), interval, none")
      ->capture_default_str()
      ->check(CLI::IsMember({"sync", "interval", "none"}));
  bench_consumer->add_option("--data-dir", cb.server_data_dir, "Data of the server started here")
      ->capture_default_str();
  bench_consumer->add_option("--shards", cb.shards, "Shards of the stream")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  bench_consumer->add_option("--records", cb.records, "Records written before the phases")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{100000000}));
  bench_consumer->add_option("--record-bytes-min", cb.record_bytes_min, "Smallest record")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  bench_consumer->add_option("--record-bytes-max", cb.record_bytes_max, "Largest record")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  bench_consumer
      ->add_option("--workers", cb.workers, "Workers of the inprocess and multilang phases")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  bench_consumer->add_option("--max-records", cb.max_records, "Records per GetRecords")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  bench_consumer->add_option("--failover-ms", cb.failover_ms, "The workers' failover time")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{300}, int64_t{600000}));
  bench_consumer
      ->add_option("--rest-intervals", cb.rest_intervals,
                   "Length of the rest phase's window, in renewal intervals")
      ->capture_default_str()
      ->check(CLI::Range(2.0, 1000.0));
  bench_consumer
      ->add_option("--rounds", cb.rounds,
                   "drain and inprocess alternate this many times; the median round is reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  bench_consumer->add_option("--python", cb.python, "Interpreter of the multilang processor")
      ->capture_default_str();
  bench_consumer->add_option("--timeout", cb.phase_timeout_s, "Seconds each phase may take")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bench_consumer
      ->add_option("--phases", cb.phases,
                   "Phases to run, always in this order: drain inprocess rest multilang failover "
                   "(rest measures inprocess's workers once idle, so it runs inprocess too)")
      ->delimiter(',')
      ->capture_default_str();
  bench_consumer->add_flag("--verbose", cb.verbose,
                           "The workers' info logs (leases taken, handed over) on stderr");
  bench_consumer->add_flag("--json", state->json, "Print one JSON object instead of a table");
  bench_consumer->callback([state] {
    auto report = eddy::bench::RunConsumerBench(state->options);
    if (!report.ok()) {
      std::fprintf(stderr, "eddy bench consumer: %s\n", report.status().ToString().c_str());
      throw CLI::RuntimeError(1);
    }
    std::fputs((state->json ? eddy::bench::FormatConsumerReportJson(*report) + "\n"
                        : eddy::bench::FormatConsumerReport(*report))
                   .c_str(),
               stdout);
    if (!report->clean()) throw CLI::RuntimeError(2);
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "eddy: a self-hosted change-data-capture streaming platform that speaks the AWS wire\n"
      "protocols (Kinesis Data Streams, DynamoDB, DynamoDB Streams).",
      "eddy"};
  app.set_version_flag("--version", std::string("eddy ") + EDDY_VERSION);
  app.require_subcommand(1);

  // eddy serve
  eddy::server::ServerOptions serve_options;
  std::string serve_durability = "sync";
  int serve_exit = 0;
  auto* serve = app.add_subcommand("serve",
                                   "Serve the AWS APIs (Kinesis Data Streams, DynamoDB, DynamoDB "
                                   "Streams) over HTTP until SIGINT/SIGTERM");
  serve->add_option("--host", serve_options.host, "Address to listen on")->capture_default_str();
  serve->add_option("--port", serve_options.port, "Port to listen on (0: any free port)")
      ->capture_default_str();
  serve->add_option("--data-dir", serve_options.data_dir, "Where streams and tables are stored")
      ->capture_default_str();
  serve
      ->add_option("--durability", serve_durability,
                   "sync: acknowledge after fdatasync (default); interval or none: weaker, faster")
      ->capture_default_str()
      ->check(CLI::IsMember({"sync", "interval", "none"}));
  serve
      ->add_option("--shard-limit", serve_options.shard_limit,
                   "Open shards allowed across all streams")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  serve->add_flag("--throttle", serve_options.throttle,
                  "Enforce AWS's per-shard limits (writes 1 MiB/s and 1,000 records/s, reads 5 "
                  "calls/s and 2 MiB/s) with ProvisionedThroughputExceededException");
  serve
      ->add_option("--ttl-interval-ms", serve_options.ttl_interval_ms,
                   "Pause between passes that delete expired items of TTL tables")
      ->capture_default_str()
      ->check(CLI::Range(10, 3600000));
  serve
      ->add_option("--stream-shard-interval-ms", serve_options.stream_shard_interval_ms,
                   "A DynamoDB stream's open shard closes and gets a child after this long (if "
                   "it holds a change); AWS rolls about every 4 hours")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{100}, int64_t{7} * 24 * 3600 * 1000));
  serve
      ->add_option("--stream-retention-hours", serve_options.stream_retention_hours,
                   "How long table changes stay readable on DynamoDB streams")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{24} * 365));
  serve->add_option("--http-threads", serve_options.http_threads, "HTTP I/O threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  eddy::cli::ServePipesOptions serve_pipes;
  serve->add_option("--pipes", serve_pipes.pipes_file,
                    "Also run the functions and pipes of this pipes file against this server "
                    "(docs/pipes.md)")
      ->check(CLI::ExistingFile);
  serve->add_option("--python", serve_pipes.python,
                    "With --pipes: the python that runs python3.x functions (with awslambdaric)")
      ->capture_default_str();
  serve->add_option("--node", serve_pipes.node, "With --pipes: the node of nodejs functions")
      ->capture_default_str();
  serve->add_option("--java", serve_pipes.java, "With --pipes: the java of java functions")
      ->capture_default_str();
  serve->callback([&] {
    serve_options.durability = *eddy::log::ParseDurability(serve_durability);
    serve_exit = eddy::cli::RunServe(serve_options, serve_pipes);
  });

  // eddy bench ...
  auto* bench = app.add_subcommand("bench", "Measure eddy's performance");
  bench->require_subcommand(1);
  eddy::bench::LogBenchOptions log_bench;
  std::string durability = "sync";
  bool json = false;
  auto* bench_log =
      bench->add_subcommand("log",
                            "Append to shard logs through group commit and report MB/s, records/s, "
                            "append-to-ack latency and fdatasync calls/s");
  bench_log->add_option("--dir", log_bench.dir, "Scratch directory (emptied before and after)")
      ->capture_default_str();
  bench_log->add_option("--shards", log_bench.shards, "Number of shard logs")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  bench_log->add_option("--record-bytes", log_bench.record_bytes, "Data bytes per record")
      ->capture_default_str()
      ->check(CLI::Range(0, 10 * 1024 * 1024));
  bench_log->add_option("--batch", log_bench.batch_records, "Records per append")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  bench_log->add_option("--producers", log_bench.producers, "Threads issuing appends")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  bench_log->add_option("--inflight", log_bench.inflight, "Appends in flight per producer")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  bench_log->add_option("--seconds", log_bench.seconds, "How long to append")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bench_log->add_option("--durability", durability, "sync (fdatasync before ack), interval or none")
      ->capture_default_str()
      ->check(CLI::IsMember({"sync", "interval", "none"}));
  bench_log->add_option("--sync-threads", log_bench.sync_threads, "Threads running fdatasync")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  bench_log->add_flag("--keep", log_bench.keep, "Keep the data directory afterwards");
  bench_log->add_flag("--json", json, "Print one JSON object instead of a table");
  bench_log->callback([&] {
    log_bench.durability = *eddy::log::ParseDurability(durability);
    auto report = eddy::bench::RunLogBench(log_bench);
    if (!report.ok()) {
      std::fprintf(stderr, "eddy bench log: %s\n", report.status().ToString().c_str());
      throw CLI::RuntimeError(1);
    }
    std::fputs(
        (json ? eddy::bench::FormatReportJson(*report) + "\n" : eddy::bench::FormatReport(*report))
            .c_str(),
        stdout);
  });

  // eddy bench kinesis
  eddy::bench::KinesisBenchOptions kb;
  bool kb_json = false;
  auto* bench_kinesis = bench->add_subcommand(
      "kinesis",
      "Produce and consume through the Kinesis API (of eddy or any compatible endpoint) and "
      "report throughput, latency, and lost/duplicated/reordered/corrupt records");
  bench_kinesis->add_option(
      "--endpoint", kb.endpoint,
      "Server to measure, e.g. http://127.0.0.1:4566 (default: start eddy serve "
      "on a free port for the run)");
  bench_kinesis->add_option("--region", kb.region, "Region to sign for")->capture_default_str();
  bench_kinesis->add_option("--server-pid", kb.server_pid,
                            "With --endpoint: the server's pid, to report its memory");
  bench_kinesis
      ->add_option("--durability", kb.durability,
                   "For the server started here: sync (acknowledge after fdatasync), interval, "
                   "none")
      ->capture_default_str()
      ->check(CLI::IsMember({"sync", "interval", "none"}));
  bench_kinesis->add_option("--data-dir", kb.server_data_dir, "Data of the server started here")
      ->capture_default_str();
  bench_kinesis->add_option("--streams", kb.streams, "Streams to create")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  bench_kinesis->add_option("--shards", kb.shards, "Shards per stream")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  bench_kinesis->add_option("--producers", kb.producers, "Producer threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  bench_kinesis->add_option("--consumers", kb.consumers, "Consumer threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  bench_kinesis->add_option("--record-bytes", kb.record_bytes, "Data bytes per record (>= 32)")
      ->capture_default_str()
      ->check(CLI::Range(32, 1 << 20));
  bench_kinesis->add_option("--batch", kb.batch_records, "Records per PutRecords call")
      ->capture_default_str()
      ->check(CLI::Range(1, 500));
  bench_kinesis->add_option("--seconds", kb.seconds, "How long producers run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bench_kinesis->add_option("--records", kb.records,
                            "Stop after this many acknowledged records instead");
  bench_kinesis->add_option("--rate", kb.rate, "Records/s across producers (0: unlimited)")
      ->capture_default_str();
  bench_kinesis->add_option("--keys", kb.key_spread, "Distinct partition keys")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  bench_kinesis->add_flag("--reshard", kb.reshard,
                          "Split a shard after 1/3 of the run and merge its children after 2/3");
  bench_kinesis->add_flag("--drain-after", kb.drain_after,
                          "Start consumers only when producers are done (measures draining)");
  bench_kinesis
      ->add_option("--drain-timeout", kb.drain_timeout_s,
                   "Seconds consumers may take to read everything afterwards")
      ->capture_default_str();
  bench_kinesis->add_option("--poll-ms", kb.poll_ms, "Consumer pause after an empty round")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  bench_kinesis->add_flag("--json", kb_json, "Print one JSON object instead of a table");
  bench_kinesis->callback([&] {
    auto report = eddy::bench::RunKinesisBench(kb);
    if (!report.ok()) {
      std::fprintf(stderr, "eddy bench kinesis: %s\n", report.status().ToString().c_str());
      throw CLI::RuntimeError(1);
    }
    std::fputs((kb_json ? eddy::bench::FormatKinesisReportJson(*report) + "\n"
                        : eddy::bench::FormatKinesisReport(*report))
                   .c_str(),
               stdout);
    if (!report->clean()) throw CLI::RuntimeError(2);
  });

  // eddy bench dynamodb
  eddy::bench::DynamoDbBenchOptions db;
  bool db_json = false;
  auto* bench_dynamodb = bench->add_subcommand(
      "dynamodb",
      "PutItem, UpdateItem, GetItem and Query through the DynamoDB API (of eddy or any "
      "compatible endpoint): operations/s and latencies per phase");
  bench_dynamodb->add_option(
      "--endpoint", db.endpoint,
      "Server to measure (default: start eddy serve on a free port for the run)");
  bench_dynamodb->add_option("--region", db.region, "Region to sign for")->capture_default_str();
  bench_dynamodb->add_option("--server-pid", db.server_pid,
                             "With --endpoint: the server's pid, to report its memory");
  bench_dynamodb
      ->add_option("--durability", db.durability,
                   "For the server started here: sync (acknowledge after fsync), interval, none")
      ->capture_default_str()
      ->check(CLI::IsMember({"sync", "interval", "none"}));
  bench_dynamodb->add_option("--data-dir", db.server_data_dir, "Data of the server started here")
      ->capture_default_str();
  bench_dynamodb
      ->add_option("--clients", db.clients, "Clients (connections), one request in flight each")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  bench_dynamodb
      ->add_option("--driver", db.driver,
                   "events: epoll loops drive the clients, so the load generator costs little "
                   "(plain HTTP); threads: a thread per client with the SDK-like blocking client")
      ->capture_default_str()
      ->check(CLI::IsMember({"events", "threads"}));
  bench_dynamodb
      ->add_option("--client-threads", db.client_threads,
                   "With --driver events: loop threads sharing the clients")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  bench_dynamodb->add_option("--seconds", db.seconds, "Length of each phase")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bench_dynamodb->add_option("--item-bytes", db.item_bytes, "Payload bytes per item")
      ->capture_default_str()
      ->check(CLI::Range(0, 350000));
  bench_dynamodb->add_option("--partitions", db.partitions, "Distinct partition keys")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  bench_dynamodb->add_option("--query-limit", db.query_limit, "Items per Query")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  bench_dynamodb
      ->add_option("--phases", db.phases,
                   "Phases in order: put update get query limits stream floor (limits: "
                   "DescribeLimits, no table work: one signed round trip through eddy; floor: "
                   "the same to a responder that does nothing, the machine's ceiling for these "
                   "clients; stream: writes at "
                   "--stream-rate while a reader follows the table's stream, latency = write sent "
                   "to record read)")
      ->delimiter(',')
      ->capture_default_str();
  bench_dynamodb
      ->add_option("--stream-rate", db.stream_rate,
                   "Writes/s in the stream phase, over all clients (0: as fast as they go)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  bench_dynamodb->add_flag("--json", db_json, "Print one JSON object instead of a table");
  bench_dynamodb->callback([&] {
    auto report = eddy::bench::RunDynamoDbBench(db);
    if (!report.ok()) {
      std::fprintf(stderr, "eddy bench dynamodb: %s\n", report.status().ToString().c_str());
      throw CLI::RuntimeError(1);
    }
    std::fputs((db_json ? eddy::bench::FormatDynamoDbReportJson(*report) + "\n"
                        : eddy::bench::FormatDynamoDbReport(*report))
                   .c_str(),
               stdout);
    if (!report->clean()) throw CLI::RuntimeError(2);
  });

  // eddy bench consumer
  AddConsumerBench(*bench);

  // eddy stream ...
  eddy::cli::AddStreamCommands(app);

  // eddy log ...
  eddy::cli::AddLogCommands(app);

  // eddy table ...
  eddy::cli::AddTableCommands(app);

  // eddy worker ...
  int worker_exit = 0;
  eddy::cli::AddWorkerCommand(app, &worker_exit);

  CLI11_PARSE(app, argc, argv);
  return serve_exit != 0 ? serve_exit : worker_exit;
}
