#include "eddy/http/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace eddy::http {
namespace {

// A blocking client on a raw socket: what the server sees is exactly what we write.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
      ssize_t n = send(fd_, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  // Reads one response (headers + Content-Length body); empty when the server closed.
  std::string ReadResponse() {
    std::string data;
    char buf[4096];
    for (;;) {
      const size_t header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = data.find("Content-Length: ");
        if (cl != std::string::npos && cl < header_end) length = std::stoul(data.substr(cl + 16));
        if (data.size() >= header_end + 4 + length) return data.substr(0, header_end + 4 + length);
      }
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return data;
      data.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string Post(const std::string& body, const std::string& extra_headers = "") {
  return "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    options.port = 0;
    auto r = HttpServer::Start(
        options,
        [](HttpRequest&& req, Responder respond) {
          HttpResponse resp;
          resp.body = req.method + " " + req.target + " " + std::string(req.Header("x-echo")) +
                      " " + std::to_string(req.body.size());
          if (req.Header("x-later") == "1") {
            // Answer from another thread, later, as durable appends do.
            std::thread([resp, respond]() mutable {
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
              respond(std::move(resp));
            }).detach();
          } else {
            respond(std::move(resp));
          }
        },
        [](int status, std::string_view message) {
          HttpResponse r;
          r.status = status;
          r.body = std::string(message);
          return r;
        });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    server_ = std::move(r).value();
  }
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Start();
  RawClient c(server_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    c.Send(Post("hello", "x-echo: e" + std::to_string(i) + "\r\n"));
    const std::string resp = c.ReadResponse();
    EXPECT_NE(resp.find("HTTP/1.1 200"), std::string::npos) << resp;
    EXPECT_NE(resp.find("POST / e" + std::to_string(i) + " 5"), std::string::npos) << resp;
  }
}

TEST_F(HttpServerTest, HandlersMayAnswerLaterFromAnotherThread) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("abc", "x-later: 1\r\n"));
  EXPECT_NE(c.ReadResponse().find(" 3"), std::string::npos);
}

TEST_F(HttpServerTest, OversizedBodyGets413AndTheServerLivesOn) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  Start(options);
  {
    RawClient c(server_->port());
    c.Send(Post(std::string(5000, 'x')));
    EXPECT_NE(c.ReadResponse().find("HTTP/1.1 413"), std::string::npos);
  }
  RawClient d(server_->port());
  d.Send(Post("ok"));
  EXPECT_NE(d.ReadResponse().find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpServerTest, MalformedRequestGets400) {
  Start();
  RawClient c(server_->port());
  c.Send("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(c.ReadResponse().find("HTTP/1.1 400"), std::string::npos);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreRefused) {
  HttpServerOptions options;
  options.max_connections = 2;
  Start(options);
  RawClient a(server_->port());
  RawClient b(server_->port());
  a.Send(Post("1"));
  b.Send(Post("2"));
  ASSERT_NE(a.ReadResponse().find("200"), std::string::npos);
  ASSERT_NE(b.ReadResponse().find("200"), std::string::npos);
  RawClient c(server_->port());  // accepted by the kernel, closed by the server
  c.Send(Post("3"));
  EXPECT_EQ(c.ReadResponse(), "");
}

TEST_F(HttpServerTest, StopIsIdempotentAndPortIsReal) {
  Start();
  EXPECT_GT(server_->port(), 0);
  server_->Stop();
  server_->Stop();
}

}  // namespace
}  // namespace eddy::http
