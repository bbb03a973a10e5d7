#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/base/status.h"

namespace eddy::process {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
// No deadline: wait as long as it takes.
inline constexpr Deadline kNoDeadline = Deadline::max();
// `timeout` from now; a timeout <= 0 means kNoDeadline.
Deadline DeadlineAfter(std::chrono::milliseconds timeout);

// Splits a KCL `executableName` into a command and its arguments as KCL's
// MultiLangRecordProcessorFactory does: on runs of spaces, with no quoting and no escapes (a tab
// is not a separator). Unlike KCL, leading spaces do not yield an empty program name.
std::vector<std::string> SplitCommandLine(std::string_view command_line);

// How a child process ended.
struct ExitStatus {
  bool exited = false;  // exited by itself with `code`; otherwise ended by `signal`
  int code = 0;
  int signal = 0;
  // "exited with code 1", "killed by signal 9 (KILL)".
  std::string ToString() const;
};

struct ChildProcessOptions {
  // REQUIRED non-empty. argv[0] is looked up in PATH unless it holds a '/', as execvp (and Java's
  // ProcessBuilder) do: the first entry holding a file of that name that can be run wins; PATH
  // unset means /bin:/usr/bin. The child gets the worker's environment.
  std::vector<std::string> argv;
  // Empty: the worker's. A relative argv[0] with a '/' ("./app.py") and relative PATH entries
  // are taken from this directory, as they would be after a chdir.
  std::string working_directory;
  // A line longer than this (without its '\n') on the child's stdout is an error; on its
  // stderr it is handed over in pieces of this size.
  size_t max_line_bytes = size_t{16} << 20;
  // Called with each line of the child's stderr (without '\n'), on a thread of this child's own,
  // until the child is stopped. Empty: each line is logged at info level after `log_prefix`.
  std::function<void(std::string_view line)> on_stderr_line;
  std::string log_prefix;  // "multilang shardId-000000000001: "
  // Set: the child's stdout is a log, not a protocol. Each of its lines is handed to this
  // callback as stderr's are (same thread, same cutting of long lines into pieces of
  // max_line_bytes), and ReadLine fails with FailedPrecondition. Empty: stdout is kept for
  // ReadLine.
  std::function<void(std::string_view line)> on_stdout_line;
  // The child's environment, "NAME=value" each, instead of the worker's. argv[0] is still
  // looked up in the worker's PATH (as execvpe does), not in the PATH given here.
  std::optional<std::vector<std::string>> environment;
};

// A child process spoken to over pipes: its stdin is written a line at a time, its stdout read a
// line at a time with a deadline (or forwarded as a log, see on_stdout_line), its stderr
// forwarded line by line (see on_stderr_line).
//
// The child runs in a process group of its own, so that signals reach what it started too
// (a shell wrapper's interpreter) and a Ctrl-C at the worker's terminal does not reach it
// directly. It starts with default signal dispositions, no signal blocked, and no descriptor but
// its three pipes. Every descriptor is close-on-exec; writes never raise SIGPIPE in the worker (a
// closed pipe is an error Status); the child is always reaped. Destroying a ChildProcess
// stops the child (Stop with kDefaultGrace) if it still runs: no zombie, no orphan left in its
// group, no descriptor leaked.
//
// The child dies with the worker: it gets SIGKILL when the worker dies, however it dies (kill -9
// included), so that a processor busy in a computation, or one that ignores the end of its stdin,
// stops doing side effects once its lease can go to another worker (Linux's
// prctl(PR_SET_PDEATHSIG), set between fork and exec; a child whose worker died before that
// exits without running the program). Not covered: what the child started itself (a shell
// wrapper's interpreter, when the shell does not exec it), since the signal is not inherited
// across fork and nothing kills the child's group when the worker dies; and a program that is
// set-user-ID, set-group-ID or has file capabilities, for which execve drops the signal.
//
// Thread-safety: one thread at a time calls the methods; on_stderr_line and on_stdout_line run
// on another thread (one for both).
class ChildProcess {
 public:
  static constexpr std::chrono::milliseconds kDefaultGrace{5000};

