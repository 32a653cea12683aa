// nemesis_chaos: randomised nemesis runs for a given time, one seed per run,
// with a table of verdicts and history sizes at the end.
//
//   nemesis_chaos --time SECONDS [--seed S] [--rounds N] [--quiet]
//
// Each run starts its own 5-member ensemble and stops every process it
// started before the next begins. SIGINT/SIGTERM end the loop after the
// current run. Exit status 1 when any run was unsafe, 2 when one was stuck
// (a run whose ensemble did not start is counted apart, not as unsafe).
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "tests/nemesis/run.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

std::string Shorten(std::string s, size_t n) {
  if (s.size() > n) s = s.substr(0, n - 3) + "...";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using canopy::nemesis::RunOptions;
  using canopy::nemesis::RunReport;
  int64_t time_s = 600;
  uint64_t seed = uint64_t(std::chrono::system_clock::now().time_since_epoch()
                               .count()) % 1000000;
  int rounds = 6;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(64);
      }
      return argv[++i];
    };
    if (a == "--time") time_s = std::stoll(next());
    else if (a == "--seed") seed = std::stoull(next());
    else if (a == "--rounds") rounds = std::stoi(next());
    else if (a == "--quiet") quiet = true;
    else {
      std::cerr << "usage: nemesis_chaos --time SECONDS [--seed S] "
                   "[--rounds N] [--quiet]\n";
      return 64;
    }
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  std::vector<RunReport> reports;
  double longest = 0;
  while (!g_stop && (reports.empty() || elapsed() + longest < double(time_s))) {
    RunOptions options;
    options.seed = seed + reports.size();
    options.rounds = rounds;
    std::cout << "=== run " << reports.size() + 1 << " seed "
              << options.seed << "\n" << std::flush;
    RunReport r = canopy::nemesis::RunSchedule(
        options, [quiet](const std::string& line) {
          if (!quiet) std::cout << "  " << line << "\n" << std::flush;
        });
    longest = std::max(longest, r.seconds);
    reports.push_back(r);
  }
  std::printf("\n%-4s %-8s %6s %6s %7s %7s %7s %6s %8s  %s\n", "run", "seed",
              "secs", "ops", "unk", "creates", "c-unk", "holds", "counter",
              "verdict");
  int unsafe = 0, stuck = 0, no_start = 0;
  for (size_t i = 0; i < reports.size(); ++i) {
    const RunReport& r = reports[i];
    const auto& v = r.verdict;
    std::printf("%-4zu %-8llu %6.0f %6zu %7zu %7zu %7zu %6zu %8lld  %s\n",
                i + 1, (unsigned long long)r.seed, r.seconds, v.register_ops,
                v.register_unknown, v.creates, v.creates_unknown, v.lock_holds,
                (long long)v.counter, Shorten(r.Verdict(), 70).c_str());
    std::string faults;
    for (const std::string& f : r.faults) {
      faults += (faults.empty() ? "" : "; ") + f;
    }
    std::printf("     faults: %s\n", faults.c_str());
    for (const std::string& e : r.exits) std::printf("     exit: %s\n", e.c_str());
    if (!r.started) ++no_start;  // no ensemble: nothing was checked
    else if (!r.safe()) ++unsafe;
    else if (!r.ok()) ++stuck;
  }
  std::printf("%zu runs, %d unsafe, %d stuck, %d did not start, %.0f s\n",
              reports.size(), unsafe, stuck, no_start, elapsed());
  return unsafe ? 1 : stuck ? 2 : 0;
}
