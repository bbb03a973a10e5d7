#include "bench/dynamodb_bench.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "bench/http_load.h"
#include "bench/null_responder.h"
#include "bench/server_process.h"
#include "eddy/client/aws_json_client.h"

namespace eddy::bench {
namespace {

using client::AwsJsonClient;

std::string JsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

// The "threads" driver: one thread per client, each making blocking calls through `ddb` (the
// SDK-like client with its retries). The "events" driver (bench/http_load.h) costs the machine
// far less per request, so it is the default wherever the endpoint is plain HTTP.
DynamoDbPhaseReport RunPhaseOnThreads(const std::string& name, int clients, double seconds,
                                      AwsJsonClient& ddb, const MakeLoadRequest& make,
                                      const CheckLoadAnswer& check) {
  DynamoDbPhaseReport report;
  report.name = name;
  Samples samples;
  FirstError first_error;
  std::atomic<uint64_t> operations{0}, errors{0};
  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(static_cast<uint64_t>(c) * 7919 + 1);
      std::vector<float> latencies;
      LoadRequest request;
      while (SteadyClock::now() < deadline) {
        std::string error = make(c, rng, request);
        const bool made = error.empty();
        if (made) {
          const auto t0 = SteadyClock::now();
          auto answer = ddb.Call(request.operation, request.body);
          latencies.push_back(
              std::chrono::duration<float, std::milli>(SteadyClock::now() - t0).count());
          error = answer.ok() ? check(c, request, *answer)
                              : request.operation + ": " + answer.error().ToString();
        }
        operations.fetch_add(1, std::memory_order_relaxed);
        if (!error.empty()) {
          errors.fetch_add(1, std::memory_order_relaxed);
          first_error.Set(std::move(error));
        }
        if (!made) break;  // as the events driver: a client that cannot go on stops
      }
      samples.Add(latencies);
    });
  }
  for (auto& t : threads) t.join();
  report.seconds = SecondsSince(start);
  report.operations = operations.load();
  report.errors = errors.load();
  report.ops_per_s = static_cast<double>(report.operations) / report.seconds;
  report.latency = samples.Summary();
  report.first_error = first_error.Get();
  return report;
}

