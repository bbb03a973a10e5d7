#include "eddy/pipe/time_format.h"

#include <fmt/format.h>

#include <chrono>

namespace eddy::pipe {
namespace {

struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second, millis;
};

Civil ToCivil(int64_t epoch_ms) {
  using namespace std::chrono;
  const auto tp = sys_time<milliseconds>(milliseconds(epoch_ms));
  const auto day = floor<days>(tp);
  const year_month_day ymd(day);
  const hh_mm_ss<milliseconds> hms(tp - day);
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()), static_cast<unsigned>(hms.hours().count()),
          static_cast<unsigned>(hms.minutes().count()),
          static_cast<unsigned>(hms.seconds().count()),
          static_cast<unsigned>(hms.subseconds().count())};
}

bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatIso8601Millis(int64_t epoch_ms) {
  const Civil c = ToCivil(epoch_ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.millis);
}

std::string FormatIso8601Seconds(int64_t epoch_ms) {
  const Civil c = ToCivil(epoch_ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second);
}

std::optional<int64_t> ParseIso8601Millis(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t at = 19;
  int64_t millis = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    int scale = 100;
    const size_t first = at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      millis += (s[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == first) return std::nullopt;
  }
  int64_t offset_minutes = 0;
  if (at < s.size()) {
    if (s[at] == 'Z' || s[at] == 'z') {
      ++at;
    } else if (s[at] == '+' || s[at] == '-') {
      int oh, om;
      if (!Digits(s, at + 1, 2, &oh)) return std::nullopt;
      size_t m = at + 3;
      if (m < s.size() && s[m] == ':') ++m;
      if (!Digits(s, m, 2, &om)) return std::nullopt;
      offset_minutes = (oh * 60 + om) * (s[at] == '-' ? -1 : 1);
      at = m + 2;
    }
  }
  if (at != s.size()) return std::nullopt;
  const int64_t days_since_epoch = sys_days(ymd).time_since_epoch().count();
  const int64_t seconds = days_since_epoch * 86400 + h * 3600 + mi * 60 + sec - offset_minutes * 60;
  return seconds * 1000 + millis;
}

}  // namespace eddy::pipe
