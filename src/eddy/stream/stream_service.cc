#include "eddy/stream/stream_service.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "eddy/base/check.h"
#include "eddy/base/guarded.h"
#include "eddy/base/md5.h"
#include "eddy/io/file_system.h"
#include "eddy/stream/sequence_number.h"

namespace eddy::stream {
namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr size_t kGetRecordsMaxBytes = 10 << 20;

Status StreamNotFound(const std::string& name) {
  return Status::NotFound(fmt::format("Stream {} under account {} not found.", name, kAccountId));
}

// The two children of splitting `parent` at `boundary` (the first hash key of the upper one).
std::vector<ShardMeta> SplitChildren(const ShardMeta& parent, UInt128 boundary) {
  ShardMeta low;
  low.starting_hash = parent.starting_hash;
  low.ending_hash = boundary - 1;
  low.parent = parent.index;
  ShardMeta high;
  high.starting_hash = boundary;
  high.ending_hash = parent.ending_hash;
  high.parent = parent.index;
  return {low, high};
}

// The even split Kinesis uses: shard i of n gets [i * step, (i + 1) * step - 1], the last one
// ending at 2^128 - 1, with step = floor(2^128 / n).
std::vector<std::pair<UInt128, UInt128>> EvenHashRanges(int n) {
  const auto count = static_cast<UInt128>(n);
  UInt128 step = kUInt128Max / count;
  if (kUInt128Max % count == count - 1) ++step;  // 2^128 / n is exact
  std::vector<std::pair<UInt128, UInt128>> ranges;
  for (int i = 0; i < n; ++i) {
    const UInt128 start = step * static_cast<UInt128>(i);
    const UInt128 end = i + 1 == n ? kUInt128Max : start + step - 1;
    ranges.emplace_back(start, end);
  }
  return ranges;
}

}  // namespace

