#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "eddy/base/thread_annotations.h"

namespace eddy::metrics {

// Prometheus metrics: a registry of counter and gauge families, rendered in the text
// exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
// docs/metrics.md lists every metric eddy exports; add yours there.
//
// Naming (https://prometheus.io/docs/practices/naming/): snake_case with the `eddy_` prefix,
// base units in the name (`_seconds`, `_bytes`), counters ending in `_total`.
//
// Thread-safety: registering a family and looking up or removing a series take a mutex;
// Counter::Increment and the Gauge operations are single relaxed atomic operations, lock-free,
// so a hot path looks its series up once and keeps the reference.

// The Content-Type of RenderText's output.
inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// A count that only goes up (requests served, bytes written).
class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (open shards, leases held).
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// One value per label name, in the family's order.
using LabelValues = std::vector<std::string>;

// A value read when the registry is rendered, for what another component already counts
// (a service's open shard count). It runs under the family's mutex on the scraping thread:
// it must be quick and must not call into the registry.
using ValueCallback = std::function<double()>;

class MetricsRegistry;

// A metric name with its help text, label names and series (one per distinct label values).
// Metric is Counter or Gauge. Created by MetricsRegistry, which owns it.
//
// Thread-safety: thread-safe (see the top of this file).
template <typename Metric>
class Family {
 public:
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // The series with these label values, created at zero on first use. The reference stays
  // valid until Remove(values) or the registry's destruction.
  // REQUIRES: values.size() == label_names().size().
  Metric& WithLabels(const LabelValues& values);

  // Renders the series from `callback` instead of its stored value (creating the series if
  // needed). The callback is kept until Remove(values) or the registry's destruction, so what
  // it reads must live as long, or no scrape may happen after it is gone.
  // REQUIRES: values.size() == label_names().size().
  void SetCallback(const LabelValues& values, ValueCallback callback);

  // Removes a series (a shard whose lease this worker lost), so it is no longer exported. A
  // later WithLabels with the same values starts a new series at zero, which Prometheus reads
  // as a counter reset. False when there was no such series.
  // REQUIRES: no one uses a reference to the series any more.
  bool Remove(const LabelValues& values);

 private:
  friend class MetricsRegistry;
  struct Series {
    Metric metric;
    ValueCallback callback;  // when set, rendered instead of `metric`
  };

  Family(std::string name, std::string help, std::vector<std::string> label_names);
  void Render(std::string* out) const;

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  // Sorted by label values, for a stable output. Map nodes never move: references stay valid.
  std::map<LabelValues, Series> series_ GUARDED_BY(mu_);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;

// Owns metric families and renders them all for a scrape. One per process, passed to the
// components that export metrics (no global instance).
//
// Thread-safety: thread-safe (see the top of this file).
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registers a family, or returns the one registered under `name` with the same type and
  // label names. A family without labels has its one series from the start (it renders 0).
  // REQUIRES: `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* and, for a counter, ends in "_total";
  // each label name matches [a-zA-Z_][a-zA-Z0-9_]*, does not start with "__" and appears once;
  // `name` is not registered with another type or other label names. (EDDY_CHECKed: these are
  // the program's constants, never user input.)
  CounterFamily& AddCounter(std::string_view name, std::string_view help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string_view name, std::string_view help,
                        std::vector<std::string> label_names = {});

  // Every family in the text format 0.0.4, sorted by name, each with its HELP and TYPE lines
  // and then its series sorted by label values. Label values are escaped (backslash, double
  // quote, newline), as is the help text (backslash, newline). Evaluates the callbacks.
  std::string RenderText() const;

 private:
  template <typename Metric>
  Family<Metric>& Register(std::string_view name, std::string_view help,
                           std::vector<std::string> label_names);

  // Exactly one of the two is set.
  using Entry = std::tuple<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>>;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> families_ GUARDED_BY(mu_);
};

}  // namespace eddy::metrics
