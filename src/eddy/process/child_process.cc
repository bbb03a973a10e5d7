#include "eddy/process/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <utility>

#include "eddy/base/check.h"
#include "eddy/base/guarded.h"

extern char** environ;

namespace eddy::process {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Without a pidfd, how often a wait for the child's exit looks again.
constexpr int kExitPollMillis = 10;

// Milliseconds until `deadline` for poll(): -1 for none, 0 once passed, rounded up.
int PollTimeout(Deadline deadline) {
  if (deadline == kNoDeadline) return -1;
  const auto now = Clock::now();
  if (deadline <= now) return 0;
  const auto remaining = deadline - now;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

void CloseQuietly(int fd) {
  if (fd >= 0) ::close(fd);
}

// Makes `*fd` a descriptor above stderr, so that the child's dup2 onto 0, 1 and 2 cannot
// clobber another pipe end (possible only when the worker runs with a standard descriptor closed).
Status MoveAboveStdio(int* fd) {
  if (*fd > STDERR_FILENO) return Status::Ok();
  const int moved = ::fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  if (moved < 0) return Status::FromErrno(errno, "fcntl(F_DUPFD_CLOEXEC)");
  ::close(*fd);
  *fd = moved;
  return Status::Ok();
}

Status SetNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return Status::FromErrno(errno, "fcntl(O_NONBLOCK)");
  }
  return Status::Ok();
}

// Blocks SIGPIPE in this thread for its lifetime, so that a write to a pipe the child closed
// fails with EPIPE instead of ending the worker; a SIGPIPE raised meanwhile is consumed. (The
// worker's own disposition of SIGPIPE is left alone: it is process-wide.)
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &pipe_set_, &old_mask_);
  }
  ~SigpipeBlock() {
    if (raised_ && !was_pending_) {
      const struct timespec zero = {0, 0};
      while (::sigtimedwait(&pipe_set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  void Raised() { raised_ = true; }

 private:
  sigset_t pipe_set_;
  sigset_t old_mask_;
  bool was_pending_ = false;
  bool raised_ = false;
};

int OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);  // pidfds are close-on-exec already
    return static_cast<int>(fd);
  }
#endif
  return -1;
}

// The descriptors opened in Start, closed on every early return.
struct Pipes {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  int wake[2] = {-1, -1};
  int report[2] = {-1, -1};  // the child's setup failure, if any (see ChildReport)
  int working_directory = -1;
  ~Pipes() {
    for (int* p : {in, out, err, wake, report}) {
      CloseQuietly(p[0]);
      CloseQuietly(p[1]);
    }
    CloseQuietly(working_directory);
  }
  static int Take(int* fd) { return std::exchange(*fd, -1); }
};

// The program to execve: argv[0] when it holds a '/', otherwise the first file of that name in
// PATH that execve could run, looked up as glibc's execvp (and so posix_spawnp and Java's
// ProcessBuilder) does: PATH unset means "/bin:/usr/bin"; an empty entry is the working
// directory; a name that exists but cannot be run (no permission, a directory) is passed over,
// and is the error (EACCES) when nothing later can run; a path that is neither missing nor
// unreadable (ELOOP, ENAMETOOLONG…) ends the search with its error, as execvp's would. Relative
// entries are looked up from `directory_fd` (the child's working directory, AT_FDCWD for the
// worker's), where the child's execve will look after its fchdir. Errors name `what`.
// It runs in the parent, before fork: the child of a process with threads may call only
// async-signal-safe functions, and execvp's search (getenv, a buffer per entry) is not one.
Result<std::string> ResolveProgram(const std::string& name, int directory_fd,
                                   const std::string& what) {
  if (name.find('/') != std::string::npos) return name;  // execve reports what is wrong with it
  const char* path = ::getenv("PATH");
  std::string_view entries = path != nullptr ? path : "/bin:/usr/bin";
  bool denied = false;
  while (true) {
    const size_t colon = entries.find(':');
    const std::string_view entry = entries.substr(0, colon);
    std::string candidate = entry.empty() ? name : std::string(entry) + "/" + name;
    struct stat st;
    if (::fstatat(directory_fd, candidate.c_str(), &st, 0) == 0) {
      if (S_ISREG(st.st_mode) &&
          ::faccessat(directory_fd, candidate.c_str(), X_OK, AT_EACCESS) == 0) {
        return candidate;
      }
      denied = true;  // execve would fail with EACCES
    } else if (errno == EACCES) {
      denied = true;  // an entry we may not search
    } else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ENODEV &&
               errno != ETIMEDOUT) {
      return Status::FromErrno(errno, what);
    }
    if (colon == std::string_view::npos) break;
    entries.remove_prefix(colon + 1);
  }
  return Status::FromErrno(denied ? EACCES : ENOENT, what);
}

