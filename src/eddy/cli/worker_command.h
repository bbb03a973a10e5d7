#pragma once

#include <CLI/CLI.hpp>

namespace eddy::cli {

// `eddy worker --properties app.properties`: runs record processors written for KCL's
// MultiLangDaemon (amazon_kclpy, aws-kcl, ...) against a Kinesis stream or a DynamoDB stream,
// sharing its shards with the application's other workers through the lease table, until
// SIGINT/SIGTERM. The process's exit code goes to `*exit_code`.
void AddWorkerCommand(CLI::App& app, int* exit_code);

}  // namespace eddy::cli
