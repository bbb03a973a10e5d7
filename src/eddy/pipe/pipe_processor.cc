#include "eddy/pipe/pipe_processor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <thread>

namespace eddy::pipe {

PipeProcessor::PipeProcessor(const PipeShared& shared) : shared_(shared) {
  context_.source_type = shared.config->source_type;
  context_.event_source_arn = shared.config->event_source_arn;
  context_.region = shared.config->source_region;
  context_.invoke_identity_arn = shared.invoke_identity_arn;
}

Status PipeProcessor::Initialize(const consumer::InitializationInput& input) {
  context_.shard_id = input.shard_id;
  status_ = shared_.status->Shard(input.shard_id);
  status_->SetPosition(input.checkpoint.sequence_number);
  return Status::Ok();
}

Status PipeProcessor::ProcessRecords(const consumer::ProcessRecordsInput& input) {
  status_->millis_behind_latest.store(input.millis_behind_latest, std::memory_order_relaxed);
  const PipeConfig& config = *shared_.config;
  if (!input.records.empty()) {
    if (held_.empty()) held_since_ms_ = shared_.clock->NowMillis();
    held_.insert(held_.end(), input.records.begin(), input.records.end());
  }
  if (held_.empty()) return Status::Ok();
  const int64_t window_ms = int64_t{config.maximum_batching_window_in_seconds} * 1000;
  const bool full =
      held_.size() >= static_cast<size_t>(config.batch_size) * config.parallelization_factor;
  if (window_ms > 0 && !full && shared_.clock->NowMillis() - held_since_ms_ < window_ms) {
    return Status::Ok();  // wait for the batch to fill, or the window to pass
  }
  return DeliverHeld(input.checkpointer);
}

size_t PipeProcessor::DeliverSlot(BatchDeliverer& deliverer, std::vector<DeliveryItem>& items,
                                  size_t begin, size_t end,
                                  const std::function<void(size_t done)>& after_batch) {
  const size_t batch_size = static_cast<size_t>(shared_.config->batch_size);
  size_t at = begin;
  while (at < end) {
    // A batch closes at BatchSize records or before its payload would pass 6 MB.
    size_t stop = at;
    size_t bytes = kEventEnvelopeBytes;
    while (stop < end && stop - at < batch_size) {
      const size_t more = items[stop].entry.size() + 1;
      if (stop > at && bytes + more > kMaxPayloadBytes) break;
      bytes += more;
      ++stop;
    }
    const size_t done = deliverer.Deliver(items, at, stop);
    at += done;
    after_batch(at);
    if (at < stop) break;  // stopping
  }
  return at - begin;
}

Status PipeProcessor::CheckpointAt(consumer::Checkpointer& checkpointer,
                                   const consumer::Record& record) {
  consumer::CheckpointOutcome outcome = checkpointer.Checkpoint(record.position());
  if (!outcome.ok()) {
    return Status::Unavailable(fmt::format("checkpoint at {} refused: {} {}",
                                           record.sequence_number,
                                           consumer::CheckpointErrorName(outcome.error),
                                           outcome.message));
  }
  status_->SetPosition(record.sequence_number);
  return Status::Ok();
}

Status PipeProcessor::DeliverHeld(consumer::Checkpointer& checkpointer) {
  const PipeConfig& config = *shared_.config;
  std::vector<consumer::Record> records = std::move(held_);
  held_.clear();
  // Filter first: what the filters leave out is done at once.
  std::vector<DeliveryItem> items;
  std::vector<size_t> positions;  // items[i] is records[positions[i]]
  items.reserve(records.size());
  positions.reserve(records.size());
  uint64_t filtered = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (!shared_.filter.matches_everything() &&
        !shared_.filter.Matches(FilterView(context_, records[i]))) {
      ++filtered;
      continue;
    }
    items.push_back(DeliveryItem{&records[i], RecordEntry(context_, records[i])});
    positions.push_back(i);
  }
  status_->filtered.fetch_add(filtered, std::memory_order_relaxed);

