#include "eddy/base/metrics.h"

#include <charconv>
#include <cmath>
#include <tuple>
#include <type_traits>
#include <utility>

#include "eddy/base/check.h"

namespace eddy::metrics {
namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name) {
  if (name.empty() || IsDigit(name[0])) return false;
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsDigit(c) && c != '_' && c != ':') return false;
  }
  return true;
}

// [a-zA-Z_][a-zA-Z0-9_]*, without the "__" prefix Prometheus reserves for itself.
bool IsValidLabelName(std::string_view name) {
  if (name.empty() || IsDigit(name[0]) || name.starts_with("__")) return false;
  for (char c : name) {
    if (!IsAsciiLetter(c) && !IsDigit(c) && c != '_') return false;
  }
  return true;
}

void CheckLabelNames(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    EDDY_CHECK(IsValidLabelName(names[i]));
    for (size_t j = 0; j < i; ++j) EDDY_CHECK(names[i] != names[j]);
  }
}

// The format's escapes: in HELP text a backslash and a newline; in a label value also a
// double quote. Nothing else is escaped (UTF-8 passes as it is).
void AppendEscaped(std::string_view text, bool quote, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"' && quote) {
      *out += "\\\"";
    } else {
      *out += c;
    }
  }
}

void AppendValue(uint64_t v, std::string* out) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out->append(buf, end);
}

// Go's ParseFloat reads what to_chars writes (shortest round trip, "1e+20"); the format spells
// the special values +Inf, -Inf and NaN.
void AppendValue(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out->append(buf, end);
  }
}

}  // namespace

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {
  if (label_names_.empty()) series_.try_emplace(LabelValues{});
}

template <typename Metric>
Metric& Family<Metric>::WithLabels(const LabelValues& values) {
  EDDY_CHECK(values.size() == label_names_.size());
  std::lock_guard lock(mu_);
  return series_.try_emplace(values).first->second.metric;
}

template <typename Metric>
void Family<Metric>::SetCallback(const LabelValues& values, ValueCallback callback) {
  EDDY_CHECK(values.size() == label_names_.size());
  std::lock_guard lock(mu_);
  series_.try_emplace(values).first->second.callback = std::move(callback);
}

template <typename Metric>
bool Family<Metric>::Remove(const LabelValues& values) {
  std::lock_guard lock(mu_);
  return series_.erase(values) > 0;
}

template <typename Metric>
void Family<Metric>::Render(std::string* out) const {
  *out += "# HELP ";
  *out += name_;
  *out += ' ';
  AppendEscaped(help_, /*quote=*/false, out);
  *out += "\n# TYPE ";
  *out += name_;
  *out += std::is_same_v<Metric, Counter> ? " counter\n" : " gauge\n";
  std::lock_guard lock(mu_);
  for (const auto& [values, series] : series_) {
    *out += name_;
    if (!values.empty()) {
      *out += '{';
      for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) *out += ',';
        *out += label_names_[i];
        *out += "=\"";
        AppendEscaped(values[i], /*quote=*/true, out);
        *out += '"';
      }
      *out += '}';
    }
    *out += ' ';
    if (series.callback) {
      AppendValue(series.callback(), out);
    } else {
      AppendValue(series.metric.value(), out);
    }
    *out += '\n';
  }
}

template class Family<Counter>;
template class Family<Gauge>;

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

template <typename Metric>
Family<Metric>& MetricsRegistry::Register(std::string_view name, std::string_view help,
                                          std::vector<std::string> label_names) {
  EDDY_CHECK(IsValidMetricName(name));
  CheckLabelNames(label_names);
  std::lock_guard lock(mu_);
  Entry& entry = families_[std::string(name)];
  auto& mine = std::get<std::unique_ptr<Family<Metric>>>(entry);
  if (mine) {
    EDDY_CHECK(mine->label_names() == label_names);
    return *mine;
  }
  EDDY_CHECK(!std::get<0>(entry) && !std::get<1>(entry));  // not taken by the other type
  mine.reset(new Family<Metric>(std::string(name), std::string(help), std::move(label_names)));
  return *mine;
}

CounterFamily& MetricsRegistry::AddCounter(std::string_view name, std::string_view help,
                                           std::vector<std::string> label_names) {
  EDDY_CHECK(name.ends_with("_total"));
  return Register<Counter>(name, help, std::move(label_names));
}

GaugeFamily& MetricsRegistry::AddGauge(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names) {
  return Register<Gauge>(name, help, std::move(label_names));
}

std::string MetricsRegistry::RenderText() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, entry] : families_) {
    if (const auto& counter = std::get<0>(entry)) counter->Render(&out);
    if (const auto& gauge = std::get<1>(entry)) gauge->Render(&out);
  }
  return out;
}

}  // namespace eddy::metrics
