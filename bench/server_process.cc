#include "bench/server_process.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace eddy::bench {

namespace {

// A port the kernel considers free right now (bound to port 0, then released).
Result<uint16_t> FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::FromErrno(errno, "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno(err, "bind a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool Accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& eddy_binary, const std::string& data_dir,
    const std::vector<std::string>& extra_args) {
  EDDY_ASSIGN_OR_RETURN(const uint16_t port, FreeLoopbackPort());
  std::error_code ec;
  std::filesystem::remove_all(data_dir, ec);
  std::vector<std::string> args = {eddy_binary,  "serve",  "--host",
                                   "127.0.0.1",  "--port", std::to_string(port),
                                   "--data-dir", data_dir};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno(errno, "fork");
  if (pid == 0) {
    ::dup2(2, 1);  // the server's log goes to stderr: the benchmark's stdout is its report
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  auto server = std::unique_ptr<ServerProcess>(new ServerProcess(pid, port, data_dir));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!Accepts(port)) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = -1;
      return Status::Unavailable("eddy serve exited before listening (status " +
                                 std::to_string(status) + ")");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable("eddy serve did not listen within 20 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return server;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 300 && !exited; ++i) {  // up to 15 s for a clean stop
      exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

ProcessMemory ReadProcessMemory(pid_t pid) {
  ProcessMemory memory;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  auto kib = [](const std::string& l) {
    return std::stoull(l.substr(l.find_first_of("0123456789"))) * 1024;
  };
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) memory.rss_bytes = kib(line);
    if (line.rfind("VmHWM:", 0) == 0) memory.peak_rss_bytes = kib(line);
  }
  return memory;
}

double ReadProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return -1;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const size_t after_name = stat.rfind(')');
  if (after_name == std::string::npos) return -1;
  std::istringstream fields(stat.substr(after_name + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3 (state) to 13, then utime (14) and stime (15).
  for (int i = 3; i <= 13; ++i) fields >> field;
  if (!(fields >> utime >> stime)) return -1;
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
}

}  // namespace eddy::bench
