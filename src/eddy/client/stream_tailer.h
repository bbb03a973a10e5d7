#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eddy/client/kinesis_client.h"

namespace eddy::client {

// Where a tail starts in every shard of a stream.
struct TailStart {
  enum class Kind { kTrimHorizon, kLatest, kAtTimestamp, kAtSequenceNumber };
  Kind kind = Kind::kTrimHorizon;
  int64_t timestamp_ms = 0;      // kAtTimestamp
  std::string sequence_number;   // kAtSequenceNumber
};

// Parses what a person types after --from: TRIM_HORIZON, LATEST, a sequence number (digits
// only), or an ISO-8601 time: "2026-11-21T10:00:00Z", "2026-11-21 10:00", "2026-11-21T10:00:00.5+02:00",
// "2026-11-21" (a time without a zone is local time). InvalidArgument otherwise.
Result<TailStart> ParseTailStart(const std::string& text);

struct TailedRecord {
  std::string shard_id;
  Record record;
};

// Reads every shard of a stream from a start position, following resharding: a child shard is
// read only after its parents are read to their end, so each partition key's records come out
// in order across splits and merges. Shards created later (by resharding) are discovered by
// listing the shards again whenever a shard ends and every few seconds.
//
// A sequence number start applies to the shard that holds it; the other shards start at that
// record's arrival time.
//
// Thread-safety: Run() on one thread; Stop() from any thread.
class StreamTailer {
 public:
  struct Options {
    bool follow = true;       // false: return once every shard is caught up
    int poll_interval_ms = 200;  // pause after a round that read nothing
    int limit_per_call = 10000;
  };
  // Called with each batch of records, in order per shard. Return false to stop.
  using Sink = std::function<bool(const std::vector<TailedRecord>&)>;

  StreamTailer(KinesisClient& kinesis, std::string stream, TailStart start, Options options);

  // Runs until Stop(), the sink returns false, an error, or (without follow) the end.
  Outcome<Empty> Run(const Sink& sink);
  void Stop() { stop_.store(true); }

 private:
  struct Shard {
    ShardInfo info;
    std::string iterator;
    std::string last_sequence;
    bool started = false;
    bool finished = false;
    bool caught_up = false;
  };

  Outcome<Empty> Refresh();
  Outcome<Empty> ResolveSequenceStart();
  Outcome<std::string> FirstIterator(Shard& shard);
  bool ParentsFinished(const Shard& shard) const;

  KinesisClient& kinesis_;
  const std::string stream_;
  TailStart start_;
  const Options options_;
  std::map<std::string, Shard> shards_;  // by shard id (ids sort in creation order)
  std::string sequence_shard_;           // the shard a sequence-number start applies to
  std::atomic<bool> stop_{false};
};

}  // namespace eddy::client
