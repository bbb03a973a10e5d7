#include "eddy/table/change_streams.h"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>

#include "eddy/base/crc32c.h"

namespace eddy::table {
namespace {

StreamDefinition* MutableEnabledStream(TableDefinition* table) {
  if (table->streams.empty() || !table->streams.back().enabled) return nullptr;
  return &table->streams.back();
}

// Opens a shard after `parent` (nullptr: the stream's first). Ids sort in creation order: the
// creation time is kept strictly increasing within the stream.
void OpenShard(const TableDefinition& table, StreamDefinition* stream, int64_t now_ms,
               uint64_t first_seq) {
  StreamShard shard;
  shard.created_ms = now_ms;
  if (!stream->shards.empty()) {
    shard.created_ms = std::max(now_ms, stream->shards.back().created_ms + 1);
    shard.parent_id = stream->shards.back().id;
  }
  const std::string seed =
      fmt::format("{}/{}/{}/{}", table.id, table.name, stream->label, stream->shards.size());
  shard.id = fmt::format("shardId-{:020d}-{:08x}", shard.created_ms, crc32c::Value(seed));
  shard.first_seq = first_seq;
  stream->shards.push_back(std::move(shard));
}

void CloseShard(StreamShard* shard, int64_t now_ms, uint64_t next_seq) {
  shard->last_seq = next_seq - 1;
  shard->closed_ms = std::max<int64_t>(1, now_ms);
}

}  // namespace

std::string StreamLabel(int64_t ms) {
  const time_t seconds = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000);
}

Status EnableStream(TableDefinition* table, StreamViewType view, int64_t now_ms,
                    uint64_t next_seq) {
  if (MutableEnabledStream(table) != nullptr) {
    return Status::FailedPrecondition("the table already has an enabled stream");
  }
  StreamDefinition stream;
  // Labels must differ from the earlier streams' (they name the ARN).
  stream.created_ms =
      table->streams.empty() ? now_ms : std::max(now_ms, table->streams.back().created_ms + 1);
  stream.label = StreamLabel(stream.created_ms);
  stream.view = view;
  OpenShard(*table, &stream, stream.created_ms, next_seq);
  table->streams.push_back(std::move(stream));
  return Status::Ok();
}

Status DisableStream(TableDefinition* table, int64_t now_ms, uint64_t next_seq) {
  StreamDefinition* stream = MutableEnabledStream(table);
  if (stream == nullptr) return Status::FailedPrecondition("the table has no enabled stream");
  for (auto& shard : stream->shards) {
    if (shard.open()) CloseShard(&shard, now_ms, next_seq);
  }
  stream->enabled = false;
  return Status::Ok();
}

bool RollStreamShard(TableDefinition* table, int64_t now_ms, uint64_t next_seq,
                     int64_t interval_ms) {
  StreamDefinition* stream = MutableEnabledStream(table);
  if (stream == nullptr || stream->shards.empty() || !stream->shards.back().open()) return false;
  StreamShard& current = stream->shards.back();
  if (now_ms - current.created_ms < interval_ms || next_seq <= current.first_seq) return false;
  CloseShard(&current, now_ms, next_seq);
  OpenShard(*table, stream, now_ms, next_seq);
  return true;
}

bool DropExpiredShards(TableDefinition* table, int64_t before_ms) {
  bool changed = false;
  for (auto& stream : table->streams) {
    const size_t before = stream.shards.size();
    std::erase_if(stream.shards, [&](const StreamShard& shard) {
      return !shard.open() && shard.closed_ms < before_ms;
    });
    changed = changed || stream.shards.size() != before;
  }
  const size_t streams_before = table->streams.size();
  std::erase_if(table->streams,
                [](const StreamDefinition& s) { return !s.enabled && s.shards.empty(); });
  return changed || table->streams.size() != streams_before;
}

const StreamDefinition* EnabledStream(const TableDefinition& table) {
  if (table.streams.empty() || !table.streams.back().enabled) return nullptr;
  return &table.streams.back();
}

const StreamDefinition* FindStream(const TableDefinition& table, std::string_view label) {
  for (const auto& stream : table.streams) {
    if (stream.label == label) return &stream;
  }
  return nullptr;
}

const StreamShard* FindShard(const StreamDefinition& stream, std::string_view shard_id) {
  for (const auto& shard : stream.shards) {
    if (shard.id == shard_id) return &shard;
  }
  return nullptr;
}

}  // namespace eddy::table
