// LatencyHistogram: a fixed-size log-linear histogram of durations in
// nanoseconds, for percentiles without keeping every sample.
//
// Each power of two is split into 128 linear buckets, so a reported
// percentile is within 1% of the true sample (max is exact). Memory is fixed
// (about 40 KiB) whatever the number of samples; durations from 0 to about
// 2^42 ns (73 minutes) are kept, longer ones are clamped. Not thread-safe:
// one histogram per recording thread, merged at the end.
#ifndef CANOPY_BENCH_HISTOGRAM_H_
#define CANOPY_BENCH_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace canopy::bench {

class LatencyHistogram {
 public:
  void Record(int64_t ns);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  int64_t max_ns() const { return max_ns_; }
  // The smallest recorded duration d such that at least p percent of the
  // samples are <= d (to the bucket's precision); 0 when empty.
  int64_t PercentileNs(double p) const;

 private:
  static constexpr int kSubBits = 7;  // 128 buckets per power of two
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMagnitudes = 36;  // 2^7 .. 2^42 ns
  static constexpr int kBuckets = kSub + kMagnitudes * kSub;

  static int BucketOf(uint64_t ns);
  // The largest duration a bucket holds.
  static int64_t UpperBound(int bucket);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  int64_t max_ns_ = 0;
};

}  // namespace canopy::bench

#endif  // CANOPY_BENCH_HISTOGRAM_H_
