// Cluster: N real zab::Cores in one process under simulated time, driven
// one event at a time from a single queue ordered by (time, sequence): ticks,
// message and snapshot arrivals, fsync completions, timers. All randomness
// comes from one std::mt19937_64 seeded by the caller, so a run replays
// exactly.
//
// Faults: crash/restart (the core is rebuilt from its disk), pause/resume
// (SIGSTOP-like: no ticks, messages wait), partitions and one-way cuts, and
// the network's drop/duplicate/reorder rates. A client writes (key, value)
// at a leader and reads after a sync barrier; every report goes to the
// InvariantChecker.
#ifndef CANOPY_TESTS_SIM_CLUSTER_H_
#define CANOPY_TESTS_SIM_CLUSTER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/sim/checker.h"
#include "tests/sim/sim_member.h"
#include "tests/sim/sim_network.h"

namespace canopy::sim {

struct ClusterOptions {
  int voters = 3;
  int observers = 0;
  uint64_t seed = 1;
  int64_t tick_ms = 100;
  // Timeouts and bounds for every core (my_id, voters, observers are set
  // by the cluster).
  zab::CoreOptions core;
  // What the transcript shows besides roles, disks, applies and clients.
  bool trace_messages = true;
  bool trace_heartbeats = false;  // votes, pings and their answers
  // fsync latency: usually up to fast_sync_max_ms, for a slow_sync_fraction
  // of the writes up to slow_sync_max_ms.
  int64_t fast_sync_max_ms = 8;
  double slow_sync_fraction = 0.1;
  int64_t slow_sync_max_ms = 150;
  // Tell members at once when a link breaks, as a real host's TCP does: a
  // crash breaks every link of the member, a partition the links across it,
  // a cut the link it cuts (to its sender).
  bool report_lost_links = false;
};

class Cluster : public MemberWorld {
 public:
  // transcript may be null (no transcript is kept). The generator is
  // seeded with options.seed, or given (its state continues).
  Cluster(ClusterOptions options, std::string* transcript);
  Cluster(ClusterOptions options, std::string* transcript,
          std::mt19937_64 rng);
  ~Cluster() override;

  // Runs the next event; false when none is left.
  bool Step();
  // Runs events up to time `until`, stopping early on a failure.
  void RunUntil(int64_t until);
  void RunFor(int64_t ms) { RunUntil(now_ + ms); }
  // Runs until done() holds (checked after each event) or limit_ms pass.
  bool RunUntilTrue(const std::function<bool()>& done, int64_t limit_ms);
  // Calls fn every period_ms from now on (the workload and fault driver).
  void Every(int64_t period_ms, std::function<void()> fn);

  // Faults.
  void Crash(int member);
  void Restart(int member);
  void Pause(int member);
  void Resume(int member);
  void Partition(const std::vector<std::set<int>>& groups);
  void Cut(int from, int to);
  void HealNetwork();
  void SetFaults(const SimNetwork::Faults& faults);
  // Messages for which filter returns true are lost (scripted scenarios).
  void SetDropFilter(std::function<bool(const proto::PeerMessage&)> filter);
  void TakeSnapshot(int member, bool compact);
  // A stalled disk completes no write (fsync hangs) until unstalled.
  void StallDisk(int member, bool stalled);

  // Client. Write proposes key=value at member (if it can); Read requests a
  // sync barrier there and reads key once it completes.
  std::optional<Zxid> Write(int member, const std::string& key,
                            const std::string& value);
  std::optional<uint64_t> Read(int member, const std::string& key);
  bool WriteAcked(Zxid zxid) const { return acked_.count(zxid) != 0; }

  // Members that are up, not paused, established leaders.
  std::vector<int> ServingLeaders() const;
  std::vector<int> member_ids() const;
  const SimMember& member(int id) const { return *members_.at(id); }
  bool IsUp(int id) const { return members_.at(id)->up(); }
  bool IsPaused(int id) const { return paused_.count(id) != 0; }
  int64_t now() const { return now_; }
  uint64_t steps() const { return steps_; }
  std::mt19937_64& Rng() override { return rng_; }
  int64_t SyncDelay() override;
  InvariantChecker& checker() override { return checker_; }
  size_t acked_count() const { return acked_.size(); }
  size_t reads_done() const { return reads_done_; }
  bool tracing() const override { return transcript_ != nullptr; }
  void Note(const std::string& line) override;
  // Reports the link between a and b lost at a (if a is up and running).
  void ReportLost(int a, int b);

  // MemberWorld.
  int64_t Now() const override { return now_; }
  void Send(const proto::PeerMessage& message) override;
  void SendSnapshot(int from, int to,
                    std::shared_ptr<const SimSnapshot> snapshot) override;
  void ScheduleDiskDone(int member, uint64_t incarnation, int64_t at) override;
  void OnApplied(int member, const proto::Txn& txn) override;
  void OnSyncDone(int member, uint64_t id, bool ok) override;

 private:
  enum class Kind { kTick, kMessage, kSnapshot, kDiskDone, kTimer };
  struct Event {
    int64_t time = 0;
    uint64_t seq = 0;
    Kind kind = Kind::kTick;
    int member = 0;            // the target
    int from = 0;              // kMessage, kSnapshot
    uint64_t incarnation = 0;  // kDiskDone
    std::shared_ptr<const proto::PeerMessage> message;
    std::shared_ptr<const SimSnapshot> snapshot;
    int timer = 0;             // kTimer: index into timers_
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  struct PendingWrite {
    int member = 0;
    uint64_t incarnation = 0;
    std::string value;
  };
  struct PendingRead {
    int member = 0;
    uint64_t incarnation = 0;
    std::string key;
    int64_t start = 0;
  };
  struct Timer {
    int64_t period_ms = 0;
    std::function<void()> fn;
  };

  void Push(Event event);
  void Run(const Event& event);
  bool Traced(const proto::PeerMessage& message) const;

  ClusterOptions options_;
  std::string* transcript_;
  std::mt19937_64 rng_;
  InvariantChecker checker_;
  SimNetwork network_;
  std::map<int, std::unique_ptr<SimMember>> members_;
  std::set<int> paused_;
  std::set<int> stalled_;
  std::map<int, std::deque<Event>> held_;  // arrivals while paused
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::vector<Timer> timers_;
  std::function<bool(const proto::PeerMessage&)> drop_filter_;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  uint64_t steps_ = 0;
  std::map<Zxid, PendingWrite> writes_;
  std::set<Zxid> acked_;
  std::map<uint64_t, PendingRead> reads_;
  uint64_t next_read_id_ = 1;
  size_t reads_done_ = 0;
};

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_CLUSTER_H_
