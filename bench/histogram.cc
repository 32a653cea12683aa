#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace canopy::bench {

int LatencyHistogram::BucketOf(uint64_t ns) {
  if (ns < uint64_t(kSub)) return int(ns);
  // ns in [2^m, 2^(m+1)) with m >= kSubBits: magnitude m - kSubBits, and the
  // kSubBits bits below the top one pick the linear bucket.
  const int m = std::bit_width(ns) - 1;
  const int magnitude = m - kSubBits;
  if (magnitude >= kMagnitudes) return kBuckets - 1;
  const int sub = int((ns >> (m - kSubBits)) & (kSub - 1));
  return kSub + magnitude * kSub + sub;
}

int64_t LatencyHistogram::UpperBound(int bucket) {
  if (bucket < kSub) return bucket;
  const int magnitude = (bucket - kSub) / kSub;
  const int sub = (bucket - kSub) % kSub;
  const int m = magnitude + kSubBits;
  const int64_t width = int64_t(1) << (m - kSubBits);
  return (int64_t(1) << m) + int64_t(sub + 1) * width - 1;
}

void LatencyHistogram::Record(int64_t ns) {
  if (ns < 0) ns = 0;
  ++counts_[size_t(BucketOf(uint64_t(ns)))];
  ++count_;
  max_ns_ = std::max(max_ns_, ns);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ns_ = std::max(max_ns_, other.max_ns_);
}

int64_t LatencyHistogram::PercentileNs(double p) const {
  if (count_ == 0) return 0;
  const uint64_t rank = std::max<uint64_t>(
      1, uint64_t(std::ceil(p / 100.0 * double(count_))));
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[size_t(b)];
    if (seen >= rank) return std::min(UpperBound(b), max_ns_);
  }
  return max_ns_;
}

}  // namespace canopy::bench