// What the child writes to the report pipe when a step before its program runs fails; nothing
// comes when execve succeeds (the pipe is close-on-exec, so the parent reads its end).
struct ChildReport {
  enum Step : int { kParentDeathSignal, kWorkingDirectory, kStdio, kCloseDescriptors, kExec };
  int step;
  int error;  // errno
};

// Everything the child needs after fork, made ready before it: no allocation, no lock, no
// getenv in the child.
struct ChildPlan {
  const char* program;  // resolved: run with execve, no PATH search
  char* const* argv;
  char* const* envp;
  pid_t parent;         // the worker, as getpid() saw it before fork
  int stdin_fd;         // these four are above stderr (MoveAboveStdio)
  int stdout_fd;
  int stderr_fd;
  int report_fd;        // close-on-exec
  int working_directory_fd;  // -1: the worker's
  int max_fd;           // the highest descriptor to close where close_range is missing
};

[[noreturn]] void FailInChild(const ChildPlan& plan, ChildReport::Step step, int error) {
  const ChildReport report{step, error};
  while (::write(plan.report_fd, &report, sizeof report) < 0 && errno == EINTR) {
  }
  ::_exit(127);
}

// Closes every descriptor from `from` to `to`, both included.
int CloseRange(int from, int to, int max_fd) {
  if (from > to) return 0;
  if (::close_range(static_cast<unsigned>(from), static_cast<unsigned>(to), 0) == 0) return 0;
  if (errno != ENOSYS) return -1;
  for (int fd = from; fd <= std::min(to, max_fd); ++fd) ::close(fd);  // kernels before 5.9
  return 0;
}

// The child's side of Start, between fork and exec. Only async-signal-safe calls: the worker has
// other threads, whose locks (malloc's among them) may be held forever in this copy of it. Every
// signal is blocked on entry (Spawn blocks them around fork), so no handler of the worker's can
// run here before the dispositions are reset.
[[noreturn]] void RunChild(const ChildPlan& plan) {
  // Die with the worker: SIGKILL when the thread that forked this child ends (see the header's
  // REQUIRES), and the process with it. The worker may have died before prctl: this child
  // was then adopted by another process already, and must not run its program at all.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    FailInChild(plan, ChildReport::kParentDeathSignal, errno);
  }
  if (::getppid() != plan.parent) ::_exit(127);

  // Default dispositions (the worker ignores SIGPIPE, for one; an ignored signal stays ignored
  // across execve). Through the system call itself: glibc's sigaction refuses its two internal
  // signals (32 and 33, EINVAL), and a worker started by GNU make (posix_spawn with
  // POSIX_SPAWN_SETSIGDEF) inherits them ignored, which would pass on to the processor.
  struct KernelSigaction {  // the kernel's struct sigaction on Linux (no sa_restorer needed)
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    uint64_t mask;
  };
  const KernelSigaction default_action{SIG_DFL, 0, nullptr, 0};
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal == SIGKILL || signal == SIGSTOP) continue;
    ::syscall(SYS_rt_sigaction, signal, &default_action, nullptr, sizeof(uint64_t));
  }
  // A process group of its own: signals reach what it starts, a Ctrl-C at the worker's terminal
  // does not reach it. Cannot fail for a fresh child of ours.
  ::setpgid(0, 0);

  if (plan.working_directory_fd >= 0 && ::fchdir(plan.working_directory_fd) != 0) {
    FailInChild(plan, ChildReport::kWorkingDirectory, errno);
  }
  // dup2 clears close-on-exec on the copies; the originals are above stderr, so none is
  // overwritten before it is copied.
  if (::dup2(plan.stdin_fd, STDIN_FILENO) < 0 || ::dup2(plan.stdout_fd, STDOUT_FILENO) < 0 ||
      ::dup2(plan.stderr_fd, STDERR_FILENO) < 0) {
    FailInChild(plan, ChildReport::kStdio, errno);
  }
  // Every other descriptor goes, whether or not its creator asked for close-on-exec; the report
  // pipe stays until execve closes it.
  if (CloseRange(STDERR_FILENO + 1, plan.report_fd - 1, plan.max_fd) != 0 ||
      CloseRange(plan.report_fd + 1, INT_MAX, plan.max_fd) != 0) {
    FailInChild(plan, ChildReport::kCloseDescriptors, errno);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(plan.program, plan.argv, plan.envp);
  FailInChild(plan, ChildReport::kExec, errno);
}