StreamService::StreamService(StreamServiceOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

StreamService::~StreamService() { Stop(); }

Result<std::unique_ptr<StreamService>> StreamService::Open(StreamServiceOptions options,
                                                           Clock* clock) {
  std::unique_ptr<StreamService> service(new StreamService(std::move(options), clock));
  io::FileSystem* fs = io::PosixFileSystem();
  EDDY_RETURN_IF_ERROR(
      io::CreateDirectoriesDurably(fs, io::JoinPath(service->options_.data_dir, "streams")));
  EDDY_ASSIGN_OR_RETURN(service->catalog_,
                        StreamCatalog::Open(io::JoinPath(service->options_.data_dir, "catalog")));

  // The key that authenticates shard iterators; kept so iterators survive restarts.
  IteratorCodec::Key key{};
  auto stored = service->catalog_->GetSetting("iterator-key");
  if (stored.ok() && stored->size() == key.size()) {
    std::copy(stored->begin(), stored->end(), key.begin());
  } else if (!stored.ok() && !stored.status().IsNotFound()) {
    return stored.status();
  } else {
    EDDY_CHECK(RAND_bytes(key.data(), static_cast<int>(key.size())) == 1);
    EDDY_RETURN_IF_ERROR(service->catalog_->PutSetting(
        "iterator-key", std::string(reinterpret_cast<const char*>(key.data()), key.size())));
  }
  service->iterators_ = std::make_unique<IteratorCodec>(key);
  service->scheduler_ = std::make_unique<log::SyncScheduler>(
      log::SyncScheduler::Options{service->options_.sync_threads});
  EDDY_RETURN_IF_ERROR(service->Load());
  service->retention_thread_ = std::thread([s = service.get()] { s->RetentionLoop(); });
  return service;
}

std::string StreamService::StreamDir(const StreamMeta& meta) const {
  return io::JoinPath(io::JoinPath(options_.data_dir, "streams"), meta.DirName());
}

Status StreamService::Load() {
  EDDY_ASSIGN_OR_RETURN(auto metas, catalog_->LoadAll());
  std::map<std::string, std::shared_ptr<Stream>> loaded;
  for (const auto& meta : metas) {
    EDDY_ASSIGN_OR_RETURN(auto stream, OpenStreamLogs(meta));
    loaded.emplace(meta.name, std::move(stream));
  }
  // Folders of streams the catalog no longer has: a delete (or create) interrupted by a crash.
  std::error_code ec;
  const std::string streams_dir = io::JoinPath(options_.data_dir, "streams");
  for (const auto& entry : std::filesystem::directory_iterator(streams_dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool known = std::any_of(metas.begin(), metas.end(),
                                   [&](const StreamMeta& m) { return m.DirName() == name; });
    if (!known) {
      spdlog::info("removing {} (not in the catalog)", entry.path().string());
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
  std::lock_guard lock(mu_);
  streams_ = std::move(loaded);
  return Status::Ok();
}

Result<std::shared_ptr<StreamService::Stream>> StreamService::OpenStreamLogs(
    const StreamMeta& meta) {
  auto stream = std::make_shared<Stream>();
  log::LogOptions log_options;
  log_options.durability = options_.durability;
  log_options.retention_ms = meta.retention_hours * kHourMs;
  const std::string dir = StreamDir(meta);
  for (const auto& shard : meta.shards) {
    EDDY_ASSIGN_OR_RETURN(
        auto shard_log,
        log::ShardLog::Open(io::JoinPath(dir, ShardIdString(shard.index)), log_options,
                            {io::PosixFileSystem(), clock_, scheduler_.get()}));
    stream->logs.push_back(std::move(shard_log));
    if (options_.throttle) {
      stream->throttles.push_back(
          std::make_unique<ShardThrottle>(options_.throttle_limits, clock_->NowMillis()));
    }
  }
  std::lock_guard lock(stream->mu);
  stream->meta = meta;
  return stream;
}

std::shared_ptr<StreamService::Stream> StreamService::Find(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second;
}

size_t StreamService::OpenShardCount() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [name, stream] : streams_) {
    std::lock_guard stream_lock(stream->mu);
    n += stream->meta.OpenShardCount();
  }
  return n;
}

Status StreamService::CreateStream(const CreateStreamParams& params) {
  if (params.shard_count < 1) return Status::InvalidArgument("ShardCount must be at least 1");
  // Creation is rare: one at a time keeps the limit check and the name check exact.
  std::lock_guard create_lock(create_mu_);
  if (Find(params.name) != nullptr) {
    return Status::AlreadyExists(
        fmt::format("Stream {} under account {} already exists.", params.name, params.account_id));
  }
  const size_t open = OpenShardCount();
  if (open + static_cast<size_t>(params.shard_count) > static_cast<size_t>(options_.shard_limit)) {
    return Status::ResourceExhausted(fmt::format(
        "This request would exceed the shard limit for the account {} in {}. Current shard "
        "count for the account: {}. Limit: {}. Number of additional shards that would have "
        "resulted from this request: {}. Refer to the AWS Service Limits page "
        "(https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current "
        "limits and how to request higher limits.",
        params.account_id, params.region, open, options_.shard_limit, params.shard_count));
  }
  StreamMeta meta;
  meta.name = params.name;
  meta.region = params.region;
  meta.account_id = params.account_id;
  meta.created_ms = clock_->NowMillis();
  meta.mode = params.mode;
  meta.max_record_size_kib = params.max_record_size_kib;
  meta.tags = params.tags;
  const auto ranges = EvenHashRanges(params.shard_count);
  for (int i = 0; i < params.shard_count; ++i) {
    ShardMeta shard;
    shard.index = static_cast<uint32_t>(i);
    shard.starting_hash = ranges[static_cast<size_t>(i)].first;
    shard.ending_hash = ranges[static_cast<size_t>(i)].second;
    shard.created_ms = meta.created_ms;
    meta.shards.push_back(shard);
  }
  auto stream = OpenStreamLogs(meta);
  Status s = stream.status();
  if (s.ok()) s = catalog_->Put(meta);
  if (!s.ok()) {
    if (stream.ok()) {
      for (auto& l : (*stream)->logs) (void)l->Close();
    }
    std::error_code ec;
    std::filesystem::remove_all(StreamDir(meta), ec);
    return s;
  }
  std::lock_guard lock(mu_);
  streams_.emplace(meta.name, std::move(stream).value());
  return Status::Ok();
}

Status StreamService::DeleteStream(const std::string& name) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(name);
    if (it == streams_.end()) return StreamNotFound(name);
    stream = it->second;
    EDDY_RETURN_IF_ERROR(catalog_->Delete(name));
    streams_.erase(it);
  }
  for (auto& l : stream->logs) (void)l->Close();
  StreamMeta meta;
  {
    std::lock_guard lock(stream->mu);
    meta = stream->meta;
  }
  std::error_code ec;
  std::filesystem::remove_all(StreamDir(meta), ec);  // readers holding segments keep their fds
  return Status::Ok();
}

