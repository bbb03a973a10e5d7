#include "eddy/http/http_client.h"

// Boost 1.74's Asio uses std::exchange without including <utility> (see TOOLCHAIN.md).
// clang-format off
#include <utility>
// clang-format on

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <chrono>
#include <mutex>
#include <optional>
#include <vector>

#include "eddy/base/thread_annotations.h"

namespace eddy::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

std::string Endpoint::HostHeader() const {
  const bool default_port = (tls && port == 443) || (!tls && port == 80);
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!default_port) h += ":" + std::to_string(port);
  return h;
}

std::string Endpoint::ToString() const {
  return std::string(tls ? "https://" : "http://") + HostHeader();
}

Result<Endpoint> ParseEndpoint(std::string_view url) {
  const std::string original(url);
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument("invalid endpoint '" + original + "': " + std::string(why));
  };
  Endpoint endpoint;
  if (url.starts_with("https://")) {
    endpoint.tls = true;
    endpoint.port = 443;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.find("://") != std::string_view::npos) {
    return invalid("the scheme must be http or https");
  }
  url = url.substr(0, url.find_first_of("/?#"));
  std::string_view port_text;
  if (url.starts_with("[")) {  // [IPv6]:port
    const size_t close = url.find(']');
    if (close == std::string_view::npos) return invalid("unterminated '['");
    endpoint.host = std::string(url.substr(1, close - 1));
    std::string_view rest = url.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return invalid("expected ':' after ']'");
      port_text = rest.substr(1);
    }
  } else {
    const size_t colon = url.rfind(':');
    endpoint.host = std::string(url.substr(0, colon));
    if (colon != std::string_view::npos) port_text = url.substr(colon + 1);
  }
  if (endpoint.host.empty()) return invalid("no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return invalid("bad port");
    }
    endpoint.port = static_cast<uint16_t>(port);
  }
  return endpoint;
}

namespace {

// One keep-alive connection. It owns its io_context so that a blocking call can run
// asynchronous operations under a deadline (io_context::run_for) without sharing an event loop
// between threads. No Asio timers: a timer re-armed for every read costs a timerfd_settime
// system call, which showed up at 5% of the client's and server's CPU under load.
struct Connection {
  Connection() { buffer.reserve(kReadChunk); }

  // Beast reads at most the buffer's free capacity (64 KiB at most) per system call; a buffer
  // left at its initial 512 bytes made every large response arrive 512 bytes per recv()
  // (450,000 recv + epoll_wait calls a second while draining a stream).
  static constexpr size_t kReadChunk = 64 << 10;
  net::io_context ioc{1};
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> secure;
  beast::flat_buffer buffer;

  tcp::socket& socket() { return secure ? secure->next_layer() : *plain; }

  // Runs the posted operations to completion, or for at most `timeout`: then the socket is
  // closed (the operations finish with operation_aborted) and false is returned.
  bool RunFor(std::chrono::milliseconds timeout) {
    ioc.restart();
    ioc.run_for(timeout);
    if (ioc.stopped()) return true;
    beast::error_code ignored;
    socket().close(ignored);
    ioc.restart();
    ioc.run();
    return false;
  }
};

// The body is the caller's, not copied: a retry sends the same bytes again.
using OutgoingRequest = bhttp::request<bhttp::span_body<const char>>;

Status Unavailable(std::string_view what, const beast::error_code& ec) {
  return Status::Unavailable(std::string(what) + ": " + ec.message());
}

}  // namespace

class HttpClient::Impl {
 public:
  Impl(Endpoint endpoint, HttpClientOptions options)
      : endpoint_(std::move(endpoint)),
        options_(std::move(options)),
        tls_context_(ssl::context::tls_client),
        host_header_(endpoint_.HostHeader()) {}

  Status Init() {
    if (!endpoint_.tls) return Status::Ok();
    beast::error_code ec;
    if (options_.ca_file.empty()) {
      tls_context_.set_default_verify_paths(ec);
    } else {
      tls_context_.load_verify_file(options_.ca_file, ec);
    }
    if (ec) return Status::InvalidArgument("TLS trust store: " + ec.message());
    tls_context_.set_verify_mode(ssl::verify_peer);
    return Status::Ok();
  }

  Result<HttpResponse> Send(const HttpRequest& request, std::string_view body) {
    OutgoingRequest req;
    req.version(11);
    req.method_string(request.method.empty() ? "POST" : request.method);
    req.target(request.target.empty() ? "/" : request.target);
    req.set(bhttp::field::host, host_header_);
    for (const auto& [name, value] : request.headers) {
      if (EqualsIgnoreCase(name, "host") || EqualsIgnoreCase(name, "content-length")) continue;
      req.insert(name, value);
    }
    req.body() = bhttp::span_body<const char>::value_type(body.data(), body.size());
    req.keep_alive(true);
    req.prepare_payload();

    std::unique_ptr<Connection> conn = TakeIdle();
    const bool reused = conn != nullptr;
    for (int attempt = 0;; ++attempt) {
      if (!conn) {
        auto opened = Open();
        if (!opened.ok()) return opened.status();
        conn = std::move(opened).value();
      }
      bool stale = false;
      bool keep_alive = false;
      auto response = Exchange(*conn, req, &stale, &keep_alive);
      if (response.ok()) {
        if (keep_alive) Return(std::move(conn));
        return response;
      }
      conn.reset();
      // A pooled connection the server closed while it sat idle. The other idle connections
      // sat idle as long and are likely closed too: drop them all, and try once more on a
      // connection opened now (never another pooled one).
      if (reused && stale && attempt == 0) {
        FlushIdle();
        continue;
      }
      return response.status();
    }
  }

