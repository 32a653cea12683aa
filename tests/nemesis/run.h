// One nemesis run: start a 5-member ensemble with a proxy on every link,
// run the workloads, inject a schedule of faults (each held for a while,
// then healed, then a quiet spell in which the ensemble must make progress),
// heal, and check everything the workloads recorded.
//
// Bounded: every wait has a deadline, so a run ends by itself even when the
// ensemble never recovers (that is then reported, not waited out).
#ifndef CANOPY_TESTS_NEMESIS_RUN_H_
#define CANOPY_TESTS_NEMESIS_RUN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tests/nemesis/nemesis.h"
#include "tests/nemesis/workloads.h"

namespace canopy::nemesis {

struct RunOptions {
  uint64_t seed = 1;
  // The faults, in order. Empty: `rounds` faults drawn from `pool` by seed.
  std::vector<Fault> schedule;
  int rounds = 4;
  std::vector<Fault> pool = AllFaults();
  int members = 5;
  int tick_ms = 100;
  // How long each fault is held, drawn per fault.
  int fault_min_ms = 1000;
  int fault_max_ms = 3000;
  // After each heal: at least this long, and until new writes are acked.
  int quiet_ms = 1000;
  WorkloadOptions workload;
};

struct RunReport {
  uint64_t seed = 0;
  std::vector<std::string> faults;   // what each round did
  std::vector<std::string> liveness; // recoveries that did not happen
  std::vector<std::string> exits;    // members that ended by themselves
  WorkloadVerdict verdict;
  bool started = false;
  double seconds = 0;

  // Safety held: the history is linearizable and no check failed.
  bool safe() const { return started && verdict.ok(); }
  // Safe, and the ensemble recovered after every fault.
  bool ok() const { return safe() && liveness.empty(); }
  // A one-line verdict: "ok", "UNSAFE: ...", "STUCK: ...".
  std::string Verdict() const;
};

// log gets one line per step (faults, heals, problems).
RunReport RunSchedule(const RunOptions& options,
                      std::function<void(std::string)> log);

}  // namespace canopy::nemesis

#endif  // CANOPY_TESTS_NEMESIS_RUN_H_
