#include "eddy/api/dynamodb/kinesis_forwarder.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <map>

#include "eddy/api/aws/json_writer.h"
#include "eddy/api/dynamodb/attribute_json.h"
#include "eddy/base/guarded.h"
#include "eddy/base/md5.h"

namespace eddy::api::dynamodb {
namespace {

// How far before the checkpoint's time the crash check starts reading (clock steps, and the
// time between a batch's append and its checkpoint).
constexpr int64_t kReconcileMarginMs = 5000;
// An idle destination's checkpoint time is refreshed this often.
constexpr int64_t kIdleCheckpointMs = 10 * 60 * 1000;
// Attempts at appending a round of records within one pass.
constexpr int kMaxAttemptsPerPass = 20;

std::string Hex(const std::array<uint8_t, 16>& bytes) {
  std::string out;
  out.reserve(32);
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

// The value of `"name":"..."` in a JSON object written by KinesisChangeRecordJson.
std::string_view StringMember(std::string_view json, std::string_view name) {
  const std::string needle = "\"" + std::string(name) + "\":\"";
  const size_t at = json.find(needle);
  if (at == std::string_view::npos) return {};
  const size_t start = at + needle.size();
  const size_t end = json.find('"', start);
  return end == std::string_view::npos ? std::string_view() : json.substr(start, end - start);
}

}  // namespace

std::string KinesisChangeRecordJson(const table::TableDefinition& table,
                                    const table::ChangeRecord& change, bool microsecond,
                                    std::string_view region) {
  size_t size = model::ItemSizeBytes(change.keys);
  if (change.new_image) size += model::ItemSizeBytes(*change.new_image);
  if (change.old_image) size += model::ItemSizeBytes(*change.old_image);
  const uint64_t seq = change.sequence;
  JsonWriter w(512);
  w.StartObject();
  w.Key("awsRegion").String(region);
  // UUID-shaped, and it carries the table id and the change's sequence number.
  w.Key("eventID").String(fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:06x}000000", table.id,
                                      (seq >> 40) & 0xFFFF, (seq >> 28) & 0xFFF,
                                      (seq >> 16) & 0xFFF, seq & 0xFFFF));
  w.Key("eventName")
      .String(change.event == table::ChangeEvent::kInsert   ? "INSERT"
              : change.event == table::ChangeEvent::kModify ? "MODIFY"
                                                            : "REMOVE");
  w.Key("userIdentity");
  if (change.origin == table::ChangeOrigin::kTimeToLive) {
    w.StartObject().Key("type").String("Service");
    w.Key("principalId").String("dynamodb.amazonaws.com").EndObject();
  } else {
    w.Null();
  }
  w.Key("recordFormat").String("application/json");
  w.Key("tableName").String(table.name);
  w.Key("dynamodb").StartObject();
  w.Key("ApproximateCreationDateTime").Int(microsecond ? change.time_us : change.time_us / 1000);
  w.Key("Keys");
  WriteAttributeMap(w, change.keys);
  if (change.new_image) {
    w.Key("NewImage");
    WriteAttributeMap(w, *change.new_image);
  }
  if (change.old_image) {
    w.Key("OldImage");
    WriteAttributeMap(w, *change.old_image);
  }
  w.Key("SizeBytes").Int(static_cast<int64_t>(size));
  w.EndObject();
  w.Key("eventSource").String("aws:dynamodb");
  w.EndObject();
  return w.Take();
}

uint64_t ForwardedSequence(std::string_view id, uint32_t table_id) {
  // tttttttt-aaaa-4bbb-8ccc-dddddd000000 (see KinesisChangeRecordJson)
  if (id.size() != 36 || id[8] != '-' || id[13] != '-' || id[14] != '4' || id[18] != '-' ||
      id[19] != '8' || id[23] != '-' || id.substr(30) != "000000") {
    return 0;
  }
  auto hex = [](std::string_view s, uint64_t* out) {
    uint64_t v = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<uint64_t>(d);
    }
    *out = v;
    return true;
  };
  uint64_t t = 0, a = 0, b = 0, c = 0, d = 0;
  if (!hex(id.substr(0, 8), &t) || t != table_id || !hex(id.substr(9, 4), &a) ||
      !hex(id.substr(15, 3), &b) || !hex(id.substr(20, 3), &c) || !hex(id.substr(24, 6), &d) ||
      d > 0xFFFF) {
    return 0;
  }
  return (a << 40) | (b << 28) | (c << 16) | d;
}

