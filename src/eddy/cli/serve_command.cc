#include "eddy/cli/serve_command.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "eddy/runtime/pipes_runtime.h"

namespace eddy::cli {

int RunServe(const server::ServerOptions& options, const ServePipesOptions& pipes_options) {
  const std::string& pipes_file = pipes_options.pipes_file;
  if (pipes_file.empty()) return server::RunUntilSignal(options);
  // Read the file before anything starts: a bad file is refused at once.
  auto file = runtime::LoadPipesFile(pipes_file);
  if (!file.ok()) {
    spdlog::error("eddy serve: {}", file.status().message());
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = server::Server::Start(options);
  if (!server.ok()) {
    spdlog::error("eddy serve: {}", server.status().ToString());
    return 1;
  }
  spdlog::info("eddy listening on http://{}:{} (data in {}, durability {})", options.host,
               (*server)->port(), options.data_dir, log::DurabilityName(options.durability));
  // The pipes reach the server through its endpoint, as they would reach AWS.
  const std::string host =
      options.host == "0.0.0.0" || options.host == "::" ? "127.0.0.1" : options.host;
  runtime::PipesHostOptions pipes;
  pipes.python = pipes_options.python;
  pipes.node = pipes_options.node;
  pipes.java = pipes_options.java;
  pipes.aws.endpoint = fmt::format("http://{}:{}", host.find(':') != std::string::npos
                                                       ? "[" + host + "]"
                                                       : host,
                                   (*server)->port());
  auto host_or = runtime::PipesHost::Create(std::move(*file), std::move(pipes));
  if (!host_or.ok()) {
    spdlog::error("eddy serve: {}", host_or.status().message());
    (*server)->Stop();
    return 2;
  }
  (*host_or)->Start();
  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  (*host_or)->Stop();
  (*server)->Stop();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace eddy::cli