// Reads the child's report: nullopt once its program runs (the pipe's write end closed by
// execve, or by its exit).
std::optional<ChildReport> ReadChildReport(int fd) {
  ChildReport report;
  size_t got = 0;
  while (got < sizeof report) {
    const ssize_t n = ::read(fd, reinterpret_cast<char*>(&report) + got, sizeof report - got);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  if (got < sizeof report) return std::nullopt;  // a pipe write this small is never split
  return report;
}

// Forks the child that runs `plan` and waits until its program runs (returning its pid) or its
// setup fails (returning that failure, the child reaped). Closes `*report_write_fd`.
Result<pid_t> Spawn(const ChildPlan& plan, int* report_write_fd, int report_read_fd,
                    const std::string& what) {
  // posix_spawn cannot set a parent-death signal, hence fork and execve. Every signal is blocked
  // across fork so that none of the worker's handlers runs in the child before RunChild resets
  // them. _Fork, not fork: no pthread_atfork handler runs (they take locks, such as malloc's,
  // that a child which only execs does not need); it is async-signal-safe.
  sigset_t all;
  sigset_t old_mask;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old_mask);
  const pid_t pid = ::_Fork();
  if (pid == 0) RunChild(plan);
  const int fork_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  CloseQuietly(std::exchange(*report_write_fd, -1));
  if (pid < 0) return Status::FromErrno(fork_error, what + ": fork");

  const std::optional<ChildReport> report = ReadChildReport(report_read_fd);
  if (!report) return pid;
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  switch (report->step) {
    case ChildReport::kExec:
      return Status::FromErrno(report->error, what);
    case ChildReport::kWorkingDirectory:
      return Status::FromErrno(report->error, what + ": fchdir");
    case ChildReport::kStdio:
      return Status::FromErrno(report->error, what + ": dup2");
    case ChildReport::kCloseDescriptors:
      return Status::FromErrno(report->error, what + ": close_range");
    case ChildReport::kParentDeathSignal:
      return Status::FromErrno(report->error, what + ": prctl(PR_SET_PDEATHSIG)");
  }
  return Status::FromErrno(report->error, what);
}

}  // namespace

Deadline DeadlineAfter(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) return kNoDeadline;
  return Clock::now() + timeout;
}

std::vector<std::string> SplitCommandLine(std::string_view command_line) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < command_line.size()) {
    while (i < command_line.size() && command_line[i] == ' ') ++i;
    size_t j = i;
    while (j < command_line.size() && command_line[j] != ' ') ++j;
    if (j > i) parts.emplace_back(command_line.substr(i, j - i));
    i = j;
  }
  return parts;
}

