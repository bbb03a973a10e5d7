#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "eddy/client/aws_json_client.h"
#include "eddy/server/server.h"
#include "support/scoped_temp_dir.h"

namespace eddy::testing {

// An `eddy serve` inside the test's process, on a free loopback port, with a data directory of
// its own, and the ClientConfig that reaches it (fixed test credentials), for tests of clients
// against the real server over real HTTP.
//
// Thread-safety: Start, Connect and Stop from the test's thread.
class InProcessServer {
 public:
  explicit InProcessServer(const std::string& prefix) : dir_(prefix) {}

  // Starts the server with `options` (their port and data directory are set here). Use as
  // ASSERT_TRUE(eddy_.Start(options)).
  ::testing::AssertionResult Start(server::ServerOptions options = {}) {
    options.port = 0;
    options.data_dir = dir_.path().string();
    auto started = server::Server::Start(options);
    if (!started.ok()) return ::testing::AssertionFailure() << started.status().ToString();
    server_ = std::move(started).value();
    config_.endpoint = "http://127.0.0.1:" + std::to_string(server_->port());
    config_.credentials = auth::Credentials{"test", "test", ""};
    return ::testing::AssertionSuccess();
  }

  // A client of type `Client` (KinesisClient, DynamoDbClient, ...) of this server; null, with
  // the test failed, when it cannot be made.
  template <typename Client>
  std::unique_ptr<Client> Connect() const {
    auto client = Client::Create(config_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // Stops the server (destroy its clients first).
  void Stop() { server_.reset(); }

  server::Server& server() { return *server_; }
  const client::ClientConfig& config() const { return config_; }

 private:
  ScopedTempDir dir_;
  std::unique_ptr<server::Server> server_;
  client::ClientConfig config_;
};

}  // namespace eddy::testing
