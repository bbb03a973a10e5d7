#pragma once

#include <CLI/CLI.hpp>

namespace eddy::cli {

// `eddy log verify DIR...`: opens shard logs (running recovery) and reads every record,
// verifying each checksum; exits non-zero naming the file, byte and offset of any damage.
void AddLogCommands(CLI::App& app);

}  // namespace eddy::cli
