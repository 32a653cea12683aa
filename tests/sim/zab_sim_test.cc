// zab_sim_test: the simulator's checks of zab::Core.
//
// - SimSeeds/*: CANOPY_SIM_SEEDS randomized seeds (default 2000, each of
//   CANOPY_SIM_STEPS fault-phase events, default 3000, then heal and
//   liveness), split in shards that ctest runs in parallel.
// - SimScenario/*: scripted scenarios compared exactly with their golden
//   transcripts in testdata/; run with --rewrite to regenerate them. The
//   regression_* ones replay, by script, bugs that random seeds found.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "tests/sim/random_run.h"
#include "tests/sim/scenarios.h"

namespace canopy::sim {
namespace {

bool g_rewrite = false;
constexpr int kShards = 8;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtoull(value, nullptr, 10);
}

uint64_t SeedCount() { return EnvOr("CANOPY_SIM_SEEDS", 2000); }
uint64_t StepCount() { return EnvOr("CANOPY_SIM_STEPS", 3000); }

class SimSeeds : public ::testing::TestWithParam<int> {};

TEST_P(SimSeeds, InvariantsHoldAndTheClusterRecovers) {
  const uint64_t seeds = SeedCount();
  const uint64_t steps = StepCount();
  int failures = 0;
  for (uint64_t seed = 1 + GetParam(); seed <= seeds; seed += kShards) {
    RunOptions options;
    options.seed = seed;
    options.steps = steps;
    const RunResult result = RunSeed(options);
    if (!result.ok) {
      ADD_FAILURE() << result.failure << "\nreplay: zab_sim --seed " << seed
                    << " --steps " << steps << " --verbose";
      if (++failures >= 3) break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, SimSeeds, ::testing::Range(0, kShards));

// The same invariants when hosts report broken links (Core::PeerLost), so
// elections decide without waiting for lost voters: a quarter of the seeds.
class SimSeedsLostLinks : public ::testing::TestWithParam<int> {};

TEST_P(SimSeedsLostLinks, InvariantsHoldAndTheClusterRecovers) {
  const uint64_t seeds = SeedCount() / 4;
  const uint64_t steps = StepCount();
  int failures = 0;
  for (uint64_t seed = 1 + GetParam(); seed <= seeds; seed += kShards) {
    RunOptions options;
    options.seed = seed;
    options.steps = steps;
    options.report_lost_links = true;
    const RunResult result = RunSeed(options);
    if (!result.ok) {
      ADD_FAILURE() << result.failure << "\nreplay: zab_sim --seed " << seed
                    << " --steps " << steps << " --lost-links --verbose";
      if (++failures >= 3) break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, SimSeedsLostLinks,
                         ::testing::Range(0, kShards));

// The first line where two texts differ, for a readable failure.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::istringstream a(want);
  std::istringstream b(got);
  std::string la;
  std::string lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "identical";
    if (!ha || !hb || la != lb) {
      return "line " + std::to_string(line) + ":\n  golden: " +
             (ha ? la : "<end>") + "\n  actual: " + (hb ? lb : "<end>");
    }
  }
}

class SimScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(SimScenario, MatchesGoldenTranscript) {
  for (const Scenario& scenario : AllScenarios()) {
    if (scenario.name != GetParam()) continue;
    const ScenarioResult result = scenario.run();
    EXPECT_TRUE(result.ok) << result.failure;
    const std::string path = GoldenPath(scenario.name);
    if (g_rewrite) {
      ASSERT_TRUE(WriteFile(path, result.transcript)) << path;
      return;
    }
    std::string golden;
    ASSERT_TRUE(ReadFile(path, &golden))
        << "no golden transcript " << path << "; run zab_sim_test --rewrite";
    EXPECT_TRUE(golden == result.transcript)
        << "transcript differs from " << path << " at "
        << FirstDifference(golden, result.transcript)
        << "\nreview with zab_sim --scenario " << scenario.name
        << ", accept with --rewrite";
    return;
  }
  FAIL() << "no scenario " << GetParam();
}

std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  for (const Scenario& scenario : AllScenarios()) names.push_back(scenario.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(
    Golden, SimScenario, ::testing::ValuesIn(ScenarioNames()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return info.param;
    });

}  // namespace
}  // namespace canopy::sim

int main(int argc, char** argv) {
  // --rewrite regenerates the golden transcripts instead of comparing.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rewrite") == 0) {
      canopy::sim::g_rewrite = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  ::testing::InitGoogleTest(&argc, argv);
  canopy::sim::InstallCrashReporter();
  return RUN_ALL_TESTS();
}
