#include "eddy/client/stream_tailer.h"

#include <cctype>
#include <chrono>
#include <ctime>
#include <thread>

namespace eddy::client {

namespace {

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Reads `n` digits at `pos` into `out`.
bool Digits(const std::string& s, size_t& pos, int n, int* out) {
  if (pos + static_cast<size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos + static_cast<size_t>(i)];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<size_t>(n);
  *out = v;
  return true;
}

bool Expect(const std::string& s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

Result<int64_t> ParseIsoTime(const std::string& text) {
  const auto bad = Status::InvalidArgument(
      "'" + text +
      "' is not TRIM_HORIZON, LATEST, a sequence number or an ISO-8601 time such as "
      "2026-11-21T10:00:00Z");
  size_t pos = 0;
  tm t{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(text, pos, 4, &year) || !Expect(text, pos, '-') || !Digits(text, pos, 2, &month) ||
      !Expect(text, pos, '-') || !Digits(text, pos, 2, &day)) {
    return bad;
  }
  int millis = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    ++pos;
    if (!Digits(text, pos, 2, &hour) || !Expect(text, pos, ':') || !Digits(text, pos, 2, &minute)) {
      return bad;
    }
    if (Expect(text, pos, ':')) {
      if (!Digits(text, pos, 2, &second)) return bad;
      if (Expect(text, pos, '.') || Expect(text, pos, ',')) {
        int scale = 100;
        bool any = false;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
          millis += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
          any = true;
        }
        if (!any) return bad;
      }
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad;
  }
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  int64_t seconds = 0;
  if (pos == text.size()) {
    t.tm_isdst = -1;  // no zone: local time, as a person means "10:00 yesterday"
    seconds = static_cast<int64_t>(std::mktime(&t));
  } else if (text[pos] == 'Z' || text[pos] == 'z') {
    if (pos + 1 != text.size()) return bad;
    seconds = static_cast<int64_t>(timegm(&t));
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!Digits(text, pos, 2, &oh)) return bad;
    Expect(text, pos, ':');
    if (pos < text.size() && !Digits(text, pos, 2, &om)) return bad;
    if (pos != text.size() || oh > 23 || om > 59) return bad;
    seconds = static_cast<int64_t>(timegm(&t)) - sign * (oh * 3600 + om * 60);
  } else {
    return bad;
  }
  return seconds * 1000 + millis;
}

}  // namespace

Result<TailStart> ParseTailStart(const std::string& text) {
  TailStart start;
  const std::string upper = Upper(text);
  if (upper == "TRIM_HORIZON") return start;
  if (upper == "LATEST") {
    start.kind = TailStart::Kind::kLatest;
    return start;
  }
  if (AllDigits(text) && text.size() > 8) {  // a sequence number, not a year
    start.kind = TailStart::Kind::kAtSequenceNumber;
    start.sequence_number = text;
    return start;
  }
  EDDY_ASSIGN_OR_RETURN(start.timestamp_ms, ParseIsoTime(text));
  start.kind = TailStart::Kind::kAtTimestamp;
  return start;
}

StreamTailer::StreamTailer(KinesisClient& kinesis, std::string stream, TailStart start,
                           Options options)
    : kinesis_(kinesis), stream_(std::move(stream)), start_(std::move(start)), options_(options) {}

Outcome<Empty> StreamTailer::Refresh() {
  auto listed = kinesis_.ListShards(stream_);
  if (!listed.ok()) return listed.error();
  for (auto& info : *listed) {
    auto it = shards_.find(info.shard_id);
    if (it == shards_.end()) {
      Shard shard;
      shard.info = std::move(info);
      // Shards that appear after the tail began hold only records newer than its start.
      shard.started = false;
      shards_.emplace(shard.info.shard_id, std::move(shard));
    } else {
      it->second.info.ending_sequence_number = info.ending_sequence_number;
    }
  }
  return Empty{};
}

bool StreamTailer::ParentsFinished(const Shard& shard) const {
  for (const std::string* parent :
       {&shard.info.parent_shard_id, &shard.info.adjacent_parent_shard_id}) {
    if (parent->empty()) continue;
    auto it = shards_.find(*parent);
    if (it != shards_.end() && !it->second.finished) return false;  // absent: trimmed away
  }
  return true;
}

