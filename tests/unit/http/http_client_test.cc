#include "eddy/http/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "eddy/http/http_server.h"

namespace eddy::http {
namespace {

TEST(ParseEndpointTest, AcceptsTheFormsUsersWrite) {
  auto e = ParseEndpoint("http://127.0.0.1:4566");
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->tls);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 4566);
  EXPECT_EQ(e->HostHeader(), "127.0.0.1:4566");

  e = ParseEndpoint("https://kinesis.eu-west-1.amazonaws.com/");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->HostHeader(), "kinesis.eu-west-1.amazonaws.com");  // default port left out

  e = ParseEndpoint("[::1]:8080");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->HostHeader(), "[::1]:8080");

  e = ParseEndpoint("localhost");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->port, 80);
}

TEST(ParseEndpointTest, RejectsWhatIsNotAnEndpoint) {
  for (const char* bad : {"", "ftp://host", "http://", "http://host:0", "http://host:65536",
                          "http://host:12ab", "http://[::1", "http://[::1]x"}) {
    EXPECT_FALSE(ParseEndpoint(bad).ok()) << bad;
  }
}

class HttpClientTest : public ::testing::Test {
 protected:
  void StartServer(Handler handler, int idle_timeout_seconds = 120) {
    HttpServerOptions options;
    options.port = 0;
    options.idle_timeout_seconds = idle_timeout_seconds;
    auto server =
        HttpServer::Start(options, std::move(handler), [](int status, std::string_view m) {
          return HttpResponse{status, {}, std::string(m)};
        });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    auto client =
        HttpClient::Create(Endpoint{false, "127.0.0.1", server_->port()}, HttpClientOptions{});
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
  }

  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(HttpClientTest, SendsHeadersAndBodyAndReusesTheConnection) {
  StartServer([](HttpRequest&& request, Responder respond) {
    respond(HttpResponse{201,
                         {{"X-Echo-Target", std::string(request.Header("X-Amz-Target"))},
                          {"X-Echo-Host", std::string(request.Header("Host"))}},
                         request.method + " " + request.target + " " + request.body});
  });
  for (int i = 0; i < 20; ++i) {
    HttpRequest request;
    request.method = "POST";
    request.target = "/";
    request.headers = {{"X-Amz-Target", "Kinesis_20131202.ListStreams"}};
    request.body = "body " + std::to_string(i);
    auto response = client_->Send(request);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 201);
    EXPECT_EQ(response->body, "POST / body " + std::to_string(i));
    bool saw_target = false;
    for (const auto& [name, value] : response->headers) {
      if (EqualsIgnoreCase(name, "X-Echo-Target")) {
        saw_target = value == "Kinesis_20131202.ListStreams";
      }
      if (EqualsIgnoreCase(name, "X-Echo-Host")) {
        EXPECT_EQ(value, "127.0.0.1:" + std::to_string(server_->port()));
      }
    }
    EXPECT_TRUE(saw_target);
  }
  EXPECT_EQ(client_->connections_opened(), 1u);  // keep-alive: one connection for all
}

TEST_F(HttpClientTest, ConcurrentCallersEachGetTheirOwnAnswer) {
  StartServer([](HttpRequest&& request, Responder respond) {
    respond(HttpResponse{200, {}, request.body});
  });
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        HttpRequest request;
        request.body = std::to_string(t) + ":" + std::to_string(i);
        auto response = client_->Send(request);
        if (!response.ok() || response->body != request.body) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_LE(client_->connections_opened(), 8u);
}

TEST_F(HttpClientTest, AConnectionTheServerClosedWhileIdleIsReplacedTransparently) {
  StartServer(
      [](HttpRequest&& request, Responder respond) {
        respond(HttpResponse{200, {}, request.body});
      },
      /*idle_timeout_seconds=*/1);
  HttpRequest request;
  request.body = "first";
  ASSERT_TRUE(client_->Send(request).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));  // the server drops it
  request.body = "second";
  auto response = client_->Send(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "second");
  EXPECT_EQ(client_->connections_opened(), 2u);
}