void KinesisForwarder::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      // A pass that throws (a bug, memory exhausted) is logged and retried after the interval,
      // as one that failed: it must not end the process.
      uint64_t forwarded = 0;
      RunGuarded("Kinesis forwarder: a pass", [&] { forwarded = ForwardOnce(); });
      std::unique_lock lock(mu_);
      if (stopping_) return;
      if (forwarded == 0) {
        wake_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                       [this] { return stopping_ || woken_; });
      }
      woken_ = false;
      if (stopping_) return;
    }
  });
}

void KinesisForwarder::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void KinesisForwarder::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

bool KinesisForwarder::stopping() {
  std::lock_guard lock(mu_);
  return stopping_;
}

uint64_t KinesisForwarder::ForwardOnce() {
  uint64_t total = 0;
  // This runs every interval_ms: the tables are listed again only when the catalog changed,
  // and then only those with an enabled destination are copied.
  const uint64_t version = tables_->CatalogVersion();
  if (version != watched_version_) {
    watched_ = tables_->ListTables([](const table::TableDefinition& table) {
      return std::any_of(table.kinesis_destinations.begin(), table.kinesis_destinations.end(),
                         [](const table::KinesisDestination& d) { return d.enabled; });
    });
    watched_version_ = version;
  }
  for (const auto& table : watched_) {
    for (const auto& destination : table.kinesis_destinations) {
      if (!destination.enabled) continue;
      Progress& progress = progress_[{table.id, destination.stream_arn}];
      auto forwarded = Forward(table, destination, progress);
      if (forwarded.ok()) {
        total += *forwarded;
        progress.reported_error = false;
      } else if (!progress.reported_error && !stopping()) {
        // Once per failure spell, not every pass.
        spdlog::warn("forwarding the changes of table {} to {}: {} (retrying)", table.name,
                     destination.stream_arn, forwarded.status().ToString());
        progress.reported_error = true;
      }
    }
  }
  return total;
}

Status KinesisForwarder::CollectForwarded(const table::TableDefinition& table,
                                          const table::KinesisDestination& destination,
                                          std::set<uint64_t>* out) {
  EDDY_ASSIGN_OR_RETURN(stream::StreamMeta meta, streams_->DescribeStream(destination.stream_name));
  stream::IteratorRequest from;
  from.type = stream::IteratorType::kAtTimestamp;
  // Never in the future (a clock stepped back across the restart), which no shard accepts.
  from.timestamp_ms =
      std::clamp<int64_t>(destination.checkpoint_ms - kReconcileMarginMs, 0, clock_->NowMillis());
  for (const auto& shard : meta.shards) {
    auto iterator = streams_->GetShardIterator(meta.name, stream::ShardIdString(shard.index), from);
    if (!iterator.ok()) {
      if (iterator.status().code() == Status::Code::kNotFound) continue;  // a shard gone
      return iterator.status();  // no search, no forwarding: better late than twice
    }
    std::string it = std::move(iterator).value();
    while (!stopping()) {
      EDDY_ASSIGN_OR_RETURN(auto page, streams_->GetRecords(it, 10000));
      for (const auto& record : page.batch.records) {
        if (StringMember(record.data, "tableName") != table.name) continue;
        const uint64_t seq = ForwardedSequence(StringMember(record.data, "eventID"), table.id);
        if (seq > destination.forwarded_through) out->insert(seq);
      }
      if (!page.next_iterator || (page.batch.records.empty() && page.millis_behind_latest == 0)) {
        break;
      }
      it = std::move(*page.next_iterator);
    }
  }
  if (stopping()) return Status::Unavailable("stopping");
  return Status::Ok();
}

Status KinesisForwarder::Checkpoint(const table::TableDefinition& table,
                                    const std::string& stream_arn, uint64_t through) {
  const int64_t now_ms = clock_->NowMillis();
  return tables_
      ->UpdateTable(table.name,
                    [&](table::TableDefinition* def) -> Status {
                      if (def->id != table.id) return Status::NotFound("table re-created");
                      for (auto& d : def->kinesis_destinations) {
                        if (d.stream_arn == stream_arn && d.enabled) {
                          d.forwarded_through = std::max(d.forwarded_through, through);
                          d.checkpoint_ms = now_ms;
                        }
                      }
                      return Status::Ok();
                    })
      .status();
}

