#pragma once

#include <CLI/CLI.hpp>

namespace eddy::cli {

// `eddy table list|changes`: read a stopped server's tables straight from its data directory
// (RocksDB admits one process: with the server running these fail with its lock error).
//   eddy table list --data-dir DIR            the tables, one per line
//   eddy table changes --data-dir DIR TABLE   every change record as a JSON line (sequence,
//                                             event, origin, time, keys, old and new images)
void AddTableCommands(CLI::App& app);

}  // namespace eddy::cli
