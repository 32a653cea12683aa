// The Prometheus registry: text format, cumulative histogram buckets,
// computed series, and counting from several threads.
#include <gtest/gtest.h>

#include <thread>

#include "server/net/metrics.h"

namespace canopy::net::metrics {
namespace {

TEST(MetricsTest, RendersTextExpositionFormat) {
  Registry r;
  r.AddCounter("c_total", "a counter", {{"op", "create"}}).Inc(3);
  r.AddGauge("g", "a \"gauge\"\nwith newline").Set(2.5);
  r.AddGaugeFn("f", "computed", {}, [] { return 7.0; });
  auto& h = r.AddHistogram("h_seconds", "hist", {0.1, 1});
  h.Observe(0.0625);
  h.Observe(0.5);
  h.Observe(4);
  const std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE c_total counter\nc_total{op=\"create\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# HELP g a \"gauge\"\\nwith newline\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("g 2.5\n"), std::string::npos);
  EXPECT_NE(text.find("f 7\n"), std::string::npos);
  EXPECT_NE(text.find("h_seconds_bucket{le=\"0.1\"} 1\n"
                      "h_seconds_bucket{le=\"1\"} 2\n"
                      "h_seconds_bucket{le=\"+Inf\"} 3\n"
                      "h_seconds_sum 4.5625\n"
                      "h_seconds_count 3\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, SameSeriesIsReturnedAgain) {
  Registry r;
  Counter& a = r.AddCounter("x_total", "x", {{"k", "v"}});
  Counter& b = r.AddCounter("x_total", "x", {{"k", "v"}});
  Counter& other = r.AddCounter("x_total", "x", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Registry r;
  Counter& c = r.AddCounter("n_total", "n");
  Histogram& h = r.AddHistogram("h", "h", ExponentialBuckets(1, 2, 4));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        h.Observe(double(i % 20));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(h.count(), 40000u);
  uint64_t total = 0;
  for (uint64_t n : h.bucket_counts()) total += n;
  EXPECT_EQ(total, 40000u);
}

}  // namespace
}  // namespace canopy::net::metrics
