#include "eddy/process/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/scoped_temp_dir.h"
#include "support/wait_until.h"

namespace eddy::process {
namespace {

using namespace std::chrono_literals;
using Kind = ChildProcess::LineRead::Kind;

std::unique_ptr<ChildProcess> StartOrDie(ChildProcessOptions options) {
  Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(std::move(options));
  EXPECT_TRUE(child.ok()) << child.status().ToString();
  return child.ok() ? std::move(child).value() : nullptr;
}

ChildProcessOptions Sh(const std::string& script) { return {{"/bin/sh", "-c", script}}; }

ChildProcessOptions Python(const std::string& code) { return {{"python3", "-c", code}}; }

ChildProcess::LineRead ReadOrDie(ChildProcess& child, Deadline deadline = DeadlineAfter(10s)) {
  Result<ChildProcess::LineRead> read = child.ReadLine(deadline);
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  return read.ok() ? *read : ChildProcess::LineRead{Kind::kEof, {}};
}

// True once `pid` is neither running nor a zombie of ours (a reparented zombie counts as gone).
bool ProcessGone(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t paren = content.rfind(')');
    if (paren != std::string::npos && paren + 2 < content.size() && content[paren + 2] == 'Z') {
      return waitpid(pid, nullptr, WNOHANG) == -1;  // not a zombie of this process
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// Sets an environment variable for its lifetime, then puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void WriteScript(const std::filesystem::path& path, const std::string& body, mode_t mode) {
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

size_t OpenDescriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

TEST(SplitCommandLineTest, SplitsOnRunsOfSpacesOnly) {
  EXPECT_EQ(SplitCommandLine("python3 app.py"), (std::vector<std::string>{"python3", "app.py"}));
  EXPECT_EQ(SplitCommandLine("  node   sample_kcl_app.js  "),
            (std::vector<std::string>{"node", "sample_kcl_app.js"}));
  EXPECT_EQ(SplitCommandLine("a\tb \"c d\""), (std::vector<std::string>{"a\tb", "\"c", "d\""}));
  EXPECT_TRUE(SplitCommandLine("   ").empty());
}

TEST(ExitStatusTest, Describes) {
  EXPECT_EQ((ExitStatus{true, 3, 0}).ToString(), "exited with code 3");
  EXPECT_EQ((ExitStatus{false, 0, SIGKILL}).ToString(), "killed by signal 9 (KILL)");
}

TEST(ChildProcessTest, EchoesLines) {
  auto child = StartOrDie({{"cat"}});
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->WriteLine("hello").ok());
  ASSERT_TRUE(child->WriteLine(R"({"action":"initialize"})").ok());
  EXPECT_EQ(ReadOrDie(*child).line, "hello");
  EXPECT_EQ(ReadOrDie(*child).line, R"({"action":"initialize"})");
  child->CloseStdin();
  EXPECT_EQ(ReadOrDie(*child).kind, Kind::kEof);
  const ExitStatus status = child->Stop();
  EXPECT_TRUE(status.exited);
  EXPECT_EQ(status.code, 0);
}

TEST(ChildProcessTest, ReadsLinesSplitAcrossWritesAndStripsCarriageReturns) {
  auto child = StartOrDie(Python(
      "import sys,time\n"
      "sys.stdout.write('par'); sys.stdout.flush(); time.sleep(0.05)\n"
      "sys.stdout.write('tial\\r\\n\\nlast'); sys.stdout.flush()\n"));
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "partial");
  EXPECT_EQ(ReadOrDie(*child).line, "");
  // The last line has no '\n': it comes whole, then the end.
  ChildProcess::LineRead last = ReadOrDie(*child);
  EXPECT_EQ(last.kind, Kind::kLine);
  EXPECT_EQ(last.line, "last");
  EXPECT_EQ(ReadOrDie(*child).kind, Kind::kEof);
}

TEST(ChildProcessTest, TimesOutWhenNothingComes) {
  auto child = StartOrDie({{"sleep", "30"}});
  ASSERT_NE(child, nullptr);
  const auto start = Clock::now();
  EXPECT_EQ(ReadOrDie(*child, DeadlineAfter(200ms)).kind, Kind::kTimeout);
  EXPECT_GE(Clock::now() - start, 190ms);
  EXPECT_FALSE(child->TryWait().has_value());
  // sleep ignores its closed stdin: the grace passes, SIGTERM ends it.
  const ExitStatus status = child->Stop(100ms, 5s);
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGTERM);
}

TEST(ChildProcessTest, ReportsEndOfOutputAndExitCode) {
  auto child = StartOrDie(Sh("echo one; exit 3"));
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "one");
  EXPECT_EQ(ReadOrDie(*child).kind, Kind::kEof);
  const ExitStatus status = child->Stop();
  EXPECT_TRUE(status.exited);
  EXPECT_EQ(status.code, 3);
  EXPECT_TRUE(ProcessGone(child->pid()));
}

