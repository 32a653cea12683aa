#include "tests/sim/random_run.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <vector>

#include "tests/sim/cluster.h"
#include "tests/sim/sim_random.h"

namespace canopy::sim {

CurrentRun g_current_run;

namespace {

constexpr int64_t kTickMs = 100;
constexpr int64_t kDriverPeriodMs = 50;
// Liveness bounds after the heal, in ticks.
constexpr int64_t kElectAndCommitTicks = 80;
constexpr int64_t kCatchUpTicks = 40;

void ReportCrash(int signal) {
  char text[160];
  const int n = std::snprintf(
      text, sizeof(text),
      "\nzab_sim: signal %d in seed %llu at step %llu; replay with "
      "zab_sim --seed %llu --verbose\n",
      signal, static_cast<unsigned long long>(g_current_run.seed),
      static_cast<unsigned long long>(
          g_current_run.cluster ? g_current_run.cluster->steps() : 0),
      static_cast<unsigned long long>(g_current_run.seed));
  if (n > 0) (void)!write(2, text, static_cast<size_t>(n));
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return UniformReal(rng, lo, hi);
}

int Pick(std::mt19937_64& rng, int n) {
  return static_cast<int>(UniformInt(rng, 0, n - 1));
}

// The fault profile of one seed.
struct Profile {
  double write = 0.5;    // per driver period
  double read = 0.15;
  double fault = 0.04;
  double snapshot = 0.03;
  SimNetwork::Faults network;
};

class Run {
 public:
  Run(const RunOptions& options, RunResult* result)
      : options_(options), result_(result) {}

  void Go();

 private:
  void Drive();
  void Fault();
  template <typename Pred>
  std::vector<int> Members(Pred pred) const {
    std::vector<int> ids;
    for (int id : cluster_->member_ids()) {
      if (pred(id)) ids.push_back(id);
    }
    return ids;
  }
  void Fail(const std::string& what) {
    if (!cluster_->checker().failed()) cluster_->checker().Fail(what);
  }