Result<StreamMeta> StreamService::DescribeStream(const std::string& name) const {
  auto stream = Find(name);
  if (stream == nullptr) return StreamNotFound(name);
  std::lock_guard lock(stream->mu);
  return stream->meta;
}

std::vector<StreamMeta> StreamService::ListStreams() const {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, s] : streams_) streams.push_back(s);
  }
  std::vector<StreamMeta> out;
  out.reserve(streams.size());
  for (const auto& s : streams) {
    std::lock_guard lock(s->mu);
    out.push_back(s->meta);
  }
  return out;
}

Status StreamService::UpdateStream(const std::string& name,
                                   const std::function<Status(StreamMeta&)>& change) {
  auto stream = Find(name);
  if (stream == nullptr) return StreamNotFound(name);
  int64_t old_retention_ms = 0;
  int64_t new_retention_ms = 0;
  {
    std::lock_guard lock(stream->mu);
    StreamMeta updated = stream->meta;
    EDDY_RETURN_IF_ERROR(change(updated));
    EDDY_RETURN_IF_ERROR(catalog_->Put(updated));
    old_retention_ms = stream->meta.retention_hours * kHourMs;
    new_retention_ms = updated.retention_hours * kHourMs;
    stream->meta = std::move(updated);
  }
  if (new_retention_ms != old_retention_ms) {
    std::shared_lock reshard_lock(stream->reshard_mu);
    for (auto& l : stream->logs) {
      l->SetRetentionMs(new_retention_ms);
      // A shorter retention takes effect now, not at the next periodic pass.
      if (new_retention_ms < old_retention_ms) {
        auto r = l->EnforceRetention();
        if (!r.ok()) spdlog::warn("retention on {}: {}", l->dir(), r.status().ToString());
      }
    }
  }
  return Status::Ok();
}