TEST(ChildProcessTest, ReportsACrash) {
  auto child = StartOrDie(Sh("kill -SEGV $$"));
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).kind, Kind::kEof);
  const ExitStatus status = child->Stop();
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGSEGV);
}

TEST(ChildProcessTest, SeesTheExitEvenWhenAGrandchildHoldsStdout) {
  // The shell exits at once; the sleep it left behind keeps the stdout pipe open.
  auto child = StartOrDie(Sh("sleep 30 & echo $!; exit 0"));
  ASSERT_NE(child, nullptr);
  const pid_t grandchild = std::stoi(ReadOrDie(*child).line);
  const auto start = Clock::now();
  EXPECT_EQ(ReadOrDie(*child, DeadlineAfter(10s)).kind, Kind::kEof);
  EXPECT_LT(Clock::now() - start, 5s);
  // What it left in its group goes when it is reaped.
  std::optional<ExitStatus> status;
  for (int i = 0; i < 500 && !status; ++i) {
    status = child->TryWait();
    if (!status) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->exited);
  EXPECT_TRUE(ProcessGone(grandchild));
}

TEST(ChildProcessTest, RefusesALineLongerThanTheLimit) {
  ChildProcessOptions options = Python(
      "import sys\n"
      "sys.stdout.write('a' * 1000 + '\\n')\n"
      "sys.stdout.write('b' * 300000)\n"
      "sys.stdout.flush()\n"
      "import time; time.sleep(30)\n");
  options.max_line_bytes = 1000;
  auto child = StartOrDie(std::move(options));
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line.size(), 1000u);  // at the limit: fine
  Result<ChildProcess::LineRead> read = child->ReadLine(DeadlineAfter(10s));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Status::Code::kResourceExhausted);
  // The stream is not usable afterwards, and memory stayed bounded.
  EXPECT_FALSE(child->ReadLine(DeadlineAfter(10ms)).ok());
  child->Stop(0ms, 5s);
}

TEST(ChildProcessTest, KillsAChildThatIgnoresSigterm) {
  auto child = StartOrDie(Python(
      "import signal, sys, time\n"
      "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
      "print('ready', flush=True)\n"
      "while True: time.sleep(1)\n"));
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "ready");
  const auto start = Clock::now();
  const ExitStatus status = child->Stop(100ms, 200ms);
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_TRUE(ProcessGone(child->pid()));
  // Idempotent.
  EXPECT_EQ(child->Stop().signal, SIGKILL);
}

TEST(ChildProcessTest, KillsWhatTheChildLeftInItsGroup) {
  auto child = StartOrDie(Sh("sleep 60 & echo $!; wait"));
  ASSERT_NE(child, nullptr);
  const pid_t grandchild = std::stoi(ReadOrDie(*child).line);
  child->Stop(100ms, 2s);
  EXPECT_TRUE(ProcessGone(child->pid()));
  EXPECT_TRUE(ProcessGone(grandchild));
}

TEST(ChildProcessTest, WritingToAGoneChildIsAnErrorNotSigpipe) {
  auto child = StartOrDie(Sh("exec 0<&-; sleep 0.05; exit 0"));  // closes its stdin at once
  ASSERT_NE(child, nullptr);
  std::this_thread::sleep_for(100ms);
  const std::string big(256 * 1024, 'x');  // more than a pipe holds
  Status s = child->WriteLine(big, DeadlineAfter(5s));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  // Later writes fail plainly.
  EXPECT_EQ(child->WriteLine("x").code(), Status::Code::kFailedPrecondition);
}

