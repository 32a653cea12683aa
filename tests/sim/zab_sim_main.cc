// zab_sim: replays one simulation and prints its transcript.
//
//   zab_sim --seed N [--steps M] [--verbose]   one randomized run
//   (--lost-links: hosts report broken links to their cores)
//   zab_sim --seeds N [--first S] [--steps M]  many runs, a summary line each
//   zab_sim --scenario NAME [--rewrite]        a scripted scenario; with
//                                              --rewrite, its golden file
//   zab_sim --list                             the scenario names
//
// Exit status 0 when every invariant held.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/sim/random_run.h"
#include "tests/sim/scenarios.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: zab_sim --seed N [--steps M] [--verbose] [--lost-links]\n"
               "       zab_sim --seeds N [--first S] [--steps M]\n"
               "       zab_sim --scenario NAME [--rewrite]\n"
               "       zab_sim --list\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using canopy::sim::RunOptions;
  RunOptions options;
  bool have_seed = false;
  uint64_t seeds = 0;
  uint64_t first = 1;
  std::string scenario;
  bool rewrite = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (arg == "--seed") {
      options.seed = std::strtoull(next(), nullptr, 10);
      have_seed = true;
    } else if (arg == "--seeds") {
      seeds = std::strtoull(next(), nullptr, 10);
    } else if (arg == "--first") {
      first = std::strtoull(next(), nullptr, 10);
    } else if (arg == "--steps") {
      options.steps = std::strtoull(next(), nullptr, 10);
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--lost-links") {
      options.report_lost_links = true;
    } else if (arg == "--scenario") {
      scenario = next();
    } else if (arg == "--rewrite") {
      rewrite = true;
    } else if (arg == "--list") {
      for (const auto& s : canopy::sim::AllScenarios()) {
        std::printf("%s\n", s.name.c_str());
      }
      return 0;
    } else {
      Usage();
    }
  }
  canopy::sim::InstallCrashReporter();
  if (!scenario.empty()) {
    for (const auto& s : canopy::sim::AllScenarios()) {
      if (s.name != scenario) continue;
      const canopy::sim::ScenarioResult result = s.run();
      std::fputs(result.transcript.c_str(), stdout);
      if (rewrite) {
        const std::string path = canopy::sim::GoldenPath(s.name);
        if (!canopy::sim::WriteFile(path, result.transcript)) {
          std::fprintf(stderr, "cannot write %s\n", path.c_str());
          return 1;
        }
        std::fprintf(stderr, "rewrote %s\n", path.c_str());
      }
      if (!result.ok) {
        std::fprintf(stderr, "FAILED: %s\n", result.failure.c_str());
        return 1;
      }
      return 0;
    }
    std::fprintf(stderr, "no scenario %s (see --list)\n", scenario.c_str());
    return 2;
  }
  if (seeds > 0) {
    int failures = 0;
    for (uint64_t seed = first; seed < first + seeds; ++seed) {
      options.seed = seed;
      const auto result = canopy::sim::RunSeed(options);
      std::printf("seed %llu: %s, %llu steps, %lld ms, %zu acked, %zu reads%s%s\n",
                  static_cast<unsigned long long>(seed), result.config.c_str(),
                  static_cast<unsigned long long>(result.steps),
                  static_cast<long long>(result.time_ms), result.acked,
                  result.reads, result.ok ? "" : " FAILED: ",
                  result.ok ? "" : result.failure.c_str());
      failures += result.ok ? 0 : 1;
    }
    std::printf("%d of %llu seeds failed\n", failures,
                static_cast<unsigned long long>(seeds));
    return failures == 0 ? 0 : 1;
  }
  if (!have_seed) Usage();
  options.transcript = true;
  const auto result = canopy::sim::RunSeed(options);
  std::fputs(result.transcript.c_str(), stdout);
  std::printf("seed %llu: %s, %llu steps, %lld ms, %zu acked, %zu reads: %s\n",
              static_cast<unsigned long long>(options.seed),
              result.config.c_str(),
              static_cast<unsigned long long>(result.steps),
              static_cast<long long>(result.time_ms), result.acked,
              result.reads, result.ok ? "ok" : result.failure.c_str());
  return result.ok ? 0 : 1;
}
