#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::pipe {

// UTC times as Lambda writes them in failure records and tumbling windows.
// Thread-safety: pure functions.

// "2019-11-14T00:38:06.021Z".
std::string FormatIso8601Millis(int64_t epoch_ms);
// "2019-11-14T00:38:06Z" (the milliseconds dropped).
std::string FormatIso8601Seconds(int64_t epoch_ms);
// Reads "YYYY-MM-DDTHH:MM:SS[.fff...][Z|+HH:MM|-HH:MM]" (a space may stand for the 'T'); nullopt
// for anything else.
std::optional<int64_t> ParseIso8601Millis(std::string_view text);

}  // namespace eddy::pipe
