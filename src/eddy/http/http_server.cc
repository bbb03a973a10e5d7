// <utility> before any Asio header: Boost 1.74's awaitable.hpp uses std::exchange without it.
#include "eddy/http/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "eddy/base/guarded.h"

namespace eddy::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

// The request body bytes all connections together may hold at once
// (HttpServerOptions::max_buffered_body_bytes). Thread-safe.
class BodyBudget {
 public:
  explicit BodyBudget(size_t limit) : limit_(limit) {}

  // Takes `bytes` from the budget; false (and nothing taken) when that would pass the limit.
  bool TryTake(size_t bytes) {
    size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (bytes > limit_ - used) return false;
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
  }
  void Give(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

// What the parser reports when the body budget refuses a body: the request is answered 503.
const boost::system::error_code kOverBodyBudget =
    boost::system::errc::make_error_code(boost::system::errc::not_enough_memory);

// Parses one request straight into an HttpRequest: Beast's message parser (the request line,
// fields, Content-Length and chunked bodies, and the header and body limits), without its
// field container, which allocated a node per header only for OnRead to copy them all out.
//
// The body's bytes are taken from the server's BodyBudget before they are buffered and given
// back when the parser is destroyed: when the connection reads its next request (its answer
// has been written) or closes. The session reserves a declared Content-Length whole, as soon
// as the head is in (ReserveBody); bytes past what is reserved (a chunked body) are taken
// 64 KiB at a time as they arrive.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  RequestParser(size_t max_body_bytes, BodyBudget* budget)
      : max_body_bytes_(max_body_bytes), budget_(budget) {
    request_.headers.reserve(16);
  }
  ~RequestParser() override { budget_->Give(reserved_); }
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Holds at least `bytes` of body from the budget; false when the budget refuses.
  bool ReserveBody(size_t bytes) {
    if (bytes <= reserved_) return true;
    if (!budget_->TryTake(bytes - reserved_)) return false;
    reserved_ = bytes;
    return true;
  }

  // REQUIRES: is_done().
  HttpRequest Take() { return std::move(request_); }

  // The client (HTTP/1.1 or later) sent `Expect: 100-continue`: it waits for an interim
  // 100 (Continue) answer before it sends the body (RFC 9110 10.1.1).
  bool expects_continue() const { return expects_continue_ && version_ >= 11; }

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target,
                       int version, beast::error_code&) override {
    version_ = version;
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = bhttp::error::bad_version;  // never called for a request parser
  }
  void on_field_impl(bhttp::field field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    if (field == bhttp::field::expect && beast::iequals(value, "100-continue")) {
      expects_continue_ = true;
    }
    request_.headers.emplace_back(std::string(name.data(), name.size()),
                                  std::string(value.data(), value.size()));
  }
  void on_header_impl(beast::error_code&) override {}
  // The body gets its full size plus HttpRequest::kBodySpareCapacity at once, so it is neither
  // grown piecemeal nor copied again by a parser that needs padding. (A declared length over
  // the limit never gets here: the parser refuses it first.)
  void on_body_init_impl(const boost::optional<uint64_t>& content_length,
                         beast::error_code&) override {
    if (content_length && *content_length <= max_body_bytes_) {
      request_.body.reserve(static_cast<size_t>(*content_length) + HttpRequest::kBodySpareCapacity);
    }
  }
  size_t on_body_impl(beast::string_view body, beast::error_code& ec) override {
    const size_t needed = request_.body.size() + body.size();
    if (needed > reserved_ &&
        !ReserveBody(
            std::max(needed, std::min(reserved_ + kChunkedReserveStep, max_body_bytes_)))) {
      ec = kOverBodyBudget;
      return 0;
    }
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(uint64_t, beast::string_view, beast::error_code&) override {}
  size_t on_chunk_body_impl(uint64_t, beast::string_view body, beast::error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(beast::error_code&) override {}

  static constexpr size_t kChunkedReserveStep = 64 << 10;

  const size_t max_body_bytes_;
  BodyBudget* const budget_;
  size_t reserved_ = 0;  // taken from budget_
  HttpRequest request_;
  int version_ = 11;
  bool expects_continue_ = false;
};

// No body, and no length, for 1xx, 204 and 304 (RFC 9110 6.4.1, 8.6).
bool MayHaveBody(unsigned status) { return status >= 200 && status != 204 && status != 304; }

// Appends an HTTP/1.1 response head for `response` with a body of `body_size` bytes to `out`.
// Content-Length is computed (a handler's own Content-Length, Transfer-Encoding or Connection
// is dropped), and `Connection: close` added when the connection ends after it. A CR or LF in
// a handler's header becomes a space, so no header can be split into two.
void AppendResponseHead(const HttpResponse& response, size_t body_size, bool keep_alive,
                        std::string* out) {
  auto append_clean = [out](std::string_view text) {
    for (char c : text) out->push_back(c == '\r' || c == '\n' ? ' ' : c);
  };
  const unsigned status = static_cast<unsigned>(response.status);
  out->append("HTTP/1.1 ");
  out->append(std::to_string(status));
  out->push_back(' ');
  const auto reason = bhttp::obsolete_reason(bhttp::int_to_status(status));
  out->append(reason.data(), reason.size());
  out->append("\r\n");
  for (const auto& [name, value] : response.headers) {
    if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
        EqualsIgnoreCase(name, "Connection")) {
      continue;
    }
    append_clean(name);
    out->append(": ");
    append_clean(value);
    out->append("\r\n");
  }
  if (MayHaveBody(status)) {
    out->append("Content-Length: ");
    out->append(std::to_string(body_size));
    out->append("\r\n");
  }
  if (!keep_alive) out->append("Connection: close\r\n");
  out->append("\r\n");
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, Handler handler, ErrorResponseMaker error_response)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        error_response_(std::move(error_response)),
        contexts_(MakeContexts(options_.threads)),
        // Accept completions and Stop()'s close both run on the first thread.
        acceptor_(contexts_[0]->get_executor()) {}