Outcome<Empty> StreamTailer::ResolveSequenceStart() {
  for (auto& [id, shard] : shards_) {
    IteratorStart at{IteratorType::kAtSequenceNumber, start_.sequence_number, 0};
    auto iterator = kinesis_.GetShardIterator(stream_, id, at);
    if (!iterator.ok()) {
      // AWS answers InvalidArgumentException for a sequence number of another shard; any
      // other error (throttling after retries, a missing stream, no connection) is the answer.
      if (iterator.error().type == "InvalidArgumentException") continue;
      return iterator.error();
    }
    auto first = kinesis_.GetRecords(*iterator, 1);
    if (!first.ok()) return first.error();
    if (first->records.empty()) continue;
    // This shard starts exactly there; the others at that record's arrival time.
    sequence_shard_ = id;
    shard.iterator = *iterator;
    start_.timestamp_ms = first->records[0].arrival_ms;
    return Empty{};
  }
  return AwsError{
      0, "InvalidArgument",
      "no shard of stream " + stream_ + " holds sequence number " + start_.sequence_number};
}

Outcome<std::string> StreamTailer::FirstIterator(Shard& shard) {
  IteratorStart from;
  if (!shard.last_sequence.empty()) {  // resuming after an expired iterator
    from = {IteratorType::kAfterSequenceNumber, shard.last_sequence, 0};
  } else if (start_.kind == TailStart::Kind::kLatest) {
    from.type = shard.started ? IteratorType::kLatest : IteratorType::kTrimHorizon;
  } else if (start_.kind == TailStart::Kind::kAtTimestamp ||
             start_.kind == TailStart::Kind::kAtSequenceNumber) {
    from = {IteratorType::kAtTimestamp, "", start_.timestamp_ms};
  }
  return kinesis_.GetShardIterator(stream_, shard.info.shard_id, from);
}

Outcome<Empty> StreamTailer::Run(const Sink& sink) {
  if (auto r = Refresh(); !r.ok()) return r;
  for (auto& [id, shard] : shards_) shard.started = true;  // present when the tail began
  if (start_.kind == TailStart::Kind::kAtSequenceNumber) {
    if (auto r = ResolveSequenceStart(); !r.ok()) return r;
  }
  auto last_refresh = std::chrono::steady_clock::now();
  std::vector<TailedRecord> batch;
  while (!stop_.load()) {
    bool read_any = false;
    bool need_refresh = false;
    bool all_caught_up = true;
    for (auto& [id, shard] : shards_) {
      if (stop_.load()) break;
      if (shard.finished) continue;
      if (!ParentsFinished(shard)) {
        all_caught_up = false;
        continue;
      }
      if (shard.iterator.empty()) {
        auto iterator = FirstIterator(shard);
        if (!iterator.ok()) return iterator.error();
        shard.iterator = std::move(*iterator);
      }
      auto got = kinesis_.GetRecords(shard.iterator, options_.limit_per_call);
      if (!got.ok()) {
        if (got.error().type == "ExpiredIteratorException") {
          shard.iterator.clear();
          all_caught_up = false;
          continue;
        }
        return got.error();
      }
      if (!got->records.empty()) {
        read_any = true;
        shard.last_sequence = got->records.back().sequence_number;
        batch.clear();
        batch.reserve(got->records.size());
        for (auto& r : got->records) batch.push_back(TailedRecord{id, std::move(r)});
        if (!sink(batch)) return Empty{};
      }
      if (got->next_shard_iterator.empty()) {
        shard.finished = true;  // closed and read to its end: its children may start
        need_refresh = true;
        all_caught_up = false;  // its children are still to be read
      } else {
        shard.iterator = std::move(got->next_shard_iterator);
        shard.caught_up = got->records.empty() && got->millis_behind_latest == 0;
        if (!shard.caught_up) all_caught_up = false;
      }
    }
    if (!options_.follow && all_caught_up && !need_refresh) return Empty{};
    const auto now = std::chrono::steady_clock::now();
    if (need_refresh || now - last_refresh > std::chrono::seconds(5)) {
      if (auto r = Refresh(); !r.ok()) return r;
      last_refresh = now;
    }
    if (!read_any && !need_refresh) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
    }
  }
  return Empty{};
}

}  // namespace eddy::client
