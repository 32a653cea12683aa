// Nemesis: faults injected into a running Ensemble (built with proxies) by
// the test — partitions through the per-link proxies, SIGKILL and restart,
// SIGSTOP/SIGCONT pauses, crashes timed to land in the sync of a new epoch,
// and a member whose disk fills up.
//
// Each Inject* starts one fault and says what it did; Heal() undoes every
// fault in force (heals every link, resumes paused members, restarts dead
// ones, gives a full disk its space back). One Nemesis drives one ensemble
// from one thread.
#ifndef CANOPY_TESTS_NEMESIS_NEMESIS_H_
#define CANOPY_TESTS_NEMESIS_NEMESIS_H_

#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/ensemble.h"

namespace canopy::nemesis {

enum class Fault {
  kPartitionMajority,  // a random 3|2 (for 5) split
  kIsolateLeader,      // the leader alone on one side
  kBridge,             // two halves that only one member connects
  kOneWayFromLeader,   // the leader's outbound links cut, inbound working
  kOneWayToLeader,     // the leader hears nobody, others hear it
  kKillOne,            // SIGKILL a random follower
  kKillLeader,         // SIGKILL the leader
  kKillAll,            // SIGKILL every member at once
  kPauseLeader,        // SIGSTOP the leader for longer than syncLimit
  kPauseOne,           // SIGSTOP a random member
  kCrashInSync,        // kill the leader, then kill the first member seen
                       // leaving LOOKING (it is in discovery/sync)
  kDiskFull,           // one member's data dir on a nearly full tmpfs
};

const char* FaultName(Fault fault);
// Every fault, in declaration order.
std::vector<Fault> AllFaults();
// By name (as FaultName prints); false when unknown.
bool ParseFault(const std::string& name, Fault* out);

// True when member `id`'s process has ended (a zombie not yet reaped
// counts): it stopped by itself, e.g. on a failed write.
bool MemberEnded(const testing::Ensemble& ensemble, int id);

class Nemesis {
 public:
  // log receives one line per action.
  Nemesis(testing::Ensemble& ensemble, uint64_t seed,
          std::function<void(std::string)> log);
  ~Nemesis();

  // Starts `fault`. Returns a one-line description, or a line starting with
  // "skipped:" when the fault cannot run here (e.g. no mount permission).
  std::string Inject(Fault fault);
  // Undoes everything in force; then waits (bounded) for a serving leader.
  // False when no leader came back within timeout_ms.
  bool Heal(int timeout_ms = 30000);

  // True when this process may mount a tmpfs (the disk-full fault).
  static bool CanMount(std::string* why);

 private:
  int RandomMember();
  int RandomOtherThan(int id);
  void Partition(const std::vector<std::set<int>>& sides);
  void Kill(int id);
  std::string CrashInSync();
  std::string DiskFull();
  void UndoDiskFull();

  testing::Ensemble& ensemble_;
  std::mt19937_64 rng_;
  std::function<void(std::string)> log_;
  std::vector<std::pair<int, int>> cut_;  // one-way links cut (from, to)
  std::set<int> paused_;
  std::set<int> killed_;
  int disk_full_member_ = 0;
  std::string disk_full_mount_;
  std::string disk_full_backup_;
};

}  // namespace canopy::nemesis

#endif  // CANOPY_TESTS_NEMESIS_NEMESIS_H_