  // One io_context per thread, each run by that thread alone: a connection lives on one of
  // them, so its handlers never race and need no strand, and no two threads contend for one
  // epoll queue (with a shared io_context, every hand-off between the threads was a futex
  // wake).
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int threads) {
    std::vector<std::unique_ptr<net::io_context>> contexts;
    for (int i = 0; i < std::max(1, threads); ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));  // 1: run by one thread
    }
    return contexts;
  }

  Status Listen();
  void Run();
  void Stop();
  void DoAccept();

  void BeginRequest() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void EndRequest() {
    if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(mu_);
      idle_cv_.notify_all();
    }
  }

  const HttpServerOptions options_;
  const Handler handler_;
  const ErrorResponseMaker error_response_;
  // Before contexts_: the sessions their destruction ends give their body bytes back to it.
  BodyBudget body_budget_{options_.max_buffered_body_bytes};
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  size_t next_context_ = 0;  // round robin of new connections (on the first thread)
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::condition_variable idle_cv_;
  bool stopped_ = false;
};

namespace {

// One connection. Requests are read and answered one at a time, in order.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), server_(server) {
    server_->connections_.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ec;
    remote_ = socket_.remote_endpoint(ec).address().to_string(ec);
    socket_.set_option(tcp::no_delay(true), ec);
    // Beast reads no more than the buffer's free capacity (at least 512 bytes): 4 KiB takes
    // a small request in one system call, and costs an idle connection little.
    buffer_.reserve(kIdleReadBufferBytes);
  }

  ~Session() { server_->connections_.fetch_sub(1, std::memory_order_relaxed); }

  void Start() {
    net::dispatch(socket_.get_executor(),
                  beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.reset();  // gives the last request's body bytes back first
    if (buffer_.capacity() > kIdleReadBufferBytes && buffer_.size() == 0) {
      // A large body grew it: an idle connection goes back to the small buffer.
      buffer_.shrink_to_fit();
      buffer_.reserve(kIdleReadBufferBytes);
    }
    parser_.emplace(server_->options_.max_body_bytes, &server_->body_budget_);
    parser_->body_limit(server_->options_.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_->options_.max_header_bytes));
    ArmTimer(server_->options_.idle_timeout_seconds);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // The head is in. A client that expects 100 (Continue) is sent it before its body is read
  // (curl, for one, otherwise waits a second before sending the body anyway); a body too
  // large has been refused by now, with 413, and gets no 100.
  void OnHeader(beast::error_code ec, size_t bytes) {
    if (ec || parser_->is_done()) return OnRead(ec, bytes);
    // A declared body is taken from the budget before any of it is read, or sent 100.
    if (const auto length = parser_->content_length();
        length && *length <= server_->options_.max_body_bytes &&
        !parser_->ReserveBody(static_cast<size_t>(*length))) {
      CancelTimer();
      return RejectOverBudget();
    }
    if (parser_->expects_continue()) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                       beast::bind_front_handler(&Session::OnContinueSent, shared_from_this()));
      return;
    }
    ReadBody();
  }

  void OnContinueSent(beast::error_code ec, size_t /*bytes*/) {
    if (ec) {
      CancelTimer();
      return Close();
    }
    ReadBody();
  }

  void ReadBody() {
    // A body larger than the small buffer (or of unknown length) is read 64 KiB at a time: at
    // 4 KiB, a megabyte costs 256 system calls.
    if (const auto length = parser_->content_length(); !length || *length > kIdleReadBufferBytes) {
      buffer_.reserve(kBodyReadBufferBytes);
    }
    bhttp::async_read(socket_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t /*bytes*/) {
    CancelTimer();  // the handler's time is not idle time
    // The deadline's handler may have run between the read's completion and this handler and
    // closed the socket: then the request is dropped unanswered rather than executed with no
    // way to answer it (a client retrying it would run it twice).
    if (!ec && !socket_.is_open()) return;
    if (ec == bhttp::error::end_of_stream) return Close();
    if (ec == kOverBodyBudget) return RejectOverBudget();
    if (ec) {
      const bool parse_error =
          ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
          ec != bhttp::error::partial_message && ec != bhttp::error::short_read;
      if (ec == bhttp::error::body_limit) return Reject(413, "Request body too large");
      if (ec == bhttp::error::header_limit) return Reject(431, "Request headers too large");
      if (parse_error) return Reject(400, "Malformed HTTP request");
      return Close();  // timeout, reset, ...
    }
    keep_alive_ = parser_->keep_alive();
    HttpRequest request = parser_->Take();
    head_request_ = request.method == "HEAD";
    request.remote_address = remote_;
    server_->BeginRequest();
    auto answer = std::make_shared<PendingAnswer>(shared_from_this());
    // A bug or exhausted memory in a handler must not end this thread (and with it the
    // server): the request is answered 500 once the handler's copies of the responder are
    // gone, unless it was answered before the throw.
    RunGuarded("http: a request handler", [&] {
      server_->handler_(std::move(request),
                        [answer](HttpResponse response) { answer->Send(std::move(response)); });
    });
  }

  // A request's answer, sent once: by the responder, or with status 500 when the last copy of
  // the responder is dropped uncalled (a handler or a worker that threw, a callback lost), so
  // the client is never left waiting until its idle timeout.
  class PendingAnswer {
   public:
    explicit PendingAnswer(std::shared_ptr<Session> session) : session_(std::move(session)) {}
    PendingAnswer(const PendingAnswer&) = delete;
    PendingAnswer& operator=(const PendingAnswer&) = delete;

    ~PendingAnswer() {
      if (answered_.load(std::memory_order_relaxed)) return;
      try {
        spdlog::error("http: a request was dropped unanswered; answering 500");
        HttpResponse response = session_->server_->error_response_(500, "Internal failure");
        // Posted, not dispatched: this may run while a handler's stack unwinds.
        net::post(session_->socket_.get_executor(),
                  [session = session_, r = std::move(response)]() mutable {
                    session->Write(std::move(r));
                  });
      } catch (...) {
        // Out of memory even for the error: the idle timeout closes the connection.
      }
    }

    // The responder may run on any thread: it writes at once when on this connection's
    // thread (a handler that answered inline), else hops there.
    void Send(HttpResponse response) {
      if (answered_.exchange(true, std::memory_order_relaxed)) {
        spdlog::error("http: a request was answered twice; the second answer is dropped");
        return;
      }
      net::dispatch(session_->socket_.get_executor(),
                    [session = session_, r = std::move(response)]() mutable {
                      session->Write(std::move(r));
                    });
    }

   private:
    const std::shared_ptr<Session> session_;
    // Set by the first call of Send. The destructor, whichever thread drops the last copy, is
    // ordered after every call by the shared_ptr's release.
    std::atomic<bool> answered_{false};
  };

  // Too many request bodies are buffered at once: the client may retry (the AWS SDKs retry a
  // 503), on a new connection, once some have been answered.
  void RejectOverBudget() {
    Reject(503, "The server holds too many request bodies at once; retry later");
  }

  void Reject(int status, std::string_view message) {
    keep_alive_ = false;
    rejected_ = true;
    head_request_ = false;
    server_->BeginRequest();
    Write(server_->error_response_(status, message));
  }

  // After rejecting a request whose body is still arriving, read and discard it for a while
  // before closing (a "lingering close"): closing with unread data would reset the connection
  // and the client would never see the error response. Bounded in bytes and time.
  void Drain() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    ArmTimer(5);
    drain_buffer_ = std::make_unique<char[]>(kDrainBufferBytes);
    socket_.async_read_some(net::buffer(drain_buffer_.get(), kDrainBufferBytes),
                            beast::bind_front_handler(&Session::OnDrain, shared_from_this()));
  }

  void OnDrain(beast::error_code ec, size_t bytes) {
    drained_ += bytes;
    if (ec || drained_ > kMaxDrainBytes) return Close();
    socket_.async_read_some(net::buffer(drain_buffer_.get(), kDrainBufferBytes),
                            beast::bind_front_handler(&Session::OnDrain, shared_from_this()));
  }

  // The head is written here rather than by Beast's serializer: for the few headers an answer
  // has, building it into one reused string costs a fraction of filling a field container and
  // walking its buffer sequence. Head and body go out in one gathering write.
  void Write(HttpResponse response) {
    response_body_ = std::move(response.body);
    response_head_.clear();
    AppendResponseHead(response, response_body_.size(), keep_alive_, &response_head_);
    // The answer to a HEAD request, and a status that has none, carries no body: bytes after
    // the head would be read as the start of the next answer on this connection.
    if (head_request_ || !MayHaveBody(static_cast<unsigned>(response.status))) {
      response_body_.clear();
    }
    ArmTimer(server_->options_.idle_timeout_seconds);
    const std::array<net::const_buffer, 2> buffers = {net::buffer(response_head_),
                                                      net::buffer(response_body_)};
    net::async_write(socket_, buffers,
                     beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t /*bytes*/) {
    server_->EndRequest();
    if (!ec && rejected_) return Drain();
    if (ec || !keep_alive_) return Close();
    Read();
  }

  void Close() {
    CancelTimer();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  // One deadline per read or write of a whole message, not per system call: Beast's
  // tcp_stream re-arms its timer for every read_some, and each re-arm cost a timerfd_settime
  // system call (5% of CPU under a PutRecords load). When it fires, the connection is closed and
  // the pending operation ends with an error.
  //
  // A wait that had already expired when it was cancelled or re-armed still completes without
  // an error, so each wait carries a generation: only the newest wait may close the socket.
  // Everything here runs on the connection's thread.
  void ArmTimer(int seconds) {
    const uint64_t generation = ++timer_generation_;
    timer_.expires_after(std::chrono::seconds(seconds));
    timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->timer_generation_) return;  // re-armed or cancelled
      beast::error_code ignored;
      self->socket_.close(ignored);
    });
  }

  void CancelTimer() {
    ++timer_generation_;
    timer_.cancel();
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  HttpServer::Impl* const server_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string response_head_;  // reused: its capacity stays from one answer to the next
  std::string response_body_;
  static constexpr size_t kMaxDrainBytes = 64 << 20;
  static constexpr size_t kDrainBufferBytes = 16 << 10;
  static constexpr size_t kIdleReadBufferBytes = 4 << 10;
  static constexpr size_t kBodyReadBufferBytes = 64 << 10;

  std::string remote_;
  bool keep_alive_ = true;
  bool head_request_ = false;  // the request being answered is a HEAD
  bool rejected_ = false;
  size_t drained_ = 0;
  uint64_t timer_generation_ = 0;
  std::unique_ptr<char[]> drain_buffer_;  // only while draining a refused request's body
};

}  // namespace