std::string ExitStatus::ToString() const {
  if (exited) return "exited with code " + std::to_string(code);
  if (signal == 0) return "ended (its exit status was collected elsewhere)";
  const char* name = ::sigabbrev_np(signal);
  return "killed by signal " + std::to_string(signal) +
         (name != nullptr ? " (" + std::string(name) + ")" : std::string());
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::Start(ChildProcessOptions options) {
  if (options.argv.empty() || options.argv[0].empty()) {
    return Status::InvalidArgument("multilang: no command to run");
  }
  if (options.max_line_bytes == 0) options.max_line_bytes = 1;
  std::string what = "multilang: cannot run '" + options.argv[0] + "'";
  if (!options.working_directory.empty()) what += " in " + options.working_directory;

  Pipes p;
  for (int* pipe_fds : {p.in, p.out, p.err, p.wake, p.report}) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::FromErrno(errno, "multilang: pipe2");
  }
  for (int* fd : {&p.in[0], &p.out[1], &p.err[1], &p.report[1]}) {
    EDDY_RETURN_IF_ERROR(MoveAboveStdio(fd));
  }
  if (!options.working_directory.empty()) {
    // Opened here so that a missing directory is an error now and the program is looked up
    // where it will run; O_PATH needs only the search permission chdir needs.
    p.working_directory =
        ::open(options.working_directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (p.working_directory < 0) return Status::FromErrno(errno, what);
  }
  EDDY_ASSIGN_OR_RETURN(
      const std::string program,
      ResolveProgram(options.argv[0], p.working_directory >= 0 ? p.working_directory : AT_FDCWD,
                     what));

  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  for (std::string& arg : options.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  if (options.environment) {
    envp.reserve(options.environment->size() + 1);
    for (std::string& entry : *options.environment) envp.push_back(entry.data());
    envp.push_back(nullptr);
  }
  ChildPlan plan;
  plan.program = program.c_str();
  plan.argv = argv.data();
  plan.envp = options.environment ? envp.data() : environ;
  plan.parent = ::getpid();
  plan.stdin_fd = p.in[0];
  plan.stdout_fd = p.out[1];
  plan.stderr_fd = p.err[1];
  plan.report_fd = p.report[1];
  plan.working_directory_fd = p.working_directory;
  struct rlimit files;
  plan.max_fd = ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
                    ? static_cast<int>(std::min<rlim_t>(files.rlim_cur, INT_MAX))
                    : 65536;

  EDDY_ASSIGN_OR_RETURN(const pid_t pid, Spawn(plan, &p.report[1], p.report[0], what));
  // The child holds its own copies now.
  for (int* fd : {&p.in[0], &p.out[1], &p.err[1]}) ::close(Pipes::Take(fd));

  for (int fd : {p.in[1], p.out[0], p.err[0]}) {
    if (Status s = SetNonBlocking(fd); !s.ok()) {
      // Cannot happen on a fresh pipe; still, never leave the child behind.
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      return s;
    }
  }
  const int pidfd = OpenPidfd(pid);
  std::unique_ptr<ChildProcess> child(new ChildProcess(
      std::move(options), pid, Pipes::Take(&p.in[1]), Pipes::Take(&p.out[0]),
      Pipes::Take(&p.err[0]), pidfd, Pipes::Take(&p.wake[0]), Pipes::Take(&p.wake[1])));
  try {
    child->stderr_thread_ = std::thread([c = child.get()] { c->ForwardOutput(); });
  } catch (const std::system_error& e) {
    child->Stop(std::chrono::milliseconds(0), std::chrono::milliseconds(0));
    return Status::ResourceExhausted(std::string("multilang: cannot start a thread: ") + e.what());
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcessOptions options, pid_t pid, int stdin_fd, int stdout_fd,
                           int stderr_fd, int pidfd, int wake_read_fd, int wake_write_fd)
    : options_(std::move(options)),
      pid_(pid),
      stdin_fd_(stdin_fd),
      stdout_fd_(stdout_fd),
      stderr_fd_(stderr_fd),
      pidfd_(pidfd),
      wake_read_fd_(wake_read_fd),
      wake_write_fd_(wake_write_fd) {}

ChildProcess::~ChildProcess() { Stop(); }

void ChildProcess::CloseFd(int* fd) {
  CloseQuietly(*fd);
  *fd = -1;
}

void ChildProcess::CloseStdin() { CloseFd(&stdin_fd_); }

Status ChildProcess::WriteLine(std::string_view line, Deadline deadline) {
  EDDY_DCHECK(line.find('\n') == std::string_view::npos);
  if (stdin_fd_ < 0) return Status::FailedPrecondition("the child's stdin is closed");
  char newline = '\n';
  struct iovec iov[2] = {{const_cast<char*>(line.data()), line.size()}, {&newline, 1}};
  int first = 0;  // the first iovec with bytes left
  SigpipeBlock sigpipe;
  while (first < 2) {
    const ssize_t n = ::writev(stdin_fd_, iov + first, 2 - first);
    if (n >= 0) {
      size_t left = static_cast<size_t>(n);
      while (first < 2 && left >= iov[first].iov_len) {
        left -= iov[first].iov_len;
        ++first;
      }
      if (first < 2) {
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      struct pollfd pfd = {stdin_fd_, POLLOUT, 0};
      const int ready = ::poll(&pfd, 1, PollTimeout(deadline));
      if (ready == 0) {
        // Part of the line may be in the pipe: nothing more can be written after it.
        CloseStdin();
        return Status::Expired("the child did not read its stdin in time");
      }
      if (ready < 0 && errno != EINTR) return Status::FromErrno(errno, "poll");
      continue;  // POLLERR/POLLHUP show up as EPIPE on the next write
    }
    if (errno == EPIPE) {
      sigpipe.Raised();
      CloseStdin();
      return Status::Unavailable("the child closed its stdin");
    }
    const int err = errno;
    CloseStdin();
    return Status::FromErrno(err, "writing to the child's stdin");
  }
  return Status::Ok();
}

Result<ChildProcess::LineRead> ChildProcess::ReadLine(Deadline deadline) {
  if (options_.on_stdout_line) {
    return Status::FailedPrecondition("the child's stdout is forwarded, not read");
  }
  if (stdout_broken_) {
    return Status::FailedPrecondition("the child's stdout is unusable after an earlier error");
  }
  char chunk[kReadChunk];
  while (true) {
    const size_t newline = out_buffer_.find('\n', scanned_);
    if (newline != std::string::npos) {
      LineRead read{LineRead::Kind::kLine, out_buffer_.substr(0, newline)};
      out_buffer_.erase(0, newline + 1);
      scanned_ = 0;
      if (!read.line.empty() && read.line.back() == '\r') read.line.pop_back();
      if (read.line.size() > options_.max_line_bytes) {
        stdout_broken_ = true;
        return Status::ResourceExhausted("the child wrote a line of " +
                                         std::to_string(read.line.size()) +
                                         " bytes to stdout, more than the limit of " +
                                         std::to_string(options_.max_line_bytes));
      }
      return read;
    }
    scanned_ = out_buffer_.size();
    if (out_buffer_.size() > options_.max_line_bytes) {
      stdout_broken_ = true;
      return Status::ResourceExhausted("the child wrote more than " +
                                       std::to_string(options_.max_line_bytes) +
                                       " bytes to stdout without a line end");
    }
    if (stdout_eof_) {
      if (!out_buffer_.empty()) {
        LineRead read{LineRead::Kind::kLine, std::move(out_buffer_)};
        out_buffer_.clear();
        scanned_ = 0;
        if (!read.line.empty() && read.line.back() == '\r') read.line.pop_back();
        return read;
      }
      return LineRead{LineRead::Kind::kEof, {}};
    }

    struct pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    const int ready = ::poll(fds, pidfd_ >= 0 ? 2 : 1, PollTimeout(deadline));
    if (ready == 0) return LineRead{LineRead::Kind::kTimeout, {}};
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "poll on the child's stdout");
    }
    const bool child_exited = pidfd_ >= 0 && (fds[1].revents & POLLIN) != 0;
    // Read what is there; once the child has exited, read to the end of what it left in the
    // pipe and no further (a process it started may hold the pipe open without writing).
    while (true) {
      const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
      if (n > 0) {
        out_buffer_.append(chunk, static_cast<size_t>(n));
        if (!child_exited || out_buffer_.size() > options_.max_line_bytes) break;
        continue;
      }
      if (n == 0) {
        stdout_eof_ = true;
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (child_exited) stdout_eof_ = true;
        break;
      }
      return Status::FromErrno(errno, "reading the child's stdout");
    }
  }
}

bool ChildProcess::HasExited() {
  if (exit_status_) return true;
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
    if (errno == EINTR) continue;
    return errno == ECHILD;  // reaped by someone else: it is gone all the same
  }
  return info.si_pid == pid_;
}

std::optional<ExitStatus> ChildProcess::TryWait() {
  if (exit_status_) return exit_status_;
  if (!HasExited()) return std::nullopt;
  // Whatever it started and left in its group goes with it (before reaping, while the group's
  // id cannot belong to anyone else).
  KillGroup(SIGKILL);
  return Reap();
}

void ChildProcess::KillGroup(int signal) {
  if (exit_status_) return;  // reaped: its ids may be reused
  if (::kill(-pid_, signal) < 0 && errno == ESRCH) {
    ::kill(pid_, signal);  // it left the group it was started in
  }
}

ExitStatus ChildProcess::Reap() {
  if (exit_status_) return *exit_status_;
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
  }
  ExitStatus result;
  if (r == pid_) {
    if (WIFEXITED(status)) {
      result.exited = true;
      result.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
  }
  exit_status_ = result;
  CloseFd(&pidfd_);
  return result;
}

bool ChildProcess::WaitForExitDiscardingOutput(Deadline deadline) {
  char chunk[kReadChunk];
  while (!HasExited()) {
    if (Clock::now() >= deadline) return false;
    struct pollfd fds[2];
    nfds_t n = 0;
    int pid_index = -1;
    // A forwarded stdout is the output thread's to read.
    if (stdout_fd_ >= 0 && !stdout_eof_ && !options_.on_stdout_line) {
      fds[n++] = {stdout_fd_, POLLIN, 0};
    }
    if (pidfd_ >= 0) {
      pid_index = static_cast<int>(n);
      fds[n++] = {pidfd_, POLLIN, 0};
    }
    int timeout = PollTimeout(deadline);
    if (pidfd_ < 0 && (timeout < 0 || timeout > kExitPollMillis)) timeout = kExitPollMillis;
    const int ready = ::poll(fds, n, timeout);
    if (ready <= 0) continue;
    if (pid_index != 0 && n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t got = ::read(stdout_fd_, chunk, sizeof chunk);
      if (got == 0) stdout_eof_ = true;
    }
  }
  return true;
}

ExitStatus ChildProcess::Stop(std::chrono::milliseconds exit_grace,
                              std::chrono::milliseconds term_grace) {
  if (!exit_status_) {
    CloseStdin();
    bool exited = WaitForExitDiscardingOutput(Clock::now() + exit_grace);
    if (!exited) {
      KillGroup(SIGTERM);
      exited = WaitForExitDiscardingOutput(Clock::now() + term_grace);
    }
    if (!exited) {
      KillGroup(SIGKILL);
      WaitForExitDiscardingOutput(kNoDeadline);
    }
    KillGroup(SIGKILL);  // what is left of its group
    Reap();
  }
  StopStderrThread();
  CloseStdin();
  CloseFd(&stdout_fd_);
  CloseFd(&pidfd_);
  return *exit_status_;
}

void ChildProcess::StopStderrThread() {
  if (stderr_thread_.joinable()) {
    const char byte = 1;
    while (::write(wake_write_fd_, &byte, 1) < 0 && errno == EINTR) {
    }
    stderr_thread_.join();
  }
  CloseFd(&wake_read_fd_);
  CloseFd(&wake_write_fd_);
  CloseFd(&stderr_fd_);
}

void ChildProcess::ForwardOutput() {
  const size_t limit = options_.max_line_bytes;
  struct Stream {
    int fd;
    bool is_stdout;
    bool open = true;
    std::string partial;  // bytes read, not yet handed over as a line
  };
  Stream streams[2] = {{stderr_fd_, false}, {stdout_fd_, true}};
  const size_t stream_count = options_.on_stdout_line ? 2 : 1;
  auto emit = [this](const Stream& stream, std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    RunGuarded("multilang output forwarding", [&] {
      if (stream.is_stdout) {
        options_.on_stdout_line(line);
      } else if (options_.on_stderr_line) {
        options_.on_stderr_line(line);
      } else {
        spdlog::info("{}{}", options_.log_prefix, line);
      }
    });
  };
  auto emit_complete_lines = [&](Stream& stream) {
    std::string& partial = stream.partial;
    size_t start = 0;
    size_t newline;
    while ((newline = partial.find('\n', start)) != std::string::npos) {
      emit(stream, std::string_view(partial).substr(start, newline - start));
      start = newline + 1;
    }
    partial.erase(0, start);
    while (partial.size() >= limit) {  // a line too long to hold: handed over in pieces
      emit(stream, std::string_view(partial).substr(0, limit));
      partial.erase(0, limit);
    }
  };
  // Reads what is available; false at the end of the stream or on an error.
  char chunk[kReadChunk];
  auto read_available = [&](Stream& stream) {
    while (true) {
      const ssize_t n = ::read(stream.fd, chunk, sizeof chunk);
      if (n > 0) {
        stream.partial.append(chunk, static_cast<size_t>(n));
        emit_complete_lines(stream);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
  };
  while (true) {
    struct pollfd fds[3];
    Stream* polled[2] = {nullptr, nullptr};
    nfds_t n = 0;
    for (size_t i = 0; i < stream_count; ++i) {
      if (!streams[i].open) continue;
      polled[n] = &streams[i];
      fds[n++] = {streams[i].fd, POLLIN, 0};
    }
    if (n == 0) break;  // every stream ended
    const nfds_t wake = n;
    fds[n++] = {wake_read_fd_, POLLIN, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (nfds_t i = 0; i < wake; ++i) {
      if (fds[i].revents != 0 && !read_available(*polled[i])) polled[i]->open = false;
    }
    if (fds[wake].revents != 0) {  // asked to stop: take what is left and go
      for (nfds_t i = 0; i < wake; ++i) {
        if (polled[i]->open) read_available(*polled[i]);
      }
      break;
    }
  }
  for (size_t i = 0; i < stream_count; ++i) {
    if (!streams[i].partial.empty()) emit(streams[i], streams[i].partial);
  }
}

}  // namespace eddy::process