TEST(ChildProcessTest, AWriteTimesOutWhenTheChildDoesNotRead) {
  auto child = StartOrDie({{"sleep", "30"}});
  ASSERT_NE(child, nullptr);
  const std::string big(1 << 20, 'x');
  Status s = child->WriteLine(big, DeadlineAfter(200ms));
  EXPECT_EQ(s.code(), Status::Code::kExpired) << s.ToString();
  child->Stop(0ms, 5s);
}

TEST(ChildProcessTest, ForwardsStderrLineByLine) {
  std::mutex mu;
  std::vector<std::string> lines;
  ChildProcessOptions options =
      Sh("printf 'first\\nsecond\\r\\n' >&2; printf 'partial' >&2; echo done");
  options.on_stderr_line = [&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(line);
  };
  auto child = StartOrDie(std::move(options));
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "done");
  child->Stop();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(lines, (std::vector<std::string>{"first", "second", "partial"}));
}

TEST(ChildProcessTest, CutsEndlessStderrLinesIntoPieces) {
  std::mutex mu;
  std::vector<std::string> lines;
  ChildProcessOptions options = Python("import sys; sys.stderr.write('e' * 2500)");
  options.max_line_bytes = 1000;
  options.on_stderr_line = [&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(line);
  };
  auto child = StartOrDie(std::move(options));
  ASSERT_NE(child, nullptr);
  child->Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].size(), 1000u);
  EXPECT_EQ(lines[2].size(), 500u);
}

TEST(ChildProcessTest, TheChildInheritsNoDescriptorButItsPipes) {
  auto child = StartOrDie(Python("import os; print(sorted(os.listdir('/proc/self/fd'), key=int))"));
  ASSERT_NE(child, nullptr);
  // 3 is the directory listdir itself opened.
  EXPECT_EQ(ReadOrDie(*child).line, "['0', '1', '2', '3']");
}

TEST(ChildProcessTest, LeaksNoDescriptorAndNoZombie) {
  const size_t before = OpenDescriptors();
  std::vector<pid_t> pids;
  for (int i = 0; i < 5; ++i) {
    auto child = StartOrDie(Sh("echo hi"));
    ASSERT_NE(child, nullptr);
    pids.push_back(child->pid());
    // Destroyed without an explicit Stop.
  }
  EXPECT_EQ(OpenDescriptors(), before);
  for (pid_t pid : pids) {
    EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);  // reaped already
    EXPECT_TRUE(ProcessGone(pid));
  }
}

TEST(ChildProcessTest, RunsInTheWorkingDirectoryWithTheWorkersEnvironment) {
  testing::ScopedTempDir dir("eddy_multilang_cwd_");
  ::setenv("EDDY_MULTILANG_TEST_VAR", "from-the-worker", 1);
  ChildProcessOptions options = Sh("pwd; echo $EDDY_MULTILANG_TEST_VAR");
  options.working_directory = dir.path().string();
  auto child = StartOrDie(std::move(options));
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(std::filesystem::canonical(ReadOrDie(*child).line),
            std::filesystem::canonical(dir.path()));
  EXPECT_EQ(ReadOrDie(*child).line, "from-the-worker");
}

TEST(ChildProcessTest, RunsWithTheEnvironmentGivenInsteadOfTheWorkers) {
  ScopedEnv worker_var("EDDY_PROCESS_TEST_WORKER_VAR", "from-the-worker");
  // A bare name is still found in the worker's PATH, although the child's has none.
  ChildProcessOptions options = {{"env"}};
  options.environment = std::vector<std::string>{"ONLY=this", "SECOND=a=b"};
  auto child = StartOrDie(std::move(options));
  ASSERT_NE(child, nullptr);
  std::vector<std::string> lines;
  for (ChildProcess::LineRead read = ReadOrDie(*child); read.kind == Kind::kLine;
       read = ReadOrDie(*child)) {
    lines.push_back(read.line);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"ONLY=this", "SECOND=a=b"}));
  EXPECT_TRUE(child->Stop().exited);
}

