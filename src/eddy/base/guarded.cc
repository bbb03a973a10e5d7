#include "eddy/base/guarded.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace eddy {

void LogCaughtException(std::string_view where) noexcept {
  try {
    try {
      throw;
    } catch (const std::exception& e) {
      spdlog::error("{} threw: {}", where, e.what());
    } catch (...) {
      spdlog::error("{} threw", where);
    }
  } catch (...) {
    // Logging itself failed (out of memory): nothing more to do.
  }
}

}  // namespace eddy
