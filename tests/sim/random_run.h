// RandomRun: one seeded randomized simulation. From the seed alone it picks
// an ensemble (3, 5 or 7 voters, up to 2 observers) and a fault profile,
// then runs a fault phase (crashes, power failures of several members at
// once, restarts, pauses, hung fsyncs, partitions, one-way
// cuts, lossy/duplicating/reordering network, snapshots with log
// compaction) under a client workload of writes and sync-then-read, checking
// every invariant at every step. Then it heals everything and checks
// liveness: within a bounded number of ticks a leader is established, a new
// write is acknowledged, and every member applies every acknowledged write.
//
// Replays exactly: the same seed and step budget give the same run.
#ifndef CANOPY_TESTS_SIM_RANDOM_RUN_H_
#define CANOPY_TESTS_SIM_RANDOM_RUN_H_

#include <cstdint>
#include <string>

namespace canopy::sim {

struct RunOptions {
  uint64_t seed = 1;
  // Events in the fault phase; the heal phase adds what liveness needs
  // (bounded in ticks).
  uint64_t steps = 3000;
  // Keep a transcript; with heartbeats (votes, pings) when verbose.
  bool transcript = false;
  bool verbose = false;
  // Hosts report broken links to their cores (ClusterOptions).
  bool report_lost_links = false;
};

struct RunResult {
  bool ok = true;
  std::string failure;  // the first violation, with the step it was seen at
  uint64_t steps = 0;
  int64_t time_ms = 0;
  std::string config;   // e.g. "5 voters + 1 observer"
  size_t acked = 0;     // writes acknowledged to the client
  size_t reads = 0;     // linearizable reads completed
  std::string transcript;
};

RunResult RunSeed(const RunOptions& options);

// Set while a seed runs, so a crash handler can name it.
class Cluster;
struct CurrentRun {
  uint64_t seed = 0;
  const Cluster* cluster = nullptr;
};
extern CurrentRun g_current_run;
// Installs a SIGABRT/SIGSEGV handler that prints the running seed and step.
void InstallCrashReporter();

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_RANDOM_RUN_H_