TEST(ChildProcessTest, ForwardsStdoutLineByLineWhenAsked) {
  std::mutex mu;
  std::vector<std::string> out;
  std::vector<std::string> err;
  ChildProcessOptions options = Python(
      "import sys\n"
      "for i in range(3000): print('out', i)\n"  // more than a pipe holds: must be drained
      "sys.stdout.flush()\n"
      "sys.stderr.write('err 1\\nerr 2\\n'); sys.stderr.flush()\n"
      "sys.stdout.write('x' * 2500 + 'tail')");
  options.max_line_bytes = 1000;
  options.on_stdout_line = [&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    out.emplace_back(line);
  };
  options.on_stderr_line = [&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    err.emplace_back(line);
  };
  auto child = StartOrDie(std::move(options));
  ASSERT_NE(child, nullptr);
  Result<ChildProcess::LineRead> read = child->ReadLine(DeadlineAfter(1s));
  EXPECT_EQ(read.status().code(), Status::Code::kFailedPrecondition);
  ASSERT_TRUE(testing::WaitUntil([&] { return child->TryWait().has_value(); }));
  EXPECT_TRUE(child->Stop().exited);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(out.size(), 3000u + 3u);
  EXPECT_EQ(out[0], "out 0");
  EXPECT_EQ(out[2999], "out 2999");
  EXPECT_EQ(out[3000], std::string(1000, 'x'));  // cut into pieces as stderr's are
  EXPECT_EQ(out[3002], std::string(500, 'x') + "tail");
  EXPECT_EQ(err, (std::vector<std::string>{"err 1", "err 2"}));
}

TEST(ChildProcessTest, NamesAProgramThatCannotBeFound) {
  const size_t before = OpenDescriptors();
  Result<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start({{"/nonexistent/eddy-processor", "arg"}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(child.status().message(),
            "multilang: cannot run '/nonexistent/eddy-processor': No such file or directory");
  EXPECT_FALSE(ChildProcess::Start({{}}).ok());
  // The child that could not exec was reaped, and nothing of it is left open.
  EXPECT_EQ(OpenDescriptors(), before);
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
}

TEST(ChildProcessTest, AProgramExecveRefusesIsAnErrorFromStart) {
  testing::ScopedTempDir dir("eddy_multilang_noexec_");
  const std::filesystem::path file = dir.path() / "not-a-program";
  std::ofstream(file) << "neither a #! line nor ELF\n";
  ASSERT_EQ(::chmod(file.c_str(), 0755), 0);
  Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start({{file.string()}});
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find("Exec format error"), std::string::npos)
      << child.status().ToString();
}

TEST(ChildProcessTest, SearchesPathForABareProgramName) {
  auto child = StartOrDie({{"echo", "found"}});
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "found");
}

TEST(ChildProcessTest, ABareNameMissingFromPathIsNotFound) {
  Result<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start({{"eddy-no-such-processor-anywhere"}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().code(), Status::Code::kNotFound);
  EXPECT_NE(child.status().message().find("cannot run 'eddy-no-such-processor-anywhere'"),
            std::string::npos)
      << child.status().ToString();
}

TEST(ChildProcessTest, AFileThatIsNotExecutableIsAnErrorFromStart) {
  testing::ScopedTempDir dir("eddy_multilang_noexec_");
  const std::filesystem::path script = dir.path() / "processor.sh";
  WriteScript(script, "echo ran", 0644);
  Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start({{script.string()}});
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find("Permission denied"), std::string::npos)
      << child.status().ToString();

  ScopedEnv path("PATH", dir.path().string());
  child = ChildProcess::Start({{"processor.sh"}});
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find("cannot run 'processor.sh': Permission denied"),
            std::string::npos)
      << child.status().ToString();
}

TEST(ChildProcessTest, PathLookupSkipsWhatCannotRunAndTakesTheFirstThatCan) {
  testing::ScopedTempDir dir("eddy_multilang_path_");
  for (const char* sub : {"a", "b", "c", "d"}) std::filesystem::create_directory(dir.path() / sub);
  WriteScript(dir.path() / "a" / "processor", "echo a", 0644);     // not executable
  std::filesystem::create_directory(dir.path() / "b" / "processor");  // a directory
  WriteScript(dir.path() / "c" / "processor", "echo c", 0755);
  WriteScript(dir.path() / "d" / "processor", "echo d", 0755);
  const std::string missing = (dir.path() / "missing").string();
  ScopedEnv path("PATH", missing + ":" + (dir.path() / "a").string() + ":" +
                             (dir.path() / "b").string() + ":" + (dir.path() / "c").string() +
                             ":" + (dir.path() / "d").string());
  auto child = StartOrDie({{"processor"}});
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "c");
}

