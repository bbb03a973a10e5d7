#include "eddy/consumer/multilang/multilang_processor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <variant>

namespace eddy::consumer::multilang {
namespace {

// KCL's name for a refused checkpoint that no Checkpointer saw (MultiLangProtocol answers a
// checkpoint without a checkpointer with InvalidStateException; RecordProcessorCheckpointer
// throws IllegalArgumentException for a malformed position).
constexpr std::string_view kInvalidState = "InvalidStateException";
constexpr std::string_view kIllegalArgument = "IllegalArgumentException";

// How long a child that closed its stdout gets to exit, so that its exit status can be told.
constexpr std::chrono::milliseconds kExitAfterEofGrace{1000};

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string PositionText(const ExtendedSequenceNumber& position) {
  if (position.empty()) return "none";
  if (position.sub_sequence_number == 0) return position.sequence_number;
  return position.sequence_number + " (sub-sequence " +
         std::to_string(position.sub_sequence_number) + ")";
}

}  // namespace

MultiLangProcessorOptions ProcessorOptionsFor(const MultiLangConfig& config) {
  MultiLangProcessorOptions options;
  options.command = SplitCommandLine(config.executable_name);
  options.timeout_seconds = config.timeout_seconds;
  return options;
}

MultiLangRecordProcessor::MultiLangRecordProcessor(std::string shard_id,
                                                   MultiLangProcessorOptions options)
    : shard_id_(std::move(shard_id)), options_(std::move(options)) {}

MultiLangRecordProcessor::~MultiLangRecordProcessor() {
  // KCL's ShardConsumer leaves SHUTDOWN_REQUESTED only through a LEASE_LOST shutdown, whose task
  // calls leaseLost (ConsumerStates.ShutdownNotificationCompletionState): a child sees
  // shutdownRequested, then leaseLost, then the end of its stdin. The worker's last call is
  // ShutdownRequested, so the leaseLost is sent here.
  if (state_ == State::kRunning && shutdown_requested_) {
    // Nobody waits on this call: a child that does not answer gets exit_grace per message, not
    // timeoutInSeconds (unlimited by default), then is stopped as below.
    ending_ = true;
    LeaseLost();
  }
  EndChild();
}

std::optional<pid_t> MultiLangRecordProcessor::child_pid() const {
  if (!child_) return std::nullopt;
  return child_->pid();
}

std::chrono::milliseconds MultiLangRecordProcessor::MessageTimeout() const {
  std::chrono::milliseconds timeout = std::chrono::seconds(options_.timeout_seconds);
  if (ending_ && (timeout.count() <= 0 || timeout > options_.exit_grace)) {
    timeout = options_.exit_grace;
  }
  return timeout;
}

Deadline MultiLangRecordProcessor::NextDeadline() const {
  return DeadlineAfter(MessageTimeout());
}

std::string MultiLangRecordProcessor::Describe(std::string_view action) const {
  std::string text = "multilang processor of shard ";
  text += shard_id_;
  text += ": ";
  text += action;
  text += " (last sequence number sent: ";
  text += last_sequence_sent_;
  text += ")";
  return text;
}

Status MultiLangRecordProcessor::Initialize(const InitializationInput& input) {
  if (state_ != State::kNew) {
    return Status::FailedPrecondition(Describe(kInitializeAction) + ": already initialized");
  }
  ChildProcessOptions child_options;
  child_options.argv = options_.command;
  child_options.working_directory = options_.working_directory;
  child_options.max_line_bytes = options_.max_line_bytes;
  child_options.log_prefix = "multilang " + shard_id_ + ": ";
  if (options_.on_stderr_line) {
    child_options.on_stderr_line = [sink = options_.on_stderr_line,
                                     shard = shard_id_](std::string_view line) {
      sink(shard, line);
    };
  }
  Result<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(std::move(child_options));
  if (!started.ok()) {
    state_ = State::kFailed;
    return Status(started.status()).WithContext(Describe(kInitializeAction));
  }
  child_ = std::move(started).value();
  state_ = State::kRunning;

  InitializeMessage message;
  message.shard_id = input.shard_id.empty() ? shard_id_ : input.shard_id;
  if (!input.checkpoint.empty()) {
    message.sequence_number = input.checkpoint.sequence_number;
    message.sub_sequence_number = input.checkpoint.sub_sequence_number;
  }
  last_sequence_sent_ = PositionText(input.checkpoint);
  return Call(kInitializeAction, EncodeInitialize(message), nullptr);
}

Status MultiLangRecordProcessor::ProcessRecords(const ProcessRecordsInput& input) {
  if (state_ != State::kRunning) {
    return Status::FailedPrecondition(Describe(kProcessRecordsAction) +
                                      ": the processor is not running");
  }
  std::string line = EncodeProcessRecords(input.records, input.millis_behind_latest);
  if (!input.records.empty()) last_sequence_sent_ = PositionText(input.records.back().position());
  return Call(kProcessRecordsAction, line, &input.checkpointer);
}

void MultiLangRecordProcessor::LeaseLost() {
  if (state_ == State::kNew) {
    state_ = State::kEnded;  // never started: nothing to tell
    return;
  }
  if (state_ != State::kRunning) return;
  if (Status s = Call(kLeaseLostAction, EncodeLeaseLost(), nullptr); !s.ok()) {
    spdlog::error("{}", s.ToString());  // LeaseLost has no way to report it
    return;
  }
  state_ = State::kEnded;
  EndChild();
}

Status MultiLangRecordProcessor::ShardEnded(Checkpointer& checkpointer) {
  if (state_ != State::kRunning) {
    return Status::FailedPrecondition(Describe(kShardEndedAction) +
                                      ": the processor is not running");
  }
  EDDY_RETURN_IF_ERROR(Call(kShardEndedAction, EncodeShardEnded(), &checkpointer));
  state_ = State::kEnded;
  EndChild();
  return Status::Ok();
}

Status MultiLangRecordProcessor::ShutdownRequested(Checkpointer& checkpointer) {
  // Like KCL's daemon: a processor that never started has nothing to checkpoint.
  if (state_ == State::kNew || state_ == State::kEnded) return Status::Ok();
  if (state_ != State::kRunning) {
    return Status::FailedPrecondition(Describe(kShutdownRequestedAction) +
                                      ": the processor failed earlier");
  }
  EDDY_RETURN_IF_ERROR(Call(kShutdownRequestedAction, EncodeShutdownRequested(), &checkpointer));
  shutdown_requested_ = true;
  return Status::Ok();
}

Status MultiLangRecordProcessor::Call(std::string_view action, const std::string& line,
                                      Checkpointer* checkpointer) {
  if (Status s = child_->WriteLine(line, NextDeadline()); !s.ok()) {
    return Fail(action, s.code(), "cannot write to the child: " + s.message());
  }
  // KCL's timeout covers the wait for each message (MultiLangProtocol.waitForStatusMessage), so
  // a child that checkpoints as it goes may take longer than the timeout for the whole action.
  Deadline deadline = NextDeadline();
  while (true) {
    Result<ChildProcess::LineRead> read = child_->ReadLine(deadline);
    if (!read.ok()) return Fail(action, read.status().code(), read.status().message());
    switch (read->kind) {
      case ChildProcess::LineRead::Kind::kTimeout:
        return Fail(action, Status::Code::kExpired,
                    ending_ ? "no answer from the child within " +
                                  std::to_string(MessageTimeout().count()) +
                                  " ms (the processor is being destroyed)"
                            : "no answer from the child within " +
                                  std::to_string(options_.timeout_seconds) +
                                  " s (timeoutInSeconds)");
      case ChildProcess::LineRead::Kind::kEof: {
        const ExitStatus exit = child_->Stop(kExitAfterEofGrace, options_.term_grace);
        return Fail(action, Status::Code::kUnavailable,
                    "the child closed its stdout and " + exit.ToString());
      }
      case ChildProcess::LineRead::Kind::kLine:
        break;
    }
    Result<std::optional<ChildMessage>> decoded = DecodeChildLine(read->line);
    if (!decoded.ok()) return Fail(action, Status::Code::kInvalidArgument, decoded.status().message());
    if (!decoded->has_value()) {
      // KCL's daemon skips these too (GetNextMessageTask): clients surround their lines with
      // blank ones, and a processor may print to stdout by mistake.
      if (!read->line.empty()) {
        spdlog::info("multilang {}: skipping a line on the child's stdout that is not a message: {}",
                     shard_id_, QuoteLine(read->line));
      }
      continue;
    }
    if (const auto* request = std::get_if<CheckpointRequest>(&**decoded)) {
      const CheckpointAnswer answer = Checkpoint(action, *request, checkpointer);
      if (Status s = child_->WriteLine(EncodeCheckpointAnswer(answer), NextDeadline()); !s.ok()) {
        return Fail(action, s.code(), "cannot answer the child's checkpoint: " + s.message());
      }
      deadline = NextDeadline();
      continue;
    }
    const auto& status = std::get<StatusMessage>(**decoded);
    if (status.response_for != action) {
      return Fail(action, Status::Code::kInvalidArgument,
                  "the child answered a status for " + QuoteLine(status.response_for) +
                      " instead of '" + std::string(action) + "'");
    }
    return Status::Ok();
  }
}

CheckpointAnswer MultiLangRecordProcessor::Checkpoint(std::string_view action,
                                                      const CheckpointRequest& request,
                                                      Checkpointer* checkpointer) {
  CheckpointAnswer answer{request.sequence_number, request.sub_sequence_number, std::nullopt};
  auto refuse = [&](std::string_view error, std::string_view why) {
    spdlog::warn("multilang {}: checkpoint at {} during {} refused: {} ({})", shard_id_,
                 request.sequence_number.value_or("the last record delivered"), action, error, why);
    answer.error = std::string(error);
    return answer;
  };
  if (checkpointer == nullptr) {
    return refuse(kInvalidState, "no checkpointing during " + std::string(action));
  }
  CheckpointOutcome outcome;
  if (request.sequence_number) {
    const std::string& seq = *request.sequence_number;
    const int64_t sub = request.sub_sequence_number.value_or(0);
    if (sub < 0) return refuse(kIllegalArgument, "a negative sub-sequence number");
    if (!IsDigits(seq) && !ExtendedSequenceNumber::IsSentinel(seq)) {
      return refuse(kIllegalArgument, "not a sequence number");
    }
    outcome = checkpointer->Checkpoint(ExtendedSequenceNumber{seq, sub});
  } else {
    outcome = checkpointer->Checkpoint();
  }
  if (!outcome.ok()) return refuse(CheckpointErrorName(outcome.error), outcome.message);
  const ExtendedSequenceNumber done = checkpointer->last_checkpoint();
  answer.sequence_number = done.sequence_number;
  answer.sub_sequence_number = done.sub_sequence_number;
  return answer;
}

Status MultiLangRecordProcessor::Fail(std::string_view action, Status::Code code,
                                      std::string_view cause) {
  state_ = State::kFailed;
  if (child_) {
    // A child that misbehaved gets no grace before SIGTERM.
    child_exit_ = child_->Stop(std::chrono::milliseconds(0), options_.term_grace);
    child_.reset();
  }
  std::string message = Describe(action);
  message += ": ";
  message += cause;
  switch (code) {
    case Status::Code::kExpired:
      return Status::Expired(std::move(message));
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(std::move(message));
    case Status::Code::kResourceExhausted:
      return Status::ResourceExhausted(std::move(message));
    default:
      return Status::Unavailable(std::move(message));
  }
}

void MultiLangRecordProcessor::EndChild() {
  if (!child_) return;
  child_exit_ = child_->Stop(options_.exit_grace, options_.term_grace);
  spdlog::info("multilang {}: the record processor stopped: {}", shard_id_, child_exit_->ToString());
  child_.reset();
}

MultiLangProcessorFactory::MultiLangProcessorFactory(MultiLangProcessorOptions options)
    : options_(std::move(options)) {}

std::unique_ptr<RecordProcessor> MultiLangProcessorFactory::Create(const std::string& shard_id) {
  return std::make_unique<MultiLangRecordProcessor>(shard_id, options_);
}

}  // namespace eddy::consumer::multilang
