#include "bench/null_responder.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

namespace eddy::bench {
namespace {

constexpr std::string_view kAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
    "x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\nContent-Length: 2\r\n\r\n{}";
constexpr size_t kMaxHeadBytes = 64 << 10;

// The body length a request head declares (0 without Content-Length); -1 if malformed.
long DeclaredLength(std::string_view head) {
  constexpr std::string_view kName = "\r\ncontent-length:";
  for (size_t at = head.find("\r\n"); at != std::string_view::npos;
       at = head.find("\r\n", at + 2)) {
    if (head.size() - at < kName.size() ||
        ::strncasecmp(head.data() + at, kName.data(), kName.size()) != 0) {
      continue;
    }
    char* end = nullptr;
    const long n = std::strtol(head.data() + at + kName.size(), &end, 10);
    return n >= 0 ? n : -1;
  }
  return 0;
}

}  // namespace

Result<std::unique_ptr<NullHttpResponder>> NullHttpResponder::Start() {
  const int listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd < 0) return Status::Unavailable(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd, 1024) != 0 ||
      ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd);
    return Status::Unavailable("listen on 127.0.0.1: " + why);
  }
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  const int stop_fd = epoll_fd < 0 ? -1 : ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd < 0 || stop_fd < 0) {
    const std::string why = std::strerror(errno);
    if (epoll_fd >= 0) ::close(epoll_fd);
    ::close(listen_fd);
    return Status::Unavailable("epoll or eventfd: " + why);
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listen_fd;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &event);
  event.data.fd = stop_fd;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stop_fd, &event);
  return std::unique_ptr<NullHttpResponder>(
      new NullHttpResponder(listen_fd, epoll_fd, stop_fd, ntohs(address.sin_port)));
}

NullHttpResponder::NullHttpResponder(int listen_fd, int epoll_fd, int stop_fd, uint16_t port)
    : listen_fd_(listen_fd), epoll_fd_(epoll_fd), stop_fd_(stop_fd), port_(port) {
  thread_ = std::thread([this] { Run(); });
}

NullHttpResponder::~NullHttpResponder() {
  const uint64_t one = 1;
  (void)!::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(stop_fd_);
  ::close(epoll_fd_);
  ::close(listen_fd_);
}

std::string NullHttpResponder::endpoint() const {
  return fmt::format("http://127.0.0.1:{}", port_);
}

void NullHttpResponder::Run() {
  std::unordered_map<int, std::string> pending;  // connection -> bytes of an unfinished request
  epoll_event events[256];
  char buffer[64 << 10];
  auto close_connection = [&](int fd) {
    ::close(fd);
    pending.erase(fd);
  };
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events, 256, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == stop_fd_) {
        for (auto& [connection, bytes] : pending) ::close(connection);
        return;
      }
      if (fd == listen_fd_) {
        const int connection = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection < 0) {
          // Out of descriptors (EMFILE): the listener stays readable; do not spin on it.
          if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
          continue;
        }
        const int on = 1;
        ::setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = connection;
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection, &event);
        pending[connection];
        continue;
      }
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) {
        close_connection(fd);
        continue;
      }
      std::string& bytes = pending[fd];
      bytes.append(buffer, static_cast<size_t>(got));
      // Answer every complete request in what has arrived (one send for all of them).
      size_t answers = 0, used = 0;
      bool bad = false;
      for (;;) {
        const std::string_view rest = std::string_view(bytes).substr(used);
        const size_t head_end = rest.find("\r\n\r\n");
        if (head_end == std::string_view::npos) {
          bad = rest.size() > kMaxHeadBytes;
          break;
        }
        const long body = DeclaredLength(rest.substr(0, head_end + 2));
        if (body < 0) {
          bad = true;
          break;
        }
        const size_t total = head_end + 4 + static_cast<size_t>(body);
        if (rest.size() < total) break;
        used += total;
        ++answers;
      }
      bytes.erase(0, used);
      if (answers > 0) {
        std::string out;
        out.reserve(kAnswer.size() * answers);
        for (size_t k = 0; k < answers; ++k) out += kAnswer;
        // Counted before they are sent, so a client that has its answers sees them counted.
        answered_.fetch_add(answers, std::memory_order_relaxed);
        // Small answers to a client that reads them: the socket buffer takes them whole.
        if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
          bad = true;
        }
      }
      if (bad) close_connection(fd);
    }
  }
}

}  // namespace eddy::bench
