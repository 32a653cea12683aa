// The vocabulary of the zab core: member ids, zxids, roles, options, and the
// Ready a core hands to its host. See core.h for the contract.
#ifndef CANOPY_SERVER_ZAB_TYPES_H_
#define CANOPY_SERVER_ZAB_TYPES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"
#include "proto/peer.pb.h"

namespace canopy::zab {

using MemberId = int64_t;

inline int64_t EpochOf(Zxid zxid) { return zxid >> 32; }
inline int64_t CounterOf(Zxid zxid) { return zxid & 0xffffffffLL; }
inline Zxid MakeZxid(int64_t epoch, int64_t counter) {
  return (epoch << 32) | (counter & 0xffffffffLL);
}
// The largest counter a zxid can carry.
inline constexpr int64_t kMaxZxidCounter = 0xffffffffLL;

enum class Role {
  kLooking,    // electing a leader; neither logs nor applies anything new
  kFollowing,  // a voter following a leader (from discovery to broadcast)
  kLeading,    // the leader (from discovery to broadcast)
  kObserving,  // an observer following a leader; never counted
};
const char* RoleName(Role role);

// An acknowledgement that member `from` holds every txn of the leader's
// history up to zxid durably, for the leader `to` in `epoch`. It is legal
// only once the log is durable up to zxid, so the core hands it out in
// Ready::after_sync and the host gives it back through Core::StepAck when
// it is.
struct Ack {
  MemberId from = 0;
  MemberId to = 0;
  Zxid zxid = 0;
  int64_t epoch = 0;
};

// What the host learns when the core's role changes.
struct RoleChange {
  Role role = Role::kLooking;
  MemberId leader = 0;  // the leader followed, or my id; 0 while looking
  int64_t epoch = 0;    // the epoch led or followed; 0 while unknown
  // True once the member may serve: a leader that established its epoch (a
  // quorum synced to it), a learner that got UpToDate.
  bool serving = false;
};

// Leader side of SYNC_SNAP: stream the snapshot at `zxid` to `to`.
struct SnapshotSend {
  MemberId to = 0;
  Zxid zxid = 0;
};

// Learner side of SYNC_SNAP: the leader `from` streams its snapshot at
// `zxid`. When the stream is complete, and only if Core::pending_install()
// still names it (the learner may have given up meanwhile), the host
// replaces its state and log with the snapshot (synced) and calls
// Core::SnapshotInstalled(zxid), without calling the core in between.
struct SnapshotInstall {
  MemberId from = 0;
  Zxid zxid = 0;
};

// Everything the core asks of its host since the last TakeReady. The host
// acts on the fields in this order, and finishes before it calls the core
// again (the log reader must show to_log, and the truncation, by then):
//   1. persist_epochs: write and sync the epochs. Nothing below may happen
//      first: the messages of this Ready may promise them.
//   2. truncate_after: drop every logged txn above it, synced, before
//      logging anything of this Ready.
//   3. install_snapshot: note that a snapshot stream from that leader is
//      expected (see SnapshotInstall).
//   4. to_log: append to the log in order (syncing may finish later).
//   5. send: send in order. Right after a SyncStart(SYNC_SNAP) message, the
//      host streams the snapshot named by the matching send_snapshot entry
//      (zxid 0: the empty state) to the same member, before any later
//      message to it.
//   6. after_sync: hold each ack until the log is durable up to its zxid
//      (at once if it already is), then call Core::StepAck with it; the
//      core sends it (in a later Ready) or counts it. Keep them in order.
//   7. to_apply: apply in order. They are committed (a quorum holds them
//      durably), though this member's own copy may not be synced yet.
//   8. role, sync_ready, sync_failed: report.
struct Ready {
  // The epochs to persist (synced) before anything else of this Ready.
  std::optional<proto::EpochState> persist_epochs;
  // Drop every logged txn with a larger zxid (synced) before logging.
  std::optional<Zxid> truncate_after;
  // Expect this leader's snapshot stream; install it when complete.
  std::optional<SnapshotInstall> install_snapshot;
  // Txns to append to the log, in zxid order.
  std::vector<proto::Txn> to_log;
  // Messages to send now, in order.
  std::vector<proto::PeerMessage> send;
  // Snapshots to stream, each right after its SyncStart in `send`.
  std::vector<SnapshotSend> send_snapshot;
  // Acks to hand back (StepAck) once the log is durable up to their zxid.
  std::vector<Ack> after_sync;
  // Committed txns to apply, in zxid order.
  std::vector<proto::Txn> to_apply;
  // Set when the role changed (the last change since TakeReady).
  std::optional<RoleChange> role;
  // Sync barriers (RequestSyncBarrier) that a quorum confirmed.
  std::vector<uint64_t> sync_ready;
  // Sync barriers that can no longer be confirmed (the leader stepped down).
  std::vector<uint64_t> sync_failed;

  bool empty() const {
    return !persist_epochs && !truncate_after && !install_snapshot &&
           to_log.empty() && send.empty() && send_snapshot.empty() &&
           after_sync.empty() && to_apply.empty() && !role &&
           sync_ready.empty() && sync_failed.empty();
  }
};

// Static configuration of one member. Timeouts are in ticks, as zoo.cfg
// counts initLimit and syncLimit.
struct CoreOptions {
  MemberId my_id = 1;
  // The voting members; my_id is in voters or observers.
  std::set<MemberId> voters = {1};
  // Non-voting members: they follow and apply, never count for a quorum.
  std::set<MemberId> observers = {};
  // Discovery plus sync must finish within this many ticks.
  int init_limit_ticks = 10;
  // A follower that hears nothing from its leader, or a leader that hears
  // from no quorum, for this many ticks goes back to LOOKING.
  int sync_limit_ticks = 5;
  // A quorum of matching votes must stay unchallenged this long before a
  // LOOKING member takes its role (no wait when every voter not known lost agrees).
  int election_wait_ticks = 2;
  // Proposals beyond this counter are refused; the leader then moves to a
  // new epoch (tests lower it).
  int64_t zxid_counter_limit = kMaxZxidCounter;
  // Bounds on queues: proposals not yet committed, pending sync barriers,
  // leader messages buffered while a snapshot installs, and the longest
  // diff sent instead of a snapshot.
  size_t max_in_flight = 100000;
  size_t max_pending_barriers = 10000;
  size_t max_buffered_messages = 100000;
  size_t max_diff_txns = 100000;
  // Differs between starts of this member (a restart counter, the start
  // time): it tags this member's attempts to join a leader, so a leader
  // tells a restarted learner from a stale message of its previous life.
  uint64_t incarnation = 0;
  // Called with a one-line note on each role change and each step down, for
  // the host's log. May be empty.
  std::function<void(std::string_view)> trace = nullptr;
};

// The durable state a member restarts from.
struct Recovered {
  proto::EpochState epochs;
  // The last zxid the member holds: its log's last txn, or its snapshot's
  // zxid when the log holds nothing after it.
  Zxid last_logged_zxid = 0;
  // The host's state machine already holds every txn up to here (its
  // snapshot); the core hands out later txns in to_apply once committed.
  Zxid applied_zxid = 0;
};

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_TYPES_H_
