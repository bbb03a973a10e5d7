#include "eddy/cli/stream_commands.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/base64.h"
#include "eddy/client/kinesis_client.h"
#include "eddy/client/stream_tailer.h"

namespace eddy::cli {
namespace {

struct Connection {
  std::string endpoint;
  std::string region;
  std::string profile;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "eddy stream: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

std::unique_ptr<client::KinesisClient> Connect(const Connection& c) {
  auto settings =
      auth::ResolveAwsSettings(auth::SettingsSource::FromProcess(), c.profile, "KINESIS");
  if (!settings.ok()) Fail(settings.status().message());
  client::ClientConfig config;
  config.endpoint =
      !c.endpoint.empty() ? c.endpoint : settings->endpoint_url.value_or("http://127.0.0.1:4566");
  config.region = c.region;
  config.profile = c.profile;
  // eddy accepts any credentials unless keys are configured.
  config.fallback_credentials = auth::Credentials{"eddy", "eddy", ""};
  auto kinesis = client::KinesisClient::Create(config);
  if (!kinesis.ok()) Fail(kinesis.status().message());
  return std::move(kinesis).value();
}

template <typename T>
T Check(client::Outcome<T> outcome) {
  if (!outcome.ok()) Fail(outcome.error().ToString());
  return std::move(outcome).value();
}

std::string IsoTime(int64_t ms) {
  const time_t seconds = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms % 1000));
}

// Printable text: bytes outside printable ASCII and UTF-8 sequences are escaped.
std::string Printable(const std::string& data) {
  std::string out;
  out.reserve(data.size());
  for (unsigned char c : data) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);  // printable ASCII or part of a UTF-8 sequence
    }
  }
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

struct State {
  Connection connection;
  std::string name;
  int shards = 1;
  bool on_demand = false;
  bool no_wait = false;
  bool enforce = false;
  std::string data;
  bool has_data = false;
  std::string partition_key;
  std::string from = "TRIM_HORIZON";
  std::string format = "text";
  bool no_follow = false;
  uint64_t max_records = 0;
};

void AddConnectionOptions(CLI::App* cmd, Connection& c) {
  cmd->add_option("--endpoint", c.endpoint,
                  "Kinesis endpoint (default: AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL, the "
                  "profile's endpoint_url, else http://127.0.0.1:4566)");
  cmd->add_option("--region", c.region, "Region (default: AWS_REGION, the profile, us-east-1)");
  cmd->add_option("--profile", c.profile, "AWS profile (default: AWS_PROFILE or default)");
}

void Create(const State& s) {
  auto kinesis = Connect(s.connection);
  Check(kinesis->CreateStream(s.name, s.on_demand ? std::nullopt : std::optional<int>(s.shards),
                              s.on_demand));
  if (s.no_wait) {
    std::printf("%s: creating\n", s.name.c_str());
    return;
  }
  auto summary = Check(kinesis->WaitForActive(s.name));
  std::printf("%s: %s, %d open shards, %s\n", summary.name.c_str(), summary.status.c_str(),
              summary.open_shard_count, summary.arn.c_str());
}

void List(const State& s) {
  auto kinesis = Connect(s.connection);
  for (const auto& name : Check(kinesis->ListStreams())) std::printf("%s\n", name.c_str());
}

void Describe(const State& s) {
  auto kinesis = Connect(s.connection);
  auto summary = Check(kinesis->DescribeStreamSummary(s.name));
  auto shards = Check(kinesis->ListShards(s.name));
  std::printf(
      "stream      %s\narn         %s\nstatus      %s\nmode        %s\n"
      "retention   %d hours\ncreated     %s\nopen shards %d (%zu in all)\n\n",
      summary.name.c_str(), summary.arn.c_str(), summary.status.c_str(), summary.mode.c_str(),
      summary.retention_hours, IsoTime(summary.created_ms).c_str(), summary.open_shard_count,
      shards.size());
  std::printf("%-22s %-7s %-22s %-41s %s\n", "shard", "state", "parents", "hash keys from", "to");
  for (const auto& shard : shards) {
    std::string parents = shard.parent_shard_id;
    if (!shard.adjacent_parent_shard_id.empty()) {
      // "shardId-000000000001+000000000002": the second parent without its repeated prefix.
      std::string_view adjacent = shard.adjacent_parent_shard_id;
      if (adjacent.starts_with("shardId-")) adjacent.remove_prefix(8);
      parents += "+" + std::string(adjacent);
    }
    std::printf("%-22s %-7s %-22s %-41s %s\n", shard.shard_id.c_str(),
                shard.open() ? "open" : "closed", parents.empty() ? "-" : parents.c_str(),
                shard.starting_hash_key.c_str(), shard.ending_hash_key.c_str());
  }
}