Status HttpServer::Impl::Listen() {
  beast::error_code ec;
  const auto address = net::ip::make_address(options_.host, ec);
  if (ec) return Status::InvalidArgument("invalid listen address '" + options_.host + "'");
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return Status::Ok();
}

void HttpServer::Impl::DoAccept() {
  net::io_context& context = *contexts_[next_context_++ % contexts_.size()];
  acceptor_.async_accept(context, [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (!ec && connections_.load(std::memory_order_relaxed) >= options_.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);  // over the limit: refuse rather than grow without bound
    } else if (!ec) {
      std::make_shared<Session>(std::move(socket), this)->Start();
    } else if (ec != net::error::operation_aborted) {
      spdlog::warn("accept: {}", ec.message());
    }
    DoAccept();
  });
}

void HttpServer::Impl::Run() {
  DoAccept();
  for (auto& context : contexts_) {
    // Keeps a thread whose connections are all closed running until Stop().
    threads_.emplace_back([c = context.get()] {
      auto guard = net::make_work_guard(*c);
      c->run();
    });
  }
}

void HttpServer::Impl::Stop() {
  if (stopped_) return;
  stopped_ = true;
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  {
    std::unique_lock lock(mu_);
    const bool idle = idle_cv_.wait_for(lock, std::chrono::seconds(options_.stop_grace_seconds),
                                        [this] { return in_flight_.load() == 0; });
    if (!idle) {
      spdlog::warn("stopping with {} requests still in flight", in_flight_.load());
    }
  }
  for (auto& context : contexts_) context->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
  if (impl_ && impl_->in_flight_.load() != 0) {
    // A responder still held by a handler would post to a destroyed io_context: leave the
    // server's state to the process exit instead.
    (void)impl_.release();
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options, Handler handler,
                                                      ErrorResponseMaker error_response) {
  auto impl =
      std::make_unique<Impl>(std::move(options), std::move(handler), std::move(error_response));
  EDDY_RETURN_IF_ERROR(impl->Listen());
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port_; }

void HttpServer::Stop() {
  if (impl_) impl_->Stop();
}

}  // namespace eddy::http
