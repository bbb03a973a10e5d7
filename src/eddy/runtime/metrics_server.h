#pragma once

#include <memory>
#include <string>

#include "eddy/base/metrics.h"
#include "eddy/base/result.h"
#include "eddy/http/http_server.h"

namespace eddy::runtime {

// Serves `registry` as Prometheus text on GET http://HOST:PORT/metrics (port 0: any free port),
// for `eddy worker`. `registry` must outlive the server.
Result<std::unique_ptr<http::HttpServer>> StartMetricsServer(
    const std::string& host, int port, const metrics::MetricsRegistry& registry);

}  // namespace eddy::runtime
