// Scripted scenarios: hand-written fault sequences on a small cluster whose
// transcripts are kept as golden files (testdata/<name>.txt), compared
// exactly by zab_sim_test and regenerated with --rewrite for review. Each
// also checks its own expectations besides the invariants.
#ifndef CANOPY_TESTS_SIM_SCENARIOS_H_
#define CANOPY_TESTS_SIM_SCENARIOS_H_

#include <functional>
#include <string>
#include <vector>

namespace canopy::sim {

struct ScenarioResult {
  bool ok = true;
  std::string failure;
  std::string transcript;
};

struct Scenario {
  std::string name;
  std::function<ScenarioResult()> run;
};

std::vector<Scenario> AllScenarios();

// testdata/<name>.txt in the source tree.
std::string GoldenPath(const std::string& name);
bool ReadFile(const std::string& path, std::string* contents);
bool WriteFile(const std::string& path, const std::string& contents);

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_SCENARIOS_H_