void StreamService::PutRecords(const std::string& stream_name, std::vector<PutEntry> entries,
                               std::function<void(Result<std::vector<PutOutcome>>)> done) {
  auto stream = Find(stream_name);
  if (stream == nullptr) {
    done(StreamNotFound(stream_name));
    return;
  }
  // Held until every append is issued, so no shard closes between routing and appending.
  std::shared_lock reshard_lock(stream->reshard_mu);
  // Route every entry to the open shard whose hash range holds its hash key.
  std::map<uint32_t, std::vector<size_t>> by_shard;
  std::vector<std::pair<size_t, uint32_t>> throttled;  // entry, shard
  const int64_t now = clock_->NowMillis();
  std::string account;
  uint32_t tag = 0;
  {
    std::lock_guard lock(stream->mu);
    const StreamMeta& meta = stream->meta;
    tag = meta.SequenceTag();
    account = meta.account_id;
    const size_t max_size = static_cast<size_t>(meta.max_record_size_kib) * 1024;
    for (size_t i = 0; i < entries.size(); ++i) {
      const PutEntry& e = entries[i];
      if (e.partition_key.size() + e.data.size() > max_size) {
        done(Status::InvalidArgument(fmt::format(
            "Record size (partition key + data) exceeds the stream's maximum record size of "
            "{} KiB",
            meta.max_record_size_kib)));
        return;
      }
      const UInt128 hash =
          e.explicit_hash_key ? *e.explicit_hash_key : UInt128FromBigEndian(Md5(e.partition_key));
      const ShardMeta* target = nullptr;
      for (const auto& shard : meta.shards) {
        if (shard.open() && shard.starting_hash <= hash && hash <= shard.ending_hash) {
          target = &shard;
          break;
        }
      }
      EDDY_CHECK(target != nullptr);  // open shards always cover the whole hash key space
      if (!stream->throttles.empty() && !stream->throttles[target->index]->TryWrite(
                                            e.partition_key.size() + e.data.size(), now)) {
        throttled.push_back({i, target->index});
        continue;
      }
      by_shard[target->index].push_back(i);
    }
  }

  struct Join {
    std::mutex mu;
    std::vector<PutOutcome> outcomes;
    size_t remaining;
    std::function<void(Result<std::vector<PutOutcome>>)> done;
  };
  auto join = std::make_shared<Join>();
  join->outcomes.resize(entries.size());
  join->remaining = by_shard.size();
  join->done = std::move(done);
  for (const auto& [entry, shard_index] : throttled) {
    PutOutcome& o = join->outcomes[entry];
    o.shard_index = shard_index;
    o.status =
        Status::Unavailable(fmt::format("Rate exceeded for shard {} in stream {} under account {}.",
                                        ShardIdString(shard_index), stream_name, account));
  }
  if (by_shard.empty()) {
    join->done(std::move(join->outcomes));
    return;
  }
  for (const auto& [shard_index, indexes] : by_shard) {
    std::vector<log::AppendRecord> records;
    records.reserve(indexes.size());
    for (size_t i : indexes) {
      const PutEntry& e = entries[i];
      std::optional<log::HashKey> ehk;
      if (e.explicit_hash_key) ehk = UInt128ToBigEndian(*e.explicit_hash_key);
      records.push_back({e.partition_key, ehk, e.data});
    }
    stream->logs[shard_index]->AppendAsync(
        records, [join, indexes = indexes, shard_index = shard_index,
                  tag](const Result<log::AppendResult>& r) {
          bool last = false;
          {
            std::lock_guard lock(join->mu);
            for (size_t k = 0; k < indexes.size(); ++k) {
              PutOutcome& o = join->outcomes[indexes[k]];
              o.shard_index = shard_index;
              if (r.ok()) {
                o.sequence_number =
                    FormatSequenceNumber({tag, shard_index, r->first_offset.value() + k});
              } else {
                o.status = r.status();
              }
            }
            last = --join->remaining == 0;
          }
          if (last) join->done(std::move(join->outcomes));
        });
  }
}

Status StreamService::ShardNotFound(const StreamMeta& meta, std::string_view shard_id) const {
  return Status::NotFound(fmt::format("Could not find shard {} in stream {} under account {}.",
                                      shard_id, meta.name, meta.account_id));
}

Result<uint32_t> StreamService::OpenShard(const StreamMeta& meta, std::string_view shard_id) const {
  const auto index = ParseShardId(shard_id);
  if (!index || *index >= meta.shards.size()) return ShardNotFound(meta, shard_id);
  if (!meta.shards[*index].open()) {
    return Status::InvalidArgument(fmt::format(
        "Shard {} in stream {} under account {} has already been merged or split, and thus is "
        "not eligible for merging or splitting.",
        ShardIdString(*index), meta.name, meta.account_id));
  }
  return *index;
}

