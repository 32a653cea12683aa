// The simulator's draws from its one std::mt19937_64. mt19937_64's output is
// fixed by the standard but the std distributions are not, so the draws are
// done here: a seed replays (and golden transcripts match) with any
// standard library.
#ifndef CANOPY_TESTS_SIM_SIM_RANDOM_H_
#define CANOPY_TESTS_SIM_SIM_RANDOM_H_

#include <cstdint>
#include <random>

namespace canopy::sim {

// Uniform in [lo, hi] (lo when hi < lo).
inline int64_t UniformInt(std::mt19937_64& rng, int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  return lo + static_cast<int64_t>(rng() % span);
}

// Uniform in [lo, hi).
inline double UniformReal(std::mt19937_64& rng, double lo, double hi) {
  const double unit = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

// True with probability p.
inline bool Chance(std::mt19937_64& rng, double p) {
  return p > 0 && UniformReal(rng, 0, 1) < p;
}

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_SIM_RANDOM_H_
