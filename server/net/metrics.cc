#include "server/net/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace canopy::net::metrics {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  std::sort(bounds_.begin(), bounds_.end());
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  const size_t at = size_t(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                           bounds_.begin());
  buckets_[at].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return out;
}

std::vector<double> ExponentialBuckets(double start, double factor,
                                       int count) {
  std::vector<double> out;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

struct Registry::Series {
  Labels labels;
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
  std::function<double()> fn;
};

struct Registry::Family {
  std::string help;
  std::string type;  // counter, gauge or histogram
  std::map<std::string, std::unique_ptr<Series>> series;  // by label text
};

namespace {

std::string Escape(const std::string& s, bool quote) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return "";
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ",";
    out += k + "=\"" + Escape(v, true) + "\"";
  }
  if (!extra.empty()) {
    if (out.size() > 1) out += ",";
    out += extra;
  }
  return out + "}";
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return fmt::format("{}", int64_t(v));
  }
  return fmt::format("{}", v);
}

}  // namespace

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Series& Registry::Find(const std::string& name,
                                 const std::string& help, const char* type,
                                 const Labels& labels) {
  auto& family = families_[name];
  if (!family) {
    family = std::make_unique<Family>();
    family->help = help;
    family->type = type;
  }
  auto& series = family->series[LabelText(labels)];
  if (!series) {
    series = std::make_unique<Series>();
    series->labels = labels;
  }
  return *series;
}

Counter& Registry::AddCounter(const std::string& name, const std::string& help,
                              const Labels& labels) {
  auto& s = Find(name, help, "counter", labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::AddGauge(const std::string& name, const std::string& help,
                          const Labels& labels) {
  auto& s = Find(name, help, "gauge", labels);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::AddHistogram(const std::string& name,
                                  const std::string& help,
                                  const std::vector<double>& upper_bounds,
                                  const Labels& labels) {
  auto& s = Find(name, help, "histogram", labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(upper_bounds);
  return *s.histogram;
}

void Registry::AddGaugeFn(const std::string& name, const std::string& help,
                          const Labels& labels, std::function<double()> fn) {
  Find(name, help, "gauge", labels).fn = std::move(fn);
}

void Registry::AddCounterFn(const std::string& name, const std::string& help,
                            const Labels& labels, std::function<double()> fn) {
  Find(name, help, "counter", labels).fn = std::move(fn);
}

std::string Registry::Render() const {
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + Escape(family->help, false) + "\n";
    out += "# TYPE " + name + " " + family->type + "\n";
    for (const auto& [label_text, s] : family->series) {
      if (s->histogram) {
        const auto& bounds = s->histogram->upper_bounds();
        const auto counts = s->histogram->bucket_counts();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          const std::string le =
              i < bounds.size() ? Number(bounds[i]) : std::string("+Inf");
          out += name + "_bucket" +
                 LabelText(s->labels, "le=\"" + le + "\"") + " " +
                 std::to_string(cumulative) + "\n";
        }
        out += name + "_sum" + label_text + " " +
               Number(s->histogram->sum()) + "\n";
        // The count equals the +Inf bucket so the two always agree.
        out += name + "_count" + label_text + " " +
               std::to_string(cumulative) + "\n";
        continue;
      }
      double v = 0;
      if (s->fn) {
        v = s->fn();
      } else if (s->counter) {
        v = double(s->counter->value());
      } else if (s->gauge) {
        v = s->gauge->value();
      }
      out += name + label_text + " " + Number(v) + "\n";
    }
  }
  return out;
}

}  // namespace canopy::net::metrics