TEST_F(HttpClientTest, AllIdleConnectionsAreDroppedWhenOneIsFoundClosed) {
  // Answers after 200 ms from another thread, so three concurrent calls need three connections.
  StartServer(
      [](HttpRequest&& request, Responder respond) {
        std::thread([body = request.body, respond = std::move(respond)]() mutable {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          respond(HttpResponse{200, {}, body});
        }).detach();
      },
      /*idle_timeout_seconds=*/1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] { EXPECT_TRUE(client_->Send(HttpRequest{}).ok()); });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(client_->connections_opened(), 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));  // the server drops all three
  // The first call finds a dead connection, drops the pool and retries on a new connection;
  // the second reuses that one instead of tripping over the other two dead ones.
  ASSERT_TRUE(client_->Send(HttpRequest{}).ok());
  EXPECT_EQ(client_->connections_opened(), 4u);
  ASSERT_TRUE(client_->Send(HttpRequest{}).ok());
  EXPECT_EQ(client_->connections_opened(), 4u);
}

TEST_F(HttpClientTest, ALargeResponseIsRefusedNotBuffered) {
  StartServer([](HttpRequest&&, Responder respond) {
    respond(HttpResponse{200, {}, std::string(2 << 20, 'x')});
  });
  HttpClientOptions options;
  options.max_response_bytes = 1 << 20;
  auto small = HttpClient::Create(Endpoint{false, "127.0.0.1", server_->port()}, options);
  ASSERT_TRUE(small.ok());
  HttpRequest request;
  auto response = (*small)->Send(request);
  ASSERT_FALSE(response.ok()) << response->status << " " << response->body.size();
  EXPECT_EQ(response.status().code(), Status::Code::kInvalidArgument);
}

TEST_F(HttpClientTest, ASilentServerTimesOut) {
  std::vector<Responder> parked;  // never answered until the test ends
  std::mutex mu;
  StartServer([&](HttpRequest&&, Responder respond) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(respond));
  });
  HttpClientOptions options;
  options.io_timeout_ms = 300;
  auto client = HttpClient::Create(Endpoint{false, "127.0.0.1", server_->port()}, options);
  ASSERT_TRUE(client.ok());
  HttpRequest request;
  const auto t0 = std::chrono::steady_clock::now();
  auto response = (*client)->Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Status::Code::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  std::lock_guard lock(mu);
  for (auto& r : parked) r(HttpResponse{});
}

// A server that answers every connection with `response` once, then closes.
class CannedServer {
 public:
  explicit CannedServer(std::string response) : response_(std::move(response)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      (void)::recv(c, buf, sizeof buf, 0);  // the request (small)
      size_t done = 0;
      while (done < response_.size()) {
        const ssize_t n = ::send(c, response_.data() + done, response_.size() - done, MSG_NOSIGNAL);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      ::close(c);
    });
  }
  ~CannedServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  std::string response_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST(HttpClientCannedTest, AChunkedBodyOverTheLimitIsRefused) {
  std::string chunk(64 << 10, 'y');
  std::string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 32; ++i) response += "10000\r\n" + chunk + "\r\n";  // 2 MiB
  response += "0\r\n\r\n";
  CannedServer server(response);
  HttpClientOptions options;
  options.max_response_bytes = 1 << 20;
  auto client = HttpClient::Create(Endpoint{false, "127.0.0.1", server.port()}, options);
  ASSERT_TRUE(client.ok());
  HttpRequest request;
  auto got = (*client)->Send(request);
  ASSERT_FALSE(got.ok()) << got->body.size();
  EXPECT_EQ(got.status().code(), Status::Code::kInvalidArgument);
}

TEST(HttpClientCannedTest, AMalformedResponseIsAnErrorNotACrash) {
  CannedServer server("HTTP/1.1 abc\r\nnonsense\r\n\r\n");
  auto client =
      HttpClient::Create(Endpoint{false, "127.0.0.1", server.port()}, HttpClientOptions{});
  ASSERT_TRUE(client.ok());
  HttpRequest request;
  auto got = (*client)->Send(request);
  ASSERT_FALSE(got.ok());
}

TEST(HttpClientConnectTest, NothingListeningIsUnavailable) {
  auto client = HttpClient::Create(Endpoint{false, "127.0.0.1", 1}, HttpClientOptions{});
  ASSERT_TRUE(client.ok());
  HttpRequest request;
  auto response = (*client)->Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace eddy::http
