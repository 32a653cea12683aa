// SimNetwork: when (and whether) each message between two members arrives.
//
// Each directed link is FIFO like a TCP connection, with a random delay.
// Faults, at rates the simulator sets: a message is dropped, duplicated, or
// delayed past later ones (reordered); links are cut in either or both
// directions (partitions, one-way cuts), which also drops what is in flight
// on them when it would arrive. All randomness comes from the caller's
// generator.
#ifndef CANOPY_TESTS_SIM_SIM_NETWORK_H_
#define CANOPY_TESTS_SIM_SIM_NETWORK_H_

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace canopy::sim {

class SimNetwork {
 public:
  struct Faults {
    double drop = 0;       // probability a message is lost
    double duplicate = 0;  // probability it arrives twice
    double reorder = 0;    // probability it is delayed past later ones
    int64_t min_delay_ms = 1;
    int64_t max_delay_ms = 12;
    int64_t reorder_delay_ms = 300;  // the extra delay of a reordered one
  };

  void SetFaults(const Faults& faults) { faults_ = faults; }
  const Faults& faults() const { return faults_; }

  // The arrival times of one message sent now from `from` to `to`: none
  // (lost), one, or two (duplicated).
  std::vector<int64_t> Schedule(int from, int to, int64_t now,
                                std::mt19937_64& rng);

  void Cut(int from, int to) { cut_.insert({from, to}); }
  // Cuts every link between members of different groups.
  void Partition(const std::vector<std::set<int>>& groups);
  void HealAll() { cut_.clear(); }
  bool IsCut(int from, int to) const { return cut_.count({from, to}) != 0; }
  bool any_cut() const { return !cut_.empty(); }

 private:
  Faults faults_;
  std::set<std::pair<int, int>> cut_;
  std::map<std::pair<int, int>, int64_t> last_arrival_;  // FIFO per link
};

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_SIM_NETWORK_H_