Status StreamService::CloseAndAddChildren(Stream& stream, StreamMeta& meta,
                                          size_t other_streams_open,
                                          const std::vector<uint32_t>& parents,
                                          std::vector<ShardMeta> children) {
  const size_t open_after =
      other_streams_open + meta.OpenShardCount() - parents.size() + children.size();
  if (open_after > static_cast<size_t>(options_.shard_limit)) {
    return Status::ResourceExhausted(fmt::format(
        "This request would exceed the shard limit for the account {} in {}. Limit: {}.",
        meta.account_id, meta.region, options_.shard_limit));
  }
  const int64_t now = clock_->NowMillis();
  // Open the children's logs first: nothing is closed if that fails.
  log::LogOptions log_options;
  log_options.durability = options_.durability;
  log_options.retention_ms = meta.retention_hours * kHourMs;
  for (auto& child : children) {
    child.index = static_cast<uint32_t>(meta.shards.size());
    child.created_ms = now;
    EDDY_CHECK(stream.logs.size() == child.index);
    EDDY_ASSIGN_OR_RETURN(
        auto child_log,
        log::ShardLog::Open(io::JoinPath(StreamDir(meta), ShardIdString(child.index)), log_options,
                            {io::PosixFileSystem(), clock_, scheduler_.get()}));
    stream.logs.push_back(std::move(child_log));
    if (options_.throttle) {
      stream.throttles.push_back(
          std::make_unique<ShardThrottle>(options_.throttle_limits, clock_->NowMillis()));
    }
    meta.shards.push_back(child);
  }
  for (uint32_t parent : parents) {
    // Appends already issued finish in the parent; its end is final from here on.
    EDDY_ASSIGN_OR_RETURN(LogOffset end, stream.logs[parent]->StopAppends());
    meta.shards[parent].closed_end_offset = end.value();
    meta.shards[parent].closed_ms = now;
  }
  return Status::Ok();
}

Status StreamService::Reshard(const std::string& stream_name, const ReshardPlan& plan) {
  auto stream = Find(stream_name);
  if (stream == nullptr) return StreamNotFound(stream_name);
  std::unique_lock reshard_lock(stream->reshard_mu);
  StreamMeta original;
  {
    std::lock_guard lock(stream->mu);
    original = stream->meta;
  }
  const size_t other_streams_open = OpenShardCount() - original.OpenShardCount();
  StreamMeta meta = original;
  Status s = plan(*stream, meta, other_streams_open);
  if (s.ok()) s = catalog_->Put(meta);
  if (!s.ok()) {
    // Not committed: parents take appends again; the children's logs are dropped (their
    // folders stay, empty, and are reused by the next reshard).
    for (const auto& shard : original.shards) {
      if (shard.open()) stream->logs[shard.index]->ResumeAppends();
    }
    while (stream->logs.size() > original.shards.size()) {
      (void)stream->logs.back()->Close();
      stream->logs.pop_back();
    }
    if (stream->throttles.size() > original.shards.size()) {
      stream->throttles.resize(original.shards.size());
    }
    return s;
  }
  std::lock_guard lock(stream->mu);
  stream->meta = std::move(meta);
  return Status::Ok();
}

Status StreamService::SplitShard(const std::string& stream_name, const std::string& shard_id,
                                 UInt128 new_starting_hash) {
  return Reshard(stream_name, [&](Stream& stream, StreamMeta& meta, size_t others) -> Status {
    EDDY_ASSIGN_OR_RETURN(uint32_t index, OpenShard(meta, shard_id));
    const ShardMeta parent = meta.shards[index];
    if (!(new_starting_hash > parent.starting_hash + 1 && new_starting_hash < parent.ending_hash)) {
      return Status::InvalidArgument(fmt::format(
          "NewStartingHashKey {} used in SplitShard() on shard {} in stream {} under account {} "
          "is not both greater than one plus the shard's StartingHashKey {} and less than the "
          "shard's EndingHashKey {}.",
          FormatUInt128(new_starting_hash), ShardIdString(index), meta.name, meta.account_id,
          FormatUInt128(parent.starting_hash), FormatUInt128(parent.ending_hash)));
    }
    return CloseAndAddChildren(stream, meta, others, {index},
                               SplitChildren(parent, new_starting_hash));
  });
}

