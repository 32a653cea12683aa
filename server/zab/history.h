// History: a member's log as the core sees it mid-call — the host's log
// (through a LogReader), cut by a truncation not yet handed over, followed by
// the txns not yet handed over in the pending Ready.
//
// And ChooseSync: the leader's pure decision of how to bring a learner's log
// to the leader's history (DIFF, TRUNC then DIFF, or SNAP then DIFF).
#ifndef CANOPY_SERVER_ZAB_HISTORY_H_
#define CANOPY_SERVER_ZAB_HISTORY_H_

#include <functional>

#include "common/status.h"
#include "proto/peer.pb.h"
#include "server/zab/log_reader.h"
#include "server/zab/types.h"

namespace canopy::zab {

class History {
 public:
  // log may be null: an empty log after a snapshot at null_snapshot_zxid.
  History(const LogReader* log, Zxid null_snapshot_zxid, const Ready& pending);

  // The zxid of the newest snapshot the host can stream (0: empty state).
  Zxid SnapshotZxid() const;
  // The last zxid held (a txn, or the snapshot's zxid when no txn follows).
  Zxid Last() const;
  // Whether every txn after zxid is held: the history holds zxid itself,
  // or zxid is the snapshot's.
  bool CanDiffFrom(Zxid zxid) const;
  // Whether the history holds a txn with this zxid.
  bool Contains(Zxid zxid) const;
  // The highest zxid held that is <= zxid (0 when none).
  Zxid Floor(Zxid zxid) const;
  // Calls fn for each txn with after < zxid <= upto in order until fn
  // returns false; an error when a txn in that range cannot be read.
  Status Read(Zxid after, Zxid upto,
              const std::function<bool(const proto::Txn&)>& fn) const;

 private:
  Zxid LogLast() const;  // last zxid of the log part (after the cut)

  const LogReader* log_;
  Zxid null_snapshot_zxid_;
  const Ready& pending_;
};

// How to sync one learner.
struct SyncPlan {
  proto::SyncMode mode = proto::SYNC_DIFF;
  // The zxid the diff starts after: the learner's last zxid (DIFF), the
  // truncation point (TRUNC), or the snapshot's zxid (SNAP).
  Zxid diff_from = 0;
};

// Chooses how to make the log of a learner whose last zxid is learner_zxid
// a prefix of history, sending at most max_diff_txns txns up to `upto`.
// Requires every committed txn to be in history (the leader's). A learner
// ahead of or beside the history is cut back to the last zxid both hold;
// one behind the log's start, or too far behind, gets the snapshot.
SyncPlan ChooseSync(const History& history, Zxid learner_zxid, Zxid upto,
                    size_t max_diff_txns);

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_HISTORY_H_
