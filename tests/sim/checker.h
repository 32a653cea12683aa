// InvariantChecker: ZAB's safety properties, checked as a cluster runs. The
// host of each member reports what it does (persist epochs, log, truncate,
// apply, restart, install a snapshot, establish as leader) and what clients
// saw (acks, reads); each report is checked at once and the first violation
// is kept.
//
// Checked: at most one leader establishes per epoch; epochs never go back
// and current <= accepted; a member's log only grows in zxid, and a
// truncation never removes an applied txn; every member applies a prefix of
// one common sequence (so any two applied sequences are prefixes of one
// another) in strictly increasing zxid order; every txn acknowledged to a
// client is in the history of every leader that establishes a later epoch
// than any established before the ack (ZAB's order is by epoch, not by
// wall time: a leader paused mid-sync may establish its old epoch late,
// which is harmless since it can commit nothing new);
// reads after a sync barrier are linearizable (register.h). At the end:
// every acknowledged txn was applied by every member.
//
// Reusable: it knows nothing of the simulator, only member ids, zxids and
// (key, value) txns.
#ifndef CANOPY_TESTS_SIM_CHECKER_H_
#define CANOPY_TESTS_SIM_CHECKER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "proto/canopy.pb.h"
#include "tests/sim/register.h"

namespace canopy::sim {

class InvariantChecker {
 public:
  // True when the member's history (log or snapshot) holds the txn with
  // this zxid and value.
  using HistoryHolds = std::function<bool(Zxid zxid, const std::string& value)>;

  void OnEpochs(int member, const proto::EpochState& before,
                const proto::EpochState& after);
  void OnLog(int member, Zxid log_last, const proto::Txn& txn);
  void OnTruncate(int member, Zxid to, Zxid applied);
  void OnApply(int member, const proto::Txn& txn);
  // The member's applied state was replaced by a snapshot standing for the
  // first applied_count txns of its sequence, ending at zxid (a restart or
  // an installed snapshot).
  void OnStateReset(int member, size_t applied_count, Zxid zxid);
  void OnEstablished(int member, int64_t epoch, int64_t now,
                     const HistoryHolds& holds);
  // A client proposed a write (zxid assigned) at time now.
  void OnWriteProposed(Zxid zxid, const std::string& key,
                       const std::string& value, int64_t now);
  // The client got the ack of the write with this zxid.
  void OnClientAck(Zxid zxid, int64_t now);
  // A read after a sync barrier at a leader: the value it saw was written
  // by the txn read_zxid (0: never written).
  void OnRead(const std::string& key, Zxid read_zxid, int64_t start,
              int64_t end);
  // End of run: every acknowledged write was applied by these members.
  void CheckAllApplied(const std::vector<int>& members);

  // Records a violation a host found itself (a broken Ready contract).
  void Fail(std::string message);
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  size_t applied_count(int member) const;
  size_t acked_count() const { return acked_.size(); }
  // Whether the first `count` txns of the common sequence hold zxid = value.
  bool InPrefix(size_t count, Zxid zxid, const std::string& value) const;
  // The common applied sequence's length.
  size_t sequence_size() const { return sequence_.size(); }

 private:
  struct Entry {
    Zxid zxid = 0;
    std::string key;
    std::string value;
  };
  struct Acked {
    Zxid zxid = 0;
    std::string value;
    int64_t time = 0;
    // The highest epoch established when it was acked: it was committed in
    // this epoch or an earlier one.
    int64_t epoch_bound = 0;
  };
  // The index of zxid in the common sequence, or -1.
  int64_t IndexOf(Zxid zxid) const;

  std::string failure_;
  std::vector<Entry> sequence_;                 // the common applied order
  std::map<int, size_t> applied_;               // member -> prefix length
  std::map<int64_t, int> leaders_;              // epoch -> established leader
  std::map<Zxid, Acked> acked_;                 // acknowledged writes
  RegisterChecker registers_;
};

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_CHECKER_H_
