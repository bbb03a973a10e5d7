#include "eddy/http/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

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
  // Reads up to the end of a response head (the answer to a HEAD request has no body).
  std::string ReadHead() { return ReadMessage(/*with_body=*/false); }
  // Reads one response (headers + Content-Length body); empty when the server closed. Bytes
  // past it (the next pipelined response) are kept for the next call.
  std::string ReadResponse() { return ReadMessage(/*with_body=*/true); }

 private:
  // The next response (its head, and its Content-Length body when `with_body`); what the
  // server sent past it stays in pending_. Whatever arrived when the server closes.
  std::string ReadMessage(bool with_body) {
    char buf[4096];
    for (;;) {
      const size_t header_end = pending_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = pending_.find("Content-Length: ");
        if (with_body && cl != std::string::npos && cl < header_end) {
          length = std::stoul(pending_.substr(cl + 16));
        }
        if (pending_.size() >= header_end + 4 + length) {
          std::string message = pending_.substr(0, header_end + 4 + length);
          pending_.erase(0, message.size());
          return message;
        }
      }
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return std::exchange(pending_, std::string());
      pending_.append(buf, static_cast<size_t>(n));
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
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
          if (req.Header("x-body") == "1") resp.body = req.body;
          if (!req.Header("x-status").empty()) {
            resp.status = std::stoi(std::string(req.Header("x-status")));
          }
          if (!req.Header("x-answer-header").empty()) {
            // A handler's header, a value with a line break in it, and a length of its own.
            resp.headers = {{"x-answer", std::string(req.Header("x-answer-header"))},
                            {"x-broken", "a\r\nInjected: yes"},
                            {"Content-Length", "999"}};
          }
          if (req.Header("x-throw") == "1") throw std::runtime_error("a bug in the handler");
          if (req.Header("x-throw") == "after-answer") {
            respond(resp);
            throw std::runtime_error("a bug after the answer");
          }
          if (req.Header("x-drop") == "1") {
            // The responder is lost on another thread, never called (a lost callback).
            std::thread([respond]() mutable {
              std::this_thread::sleep_for(std::chrono::milliseconds(20));
              respond = nullptr;
            }).detach();
            return;
          }
          if (req.Header("x-twice") == "1") {
            respond(resp);
            resp.body = "second answer";
            respond(std::move(resp));
            return;
          }
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

TEST_F(HttpServerTest, AHandlerThatThrowsGets500AndTheConnectionGoesOn) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("abc", "x-throw: 1\r\n"));
  const std::string failed = c.ReadResponse();
  EXPECT_NE(failed.find("HTTP/1.1 500"), std::string::npos) << failed;
  c.Send(Post("abcd"));  // the same connection, and the I/O thread, still serve
  const std::string next = c.ReadResponse();
  EXPECT_NE(next.find("HTTP/1.1 200"), std::string::npos) << next;
  EXPECT_NE(next.find("POST /  4"), std::string::npos) << next;
}

TEST_F(HttpServerTest, AThrowAfterTheAnswerLeavesTheAnswerAlone) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("abc", "x-throw: after-answer\r\n"));
  const std::string answer = c.ReadResponse();
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  c.Send(Post("abcd"));
  const std::string next = c.ReadResponse();  // not a stray 500 for the request before
  EXPECT_NE(next.find("HTTP/1.1 200"), std::string::npos) << next;
  EXPECT_NE(next.find("POST /  4"), std::string::npos) << next;
}

TEST_F(HttpServerTest, AResponderDroppedUncalledIsAnswered500) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("abc", "x-drop: 1\r\n"));
  // An answer, not the end of the client's 5 s wait (which would read nothing).
  const std::string failed = c.ReadResponse();
  EXPECT_NE(failed.find("HTTP/1.1 500"), std::string::npos) << failed;
  c.Send(Post("abcd"));
  EXPECT_NE(c.ReadResponse().find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpServerTest, ASecondAnswerToOneRequestIsDropped) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("abc", "x-twice: 1\r\n"));
  const std::string first = c.ReadResponse();
  EXPECT_NE(first.find("POST /  3"), std::string::npos) << first;
  c.Send(Post("abcd"));
  const std::string next = c.ReadResponse();  // this request's own answer, not the stray one
  EXPECT_EQ(next.find("second answer"), std::string::npos) << next;
  EXPECT_NE(next.find("POST /  4"), std::string::npos) << next;
}

// A client that declared an 8,000-byte body and was told to send it (100 Continue): the server
// holds those bytes of its budget from then on.
void HoldBudget(RawClient& holder, size_t bytes) {
  holder.Send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
              std::to_string(bytes) + "\r\n\r\n");
  ASSERT_NE(holder.ReadHead().find("HTTP/1.1 100"), std::string::npos);
}

