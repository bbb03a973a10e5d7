#include "eddy/pipe/batch_delivery.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <thread>

#include "eddy/pipe/function_response.h"

namespace eddy::pipe {

BatchDeliverer::BatchDeliverer(const PipeConfig& config, const EventContext& context,
                               Target& target, FailureSink* sink, ShardStatus& status,
                               PipeStatus& pipe_status, const Clock& clock, RetryPacing pacing,
                               const std::atomic<bool>& stopping)
    : config_(config),
      context_(context),
      target_(target),
      sink_(sink),
      status_(status),
      pipe_status_(pipe_status),
      clock_(clock),
      pacing_(pacing),
      stopping_(stopping) {}

int64_t BatchDeliverer::Backoff(int waits) const {
  int64_t ms = pacing_.initial_ms;
  for (int i = 1; i < waits && ms < pacing_.max_ms; ++i) ms *= 2;
  return std::min(ms, pacing_.max_ms);
}

bool BatchDeliverer::Pause(int64_t ms) {
  // Sleeps in short steps so a stop is seen quickly. The clock is only read for ages; pauses
  // are real time (tests give short pacing).
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stopping_.load(std::memory_order_relaxed)) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        until - now, std::chrono::milliseconds(20)));
  }
  return false;
}

bool BatchDeliverer::GiveUp(const std::vector<DeliveryItem>& items, const Range& r,
                            std::string_view condition, const LastAnswer& last) {
  const size_t count = r.end - r.begin;
  if (sink_ == nullptr) {
    spdlog::error("pipe {}: {}: {} records ({} .. {}) dropped after {} invocations ({}); the pipe "
                  "has no on-failure destination",
                  config_.name, context_.shard_id, count,
                  items[r.begin].record->sequence_number, items[r.end - 1].record->sequence_number,
                  r.invokes, condition);
    status_.failed.fetch_add(count, std::memory_order_relaxed);
    return true;
  }
  FailedBatch batch;
  batch.pipe = config_.name;
  batch.condition = std::string(condition);
  batch.approximate_invoke_count = r.invokes;
  batch.function_arn = target_.Arn();
  batch.status_code = last.result.status_code;
  if (r.invokes > 0 && !last.partial && last.result.kind == TargetResult::Kind::kFunctionError) {
    batch.function_error = "Unhandled";
  }
  batch.error_type = last.result.error_type;
  batch.error_message = last.result.error_message;
  batch.context = &context_;
  for (size_t i = r.begin; i < r.end; ++i) {
    batch.records.push_back(items[i].record);
    batch.entries.push_back(&items[i].entry);
  }
  for (int waits = 1;; ++waits) {
    Status sent = sink_->Send(batch);
    if (sent.ok()) break;
    status_.SetLastError(fmt::format("the on-failure destination {} refused a failed batch: {}",
                                     sink_->Describe(), sent.message()));
    spdlog::warn("pipe {}: {}: {}", config_.name, context_.shard_id, status_.last_error());
    if (!Pause(Backoff(waits))) return false;
  }
  spdlog::warn("pipe {}: {}: {} records ({} .. {}) sent to {} after {} invocations ({})",
               config_.name, context_.shard_id, count, items[r.begin].record->sequence_number,
               items[r.end - 1].record->sequence_number, sink_->Describe(), r.invokes, condition);
  status_.failed.fetch_add(count, std::memory_order_relaxed);
  return true;
}