// The stream phase: paced writers, one reader following the stream (see the header).
template <typename ItemId, typename Partition>
DynamoDbPhaseReport RunStreamPhase(const DynamoDbBenchOptions& options,
                                   const client::ClientConfig& config, AwsJsonClient& ddb,
                                   const std::string& table,
                                   std::vector<std::atomic<uint64_t>>& written, ItemId item_id,
                                   Partition partition, const std::string& payload) {
  DynamoDbPhaseReport report;
  report.name = "stream";
  FirstError first_error;
  std::atomic<uint64_t> operations{0}, errors{0};
  auto fail = [&](std::string message) {
    errors.fetch_add(1, std::memory_order_relaxed);
    first_error.Set(std::move(message));
  };
  auto streams_or = AwsJsonClient::Create(client::kDynamoDbStreamsService, config);
  if (!streams_or.ok()) {
    report.errors = 1;
    report.first_error = streams_or.status().ToString();
    return report;
  }
  AwsJsonClient& streams = **streams_or;
  const auto origin = SteadyClock::now();
  auto now_us = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - origin)
        .count();
  };
  // The stream's open shard, positioned at LATEST before any write of this phase.
  std::string arn, shard, iterator;
  {
    auto described = ddb.Call("DescribeTable", fmt::format(R"({{"TableName":"{}"}})", table));
    rapidjson::Document doc;
    if (described.ok()) doc.Parse(described->c_str());
    if (!described.ok() || doc.HasParseError() || !doc["Table"].HasMember("LatestStreamArn")) {
      report.errors = 1;
      report.first_error = "DescribeTable: the table has no stream";
      return report;
    }
    arn = doc["Table"]["LatestStreamArn"].GetString();
    auto stream = streams.Call("DescribeStream", fmt::format(R"({{"StreamArn":"{}"}})", arn));
    rapidjson::Document d;
    if (stream.ok()) d.Parse(stream->c_str());
    if (!stream.ok() || d.HasParseError()) {
      report.errors = 1;
      report.first_error = "DescribeStream failed";
      return report;
    }
    for (const auto& s : d["StreamDescription"]["Shards"].GetArray()) {
      if (!s["SequenceNumberRange"].HasMember("EndingSequenceNumber")) {
        shard = s["ShardId"].GetString();
      }
    }
    auto it = streams.Call("GetShardIterator", fmt::format(R"({{"StreamArn":"{}","ShardId":"{}",)"
                                                           R"("ShardIteratorType":"LATEST"}})",
                                                           arn, shard));
    rapidjson::Document i;
    if (it.ok()) i.Parse(it->c_str());
    if (!it.ok() || i.HasParseError() || !i.HasMember("ShardIterator")) {
      report.errors = 1;
      report.first_error = "GetShardIterator failed";
      return report;
    }
    iterator = i["ShardIterator"].GetString();
  }

  const auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                 std::chrono::duration<double>(options.seconds));
  std::atomic<bool> writers_done{false};
  std::atomic<uint64_t> sent{0};
  std::vector<std::thread> threads;
  const double per_client =
      options.stream_rate > 0 ? static_cast<double>(options.stream_rate) / options.clients : 0;
  for (int c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      const auto start = SteadyClock::now();
      for (uint64_t k = 0; SteadyClock::now() < deadline; ++k) {
        if (per_client > 0) {
          std::this_thread::sleep_until(start + std::chrono::duration_cast<SteadyClock::duration>(
                                                    std::chrono::duration<double>(k / per_client)));
        }
        const uint64_t n = written[static_cast<size_t>(c)].load(std::memory_order_relaxed);
        const uint64_t id = item_id(c, n);
        auto r = ddb.Call(
            "PutItem",
            fmt::format(R"({{"TableName":"{}","Item":{{"pk":{{"S":"p{}"}},"sk":{{"N":"{}"}},)"
                        R"("sent_us":{{"N":"{}"}},"payload":{{"S":"{}"}}}}}})",
                        table, partition(id), id, now_us(), payload));
        if (!r.ok()) {
          fail("PutItem: " + r.error().ToString());
          continue;
        }
        written[static_cast<size_t>(c)].store(n + 1, std::memory_order_relaxed);
        sent.fetch_add(1, std::memory_order_relaxed);
        operations.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // The reader: every record's delay from its PutItem's send to its arrival here.
  std::vector<float> visible_ms;
  uint64_t seen = 0;
  std::thread reader([&] {
    const auto give_up = deadline + std::chrono::seconds(10);
    while (SteadyClock::now() < give_up) {
      if (writers_done && seen >= sent.load()) break;
      auto page = streams.Call("GetRecords", fmt::format(R"({{"ShardIterator":"{}"}})", iterator));
      const int64_t arrived = now_us();
      rapidjson::Document d;
      if (page.ok()) d.Parse(page->c_str());
      if (!page.ok() || d.HasParseError()) {
        fail("GetRecords: " + (page.ok() ? std::string("bad JSON") : page.error().ToString()));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      const auto& records = d["Records"];
      for (const auto& r : records.GetArray()) {
        const auto& image = r["dynamodb"]["NewImage"];
        if (!image.HasMember("sent_us")) continue;
        const int64_t sent_us = std::stoll(image["sent_us"]["N"].GetString());
        visible_ms.push_back(static_cast<float>(arrived - sent_us) / 1000.0f);
        ++seen;
      }
      if (d.HasMember("NextShardIterator")) {
        iterator = d["NextShardIterator"].GetString();
      } else {
        // The shard closed and is read to its end: go on with its child.
        auto child =
            streams.Call("DescribeStream",
                         fmt::format(R"({{"StreamArn":"{}","ShardFilter":{{"Type":"CHILD_SHARDS",)"
                                     R"("ShardId":"{}"}}}})",
                                     arn, shard));
        rapidjson::Document cd;
        if (child.ok()) cd.Parse(child->c_str());
        if (!child.ok() || cd.HasParseError() ||
            cd["StreamDescription"]["Shards"].GetArray().Empty()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
        shard = cd["StreamDescription"]["Shards"][0]["ShardId"].GetString();
        auto it =
            streams.Call("GetShardIterator", fmt::format(R"({{"StreamArn":"{}","ShardId":"{}",)"
                                                         R"("ShardIteratorType":"TRIM_HORIZON"}})",
                                                         arn, shard));
        rapidjson::Document i;
        if (it.ok()) i.Parse(it->c_str());
        if (!it.ok() || i.HasParseError() || !i.HasMember("ShardIterator")) {
          fail("GetShardIterator failed");
          return;
        }
        iterator = i["ShardIterator"].GetString();
      }
      // Poll again at once after records, else after a short pause.
      if (records.GetArray().Empty()) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  const auto start = SteadyClock::now();
  for (auto& t : threads) t.join();
  report.seconds = SecondsSince(start);
  writers_done = true;
  reader.join();
  report.operations = operations.load();
  if (seen != sent.load()) {
    fail(fmt::format("the stream showed {} of {} writes", seen, sent.load()));
  }
  report.errors = errors.load();
  report.ops_per_s = static_cast<double>(report.operations) / report.seconds;
  report.latency = Summarize(visible_ms);
  report.first_error = first_error.Get();
  return report;
}

}  // namespace

bool DynamoDbBenchReport::clean() const {
  for (const auto& p : phases) {
    if (p.errors > 0) return false;
  }
  return true;
}

Result<DynamoDbBenchReport> RunDynamoDbBench(const DynamoDbBenchOptions& options) {
  if (options.clients < 1 || options.clients > 1024 || options.seconds <= 0 ||
      options.partitions < 1 || options.partitions > 1'000'000 || options.item_bytes > 350'000 ||
      options.query_limit < 1 || options.client_threads < 1 || options.client_threads > 64 ||
      (options.driver != "events" && options.driver != "threads")) {
    return Status::InvalidArgument(
        "clients 1..1024, seconds > 0, partitions 1..1000000, item bytes at most 350000, query "
        "limit >= 1, client threads 1..64, driver events or threads");
  }
  for (const auto& phase : options.phases) {
    if (phase != "put" && phase != "update" && phase != "get" && phase != "query" &&
        phase != "limits" && phase != "stream" && phase != "floor") {
      return Status::InvalidArgument("unknown phase '" + phase +
                                     "' (put, update, get, query, limits, stream, floor)");
    }
    if (phase == "floor" && options.driver != "events") {
      return Status::InvalidArgument("the floor phase needs --driver events");
    }
  }
  RaiseOpenFileLimit();
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
  config.http.max_idle_connections = static_cast<size_t>(options.clients + 4);
  EDDY_ASSIGN_OR_RETURN(auto ddb, AwsJsonClient::Create(client::kDynamoDbService, config));
  const auth::Credentials credentials = ddb->credentials();
  // The events driver speaks plain HTTP; a TLS endpoint (AWS itself) gets the threads driver.
  const bool use_events = options.driver == "events" && !ddb->endpoint().tls;

  const std::string table =
      fmt::format("eddy-bench-{}-{}", ::getpid(),
                  std::chrono::system_clock::now().time_since_epoch().count() % 1000000);
  const bool with_stream =
      std::find(options.phases.begin(), options.phases.end(), "stream") != options.phases.end();
  auto created = ddb->Call(
      "CreateTable",
      fmt::format(R"({{"TableName":"{}","BillingMode":"PAY_PER_REQUEST",)"
                  R"("AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}},)"
                  R"({{"AttributeName":"sk","AttributeType":"N"}}],)"
                  R"("KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}},)"
                  R"({{"AttributeName":"sk","KeyType":"RANGE"}}]{}}})",
                  table,
                  with_stream ? R"(,"StreamSpecification":{"StreamEnabled":true,)"
                                R"("StreamViewType":"NEW_IMAGE"})"
                              : ""));
  if (!created.ok()) return Status::Unavailable("CreateTable: " + created.error().ToString());
  // Peers report CREATING for a while: wait for ACTIVE.
  for (int i = 0; i < 600; ++i) {
    auto described = ddb->Call("DescribeTable", fmt::format(R"({{"TableName":"{}"}})", table));
    if (described.ok() && described->find("\"ACTIVE\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  const std::string payload(options.item_bytes, 'x');
  const auto partition = [&](uint64_t k) { return k % static_cast<uint64_t>(options.partitions); };
  // Items are numbered per client: client c's n-th item is pk = p<(c*2^32+n) % partitions>,
  // sk = c*2^32+n. `written[c]` counts the items client c has put.
  std::vector<std::atomic<uint64_t>> written(static_cast<size_t>(options.clients));
  auto item_id = [](int c, uint64_t n) { return (static_cast<uint64_t>(c) << 32) + n; };
  auto key_json = [&](uint64_t id) {
    return fmt::format(R"({{"pk":{{"S":"p{}"}},"sk":{{"N":"{}"}}}})", partition(id), id);
  };
  // A random item some client has written: from a random client, or the next one that has
  // written any (nullopt: none has).
  auto random_written = [&](std::mt19937_64& rng) -> std::optional<uint64_t> {
    const auto clients = static_cast<uint64_t>(options.clients);
    const uint64_t first = rng() % clients;
    for (uint64_t k = 0; k < clients; ++k) {
      const uint64_t c = (first + k) % clients;
      const uint64_t count = written[c].load(std::memory_order_relaxed);
      if (count > 0) return item_id(static_cast<int>(c), rng() % count);
    }
    return std::nullopt;
  };

  DynamoDbBenchReport report;
  report.options = options;
  report.endpoint = endpoint;
  report.driver = use_events ? fmt::format("events ({} loop thread{})", options.client_threads,
                                           options.client_threads == 1 ? "" : "s")
                             : "threads";
  // Each phase's report, with the server's CPU time per operation when it can be read.
  auto add_phase = [&](DynamoDbPhaseReport phase_report, double cpu_before) {
    const double cpu_after = server_pid > 0 ? ReadProcessCpuSeconds(server_pid) : -1;
    if (cpu_before >= 0 && cpu_after >= cpu_before && phase_report.operations > 0 &&
        phase_report.name != "floor") {
      phase_report.server_cpu_us_per_op =
          (cpu_after - cpu_before) * 1e6 / static_cast<double>(phase_report.operations);
    }
    report.phases.push_back(std::move(phase_report));
  };
  for (const auto& phase : options.phases) {
    const double cpu_before = server_pid > 0 ? ReadProcessCpuSeconds(server_pid) : -1;
    if (phase == "stream") {
      add_phase(RunStreamPhase(options, config, *ddb, table, written, item_id, partition, payload),
                cpu_before);
      continue;
    }
    MakeLoadRequest make;
    CheckLoadAnswer check = [](int, const LoadRequest&, std::string_view) { return std::string(); };
    if (phase == "put") {
      // Client c has one request in flight at a time: its n-th put writes item (c, n) and the
      // answer moves the count on.
      make = [&](int c, std::mt19937_64&, LoadRequest& request) -> std::string {
        const uint64_t id = item_id(c, written[static_cast<size_t>(c)].load());
        request.operation = "PutItem";
        request.body =
            fmt::format(R"({{"TableName":"{}","Item":{{"pk":{{"S":"p{}"}},"sk":{{"N":"{}"}},)"
                        R"("n":{{"N":"0"}},"payload":{{"S":"{}"}}}}}})",
                        table, partition(id), id, payload);
        return "";
      };
      check = [&](int c, const LoadRequest&, std::string_view) -> std::string {
        written[static_cast<size_t>(c)].fetch_add(1);
        return "";
      };
    } else if (phase == "update") {
      make = [&](int, std::mt19937_64& rng, LoadRequest& request) -> std::string {
        auto id = random_written(rng);
        if (!id) return "update: no items (run the put phase first)";
        request.operation = "UpdateItem";
        request.body = fmt::format(R"({{"TableName":"{}","Key":{},"UpdateExpression":"ADD n :one",)"
                                   R"("ExpressionAttributeValues":{{":one":{{"N":"1"}}}}}})",
                                   table, key_json(*id));
        return "";
      };
    } else if (phase == "get") {
      make = [&](int, std::mt19937_64& rng, LoadRequest& request) -> std::string {
        auto id = random_written(rng);
        if (!id) return "get: no items (run the put phase first)";
        request.operation = "GetItem";
        request.body = fmt::format(R"({{"TableName":"{}","Key":{}}})", table, key_json(*id));
        return "";
      };
      check = [](int, const LoadRequest& request, std::string_view answer) -> std::string {
        if (answer.find("\"Item\"") != std::string_view::npos) return "";
        return "GetItem: item missing, asked with " + request.body;
      };
    } else if (phase == "limits" || phase == "floor") {
      // No table work at all: the cost of one signed request and answer through eddy's HTTP
      // and API layers ("floor": the same request to a responder that does nothing).
      make = [](int, std::mt19937_64&, LoadRequest& request) -> std::string {
        request.operation = "DescribeLimits";
        request.body = "{}";
        return "";
      };
    } else {
      make = [&](int, std::mt19937_64& rng, LoadRequest& request) -> std::string {
        request.operation = "Query";
        request.body =
            fmt::format(R"({{"TableName":"{}","KeyConditionExpression":"pk = :p",)"
                        R"("ExpressionAttributeValues":{{":p":{{"S":"p{}"}}}},"Limit":{}}})",
                        table, partition(rng()), options.query_limit);
        return "";
      };
    }
    // The floor's responder speaks plain HTTP on 127.0.0.1, whatever the endpoint is.
    if (!use_events && phase != "floor") {
      add_phase(RunPhaseOnThreads(phase, options.clients, options.seconds, *ddb, make, check),
                cpu_before);
      continue;
    }
    HttpLoadOptions load;
    load.endpoint = ddb->endpoint();
    std::unique_ptr<NullHttpResponder> responder;
    if (phase == "floor") {
      EDDY_ASSIGN_OR_RETURN(responder, NullHttpResponder::Start());
      EDDY_ASSIGN_OR_RETURN(load.endpoint, http::ParseEndpoint(responder->endpoint()));
    }
    load.service = client::kDynamoDbService;
    load.region = ddb->region();
    load.credentials = credentials;
    load.connections = options.clients;
    load.threads = options.client_threads;
    load.seconds = options.seconds;
    DynamoDbPhaseReport phase_report;
    phase_report.name = phase;
    auto ran = RunHttpLoad(load, make, check);
    if (!ran.ok()) {
      phase_report.errors = 1;
      phase_report.first_error = ran.status().ToString();
    } else {
      phase_report.operations = ran->operations;
      phase_report.errors = ran->errors;
      phase_report.seconds = ran->seconds;
      phase_report.ops_per_s = static_cast<double>(ran->operations) / ran->seconds;
      phase_report.latency = ran->latency;
      phase_report.first_error = ran->first_error;
    }
    add_phase(std::move(phase_report), cpu_before);
  }
  if (server_pid > 0) {
    const auto memory = ReadProcessMemory(server_pid);
    report.server_rss_bytes = memory.rss_bytes;
    report.server_peak_rss_bytes = memory.peak_rss_bytes;
  }
  (void)ddb->Call("DeleteTable", fmt::format(R"({{"TableName":"{}"}})", table));
  return report;
}

std::string FormatDynamoDbReport(const DynamoDbBenchReport& r) {
  const auto& o = r.options;
  std::string out = fmt::format(
      "eddy bench dynamodb: {}\n  {} clients, driver {}, {:.0f} s per phase, {} B payload, {} "
      "partitions\n"
      "  {:<8} {:>12} {:>9} {:>9} {:>9} {:>9} {:>8} {:>13}\n",
      r.endpoint, o.clients, r.driver, o.seconds, o.item_bytes, o.partitions, "phase", "ops/s",
      "p50 ms", "p99 ms", "p999 ms", "max ms", "errors", "server µs/op");
  for (const auto& p : r.phases) {
    out += fmt::format("  {:<8} {:>12.0f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>8} {:>13}\n",
                       p.name, p.ops_per_s, p.latency.p50_ms, p.latency.p99_ms, p.latency.p999_ms,
                       p.latency.max_ms, p.errors,
                       p.server_cpu_us_per_op > 0 ? fmt::format("{:.1f}", p.server_cpu_us_per_op)
                                                  : std::string("-"));
  }
  if (r.server_rss_bytes > 0) {
    out += fmt::format("  server RSS {:.1f} MiB (peak {:.1f} MiB)\n",
                       static_cast<double>(r.server_rss_bytes) / (1 << 20),
                       static_cast<double>(r.server_peak_rss_bytes) / (1 << 20));
  }
  for (const auto& p : r.phases) {
    if (!p.first_error.empty()) out += "  ERROR (" + p.name + "): " + p.first_error + "\n";
  }
  return out;
}

std::string FormatDynamoDbReportJson(const DynamoDbBenchReport& r) {
  const auto& o = r.options;
  std::string phases;
  for (const auto& p : r.phases) {
    if (!phases.empty()) phases += ',';
    phases += fmt::format(
        R"({{"phase":"{}","operations":{},"errors":{},"seconds":{:.3f},"ops_per_s":{:.1f},)"
        R"("p50_ms":{:.3f},"p99_ms":{:.3f},"p999_ms":{:.3f},"max_ms":{:.3f},)"
        R"("server_cpu_us_per_op":{},"first_error":"{}"}})",
        p.name, p.operations, p.errors, p.seconds, p.ops_per_s, p.latency.p50_ms, p.latency.p99_ms,
        p.latency.p999_ms, p.latency.max_ms,
        p.server_cpu_us_per_op > 0 ? fmt::format("{:.1f}", p.server_cpu_us_per_op)
                                   : std::string("null"),
        JsonEscape(p.first_error));
  }
  return fmt::format(
      R"({{"endpoint":"{}","clients":{},"driver":"{}","seconds_per_phase":{:.3f},"item_bytes":{},)"
      R"("partitions":{},"phases":[{}],"server_rss_bytes":{},"server_peak_rss_bytes":{}}})",
      JsonEscape(r.endpoint), o.clients, JsonEscape(r.driver), o.seconds, o.item_bytes,
      o.partitions, phases, r.server_rss_bytes, r.server_peak_rss_bytes);
}

}  // namespace eddy::bench