TEST(ChildProcessTest, RelativeNamesAreTakenFromTheWorkingDirectory) {
  testing::ScopedTempDir dir("eddy_multilang_relative_");
  std::filesystem::create_directory(dir.path() / "bin");
  WriteScript(dir.path() / "app.sh", "echo app", 0755);
  WriteScript(dir.path() / "bin" / "tool", "echo tool", 0755);
  ChildProcessOptions options{{"./app.sh"}};
  options.working_directory = dir.path().string();
  auto child = StartOrDie(options);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "app");

  // A relative PATH entry too, as execvp would find it after the chdir.
  ScopedEnv path("PATH", "bin");
  options.argv = {"tool"};
  child = StartOrDie(options);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "tool");

  options.working_directory = (dir.path() / "missing").string();
  Result<std::unique_ptr<ChildProcess>> failed = ChildProcess::Start(options);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Status::Code::kNotFound);
  EXPECT_NE(failed.status().message().find("in " + options.working_directory), std::string::npos)
      << failed.status().ToString();
}

TEST(ChildProcessTest, RunsInAProcessGroupOfItsOwn) {
  auto child = StartOrDie({{"sleep", "30"}});
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(::getpgid(child->pid()), child->pid());
  EXPECT_NE(::getpgid(child->pid()), ::getpgrp());
  child->Stop(0ms, 5s);
}

TEST(ChildProcessTest, StartsWithNoSignalBlockedOrIgnored) {
  // The worker's blocked and ignored signals are not the child's.
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigset_t old_mask;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask), 0);
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_usr2 = {};
  ASSERT_EQ(::sigaction(SIGUSR2, &ignore, &old_usr2), 0);
  auto child = StartOrDie({{"grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"}});
  ::sigaction(SIGUSR2, &old_usr2, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(ReadOrDie(*child).line, "SigBlk:\t0000000000000000");
  EXPECT_EQ(ReadOrDie(*child).line, "SigIgn:\t0000000000000000");
}

// A stand-in for `eddy worker` killed with SIGKILL: a forked copy of this test that starts a
// processor with ChildProcess (one that ignores SIGTERM and never reads its stdin, so only a
// signal it cannot ignore ends it), then waits to be killed. This process is made a child
// subreaper meanwhile, so the orphaned processor becomes its child and how it ended is seen.
TEST(ChildProcessTest, TheChildIsKilledWhenTheWorkerIsKilled) {
  struct Subreaper {
    Subreaper() { EXPECT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
    ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  } subreaper;
  int report[2];
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  const pid_t worker = ::fork();
  ASSERT_GE(worker, 0);
  if (worker == 0) {
    ::close(report[0]);
    pid_t processor = -1;
    Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(Python(
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True)\n"
        "while True: time.sleep(1)\n"));
    if (child.ok()) {
      Result<ChildProcess::LineRead> ready = (*child)->ReadLine(DeadlineAfter(10s));
      if (ready.ok() && ready->line == "ready") processor = (*child)->pid();
    }
    (void)!::write(report[1], &processor, sizeof processor);
    while (true) ::pause();  // until killed; never back into the test runner
  }
  ::close(report[1]);
  pid_t processor = -1;
  const ssize_t got = ::read(report[0], &processor, sizeof processor);
  ::close(report[0]);
  ::kill(worker, SIGKILL);
  int worker_status = 0;
  ASSERT_EQ(::waitpid(worker, &worker_status, 0), worker);
  ASSERT_EQ(got, static_cast<ssize_t>(sizeof processor));
  ASSERT_GT(processor, 0) << "the stand-in worker could not start its processor";

  std::optional<int> processor_status;
  for (int i = 0; i < 300 && !processor_status; ++i) {  // 3 s
    int status = 0;
    if (::waitpid(processor, &status, WNOHANG) == processor) {
      processor_status = status;
    } else {
      std::this_thread::sleep_for(10ms);
    }
  }
  if (!processor_status) {  // still running: end it, then fail
    ::kill(processor, SIGKILL);
    ::waitpid(processor, nullptr, 0);
  }
  ASSERT_TRUE(processor_status.has_value()) << "the processor outlived its worker by 3 s";
  EXPECT_TRUE(WIFSIGNALED(*processor_status));
  EXPECT_EQ(WTERMSIG(*processor_status), SIGKILL);
}

}  // namespace
}  // namespace eddy::process
