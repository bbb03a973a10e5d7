#include "eddy/runtime/metrics_server.h"

namespace eddy::runtime {

Result<std::unique_ptr<http::HttpServer>> StartMetricsServer(
    const std::string& host, int port, const metrics::MetricsRegistry& registry) {
  http::HttpServerOptions http;
  http.host = host;
  http.port = static_cast<uint16_t>(port);
  http.threads = 1;
  http.max_body_bytes = 64 << 10;
  http.max_buffered_body_bytes = 1 << 20;
  return http::HttpServer::Start(
      http, [&registry](http::HttpRequest&& request, http::Responder respond) {
        http::HttpResponse response;
        if (request.method == "GET" &&
            request.target.substr(0, request.target.find('?')) == "/metrics") {
          response.status = 200;
          response.headers = {{"Content-Type", std::string(metrics::kTextContentType)}};
          response.body = registry.RenderText();
        } else {
          response.status = 404;
          response.headers = {{"Content-Type", "text/plain"}};
          response.body = "eddy worker serves only GET /metrics\n";
        }
        respond(std::move(response));
      },
      [](int status, std::string_view message) {
        http::HttpResponse response;
        response.status = status;
        response.headers = {{"Content-Type", "text/plain"}};
        response.body = std::string(message) + "\n";
        return response;
      });
}

}  // namespace eddy::runtime