  // Starts the child, returning once its program runs. Errors: the program or the working
  // directory cannot be found (NotFound), the program cannot be run (IoError: permission denied,
  // exec format error…), each naming the program; pipes, the process or a thread cannot be
  // created.
  //
  // REQUIRES: the calling thread outlives the child: it is still running when Stop (or the
  // destructor) returns. Linux sends the parent-death signal when the *thread* that forked the
  // child ends, not the process: a child started from a thread that then exits is killed with
  // SIGKILL there and then. In eddy a processor's child is started by its ShardConsumer's thread
  // (MultiLangRecordProcessor::Initialize) and the processor is destroyed on that thread, in
  // ShardConsumer::RunProcessor, before the thread ends; so it holds.
  static Result<std::unique_ptr<ChildProcess>> Start(ChildProcessOptions options);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Writes `line` and a '\n' to the child's stdin, waiting for room in the pipe until `deadline`.
  // REQUIRES: `line` holds no '\n'.
  // Errors: Unavailable (the child closed its stdin or exited), Expired (the deadline passed with
  // the line partly written: the stream is unusable afterwards), FailedPrecondition (stdin was
  // closed by CloseStdin or an earlier failure), IoError.
  Status WriteLine(std::string_view line, Deadline deadline = kNoDeadline);

  struct LineRead {
    enum class Kind {
      kLine,     // `line` holds the next line, without '\n' (and without a trailing '\r')
      kEof,      // the child closed its stdout or exited; a last unterminated line came first
      kTimeout,  // the deadline passed first
    };
    Kind kind = Kind::kLine;
    std::string line;
  };
  // Reads the next line of the child's stdout. Errors: ResourceExhausted for a line longer than
  // max_line_bytes (the stream is unusable afterwards), IoError, FailedPrecondition when stdout
  // is forwarded (on_stdout_line).
  Result<LineRead> ReadLine(Deadline deadline = kNoDeadline);

  // Closes the child's stdin (it reads EOF). Idempotent.
  void CloseStdin();

  // The child's exit status once it has exited (it is then reaped); nullopt while it runs.
  std::optional<ExitStatus> TryWait();

  // Ends the child: closes its stdin and waits up to `exit_grace` for it to exit by itself, then
  // sends SIGTERM to its process group and waits up to `term_grace`, then SIGKILL. Whatever is
  // left of its group after it exits is killed, it is reaped, its stdout is discarded while
  // waiting (so a child blocked writing can still exit) and its stderr forwarded to the end.
  // Returns how it ended. Idempotent: later calls return the same status.
  ExitStatus Stop(std::chrono::milliseconds exit_grace = kDefaultGrace,
                  std::chrono::milliseconds term_grace = kDefaultGrace);

 private:
  ChildProcess(ChildProcessOptions options, pid_t pid, int stdin_fd, int stdout_fd, int stderr_fd,
               int pidfd, int wake_read_fd, int wake_write_fd);

  void ForwardOutput();  // the output thread's body: stderr, and stdout if on_stdout_line
  void StopStderrThread();
  // Waits until the child has exited (not reaping it) or `deadline` passes, discarding its
  // stdout meanwhile (unless the output thread forwards it). True when it has exited.
  bool WaitForExitDiscardingOutput(Deadline deadline);
  bool HasExited();  // without reaping
  ExitStatus Reap();
  void KillGroup(int signal);
  void CloseFd(int* fd);

  const ChildProcessOptions options_;
  const pid_t pid_;
  int stdin_fd_;
  int stdout_fd_;
  int stderr_fd_;
  int pidfd_;  // -1 when the kernel has no pidfd_open
  int wake_read_fd_;
  int wake_write_fd_;
  std::thread stderr_thread_;  // runs ForwardOutput

  std::string out_buffer_;  // bytes read from stdout, not yet returned as lines
  size_t scanned_ = 0;      // out_buffer_[0, scanned_) holds no '\n'
  bool stdout_eof_ = false;
  bool stdout_broken_ = false;
  std::optional<ExitStatus> exit_status_;  // set once reaped
};

}  // namespace eddy::process