Status StreamService::MergeShards(const std::string& stream_name, const std::string& shard_id,
                                  const std::string& adjacent_shard_id) {
  return Reshard(stream_name, [&](Stream& stream, StreamMeta& meta, size_t others) -> Status {
    EDDY_ASSIGN_OR_RETURN(uint32_t a, OpenShard(meta, shard_id));
    EDDY_ASSIGN_OR_RETURN(uint32_t b, OpenShard(meta, adjacent_shard_id));
    const ShardMeta& sa = meta.shards[a];
    const ShardMeta& sb = meta.shards[b];
    const bool adjacent =
        (sa.ending_hash != kUInt128Max && sa.ending_hash + 1 == sb.starting_hash) ||
        (sb.ending_hash != kUInt128Max && sb.ending_hash + 1 == sa.starting_hash);
    if (a == b || !adjacent) {
      return Status::InvalidArgument(fmt::format(
          "Shards {} and {} in stream {} under account {} are not an adjacent pair of shards "
          "eligible for merging",
          ShardIdString(a), ShardIdString(b), meta.name, meta.account_id));
    }
    ShardMeta child;
    child.starting_hash = std::min(sa.starting_hash, sb.starting_hash);
    child.ending_hash = std::max(sa.ending_hash, sb.ending_hash);
    child.parent = a;
    child.adjacent_parent = b;
    return CloseAndAddChildren(stream, meta, others, {a, b}, {child});
  });
}

