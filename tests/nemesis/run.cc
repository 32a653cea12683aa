#include "tests/nemesis/run.h"

#include <chrono>
#include <random>
#include <thread>

namespace canopy::nemesis {

namespace {

bool WaitForProgress(const Workloads& w, int64_t more, int timeout_ms) {
  const int64_t target = w.acked() + more;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(timeout_ms);
  while (w.acked() < target) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    // The workload threads are the event; this only samples their count.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace

std::string RunReport::Verdict() const {
  if (!started) return "NO-START";
  if (!verdict.ok()) {
    return "UNSAFE: " + (verdict.problems.empty() ? std::string("?")
                                                   : verdict.problems[0]);
  }
  if (!liveness.empty()) return "STUCK: " + liveness[0];
  return "ok";
}

RunReport RunSchedule(const RunOptions& options,
                      std::function<void(std::string)> log) {
  const auto t0 = std::chrono::steady_clock::now();
  RunReport report;
  report.seed = options.seed;
  std::mt19937_64 rng(options.seed);
  std::vector<Fault> schedule = options.schedule;
  if (schedule.empty()) {
    for (int i = 0; i < options.rounds; ++i) {
      schedule.push_back(options.pool[rng() % options.pool.size()]);
    }
  }
  // snapCount small enough that members snapshot (and purge) during a run,
  // so SNAP sync gets exercised; sessions may outlive short faults.
  const std::string extra =
      "snapCount=400\nmaxSessionTimeout=20000\n";
  auto ensemble =
      testing::Ensemble::Start(options.members, options.tick_ms, extra, true);
  if (!ensemble) {
    if (log) log("the ensemble did not start");
    return report;
  }
  WorkloadOptions wopts = options.workload;
  wopts.seed = options.seed;
  auto workloads = Workloads::Setup(*ensemble, wopts, log);
  if (!workloads) {
    if (log) log("the workload nodes could not be created");
    return report;
  }
  report.started = true;
  workloads->Start();
  if (!WaitForProgress(*workloads, 20, 20000)) {
    report.liveness.push_back("no progress before the first fault");
  }
  {
    Nemesis nemesis(*ensemble, options.seed, log);
    for (size_t round = 0; round < schedule.size(); ++round) {
      const std::string what = nemesis.Inject(schedule[round]);
      report.faults.push_back(what);
      if (log) log("round " + std::to_string(round + 1) + ": " + what);
      const int hold_ms =
          options.fault_min_ms +
          int(rng() % uint64_t(options.fault_max_ms - options.fault_min_ms + 1));
      // The fault's duration is the point of the schedule, not a wait for
      // some event.
      std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
      for (int id = 1; id <= ensemble->size(); ++id) {
        if (MemberEnded(*ensemble, id)) {
          const std::string e = "m" + std::to_string(id) +
                                " ended by itself during " + what;
          report.exits.push_back(e);
          if (log) log(e);
        }
      }
      if (!nemesis.Heal(30000)) {
        report.liveness.push_back("no leader within 30 s of healing " + what);
        if (log) log(report.liveness.back());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(options.quiet_ms));
      if (!WaitForProgress(*workloads, 10, 30000)) {
        report.liveness.push_back("no acked op within 30 s of healing " +
                                  what);
        if (log) log(report.liveness.back());
      }
    }
  }
  report.verdict = workloads->Check();
  workloads.reset();
  report.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - t0)
                       .count();
  if (log) log("verdict: " + report.Verdict());
  return report;
}

}  // namespace canopy::nemesis