void Delete(const State& s) {
  auto kinesis = Connect(s.connection);
  Check(kinesis->DeleteStream(s.name, s.enforce));
  std::printf("%s: deleting\n", s.name.c_str());
}

// PutRecords with failed entries re-sent (up to 10 rounds, as producers do).
uint64_t PutAll(client::KinesisClient& kinesis, const std::string& stream,
                const std::vector<std::string>& lines, const std::vector<std::string>& keys) {
  std::vector<size_t> pending(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) pending[i] = i;
  for (int round = 0; round < 10 && !pending.empty(); ++round) {
    std::vector<client::PutEntry> entries;
    for (size_t i : pending) entries.push_back(client::PutEntry{lines[i], keys[i], {}});
    auto result = Check(kinesis.PutRecords(stream, entries));
    std::vector<size_t> failed;
    for (size_t j = 0; j < pending.size(); ++j) {
      if (!result.records[j].ok()) failed.push_back(pending[j]);
    }
    pending = std::move(failed);
  }
  return pending.size();
}

void Put(const State& s) {
  auto kinesis = Connect(s.connection);
  if (s.has_data) {
    const std::string key = s.partition_key.empty() ? "eddy-cli" : s.partition_key;
    auto result = Check(kinesis->PutRecord(s.name, client::PutEntry{s.data, key, {}}));
    std::printf("%s %s\n", result.shard_id.c_str(), result.sequence_number.c_str());
    return;
  }
  // One record per line of standard input, in PutRecords of up to 500 records / 5 MiB (AWS's
  // limits; a record is at most 1 MiB counting its partition key).
  constexpr size_t kMaxRecordBytes = 1 << 20;
  constexpr size_t kMaxBatchBytes = 5 << 20;
  constexpr size_t kMaxBatchRecords = 500;
  uint64_t sent = 0, failed = 0, line_no = 0;
  std::vector<std::string> lines, keys;
  size_t bytes = 0;
  auto flush = [&] {
    if (lines.empty()) return;
    failed += PutAll(*kinesis, s.name, lines, keys);
    sent += lines.size();
    lines.clear();
    keys.clear();
    bytes = 0;
  };
  std::string line;
  while (std::getline(std::cin, line)) {
    ++line_no;
    std::string key = s.partition_key.empty() ? fmt::format("line-{}", line_no) : s.partition_key;
    const size_t record_bytes = line.size() + key.size();
    if (record_bytes > kMaxRecordBytes) {
      flush();
      Fail(
          fmt::format("line {} is {} bytes with its partition key; a Kinesis record holds at "
                      "most {} bytes ({} records before it were put{})",
                      line_no, record_bytes, kMaxRecordBytes, sent - failed,
                      failed > 0 ? fmt::format(", {} failed", failed) : ""));
    }
    // Send what is pending first if this record would take the batch over a limit.
    if (lines.size() == kMaxBatchRecords || bytes + record_bytes > kMaxBatchBytes) flush();
    bytes += record_bytes;
    keys.push_back(std::move(key));
    lines.push_back(std::move(line));
  }
  flush();
  std::printf("%llu records put to %s%s\n", static_cast<unsigned long long>(sent - failed),
              s.name.c_str(),
              failed > 0 ? fmt::format(", {} failed after retries", failed).c_str() : "");
  if (failed > 0) throw CLI::RuntimeError(1);
}

