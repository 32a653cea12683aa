// The short nemesis schedule CI runs: a 5-member ensemble of real
// canopy-server processes under partitions, crashes, pauses and a full
// disk, with every client history checked (linearizable registers, no lost
// acknowledged create, no duplicate sequential name, one lock holder at a
// time, the fenced counter exact). One test per family of faults, so ctest
// can run them side by side.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/nemesis/run.h"

namespace canopy::nemesis {
namespace {

RunReport RunShort(std::vector<Fault> schedule, uint64_t seed) {
  RunOptions options;
  options.seed = seed;
  options.schedule = std::move(schedule);
  options.fault_min_ms = 1000;
  options.fault_max_ms = 1800;
  options.quiet_ms = 500;
  RunReport report = RunSchedule(options, [](const std::string& line) {
    std::cerr << "[nemesis] " << line << "\n";
  });
  std::cerr << "[nemesis] register ops " << report.verdict.register_ops
            << " (" << report.verdict.register_unknown << " unknown), creates "
            << report.verdict.creates << " ("
            << report.verdict.creates_unknown << " unknown), lock holds "
            << report.verdict.lock_holds << ", counter "
            << report.verdict.counter << " (" << report.verdict.counter_acked
            << " acked + " << report.verdict.counter_unknown
            << " unknown), " << report.seconds << " s\n";
  return report;
}

void ExpectSafeAndLive(const RunReport& report) {
  ASSERT_TRUE(report.started) << "the ensemble or its workload did not start";
  EXPECT_TRUE(report.verdict.linearizability.ok())
      << report.verdict.linearizability.explanation;
  for (const std::string& p : report.verdict.problems) ADD_FAILURE() << p;
  for (const std::string& l : report.liveness) ADD_FAILURE() << l;
  // The checks must have had something to check.
  EXPECT_GT(report.verdict.register_ops, 50u);
  EXPECT_GT(report.verdict.creates, 20u);
  EXPECT_GT(report.verdict.counter_acked, 3);
}

TEST(NemesisTest, Partitions) {
  ExpectSafeAndLive(RunShort({Fault::kPartitionMajority, Fault::kIsolateLeader,
                              Fault::kBridge, Fault::kOneWayFromLeader,
                              Fault::kOneWayToLeader},
                             101));
}

TEST(NemesisTest, Crashes) {
  ExpectSafeAndLive(RunShort({Fault::kKillOne, Fault::kKillLeader,
                              Fault::kKillAll, Fault::kCrashInSync},
                             202));
}

TEST(NemesisTest, PausesAndCrashesInSync) {
  ExpectSafeAndLive(RunShort({Fault::kPauseLeader, Fault::kCrashInSync,
                              Fault::kPauseOne, Fault::kCrashInSync},
                             303));
}

TEST(NemesisTest, DiskFull) {
  std::string why;
  if (!Nemesis::CanMount(&why)) {
    GTEST_SKIP() << "disk-full needs to mount a tmpfs: " << why;
  }
  const RunReport report = RunShort({Fault::kDiskFull, Fault::kKillLeader},
                                    404);
  ExpectSafeAndLive(report);
  // Whether the member ran out of space within the hold (then it must have
  // stopped rather than acknowledged) depends on the load; say which.
  for (const std::string& e : report.exits) std::cerr << "[nemesis] " << e << "\n";
}

}  // namespace
}  // namespace canopy::nemesis