  const RunOptions& options_;
  RunResult* result_;
  std::unique_ptr<Cluster> cluster_;
  Profile profile_;
  bool healed_ = false;
  bool quiet_ = false;
  std::vector<std::pair<int, int64_t>> stalled_;  // member, until
  int next_value_ = 1;
  std::set<Zxid> after_heal_;
};

void Run::Go() {
  // The one generator: it picks the configuration and the profile, then
  // drives the cluster.
  std::mt19937_64 setup(options_.seed);
  ClusterOptions cluster_options;
  const int size_pick = Pick(setup, 20);
  cluster_options.voters = size_pick < 10 ? 3 : size_pick < 17 ? 5 : 7;
  const int observer_pick = Pick(setup, 10);
  cluster_options.observers = observer_pick < 6 ? 0 : observer_pick < 9 ? 1 : 2;
  cluster_options.seed = options_.seed;
  cluster_options.tick_ms = kTickMs;
  cluster_options.trace_heartbeats = options_.verbose;
  cluster_options.report_lost_links = options_.report_lost_links;
  profile_.fault = Uniform(setup, 0.01, 0.08);
  profile_.write = Uniform(setup, 0.2, 0.9);
  profile_.read = Uniform(setup, 0.0, 0.3);
  if (Chance(setup, 0.3)) {  // a slow disk
    cluster_options.slow_sync_fraction = Uniform(setup, 0.2, 0.8);
    cluster_options.slow_sync_max_ms = 50 + Pick(setup, 250);
  }
  if (Chance(setup, 0.6)) {
    profile_.network.drop = Uniform(setup, 0, 0.03);
    profile_.network.duplicate = Uniform(setup, 0, 0.03);
    profile_.network.reorder = Uniform(setup, 0, 0.03);
  }
  result_->config = std::to_string(cluster_options.voters) + " voters + " +
                    std::to_string(cluster_options.observers) + " observers";

  cluster_ = std::make_unique<Cluster>(
      cluster_options,
      options_.transcript || options_.verbose ? &result_->transcript : nullptr,
      setup);
  g_current_run.seed = options_.seed;
  g_current_run.cluster = cluster_.get();
  Cluster& cluster = *cluster_;
  cluster.Note("seed " + std::to_string(options_.seed) + ": " +
               result_->config);
  cluster.SetFaults(profile_.network);
  cluster.Every(kDriverPeriodMs, [this] { Drive(); });

  // Fault phase.
  cluster.RunUntilTrue([&] { return cluster.steps() >= options_.steps; },
                       int64_t{1} << 40);

  // Heal, then liveness.
  if (!cluster.checker().failed()) {
    healed_ = true;
    cluster.Note("HEAL everything");
    cluster.SetFaults(SimNetwork::Faults());
    cluster.HealNetwork();
    for (const auto& [id, until] : stalled_) cluster.StallDisk(id, false);
    stalled_.clear();
    for (int id : cluster.member_ids()) {
      cluster.Resume(id);
      cluster.Restart(id);
    }
    const bool committed = cluster.RunUntilTrue(
        [&] {
          for (Zxid zxid : after_heal_) {
            if (cluster.WriteAcked(zxid)) return true;
          }
          return false;
        },
        kElectAndCommitTicks * kTickMs);
    if (!committed) {
      Fail("liveness: no write committed within " +
           std::to_string(kElectAndCommitTicks) + " ticks after the heal");
    }
  }
  if (!cluster.checker().failed()) {
    // Quiet: no new writes; every member must catch up.
    quiet_ = true;
    InvariantChecker& checker = cluster.checker();
    const std::vector<int> all = cluster.member_ids();
    size_t target = 0;
    cluster.RunUntilTrue(
        [&] {
          target = checker.sequence_size();
          for (int id : all) {
            if (checker.applied_count(id) < target) return false;
          }
          return true;
        },
        kCatchUpTicks * kTickMs);
    checker.CheckAllApplied(all);
    if (!checker.failed()) {
      for (int id : all) {
        if (checker.applied_count(id) < target) {
          Fail("liveness: m" + std::to_string(id) + " applied " +
               std::to_string(checker.applied_count(id)) + " of " +
               std::to_string(target) + " txns " +
               std::to_string(kCatchUpTicks) + " ticks after the commit");
          break;
        }
      }
    }
  }

  result_->steps = cluster.steps();
  result_->time_ms = cluster.now();
  result_->acked = cluster.acked_count();
  result_->reads = cluster.reads_done();
  if (cluster.checker().failed()) {
    result_->ok = false;
    result_->failure = "seed " + std::to_string(options_.seed) + " step " +
                       std::to_string(cluster.steps()) + " (t=" +
                       std::to_string(cluster.now()) + "ms, " +
                       result_->config + "): " + cluster.checker().failure();
    cluster.Note("FAILED: " + cluster.checker().failure());
  }
  g_current_run.cluster = nullptr;
}

void Run::Drive() {
  if (quiet_) return;
  Cluster& cluster = *cluster_;
  std::mt19937_64& rng = cluster.Rng();
  const std::vector<int> leaders = cluster.ServingLeaders();
  if (!leaders.empty() && Chance(rng, healed_ ? 0.8 : profile_.write)) {
    const int at = leaders[Pick(rng, static_cast<int>(leaders.size()))];
    const std::string key = "k" + std::to_string(Pick(rng, 3));
    auto zxid = cluster.Write(at, key, "v" + std::to_string(next_value_++));
    if (zxid && healed_) after_heal_.insert(*zxid);
  }
  if (!leaders.empty() && Chance(rng, profile_.read)) {
    const int at = leaders[Pick(rng, static_cast<int>(leaders.size()))];
    cluster.Read(at, "k" + std::to_string(Pick(rng, 3)));
  }
  if (healed_) return;
  for (auto it = stalled_.begin(); it != stalled_.end();) {
    if (it->second <= cluster.now()) {
      cluster.StallDisk(it->first, false);
      it = stalled_.erase(it);
    } else {
      ++it;
    }
  }
  if (Chance(rng, profile_.snapshot)) {
    const std::vector<int> up = Members([&](int id) { return cluster.IsUp(id); });
    if (!up.empty()) {
      cluster.TakeSnapshot(up[Pick(rng, static_cast<int>(up.size()))],
                           Chance(rng, 0.7));
    }
  }
  if (Chance(rng, profile_.fault)) Fault();
}

void Run::Fault() {
  Cluster& cluster = *cluster_;
  std::mt19937_64& rng = cluster.Rng();
  const std::vector<int> ids = cluster.member_ids();
  const int n = static_cast<int>(ids.size());
  const std::vector<int> up = Members(
      [&](int id) { return cluster.IsUp(id) && !cluster.IsPaused(id); });
  const std::vector<int> down =
      Members([&](int id) { return !cluster.IsUp(id); });
  const std::vector<int> paused =
      Members([&](int id) { return cluster.IsPaused(id); });
  const std::vector<int> leaders = cluster.ServingLeaders();
  auto any = [&](const std::vector<int>& from) {
    return from[Pick(rng, static_cast<int>(from.size()))];
  };
  // Recover more often the more members are out, so that the cluster spends
  // much of the run with a quorum (and so commits, syncs and snapshots).
  const double out = static_cast<double>(down.size() + paused.size()) / n;
  if (out > 0 && Chance(rng, std::min(0.9, 0.1 + 1.5 * out))) {
    if (!down.empty() && (paused.empty() || Chance(rng, 0.5))) {
      cluster.Restart(any(down));
    } else {
      cluster.Resume(any(paused));
    }
    return;
  }
  switch (Pick(rng, 10)) {
    case 0:  // crash someone, the leader more often
    case 1:
      if (!leaders.empty() && Chance(rng, 0.5)) {
        cluster.Crash(any(leaders));
      } else if (!up.empty()) {
        cluster.Crash(any(up));
      }
      break;
    case 2:  // a power failure: several members at the same instant
      if (Chance(rng, 0.3)) {
        for (int id : up) {
          if (Chance(rng, 0.6)) cluster.Crash(id);
        }
      }
      break;
    case 3:  // a SIGSTOP, usually of the leader
      if (!leaders.empty() && Chance(rng, 0.7)) {
        cluster.Pause(any(leaders));
      } else if (!up.empty()) {
        cluster.Pause(any(up));
      }
      break;
    case 4: {  // a random split in two
      std::vector<std::set<int>> groups(2);
      for (int id : ids) groups[Pick(rng, 2)].insert(id);
      cluster.Partition(groups);
      break;
    }
    case 5: {  // one-way cuts
      const int cuts = 1 + Pick(rng, 3);
      for (int i = 0; i < cuts; ++i) {
        const int a = ids[Pick(rng, n)];
        const int b = ids[Pick(rng, n)];
        if (a != b) cluster.Cut(a, b);
      }
      break;
    }
    case 6:
    case 7:
      cluster.HealNetwork();
      break;
    case 8: {
      SimNetwork::Faults faults;
      if (Chance(rng, 0.5)) {
        faults.drop = Uniform(rng, 0, 0.1);
        faults.duplicate = Uniform(rng, 0, 0.05);
        faults.reorder = Uniform(rng, 0, 0.05);
      }
      cluster.SetFaults(faults);
      break;
    }
    case 9:  // a disk whose fsync hangs for a while
      if (!up.empty()) {
        const int id = any(up);
        cluster.StallDisk(id, true);
        stalled_.push_back({id, cluster.now() + 100 * (1 + Pick(rng, 20))});
      }
      break;
  }
}

}  // namespace

void InstallCrashReporter() {
  std::signal(SIGABRT, ReportCrash);
  std::signal(SIGSEGV, ReportCrash);
}

RunResult RunSeed(const RunOptions& options) {
  RunResult result;
  Run run(options, &result);
  run.Go();
  return result;
}

}  // namespace canopy::sim
