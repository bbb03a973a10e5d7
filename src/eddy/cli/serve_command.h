#pragma once

#include <string>

#include "eddy/server/server.h"

namespace eddy::cli {

// `eddy serve`: the server, and with a pipes file its functions and pipes too, run against the
// server's own endpoint (the embedded default: one process holds streams, tables and the
// pipes that consume them), until SIGINT or SIGTERM. Pipes stop first (batches in flight finish,
// leases are released), then the server. Returns the exit code.
struct ServePipesOptions {
  std::string pipes_file;  // empty: no pipes
  std::string python = "python3";  // interpreters of the functions' runtimes
  std::string node = "node";
  std::string java = "java";
};
int RunServe(const server::ServerOptions& options, const ServePipesOptions& pipes);

}  // namespace eddy::cli