size_t BatchDeliverer::Deliver(std::vector<DeliveryItem>& items, size_t begin, size_t end) {
  std::deque<Range> work{Range{begin, end}};
  size_t done = begin;
  LastAnswer last;
  const int64_t max_age_ms = config_.maximum_record_age_in_seconds < 0
                                 ? -1
                                 : int64_t{config_.maximum_record_age_in_seconds} * 1000;
  status_.in_flight_records.fetch_add(static_cast<int64_t>(end - begin));
  auto finish = [&](size_t until) {
    status_.in_flight_records.fetch_sub(static_cast<int64_t>(until - done));
    done = until;
  };
  while (!work.empty()) {
    Range& r = work.front();
    if (max_age_ms >= 0) {
      const int64_t oldest = items[r.begin].record->arrival_ms;
      if (clock_.NowMillis() - oldest > max_age_ms) {
        if (!GiveUp(items, r, "RecordAgeExceeded", last)) break;
        finish(r.end);
        work.pop_front();
        continue;
      }
    }
    if (stopping_.load(std::memory_order_relaxed)) break;
    std::vector<const std::string*> entries;
    entries.reserve(r.end - r.begin);
    for (size_t i = r.begin; i < r.end; ++i) entries.push_back(&items[i].entry);
    const std::string payload = BatchPayload(entries);
    status_.invocations.fetch_add(1, std::memory_order_relaxed);
    ++r.invokes;
    last.result = target_.Invoke(payload);
    last.partial = false;
    TargetResult& result = last.result;

    if (result.kind == TargetResult::Kind::kUnavailable ||
        result.kind == TargetResult::Kind::kBroken) {
      // Not the function's failure: no attempt is used, as Lambda retries throttles.
      --r.invokes;
      status_.unavailable.fetch_add(1, std::memory_order_relaxed);
      status_.SetLastError(result.error_message);
      const bool broken = result.kind == TargetResult::Kind::kBroken;
      if (broken) pipe_status_.SetFailed(result.error_message);
      if (++r.waits == 1 || broken) {
        spdlog::warn("pipe {}: {}: {} ({}); retrying", config_.name, context_.shard_id,
                     result.error_message, target_.Describe());
      }
      if (!Pause(broken ? pacing_.broken_ms : Backoff(r.waits))) break;
      continue;
    }
    pipe_status_.ClearFailed();

    BatchVerdict verdict;
    if (result.kind == TargetResult::Kind::kOk) {
      std::vector<std::string_view> ids;
      ids.reserve(r.end - r.begin);
      for (size_t i = r.begin; i < r.end; ++i) ids.push_back(items[i].record->sequence_number);
      verdict = JudgeResponse(result.body, ids, config_.report_batch_item_failures,
                              config_.strict_batch_item_failures);
      if (verdict.suspicious) {
        status_.suspicious_responses.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("pipe {}: {}: counted as success, but {}", config_.name, context_.shard_id,
                     verdict.reason);
      }
      if (verdict.kind == BatchVerdict::Kind::kSuccess) {
        status_.delivered.fetch_add(r.end - r.begin, std::memory_order_relaxed);
        status_.iterator_age_ms.store(clock_.NowMillis() - items[r.end - 1].record->arrival_ms,
                                      std::memory_order_relaxed);
        finish(r.end);
        work.pop_front();
        status_.retry_attempts.store(work.empty() ? 0 : work.front().attempts);
        continue;
      }
      if (verdict.kind == BatchVerdict::Kind::kPartial) {
        const size_t failed_at = r.begin + verdict.first_failed;
        status_.delivered.fetch_add(failed_at - r.begin, std::memory_order_relaxed);
        finish(failed_at);
        r.begin = failed_at;
        last.partial = true;
        result.error_type.clear();
        result.error_message = fmt::format("the function reported {} as failed",
                                           items[failed_at].record->sequence_number);
      } else {
        result.kind = TargetResult::Kind::kFunctionError;
        result.error_type = "Function.BadBatchResponse";
        result.error_message = verdict.reason;
      }
    }
    // A function error, an unreadable response, or a partial one.
    if (!last.partial) status_.function_errors.fetch_add(1, std::memory_order_relaxed);
    status_.SetLastError(result.error_type.empty()
                             ? result.error_message
                             : fmt::format("{}: {}", result.error_type, result.error_message));
    r.waits = 0;
    spdlog::warn("pipe {}: {}: batch of {} records ({} .. {}) failed (attempt {}): {}",
                 config_.name, context_.shard_id, r.end - r.begin,
                 items[r.begin].record->sequence_number, items[r.end - 1].record->sequence_number,
                 r.attempts + 1, status_.last_error());
    if (!last.partial && config_.bisect_batch_on_function_error && r.end - r.begin > 1) {
      const Range whole = r;
      const size_t mid = whole.begin + (whole.end - whole.begin) / 2;
      work.pop_front();
      work.push_front(Range{mid, whole.end, whole.attempts, whole.invokes});
      work.push_front(Range{whole.begin, mid, whole.attempts, whole.invokes});
      continue;
    }
    ++r.attempts;
    status_.retry_attempts.store(r.attempts, std::memory_order_relaxed);
    if (config_.maximum_retry_attempts >= 0 && r.attempts > config_.maximum_retry_attempts) {
      if (!GiveUp(items, r, "RetryAttemptsExhausted", last)) break;
      finish(r.end);
      work.pop_front();
      continue;
    }
    if (!Pause(Backoff(r.attempts))) break;
  }
  status_.in_flight_records.fetch_sub(static_cast<int64_t>(end - done));
  return done - begin;
}

}  // namespace eddy::pipe