Result<uint64_t> KinesisForwarder::Forward(const table::TableDefinition& table,
                                           const table::KinesisDestination& destination,
                                           Progress& progress) {
  const uint64_t through = destination.forwarded_through;
  if (!progress.reconciled) {
    // First pass since start: a crash may have left changes in the stream past the checkpoint.
    std::set<uint64_t> found;
    EDDY_RETURN_IF_ERROR(CollectForwarded(table, destination, &found));
    if (!found.empty()) {
      spdlog::info(
          "table {}: {} changes up to {} were already in {} (appended before a crash, "
          "not checkpointed); they are not sent again",
          table.name, found.size(), *found.rbegin(), destination.stream_arn);
    }
    progress.appended.insert(found.begin(), found.end());
    progress.reconciled = true;
  }
  progress.appended.erase(progress.appended.begin(), progress.appended.upper_bound(through));
  EDDY_ASSIGN_OR_RETURN(uint64_t first_retained, tables_->FirstRetainedSequence(table.name));
  if (through + 1 < first_retained && !progress.reported_gap) {
    spdlog::error("table {}: changes {}..{} aged out of the table before they reached {}",
                  table.name, through + 1, first_retained - 1, destination.stream_arn);
    progress.reported_gap = true;
  }
  EDDY_ASSIGN_OR_RETURN(
      auto changes,
      tables_->ReadChanges(table.name, through, options_.batch_records, 4 << 20, table.id));
  if (changes.empty()) {
    // Idle: move the checkpoint's time along now and then, so that the search after a start
    // reads minutes of the stream, not the whole retention.
    if (clock_->NowMillis() - destination.checkpoint_ms > kIdleCheckpointMs) {
      EDDY_RETURN_IF_ERROR(Checkpoint(table, destination.stream_arn, through));
    }
    return uint64_t{0};
  }
  EDDY_ASSIGN_OR_RETURN(stream::StreamMeta meta, streams_->DescribeStream(destination.stream_name));
  const size_t max_record = static_cast<size_t>(meta.max_record_size_kib) * 1024;

  // Rounds: round r holds the r-th change of each item in this batch, so no call carries two
  // changes of one item.
  struct Entry {
    uint64_t seq;
    stream::PutEntry put;
  };
  std::vector<std::vector<Entry>> rounds;
  std::map<std::string, size_t> changes_of_item;
  for (const auto& change : changes) {
    if (progress.appended.count(change.sequence) != 0) continue;  // already in the stream
    Entry entry{change.sequence, {}};
    entry.put.partition_key = Hex(Md5(ItemToJson(change.keys)));
    entry.put.data = KinesisChangeRecordJson(table, change, destination.microsecond, meta.region);
    // The stream's limit counts the partition key with the data.
    if (entry.put.partition_key.size() + entry.put.data.size() > max_record) {
      spdlog::error(
          "table {}: change {} is {} bytes as a record, over the {} byte limit of {}; "
          "it is skipped",
          table.name, change.sequence, entry.put.data.size(), max_record, destination.stream_arn);
      continue;
    }
    const size_t round = changes_of_item[entry.put.partition_key]++;
    if (rounds.size() <= round) rounds.resize(round + 1);
    rounds[round].push_back(std::move(entry));
  }
  for (auto& round : rounds) {
    // Append the round, retrying only what was refused (a throttled shard), until all is in.
    std::vector<Entry*> pending;
    for (auto& e : round) pending.push_back(&e);
    for (int attempt = 0; !pending.empty(); ++attempt) {
      if (stopping()) return Status::Unavailable("stopping");
      // A refusal that does not clear (a failing disk) must not hold up the other tables;
      // the next pass retries (what got in is remembered, so nothing is sent twice).
      if (attempt == kMaxAttemptsPerPass) {
        return Status::Unavailable(
            fmt::format("{} records refused {} times", pending.size(), kMaxAttemptsPerPass));
      }
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::vector<stream::PutEntry> batch;
      batch.reserve(pending.size());
      for (const Entry* e : pending) batch.push_back(e->put);
      std::promise<Result<std::vector<stream::PutOutcome>>> promise;
      auto future = promise.get_future();
      streams_->PutRecords(destination.stream_name, std::move(batch),
                           [&promise](Result<std::vector<stream::PutOutcome>> r) {
                             promise.set_value(std::move(r));
                           });
      auto outcomes = future.get();
      if (!outcomes.ok()) return outcomes.status();
      std::vector<Entry*> refused;
      for (size_t j = 0; j < outcomes->size(); ++j) {
        if ((*outcomes)[j].status.ok()) {
          progress.appended.insert(pending[j]->seq);  // never sent again
        } else {
          refused.push_back(pending[j]);
        }
      }
      pending = std::move(refused);
    }
  }
  EDDY_RETURN_IF_ERROR(Checkpoint(table, destination.stream_arn, changes.back().sequence));
  progress.appended.erase(progress.appended.begin(),
                          progress.appended.upper_bound(changes.back().sequence));
  return static_cast<uint64_t>(changes.size());
}

}  // namespace eddy::api::dynamodb
