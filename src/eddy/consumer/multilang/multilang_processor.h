#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/status.h"
#include "eddy/process/child_process.h"
#include "eddy/consumer/multilang/messages.h"
#include "eddy/consumer/multilang/properties.h"
#include "eddy/consumer/record_processor.h"

namespace eddy::consumer::multilang {

using process::ChildProcess;
using process::ChildProcessOptions;
using process::Deadline;
using process::DeadlineAfter;
using process::ExitStatus;
using process::kNoDeadline;
using process::SplitCommandLine;

// How to run the record processors of a KCL multilang application.
struct MultiLangProcessorOptions {
  // REQUIRED: the program and its arguments (SplitCommandLine of KCL's executableName).
  std::vector<std::string> command;
  std::string working_directory;  // empty: the worker's
  // KCL's timeoutInSeconds: the longest wait for each message of the child (a status or a
  // checkpoint request) and for room in its stdin. 0: no limit, KCL's default.
  int timeout_seconds = 0;
  // After leaseLost or shardEnded is answered (and when the processor is destroyed) the child's
  // stdin is closed and it gets this long to exit by itself, then SIGTERM and `term_grace`,
  // then SIGKILL. After a failure it gets SIGTERM at once.
  std::chrono::milliseconds exit_grace{10000};
  std::chrono::milliseconds term_grace{5000};
  size_t max_line_bytes = size_t{16} << 20;  // longest line accepted from the child's stdout
  // Each line of a child's stderr with its shard id, on a thread of that child's own.
  // Empty: logged at info level as "multilang <shard id>: <line>".
  std::function<void(std::string_view shard_id, std::string_view line)> on_stderr_line;
};

// The options for the application a KCL .properties file describes.
MultiLangProcessorOptions ProcessorOptionsFor(const MultiLangConfig& config);

// A RecordProcessor that runs a record processor written for KCL's MultiLangDaemon (amazon_kclpy,
// aws-kcl, ...) unchanged: one child process per shard lease, spoken to in the JSON-lines protocol
// of messages.h.
//
// Each callback writes its action to the child, then reads the child's messages: a checkpoint
// request is passed to the callback's Checkpointer (a null sequence number: Checkpoint(); else
// Checkpoint({seq, subseq or 0})) and its outcome written back as the checkpoint answer; the
// callback returns when `status` for its action arrives. Initialize and LeaseLost have no
// Checkpointer: a checkpoint then is answered with InvalidStateException, as KCL's daemon does.
//
// A status for another action, an invalid message, the end of the child's stdout, its exit, or
// no message within timeout_seconds makes the callback return an error naming the shard, the
// action, the last sequence number sent and the cause; the child is then stopped, and the worker
// starts a new processor from the last checkpoint. Nothing here ends the worker (KCL's daemon
// calls System.exit, or Runtime.halt on a timeout, taking every shard down). After any error,
// every later callback fails at once.
//
// The child is started by Initialize. After leaseLost or shardEnded is answered its stdin is
// closed and it is waited for (exit_grace, then SIGTERM, then SIGKILL). ShutdownRequested leaves it
// running: KCL follows a requested shutdown with leaseLost once the lease is released, so when the
// worker makes no further call (RecordProcessor's contract: ShutdownRequested is the last one),
// destroying the processor sends leaseLost and waits for its status first (each message at most
// exit_grace, or timeout_seconds when shorter). Destroying the processor always leaves no child
// running.
//
// Thread-safety: as RecordProcessor: one callback at a time.
class MultiLangRecordProcessor final : public RecordProcessor {
 public:
  MultiLangRecordProcessor(std::string shard_id, MultiLangProcessorOptions options);
  ~MultiLangRecordProcessor() override;
  MultiLangRecordProcessor(const MultiLangRecordProcessor&) = delete;
  MultiLangRecordProcessor& operator=(const MultiLangRecordProcessor&) = delete;

  Status Initialize(const InitializationInput& input) override;
  Status ProcessRecords(const ProcessRecordsInput& input) override;
  void LeaseLost() override;
  Status ShardEnded(Checkpointer& checkpointer) override;
  Status ShutdownRequested(Checkpointer& checkpointer) override;

  // The child's process id while it runs; nullopt before Initialize and once it is stopped.
  std::optional<pid_t> child_pid() const;
  // How the child ended, once it has been stopped.
  const std::optional<ExitStatus>& child_exit() const { return child_exit_; }

 private:
  enum class State { kNew, kRunning, kEnded, kFailed };

  // Writes `line` (the message for `action`) and serves the child until its status for
  // `action`. `checkpointer` may be null (Initialize, LeaseLost).
  Status Call(std::string_view action, const std::string& line, Checkpointer* checkpointer);
  // Answers one checkpoint request.
  CheckpointAnswer Checkpoint(std::string_view action, const CheckpointRequest& request,
                              Checkpointer* checkpointer);
  // Stops the child at once and returns the error for `action`.
  Status Fail(std::string_view action, Status::Code code, std::string_view cause);
  // Closes the child's stdin and waits for it to exit (exit_grace, then signals).
  void EndChild();
  // The longest wait for one message of the child (0: none).
  std::chrono::milliseconds MessageTimeout() const;
  Deadline NextDeadline() const;
  std::string Describe(std::string_view action) const;

  const std::string shard_id_;
  const MultiLangProcessorOptions options_;
  State state_ = State::kNew;
  bool shutdown_requested_ = false;  // shutdownRequested was answered; leaseLost is owed
  bool ending_ = false;              // the destructor is sending that leaseLost
  std::unique_ptr<ChildProcess> child_;
  std::optional<ExitStatus> child_exit_;
  std::string last_sequence_sent_ = "none";
};

// Makes a MultiLangRecordProcessor per shard lease, all running the same command.
// Thread-safety: Create may be called from any thread at any time.
class MultiLangProcessorFactory final : public RecordProcessorFactory {
 public:
  explicit MultiLangProcessorFactory(MultiLangProcessorOptions options);
  std::unique_ptr<RecordProcessor> Create(const std::string& shard_id) override;

 private:
  const MultiLangProcessorOptions options_;
};

}  // namespace eddy::consumer::multilang
