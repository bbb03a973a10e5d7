#include "eddy/base/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace eddy::metrics {
namespace {

TEST(MetricsTest, RendersFamiliesAndSeriesSorted) {
  MetricsRegistry registry;
  CounterFamily& requests =
      registry.AddCounter("eddy_requests_total", "Requests served.", {"api", "outcome"});
  GaugeFamily& open = registry.AddGauge("eddy_open_shards", "Open shards.");
  registry.AddCounter("eddy_empty_total", "No series yet.", {"shard"});
  requests.WithLabels({"kinesis", "success"}).Increment(3);
  requests.WithLabels({"dynamodb", "success"}).Increment();
  requests.WithLabels({"kinesis", "client_error"}).Increment(2);
  open.WithLabels({}).Set(7);

  EXPECT_EQ(registry.RenderText(),
            "# HELP eddy_empty_total No series yet.\n"
            "# TYPE eddy_empty_total counter\n"
            "# HELP eddy_open_shards Open shards.\n"
            "# TYPE eddy_open_shards gauge\n"
            "eddy_open_shards 7\n"
            "# HELP eddy_requests_total Requests served.\n"
            "# TYPE eddy_requests_total counter\n"
            "eddy_requests_total{api=\"dynamodb\",outcome=\"success\"} 1\n"
            "eddy_requests_total{api=\"kinesis\",outcome=\"client_error\"} 2\n"
            "eddy_requests_total{api=\"kinesis\",outcome=\"success\"} 3\n");
}

TEST(MetricsTest, LabelFreeFamiliesRenderZeroFromTheStart) {
  MetricsRegistry registry;
  registry.AddCounter("a_total", "A.");
  registry.AddGauge("b", "B.");
  EXPECT_EQ(registry.RenderText(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b B.\n# TYPE b gauge\nb 0\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  registry
      .AddCounter("x_total", "Help with a \\ backslash,\na newline and \"quotes\".", {"path"})
      .WithLabels({"C:\\dir\n\"quoted\" é"})
      .Increment();
  EXPECT_EQ(registry.RenderText(),
            "# HELP x_total Help with a \\\\ backslash,\\na newline and \"quotes\".\n"
            "# TYPE x_total counter\n"
            "x_total{path=\"C:\\\\dir\\n\\\"quoted\\\" é\"} 1\n");
}

TEST(MetricsTest, GaugeValues) {
  MetricsRegistry registry;
  GaugeFamily& g = registry.AddGauge("g", "G.", {"k"});
  g.WithLabels({"a"}).Set(0.5);
  g.WithLabels({"b"}).Set(1e20);
  g.WithLabels({"c"}).Set(-3);
  g.WithLabels({"c"}).Add(1.25);
  g.WithLabels({"d"}).Set(std::numeric_limits<double>::infinity());
  g.WithLabels({"e"}).Set(-std::numeric_limits<double>::infinity());
  g.WithLabels({"f"}).Set(std::nan(""));
  g.WithLabels({"g"}).Set(1700000000.123);
  EXPECT_EQ(registry.RenderText(),
            "# HELP g G.\n# TYPE g gauge\n"
            "g{k=\"a\"} 0.5\n"
            "g{k=\"b\"} 1e+20\n"
            "g{k=\"c\"} -1.75\n"
            "g{k=\"d\"} +Inf\n"
            "g{k=\"e\"} -Inf\n"
            "g{k=\"f\"} NaN\n"
            "g{k=\"g\"} 1700000000.123\n");
}

TEST(MetricsTest, CallbacksAreReadAtEachScrape) {
  MetricsRegistry registry;
  int shards = 2;
  registry.AddGauge("open", "Open.").SetCallback({}, [&shards] { return shards; });
  EXPECT_NE(registry.RenderText().find("\nopen 2\n"), std::string::npos);
  shards = 5;
  EXPECT_NE(registry.RenderText().find("\nopen 5\n"), std::string::npos);
}

TEST(MetricsTest, SeriesCanBeRemoved) {
  MetricsRegistry registry;
  CounterFamily& records = registry.AddCounter("records_total", "R.", {"shard"});
  Counter& a = records.WithLabels({"shardId-000000000000"});
  a.Increment(5);
  records.WithLabels({"shardId-000000000001"}).Increment(1);
  EXPECT_EQ(&records.WithLabels({"shardId-000000000000"}), &a);  // the same series
  EXPECT_TRUE(records.Remove({"shardId-000000000000"}));
  EXPECT_FALSE(records.Remove({"shardId-000000000000"}));
  EXPECT_EQ(registry.RenderText(),
            "# HELP records_total R.\n# TYPE records_total counter\n"
            "records_total{shard=\"shardId-000000000001\"} 1\n");
  // The lease comes back: a new series, from zero.
  EXPECT_EQ(records.WithLabels({"shardId-000000000000"}).value(), 0u);
}

TEST(MetricsTest, RegisteringAgainReturnsTheSameFamily) {
  MetricsRegistry registry;
  CounterFamily& first = registry.AddCounter("c_total", "C.", {"a"});
  EXPECT_EQ(&registry.AddCounter("c_total", "C.", {"a"}), &first);
  GaugeFamily& gauge = registry.AddGauge("g", "G.");
  EXPECT_EQ(&registry.AddGauge("g", "G."), &gauge);
}

TEST(MetricsDeathTest, ProgrammerErrorsAreCaught) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.AddCounter("no_suffix", "."), "EDDY_CHECK");
  EXPECT_DEATH(registry.AddGauge("1starts_with_digit", "."), "EDDY_CHECK");
  EXPECT_DEATH(registry.AddGauge("has-dash", "."), "EDDY_CHECK");
  EXPECT_DEATH(registry.AddGauge("g", ".", {"__reserved"}), "EDDY_CHECK");
  EXPECT_DEATH(registry.AddGauge("g", ".", {"a", "a"}), "EDDY_CHECK");
  registry.AddGauge("taken", ".", {"a"});
  EXPECT_DEATH(registry.AddGauge("taken", ".", {"b"}), "EDDY_CHECK");
  EXPECT_DEATH(registry.AddCounter("taken_total", ".").WithLabels({"x"}), "EDDY_CHECK");
}

TEST(MetricsTest, ConcurrentIncrementsAndScrapes) {
  MetricsRegistry registry;
  CounterFamily& family = registry.AddCounter("n_total", "N.", {"thread"});
  GaugeFamily& gauge = registry.AddGauge("level", "L.");
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Counter& shared = family.WithLabels({"shared"});
      Counter& own = family.WithLabels({std::to_string(t % 2)});
      for (int i = 0; i < kIncrements; ++i) {
        shared.Increment();
        own.Increment(2);
        gauge.WithLabels({}).Add(1);
        if (i % 10000 == 0) {  // a series coming and going meanwhile
          family.WithLabels({"churn"}).Increment();
          family.Remove({"churn"});
        }
      }
    });
  }
  std::thread scraper([&] {
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(registry.RenderText().empty());
  });
  for (auto& t : threads) t.join();
  scraper.join();
  EXPECT_EQ(family.WithLabels({"shared"}).value(), uint64_t{kThreads} * kIncrements);
  EXPECT_EQ(family.WithLabels({"0"}).value(), uint64_t{kThreads / 2} * kIncrements * 2);
  EXPECT_EQ(family.WithLabels({"1"}).value(), uint64_t{kThreads / 2} * kIncrements * 2);
  EXPECT_EQ(gauge.WithLabels({}).value(), double{kThreads} * kIncrements);
}

}  // namespace
}  // namespace eddy::metrics