void Tail(const State& s) {
  auto start = client::ParseTailStart(s.from);
  if (!start.ok()) Fail(start.status().message());
  auto kinesis = Connect(s.connection);
  client::StreamTailer::Options options;
  options.follow = !s.no_follow;
  client::StreamTailer tailer(*kinesis, s.name, *start, options);
  uint64_t printed = 0;
  auto result = tailer.Run([&](const std::vector<client::TailedRecord>& batch) {
    for (const auto& t : batch) {
      const auto& r = t.record;
      if (s.format == "raw") {
        std::fwrite(r.data.data(), 1, r.data.size(), stdout);
      } else if (s.format == "json") {
        std::string line = "{\"shardId\":" + JsonString(t.shard_id) + ",\"sequenceNumber\":\"" +
                           r.sequence_number + "\",\"approximateArrivalTimestamp\":\"" +
                           IsoTime(r.arrival_ms) +
                           "\",\"partitionKey\":" + JsonString(r.partition_key) + ",\"data\":\"" +
                           base64::Encode(r.data) + "\"}\n";
        std::fwrite(line.data(), 1, line.size(), stdout);
      } else {
        std::string line = IsoTime(r.arrival_ms) + " " + t.shard_id + " " + r.sequence_number +
                           " " + Printable(r.partition_key) + " " + Printable(r.data) + "\n";
        std::fwrite(line.data(), 1, line.size(), stdout);
      }
      if (s.max_records > 0 && ++printed >= s.max_records) {
        std::fflush(stdout);
        return false;
      }
    }
    std::fflush(stdout);
    return true;
  });
  if (!result.ok()) Fail(result.error().ToString());
}

}  // namespace

void AddStreamCommands(CLI::App& app) {
  auto s = std::make_shared<State>();
  auto* stream = app.add_subcommand(
      "stream", "Create, inspect, write and read streams through the Kinesis API");
  stream->require_subcommand(1);

  auto* create = stream->add_subcommand("create", "Create a stream and wait until it is ACTIVE");
  create->add_option("name", s->name, "Stream name")->required();
  create->add_option("--shards", s->shards, "Shard count")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  create->add_flag("--on-demand", s->on_demand, "ON_DEMAND capacity mode");
  create->add_flag("--no-wait", s->no_wait, "Return without waiting for ACTIVE");
  AddConnectionOptions(create, s->connection);
  create->callback([s] { Create(*s); });

  auto* list = stream->add_subcommand("list", "List stream names");
  AddConnectionOptions(list, s->connection);
  list->callback([s] { List(*s); });

  auto* describe = stream->add_subcommand("describe", "Show a stream and its shards");
  describe->add_option("name", s->name, "Stream name")->required();
  AddConnectionOptions(describe, s->connection);
  describe->callback([s] { Describe(*s); });

  auto* del = stream->add_subcommand("delete", "Delete a stream");
  del->add_option("name", s->name, "Stream name")->required();
  del->add_flag("--enforce-consumer-deletion", s->enforce, "Also delete its consumers");
  AddConnectionOptions(del, s->connection);
  del->callback([s] { Delete(*s); });

  auto* put = stream->add_subcommand(
      "put", "Put one record (--data) or one record per line of standard input");
  put->add_option("name", s->name, "Stream name")->required();
  put->add_option("--data", s->data, "The record's data")->each([s](const std::string&) {
    s->has_data = true;
  });
  put->add_option("--partition-key", s->partition_key,
                  "Partition key (default: one per line, spreading records over shards)");
  AddConnectionOptions(put, s->connection);
  put->callback([s] { Put(*s); });

  auto* tail = stream->add_subcommand(
      "tail", "Print a stream's records from every shard, following resharding");
  tail->add_option("name", s->name, "Stream name")->required();
  tail->add_option("--from", s->from,
                   "TRIM_HORIZON, LATEST, an ISO-8601 time (2026-11-21T10:00:00Z; without a zone "
                   "it is local time) or a sequence number")
      ->capture_default_str();
  tail->add_option("--format", s->format, "text, json (one object per line) or raw (data only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json", "raw"}));
  tail->add_flag("--no-follow", s->no_follow, "Stop once every shard is caught up");
  tail->add_option("--max", s->max_records, "Stop after this many records");
  AddConnectionOptions(tail, s->connection);
  tail->callback([s] { Tail(*s); });
}

}  // namespace eddy::cli
