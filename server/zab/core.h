// zab::Core: ZooKeeper's atomic broadcast (ZAB) for one member of an
// ensemble of voters plus observers: election, discovery, sync, broadcast.
//
// Deterministic and IO-free: messages, ticks, proposals and durability
// reports go in; a Ready comes out (types.h) holding what to persist, what
// to cut from and append to the log, what to send now, what may be sent only
// once the log is synced, which snapshot to stream or install, and which txns
// are committed and must be applied, in zxid order. The host does the disk
// and the network, acting on each Ready in the order Ready documents before
// it calls the core again. No clock, thread or randomness: time is Tick().
// Not thread-safe: one strand owns a core.
//
// With one voter (standalone) the member elects itself during construction
// and is an established leader in a fresh epoch when the constructor
// returns. There is no second code path for it.
//
// Promises (checked by tests/sim on every step): at most one leader
// establishes an epoch; members apply the same txns in the same zxid order;
// a committed txn is in the history of every leader of a later epoch; a
// member acks a txn, and takes an epoch as current, only after the host
// reported its log durable that far. "serving" is not proof of leading now:
// a leader paused mid-sync may establish its (old) epoch late, and can then
// commit nothing and confirm no sync barrier; use RequestSyncBarrier.
//
// Durability reports: every Ready::after_sync ack goes back through
// StepAck once the host's log is durable up to it (what the pipeline did
// with the standalone self-acks); there is no separate LogDurable call.
#ifndef CANOPY_SERVER_ZAB_CORE_H_
#define CANOPY_SERVER_ZAB_CORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "proto/canopy.pb.h"
#include "proto/peer.pb.h"
#include "server/zab/log_reader.h"
#include "server/zab/types.h"

namespace canopy::zab {

struct CoreState;
class Election;
class Leader;
class Follower;

class Core {
 public:
  // A standalone start: epochs and last_logged_zxid come from the durable
  // log, and the host has applied every logged txn. Without a log reader a
  // member of a larger ensemble can only sync learners by snapshot.
  Core(CoreOptions options, proto::EpochState epochs, Zxid last_logged_zxid);
  // A start from recovered durable state; log (not owned, must outlive the
  // core) shows the host's log.
  Core(CoreOptions options, const Recovered& recovered, const LogReader* log);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Delivers a message from another member. Stale, duplicated and
  // out-of-order messages are dropped or answered harmlessly. An error only
  // for a message not meant for this core (wrong address, unknown sender,
  // empty body).
  Status Step(const proto::PeerMessage& message);
  // Assigns the next zxid (epoch << 32 | counter) to txn and broadcasts it.
  // Fails with SYSTEM_ERROR when this member is not an established leader or
  // the epoch's counter is exhausted (the leader then moves to a new epoch
  // through an election once its proposals commit), with THROTTLED_OP when
  // max_in_flight proposals wait for a quorum.
  Result<Zxid> Propose(proto::Txn txn);
  // OK when Propose would accept a txn now; otherwise the error it would
  // give. Changes nothing: a host checks before preparing a txn, so that a
  // refusal does not disturb what it prepared for the txns in flight.
  Status CanPropose() const;
  // The zxid the next Propose will assign (for the Preparer).
  Zxid NextZxid() const;
  // Hands back an after_sync ack once the log is durable up to ack.zxid. The
  // core counts its own acks and sends the others (in Ready::send) if they
  // are still true for the leader it follows. An ack from another member
  // (from != my id) is taken as if received in a message.
  void StepAck(const Ack& ack);
  // The host lost its link to member `id` (the connection broke). A
  // follower of that member looks for a leader again at once instead of
  // waiting out the sync limit, and an election no longer waits for the
  // votes of lost voters before deciding. Any message from `id` undoes it.
  void PeerLost(MemberId id);
  // Advances time by one tick (zoo.cfg's tickTime).
  void Tick();
  // The host installed the snapshot at zxid that Ready::install_snapshot
  // asked for: its log now holds nothing after it and its state machine is
  // at zxid. Install only a snapshot pending_install() still names.
  void SnapshotInstalled(Zxid zxid);
  // Asks for a linearizable sync point: Ready::sync_ready gets id once a
  // quorum of voters answered a ping sent after this call, in this epoch,
  // proving this member still led when the call was made; sync_failed gets
  // it if the leadership ends first. Fails unless an established leader.
  Status RequestSyncBarrier(uint64_t id);

  bool HasReady() const;
  // Hands over everything accumulated since the last call.
  Ready TakeReady();

  Role role() const { return role_; }
  MemberId my_id() const;
  // The leader followed (or my id when leading); 0 while looking.
  MemberId leader_id() const;
  // The established (leader) or followed epoch; the persisted current epoch
  // while looking.
  int64_t epoch() const;
  int64_t accepted_epoch() const;
  // True for an established leader or a learner that got UpToDate.
  bool serving() const;
  Zxid last_logged() const;
  // The last zxid proposed by this leader (its history's end); the last
  // logged zxid on other members.
  Zxid last_proposed() const;
  Zxid last_committed() const;
  Zxid last_applied() const;
  // Proposals of this leader not yet committed.
  size_t in_flight() const;
  // The snapshot a learner waits for, if any.
  std::optional<SnapshotInstall> pending_install() const;

 private:
  void OnVote(MemberId from, const proto::Vote& vote);
  void StartLooking(const std::string& reason);
  void TakeRole(const proto::Vote& decided);
  // Runs the transitions a call asked for, then reports a role change.
  void Settle();
  RoleChange CurrentRole() const;

  std::unique_ptr<CoreState> state_;
  std::unique_ptr<Election> election_;
  std::unique_ptr<Leader> leader_;
  std::unique_ptr<Follower> follower_;
  Role role_ = Role::kLooking;
  std::optional<RoleChange> reported_;
};

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_CORE_H_