TEST_F(HttpServerTest, BodiesPastTheServersBudgetGet503UntilItHasRoom) {
  HttpServerOptions options;
  options.max_buffered_body_bytes = 10000;
  Start(options);
  RawClient holder(server_->port());
  HoldBudget(holder, 8000);
  {
    RawClient late(server_->port());  // a declared length: refused before its body is read
    late.Send(Post(std::string(5000, 'x')));
    const std::string refused = late.ReadResponse();
    EXPECT_NE(refused.find("HTTP/1.1 503"), std::string::npos) << refused;
    EXPECT_NE(refused.find("Connection: close"), std::string::npos) << refused;
  }
  {
    RawClient waiting(server_->port());  // not even a 100 Continue
    waiting.Send(
        "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
    EXPECT_NE(waiting.ReadResponse().find("HTTP/1.1 503"), std::string::npos);
  }
  {
    RawClient chunked(server_->port());  // no length: refused once its chunks pass the budget
    chunked.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk(1000, 'c');
    for (int i = 0; i < 5; ++i) chunked.Send("3e8\r\n" + chunk + "\r\n");
    chunked.Send("0\r\n\r\n");
    EXPECT_NE(chunked.ReadResponse().find("HTTP/1.1 503"), std::string::npos);
  }
  RawClient small(server_->port());  // what fits is served meanwhile
  small.Send(Post(std::string(1000, 'x')));
  EXPECT_NE(small.ReadResponse().find("HTTP/1.1 200"), std::string::npos);

  holder.Send(std::string(8000, 'h'));
  const std::string held = holder.ReadResponse();
  EXPECT_NE(held.find("HTTP/1.1 200"), std::string::npos) << held;
  EXPECT_NE(held.find(" 8000"), std::string::npos) << held;
  holder.Send(Post("next"));  // the next request gives the answered body's bytes back
  EXPECT_NE(holder.ReadResponse().find("HTTP/1.1 200"), std::string::npos);
  RawClient retry(server_->port());
  retry.Send(Post(std::string(9000, 'x')));
  EXPECT_NE(retry.ReadResponse().find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(HttpServerTest, AClosedConnectionGivesItsBodyBytesBack) {
  HttpServerOptions options;
  options.max_buffered_body_bytes = 10000;
  Start(options);
  {
    RawClient holder(server_->port());
    HoldBudget(holder, 8000);
  }  // gone before sending its body
  // The server notices the close at its next read; then the budget has room again.
  std::string answer;
  for (int attempt = 0; attempt < 50; ++attempt) {
    RawClient c(server_->port());
    c.Send(Post(std::string(5000, 'x')));
    answer = c.ReadResponse();
    if (answer.find("HTTP/1.1 200") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
}

// The read buffer grows for a large body and shrinks back once the connection is idle; bytes
// of a pipelined request behind the large one survive both.
TEST_F(HttpServerTest, LargeAndSmallBodiesAlternateOnOneConnection) {
  Start();
  RawClient c(server_->port());
  const std::string large(200 * 1024, 'L');
  c.Send(Post(large) + Post("small"));  // the second one pipelined behind the first
  const std::string first = c.ReadResponse();
  EXPECT_NE(first.find("POST /  204800"), std::string::npos) << first.substr(0, 200);
  const std::string second = c.ReadResponse();
  EXPECT_NE(second.find("POST /  5"), std::string::npos) << second;
  for (int i = 0; i < 3; ++i) {
    c.Send(Post(large, "x-body: 1\r\n"));  // echoed back whole
    const std::string echoed = c.ReadResponse();
    EXPECT_EQ(echoed.substr(echoed.size() - large.size()), large);
    c.Send(Post("tiny"));
    EXPECT_NE(c.ReadResponse().find("POST /  4"), std::string::npos);
  }
}

TEST_F(HttpServerTest, AnOversizedBodyThatWaitsFor100ContinueGets413Instead) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  Start(options);
  RawClient c(server_->port());
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_NE(c.ReadResponse().find("HTTP/1.1 413"), std::string::npos);
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

TEST_F(HttpServerTest, AChunkedBodyReachesTheHandlerWhole) {
  Start();
  RawClient c(server_->port());
  c.Send(
      "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nx-body: 1\r\n\r\n"
      "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n");
  const std::string resp = c.ReadResponse();
  EXPECT_NE(resp.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << resp;
  EXPECT_NE(resp.find("Content-Length: 12\r\n"), std::string::npos) << resp;
  EXPECT_EQ(resp.substr(resp.size() - 12), "hello, world") << resp;
}

TEST_F(HttpServerTest, AChunkedBodyOverTheLimitGets413) {
  HttpServerOptions options;
  options.max_body_bytes = 10;
  Start(options);
  RawClient c(server_->port());
  c.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  EXPECT_NE(c.ReadResponse().find("HTTP/1.1 413"), std::string::npos);
}

TEST_F(HttpServerTest, ConnectionCloseIsAnsweredAndTheConnectionEnds) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("x", "Connection: close\r\n"));
  const std::string resp = c.ReadResponse();
  EXPECT_NE(resp.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << resp;
  EXPECT_NE(resp.find("Connection: close\r\n"), std::string::npos) << resp;
  EXPECT_EQ(c.ReadResponse(), "");  // closed by the server
}

TEST_F(HttpServerTest, AKeepAliveAnswerSaysNothingOfTheConnection) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("x"));
  const std::string resp = c.ReadResponse();
  EXPECT_NE(resp.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << resp;
  EXPECT_EQ(resp.find("Connection:"), std::string::npos) << resp;
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("a", "x-echo: first\r\n") + Post("bb", "x-echo: second\r\n"));
  const std::string first = c.ReadResponse();
  EXPECT_NE(first.find("POST / first 1"), std::string::npos) << first;
  const std::string second = c.ReadResponse();
  EXPECT_NE(second.find("POST / second 2"), std::string::npos) << second;
}

TEST_F(HttpServerTest, AnswerHeadersAreWrittenOnceEachAndCannotBeSplit) {
  Start();
  RawClient c(server_->port());
  c.Send(Post("abc", "x-answer-header: value-1\r\nx-status: 404\r\n"));
  const std::string resp = c.ReadResponse();
  EXPECT_EQ(resp.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << resp;
  EXPECT_NE(resp.find("\r\nx-answer: value-1\r\n"), std::string::npos) << resp;
  EXPECT_NE(resp.find("\r\nx-broken: a  Injected: yes\r\n"), std::string::npos) << resp;
  EXPECT_EQ(resp.find("\r\nInjected:"), std::string::npos) << resp;
  // The length is the body's, not the handler's.
  EXPECT_EQ(resp.find("999"), std::string::npos) << resp;
  EXPECT_NE(resp.find("Content-Length: 9\r\n"), std::string::npos) << resp;
}

TEST_F(HttpServerTest, NoBodyFollowsTheAnswerToAHeadRequestOrA204) {
  Start();
  RawClient c(server_->port());
  c.Send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string head = c.ReadHead();
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  // The handler's body ("HEAD / ...") was not sent: the next answer starts right after.
  c.Send(Post("x", "x-status: 204\r\n"));
  const std::string no_content = c.ReadHead();
  EXPECT_EQ(no_content.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u) << no_content;
  EXPECT_EQ(no_content.find("Content-Length"), std::string::npos) << no_content;
  c.Send(Post("after"));
  const std::string next = c.ReadResponse();
  EXPECT_EQ(next.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << next;
  EXPECT_NE(next.find("POST /  5"), std::string::npos) << next;
}

TEST_F(HttpServerTest, Http10KeepsTheConnectionOnlyWhenAsked) {
  Start();
  RawClient kept(server_->port());
  kept.Send("POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\na");
  EXPECT_EQ(kept.ReadResponse().find("Connection: close"), std::string::npos);
  kept.Send("POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\nb");
  const std::string last = kept.ReadResponse();
  EXPECT_NE(last.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << last;
  EXPECT_NE(last.find("Connection: close\r\n"), std::string::npos) << last;
  EXPECT_EQ(kept.ReadResponse(), "");  // closed by the server
}

TEST_F(HttpServerTest, ChunkedTrailersAreHeadersAndABodyAtTheLimitIsTaken) {
  HttpServerOptions options;
  options.max_body_bytes = 10;
  Start(options);
  RawClient c(server_->port());
  c.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: x-echo\r\n\r\n"
      "3\r\nabc\r\n0\r\nx-echo: trailed\r\n\r\n");
  const std::string trailed = c.ReadResponse();
  EXPECT_NE(trailed.find("POST / trailed 3"), std::string::npos) << trailed;
  c.Send(Post(std::string(10, 'x')));
  const std::string at_limit = c.ReadResponse();
  EXPECT_NE(at_limit.find("HTTP/1.1 200"), std::string::npos) << at_limit;
  EXPECT_NE(at_limit.find("POST /  10"), std::string::npos) << at_limit;
}

TEST_F(HttpServerTest, AClientThatExpects100ContinueGetsItBeforeSendingItsBody) {
  Start();
  RawClient c(server_->port());
  c.Send(
      "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nx-echo: e\r\n"
      "Content-Length: 5\r\n\r\n");
  EXPECT_EQ(c.ReadHead(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("hello");
  const std::string resp = c.ReadResponse();
  EXPECT_EQ(resp.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << resp;
  EXPECT_NE(resp.find("POST / e 5"), std::string::npos) << resp;
  // Not to an HTTP/1.0 client, and not when there is no body to wait for.
  c.Send(
      "POST / HTTP/1.0\r\nConnection: keep-alive\r\nExpect: 100-continue\r\n"
      "Content-Length: 2\r\n\r\nhi");
  const std::string old = c.ReadResponse();
  EXPECT_EQ(old.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << old;
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n");
  const std::string empty = c.ReadResponse();
  EXPECT_EQ(empty.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << empty;
}

TEST_F(HttpServerTest, OversizedHeadersGet431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  Start(options);
  RawClient c(server_->port());
  c.Send(Post("x", "x-big: " + std::string(4000, 'h') + "\r\n"));
  EXPECT_NE(c.ReadResponse().find("HTTP/1.1 431"), std::string::npos);
}

TEST_F(HttpServerTest, StopIsIdempotentAndPortIsReal) {
  Start();
  EXPECT_GT(server_->port(), 0);
  server_->Stop();
  server_->Stop();
}

}  // namespace
}  // namespace eddy::http