  const int slots = config.parallelization_factor;
  if (slots == 1) {
    BatchDeliverer deliverer(config, context_, *shared_.target, shared_.sink, *status_,
                             *shared_.status, *shared_.clock, shared_.pacing, *shared_.stopping);
    Status checkpoint_status;
    size_t checkpointed = 0;  // records[0, checkpointed) are checkpointed
    const size_t done = DeliverSlot(deliverer, items, 0, items.size(), [&](size_t done_items) {
      // Everything up to the last item done is done (filtered records in between included).
      const size_t upto = done_items == items.size() ? records.size() : positions[done_items];
      if (upto > checkpointed && checkpoint_status.ok()) {
        checkpoint_status = CheckpointAt(checkpointer, records[upto - 1]);
        checkpointed = upto;
      }
    });
    if (!checkpoint_status.ok()) return checkpoint_status;
    if (done < items.size()) return Status::Unavailable("the pipe is stopping");
    if (checkpointed < records.size()) {  // trailing records left out by the filters
      return CheckpointAt(checkpointer, records.back());
    }
    return Status::Ok();
  }

  // Several slots: spread by partition key, deliver at once, checkpoint below the first record
  // not done.
  std::vector<std::vector<DeliveryItem>> slot_items(slots);
  std::vector<std::vector<size_t>> slot_positions(slots);
  for (size_t i = 0; i < items.size(); ++i) {
    const size_t slot = std::hash<std::string>{}(items[i].record->partition_key) % slots;
    slot_items[slot].push_back(std::move(items[i]));
    slot_positions[slot].push_back(positions[i]);
  }
  std::vector<size_t> slot_done(slots, 0);
  std::vector<std::thread> threads;
  for (int s = 0; s < slots; ++s) {
    if (slot_items[s].empty()) continue;
    threads.emplace_back([&, s] {
      BatchDeliverer deliverer(config, context_, *shared_.target, shared_.sink, *status_,
                               *shared_.status, *shared_.clock, shared_.pacing,
                               *shared_.stopping);
      slot_done[s] = DeliverSlot(deliverer, slot_items[s], 0, slot_items[s].size(),
                                 [](size_t) {});
    });
  }
  for (auto& t : threads) t.join();
  // The first record some slot did not finish; everything before it is done.
  size_t first_undone = records.size();
  bool all_done = true;
  for (int s = 0; s < slots; ++s) {
    if (slot_done[s] < slot_items[s].size()) {
      all_done = false;
      first_undone = std::min(first_undone, slot_positions[s][slot_done[s]]);
    }
  }
  if (first_undone > 0) {
    if (Status st = CheckpointAt(checkpointer, records[first_undone - 1]); !st.ok()) return st;
  }
  if (!all_done) return Status::Unavailable("the pipe is stopping");
  return Status::Ok();
}

void PipeProcessor::LeaseLost() { held_.clear(); }

Status PipeProcessor::ShardEnded(consumer::Checkpointer& checkpointer) {
  if (!held_.empty()) {
    if (Status s = DeliverHeld(checkpointer); !s.ok()) return s;
  }
  consumer::CheckpointOutcome outcome = checkpointer.Checkpoint();
  if (!outcome.ok()) {
    return Status::Unavailable(fmt::format("checkpoint at SHARD_END refused: {} {}",
                                           consumer::CheckpointErrorName(outcome.error),
                                           outcome.message));
  }
  status_->SetPosition("SHARD_END");
  return Status::Ok();
}

Status PipeProcessor::ShutdownRequested(consumer::Checkpointer& checkpointer) {
  // What is held was not delivered: it is left for whoever owns the shard next.
  (void)checkpointer;
  held_.clear();
  return Status::Ok();
}

std::unique_ptr<consumer::RecordProcessor> PipeProcessorFactory::Create(const std::string&) {
  return std::make_unique<PipeProcessor>(shared_);
}

}  // namespace eddy::pipe