  const Endpoint endpoint_;
  const HttpClientOptions options_;
  std::atomic<uint64_t> connections_opened_{0};

 private:
  std::unique_ptr<Connection> TakeIdle() {
    std::lock_guard lock(mu_);
    if (idle_.empty()) return nullptr;
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return conn;
  }

  void FlushIdle() {
    std::vector<std::unique_ptr<Connection>> dropped;
    std::lock_guard lock(mu_);
    dropped.swap(idle_);
  }

  void Return(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mu_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(conn));
  }

  Result<std::unique_ptr<Connection>> Open() {
    auto conn = std::make_unique<Connection>();
    beast::error_code ec;
    tcp::resolver resolver(conn->ioc);
    auto results = resolver.resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
    if (ec) return Unavailable("resolve " + endpoint_.host, ec);
    if (endpoint_.tls) {
      conn->secure.emplace(tcp::socket(conn->ioc), tls_context_);
      // SNI, and check that the certificate names this host.
      if (!SSL_set_tlsext_host_name(conn->secure->native_handle(), endpoint_.host.c_str())) {
        return Status::Unavailable("TLS: cannot set the server name");
      }
      conn->secure->set_verify_callback(ssl::host_name_verification(endpoint_.host));
    } else {
      conn->plain.emplace(conn->ioc);
    }
    const auto connect_timeout = std::chrono::milliseconds(options_.connect_timeout_ms);
    net::async_connect(conn->socket(), results,
                       [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    if (!conn->RunFor(connect_timeout)) ec = net::error::timed_out;
    if (ec) return Unavailable("connect to " + endpoint_.ToString(), ec);
    conn->socket().set_option(tcp::no_delay(true), ec);
    if (conn->secure) {
      conn->secure->async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
      if (!conn->RunFor(connect_timeout)) ec = net::error::timed_out;
      if (ec) return Unavailable("TLS handshake with " + endpoint_.ToString(), ec);
    }
    connections_opened_.fetch_add(1, std::memory_order_relaxed);
    return conn;
  }

  template <class Stream>
  beast::error_code WriteAndRead(Connection& conn, Stream& stream, OutgoingRequest& req,
                                 bhttp::response_parser<bhttp::string_body>& parser) {
    beast::error_code result;
    bhttp::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) {
        result = ec;
        return;
      }
      // The header first, so that a declared length over the limit is refused before any of
      // the body is buffered.
      bhttp::async_read_header(stream, conn.buffer, parser, [&](beast::error_code ec2, size_t) {
        if (!ec2 && parser.content_length() &&
            *parser.content_length() > options_.max_response_bytes) {
          ec2 = bhttp::error::body_limit;
        }
        if (ec2) {
          result = ec2;
          return;
        }
        bhttp::async_read(stream, conn.buffer, parser,
                          [&](beast::error_code ec3, size_t) { result = ec3; });
      });
    });
    // One deadline for the whole exchange.
    if (!conn.RunFor(std::chrono::milliseconds(options_.io_timeout_ms))) {
      result = net::error::timed_out;
    }
    return result;
  }

  Result<HttpResponse> Exchange(Connection& conn, OutgoingRequest& req, bool* stale_connection,
                                bool* keep_alive) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options_.max_response_bytes);
    const beast::error_code ec = conn.secure ? WriteAndRead(conn, *conn.secure, req, parser)
                                             : WriteAndRead(conn, *conn.plain, req, parser);
    // What a keep-alive connection the server closed while idle looks like on next use:
    // nothing of a response, and the peer gone.
    *stale_connection =
        !parser.got_some() && (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
                               ec == net::error::connection_reset ||
                               ec == net::error::broken_pipe || ec == ssl::error::stream_truncated);
    if (ec) {
      if (ec == bhttp::error::body_limit) {
        return Status::InvalidArgument("response body over " +
                                       std::to_string(options_.max_response_bytes) + " bytes");
      }
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
          ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        return Status::InvalidArgument("malformed HTTP response: " + ec.message());
      }
      return Unavailable("request to " + endpoint_.ToString(), ec);
    }
    auto res = parser.release();
    HttpResponse response;
    response.status = static_cast<int>(res.result_int());
    response.headers.reserve(8);
    for (const auto& field : res) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(res.body());
    // Bytes after the response (a server answering ahead) would confuse the next exchange.
    *keep_alive = res.keep_alive() && conn.buffer.size() == 0;
    return response;
  }

  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ GUARDED_BY(mu_);
  ssl::context tls_context_;
  const std::string host_header_;
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(Endpoint endpoint,
                                                       HttpClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(endpoint), std::move(options));
  EDDY_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

const Endpoint& HttpClient::endpoint() const { return impl_->endpoint_; }

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  return impl_->Send(request, request.body);
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& head, std::string_view body) {
  return impl_->Send(head, body);
}

uint64_t HttpClient::connections_opened() const {
  return impl_->connections_opened_.load(std::memory_order_relaxed);
}

}  // namespace eddy::http
