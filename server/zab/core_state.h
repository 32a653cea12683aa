// CoreState: what every role of the core shares — the options, the member's
// log positions and epochs, the tick, and the Ready being filled — with the
// few operations that keep them consistent (log, truncate, persist, apply,
// send, step down). One per Core; the election and the role objects hold a
// reference to it. Internal to server/zab.
#ifndef CANOPY_SERVER_ZAB_CORE_STATE_H_
#define CANOPY_SERVER_ZAB_CORE_STATE_H_

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "server/zab/history.h"
#include "server/zab/log_reader.h"
#include "server/zab/types.h"

// Stops the process when an invariant the core relies on is broken (a
// programmer error, in every build type).
#define ZAB_CHECK(cond)                                          \
  do {                                                           \
    if (!(cond)) ::canopy::zab::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace canopy::zab {

[[noreturn]] void CheckFailed(const char* expr, const char* file, int line);

struct CoreState {
  CoreState(CoreOptions options, const Recovered& recovered,
            const LogReader* log);

  CoreOptions options;
  const LogReader* log;       // may be null (standalone)
  Zxid null_snapshot_zxid;    // the snapshot's zxid when log is null
  proto::EpochState epochs;   // as persisted (or handed to the host)
  Zxid last_logged = 0;       // last zxid in the log, durable or not
  Zxid durable = 0;           // the log is known durable up to here
  Zxid committed = 0;         // every txn up to here is committed
  Zxid applied = 0;           // the host applied every txn up to here
  int64_t tick = 0;           // ticks since start
  Ready ready;                // filled until TakeReady
  // Set by a role that must give up (the reason); the core then looks for
  // a leader again.
  std::optional<std::string> step_down;
  // Members whose link the host reported lost and that sent nothing since.
  std::set<MemberId> lost;

  bool IsVoter(MemberId id) const { return options.voters.count(id) != 0; }
  bool IsObserver(MemberId id) const {
    return options.observers.count(id) != 0;
  }
  bool IsMember(MemberId id) const { return IsVoter(id) || IsObserver(id); }
  bool IAmVoter() const { return IsVoter(options.my_id); }
  MemberId me() const { return options.my_id; }
  size_t Quorum() const { return options.voters.size() / 2 + 1; }
  // Voters not known to be lost, me included.
  size_t ReachableVoters() const {
    size_t n = options.voters.size();
    for (MemberId id : lost) n -= IsVoter(id) ? 1 : 0;
    return n;
  }

  // The log as the core sees it now (see History).
  History history() const { return History(log, null_snapshot_zxid, ready); }

  // Queues message to `to`, from me.
  void Send(MemberId to, proto::PeerMessage message);
  // Queues txn for the log; its zxid must be above last_logged.
  void Log(proto::Txn txn);
  // Drops every txn above zxid (handed over as Ready::truncate_after).
  void TruncateAfter(Zxid zxid);
  // Persists the epochs (before anything else of the Ready is acted on).
  void PersistEpochs(int64_t accepted, int64_t current);
  // Queues an ack to hand back once the log is durable up to its zxid.
  void AfterSync(const Ack& ack) { ready.after_sync.push_back(ack); }
  // Hands txn (the next committed txn) to the host to apply.
  void Apply(const proto::Txn& txn);
  // Applies, from the log, every txn up to min(committed, last_logged).
  void ApplyCommitted();
  // Asks the core to go back to LOOKING.
  void StepDown(std::string reason);
  // A one-line note for the host's log.
  void Trace(std::string_view note) const;
  // A fresh tag for an attempt to join a leader.
  int64_t NextAttempt();

 private:
  uint64_t attempts_ = 0;
};

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_CORE_STATE_H_
