#include "tests/sim/sim_network.h"

#include <algorithm>

#include "tests/sim/sim_random.h"

namespace canopy::sim {
std::vector<int64_t> SimNetwork::Schedule(int from, int to, int64_t now,
                                          std::mt19937_64& rng) {
  std::vector<int64_t> arrivals;
  if (IsCut(from, to) || Chance(rng, faults_.drop)) return arrivals;
  const int copies = Chance(rng, faults_.duplicate) ? 2 : 1;
  int64_t& last = last_arrival_[{from, to}];
  for (int i = 0; i < copies; ++i) {
    int64_t at = now + UniformInt(rng, faults_.min_delay_ms, faults_.max_delay_ms);
    if (Chance(rng, faults_.reorder)) {
      at += UniformInt(rng, 1, faults_.reorder_delay_ms);  // overtaken
    } else {
      at = std::max(at, last);
      last = at;
    }
    arrivals.push_back(at);
  }
  return arrivals;
}

void SimNetwork::Partition(const std::vector<std::set<int>>& groups) {
  for (size_t a = 0; a < groups.size(); ++a) {
    for (size_t b = 0; b < groups.size(); ++b) {
      if (a == b) continue;
      for (int x : groups[a]) {
        for (int y : groups[b]) Cut(x, y);
      }
    }
  }
}

}  // namespace canopy::sim