Result<int> StreamService::UpdateShardCount(const std::string& stream_name, int target) {
  int before = 0;
  Status s = Reshard(stream_name, [&](Stream& stream, StreamMeta& meta, size_t others) -> Status {
    before = static_cast<int>(meta.OpenShardCount());
    const auto open_shard_at = [&](UInt128 hash) -> std::optional<uint32_t> {
      for (const auto& shard : meta.shards) {
        if (shard.open() && shard.starting_hash <= hash && hash <= shard.ending_hash) {
          return shard.index;
        }
      }
      return std::nullopt;
    };
    const auto ranges = EvenHashRanges(target);
    // 1. Split wherever a target range starts inside an open shard.
    for (size_t i = 1; i < ranges.size(); ++i) {
      const UInt128 boundary = ranges[i].first;
      const uint32_t index = *open_shard_at(boundary);
      const ShardMeta parent = meta.shards[index];
      if (parent.starting_hash == boundary) continue;
      EDDY_RETURN_IF_ERROR(
          CloseAndAddChildren(stream, meta, others, {index}, SplitChildren(parent, boundary)));
    }
    // 2. Merge neighbours within each target range until one shard covers it.
    for (const auto& [start, end] : ranges) {
      for (;;) {
        const uint32_t first = *open_shard_at(start);
        if (meta.shards[first].ending_hash == end) break;
        const uint32_t next = *open_shard_at(meta.shards[first].ending_hash + 1);
        ShardMeta child;
        child.starting_hash = meta.shards[first].starting_hash;
        child.ending_hash = meta.shards[next].ending_hash;
        child.parent = first;
        child.adjacent_parent = next;
        EDDY_RETURN_IF_ERROR(CloseAndAddChildren(stream, meta, others, {first, next}, {child}));
      }
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return before;
}

std::string StreamService::StartingSequenceNumber(const StreamMeta& meta,
                                                  const ShardMeta& shard) const {
  return FormatSequenceNumber({meta.SequenceTag(), shard.index, 0});
}

std::optional<std::string> StreamService::EndingSequenceNumber(const StreamMeta& meta,
                                                               const ShardMeta& shard) const {
  if (shard.open()) return std::nullopt;
  const uint64_t end = *shard.closed_end_offset;
  return FormatSequenceNumber({meta.SequenceTag(), shard.index, end == 0 ? 0 : end - 1});
}

Result<std::string> StreamService::GetShardIterator(const std::string& stream_name,
                                                    const std::string& shard_id,
                                                    const IteratorRequest& request) {
  auto stream = Find(stream_name);
  if (stream == nullptr) return StreamNotFound(stream_name);
  StreamMeta meta;
  {
    std::lock_guard lock(stream->mu);
    meta = stream->meta;
  }
  const auto index = ParseShardId(shard_id);
  if (!index || *index >= meta.shards.size()) {
    return Status::NotFound(fmt::format("Shard {} in stream {} under account {} does not exist",
                                        shard_id, stream_name, meta.account_id));
  }
  const log::ShardLog* log_ptr = nullptr;
  {
    std::shared_lock reshard_lock(stream->reshard_mu);
    log_ptr = stream->logs[*index].get();
  }
  const log::ShardLog& shard_log = *log_ptr;
  const uint64_t start = shard_log.start_offset().value();
  const uint64_t end = shard_log.end_offset().value();
  const int64_t now = clock_->NowMillis();
  uint64_t offset = start;
  switch (request.type) {
    case IteratorType::kTrimHorizon:
      offset = start;
      break;
    case IteratorType::kLatest:
      offset = end;
      break;
    case IteratorType::kAtSequenceNumber:
    case IteratorType::kAfterSequenceNumber: {
      const auto pos = ParseSequenceNumber(request.starting_sequence_number);
      if (!pos || pos->stream_tag != meta.SequenceTag()) {
        return Status::InvalidArgument(fmt::format(
            "StartingSequenceNumber {} used in GetShardIterator on shard {} in stream {} under "
            "account {} is invalid.",
            request.starting_sequence_number, ShardIdString(*index), stream_name, meta.account_id));
      }
      if (pos->shard_index != *index) {
        return Status::InvalidArgument(fmt::format(
            "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a "
            "shard with {}",
            ShardIdString(pos->shard_index), ShardIdString(*index)));
      }
      offset = pos->offset + (request.type == IteratorType::kAfterSequenceNumber ? 1 : 0);
      offset = std::clamp(offset, start, end);
      break;
    }
    case IteratorType::kAtTimestamp: {
      if (request.timestamp_ms > now) {
        return Status::InvalidArgument(fmt::format(
            "The timestampInMillis parameter cannot be greater than the "
            "currentTimestampInMillis. timestampInMillis: {}, currentTimestampInMillis: {}",
            request.timestamp_ms, now));
      }
      EDDY_ASSIGN_OR_RETURN(LogOffset found, shard_log.OffsetForTime(request.timestamp_ms));
      offset = found.value();
      break;
    }
  }
  return iterators_->Encode({stream_name, meta.created_ms, *index, offset, now});
}

Result<GetRecordsResult> StreamService::GetRecords(std::string_view iterator, size_t limit) {
  const int64_t now = clock_->NowMillis();
  EDDY_ASSIGN_OR_RETURN(IteratorPosition pos, iterators_->Decode(iterator, now));
  auto stream = Find(pos.stream_name);
  StreamMeta meta;
  if (stream != nullptr) {
    std::lock_guard lock(stream->mu);
    meta = stream->meta;
  }
  if (stream == nullptr || meta.created_ms != pos.stream_created_ms ||
      pos.shard_index >= meta.shards.size()) {
    return StreamNotFound(pos.stream_name);
  }
  const ShardMeta& shard = meta.shards[pos.shard_index];
  const log::ShardLog* log_ptr = nullptr;
  ShardThrottle* throttle = nullptr;
  {
    std::shared_lock reshard_lock(stream->reshard_mu);
    log_ptr = stream->logs[pos.shard_index].get();
    if (!stream->throttles.empty()) throttle = stream->throttles[pos.shard_index].get();
  }
  if (throttle != nullptr && !throttle->TryRead(now)) {
    return Status::Unavailable(fmt::format("Rate exceeded for Shard - {}/{}/{}", meta.account_id,
                                           meta.name, ShardIdString(pos.shard_index)));
  }
  const log::ShardLog& shard_log = *log_ptr;
  const uint64_t start = shard_log.start_offset().value();
  const uint64_t end = shard_log.end_offset().value();
  // Records trimmed by retention are skipped: the iterator continues at the trim horizon.
  const uint64_t from = std::clamp(pos.offset, start, end);
  GetRecordsResult result;
  result.sequence_tag = meta.SequenceTag();
  result.shard_index = pos.shard_index;
  EDDY_ASSIGN_OR_RETURN(result.batch,
                        shard_log.Read(LogOffset(from), {limit, kGetRecordsMaxBytes}));
  if (throttle != nullptr) {
    uint64_t bytes = 0;
    for (const auto& rec : result.batch.records)
      bytes += rec.data.size() + rec.partition_key.size();
    throttle->ChargeRead(bytes, now);
  }
  const uint64_t next = result.batch.records.empty() ? from : result.batch.next_offset;
  if (next < end && !result.batch.records.empty()) {
    result.millis_behind_latest =
        std::max<int64_t>(0, now - result.batch.records.back().arrival_ms);
  }
  if (!shard.open() && next >= *shard.closed_end_offset) {
    // The end of a closed shard: no next iterator; the children to continue with.
    for (const auto& s : meta.shards) {
      if (s.parent == shard.index || s.adjacent_parent == shard.index) {
        ChildShardInfo child{s.index, {}, s.starting_hash, s.ending_hash};
        if (s.parent) child.parents.push_back(*s.parent);
        if (s.adjacent_parent) child.parents.push_back(*s.adjacent_parent);
        result.child_shards.push_back(std::move(child));
      }
    }
    return result;
  }
  result.next_iterator =
      iterators_->Encode({pos.stream_name, pos.stream_created_ms, pos.shard_index, next, now});
  return result;
}

void StreamService::EnforceRetention() {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, s] : streams_) streams.push_back(s);
  }
  for (const auto& s : streams) {
    int64_t retention_ms = 0;
    {
      std::lock_guard lock(s->mu);
      retention_ms = s->meta.retention_hours * kHourMs;
    }
    std::shared_lock reshard_lock(s->reshard_mu);
    for (auto& l : s->logs) {
      l->SetRetentionMs(retention_ms);
      auto r = l->EnforceRetention();
      if (!r.ok()) spdlog::warn("retention on {}: {}", l->dir(), r.status().ToString());
    }
  }
}

void StreamService::RetentionLoop() {
  std::unique_lock lock(retention_mu_);
  while (!stopping_) {
    retention_cv_.wait_for(lock, std::chrono::milliseconds(options_.retention_check_ms));
    if (stopping_) break;
    lock.unlock();
    // One that throws is logged and tried again at the next check, not the end of the process.
    RunGuarded("stream retention", [this] { EnforceRetention(); });
    lock.lock();
  }
}

void StreamService::Stop() {
  {
    std::lock_guard lock(retention_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  retention_cv_.notify_all();
  if (retention_thread_.joinable()) retention_thread_.join();
  std::lock_guard lock(mu_);
  for (auto& [name, s] : streams_) {
    for (auto& l : s->logs) {
      Status st = l->Close();
      if (!st.ok()) spdlog::error("closing {}: {}", l->dir(), st.ToString());
    }
  }
}

}  // namespace eddy::stream
