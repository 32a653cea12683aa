// A small Prometheus metrics registry: counters, gauges and histograms with
// fixed buckets, rendered in Prometheus' text exposition format (0.0.4).
//
// Threading: Add* and Render run on one thread (the server's IO thread);
// Counter::Inc, Gauge::Set and Histogram::Observe are atomic and may be
// called from any thread (the storage thread observes fsync latencies).
// Metric objects live as long as the registry; their addresses are stable.
#ifndef CANOPY_SERVER_NET_METRICS_H_
#define CANOPY_SERVER_NET_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace canopy::net::metrics {

// Label pairs, e.g. {{"op", "create"}}; rendered in the given order.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into buckets with fixed upper bounds (le), plus their
// sum and count. Buckets are cumulative when rendered.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);

  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Per-bucket (not cumulative) counts; the last is the +Inf bucket.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Bucket bounds: `count` values from `start`, each `factor` times the last.
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class Registry {
 public:
  Registry();
  ~Registry();

  // Each returns the series for (name, labels), creating it (and its family
  // with help) on first use. A name keeps the type it was first added with.
  Counter& AddCounter(const std::string& name, const std::string& help,
                      const Labels& labels = {});
  Gauge& AddGauge(const std::string& name, const std::string& help,
                  const Labels& labels = {});
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          const std::vector<double>& upper_bounds,
                          const Labels& labels = {});
  // A series whose value is computed by fn when rendered (on the rendering
  // thread). A second call for the same series replaces fn.
  void AddGaugeFn(const std::string& name, const std::string& help,
                  const Labels& labels, std::function<double()> fn);
  void AddCounterFn(const std::string& name, const std::string& help,
                    const Labels& labels, std::function<double()> fn);

  // Every family, in name order, in the text exposition format.
  std::string Render() const;

 private:
  struct Family;
  struct Series;
  Series& Find(const std::string& name, const std::string& help,
               const char* type, const Labels& labels);

  std::map<std::string, std::unique_ptr<Family>> families_;
};

}  // namespace canopy::net::metrics

#endif  // CANOPY_SERVER_NET_METRICS_H_
