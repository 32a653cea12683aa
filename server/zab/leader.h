// Leader: the leader side of discovery, sync and broadcast. One object per
// leadership; the core drops it when the leader steps down.
//
// Phases: discovery (collect FollowerInfo from a quorum of voters, itself
// included; pick new_epoch = max(accepted epochs) + 1 and persist it as
// accepted BEFORE sending LeaderInfo) -> epoch acks (a quorum of voters that
// accepted new_epoch for the first time; any of them ahead of the leader's
// (current epoch, last zxid) makes it step down) -> NewLeader acks (each
// learner is synced by DIFF, TRUNC or SNAP and sent NewLeader; once the
// leader's own history is durable it persists current_epoch = new_epoch;
// it and a quorum with it must ack) -> established: the whole history is
// committed, UpToDate goes out, Propose works.
//
// Broadcast: proposals go to every voter being synced or synced, in zxid
// order; a quorum of voters' durable acks commits in zxid order (Commit to
// followers, Inform to observers). Learners join later the same way.
//
// Liveness: pings every tick; discovery plus sync within init_limit; an
// established leader that hears from no quorum of synced voters within
// sync_limit steps down. Sync barriers complete once a quorum of voters
// answered a ping sent after the request.
#ifndef CANOPY_SERVER_ZAB_LEADER_H_
#define CANOPY_SERVER_ZAB_LEADER_H_

#include <cstdint>
#include <deque>
#include <map>

#include "common/status.h"
#include "proto/peer.pb.h"
#include "server/zab/core_state.h"

namespace canopy::zab {

class Leader {
 public:
  explicit Leader(CoreState& state) : s_(state) {}

  // Starts discovery (with a single voter, establishes at once).
  void Start();
  // A message from a learner.
  void Step(const proto::PeerMessage& message);
  void Tick();
  // See Core::Propose.
  Result<Zxid> Propose(proto::Txn txn);
  // See Core::CanPropose.
  Status CanPropose() const;
  Zxid NextZxid() const { return last_proposed_ + 1; }
  // An ack of my own (after_sync) the host reports durable.
  void SelfAck(const Ack& ack);
  // See Core::RequestSyncBarrier.
  Status RequestSyncBarrier(uint64_t id);
  // Sends the ping round a barrier waits for, if one is wanted.
  void FlushPings();
  bool pings_wanted() const { return pings_wanted_; }
  // The leadership ends: pending barriers fail.
  void Stop();

  bool established() const { return phase_ == Phase::kEstablished; }
  int64_t epoch() const { return epoch_; }
  Zxid last_proposed() const { return last_proposed_; }
  size_t in_flight() const { return proposals_.size(); }

 private:
  enum class Phase {
    kDiscovery,      // waiting for FollowerInfo from a quorum
    kEpochAcks,      // epoch chosen, waiting for a quorum of AckEpoch
    kNewLeaderAcks,  // syncing, waiting for a quorum of NewLeader acks
    kEstablished,    // broadcasting
  };
  enum class Stage {
    kInfo,        // FollowerInfo received (LeaderInfo sent once decided)
    kAckedEpoch,  // AckEpoch received, not synced yet
    kSyncing,     // sync and NewLeader sent, waiting for its ack
    kSynced,      // acked NewLeader: its acks count, it gets commits
  };
  struct Learner {
    bool observer = false;
    int64_t attempt = 0;
    Stage stage = Stage::kInfo;
    int64_t accepted_epoch = 0;   // from FollowerInfo
    Zxid last_zxid = 0;           // from FollowerInfo, then AckEpoch
    bool counts_for_epoch = false;
    Zxid sync_zxid = 0;           // the zxid of the NewLeader sent
    Zxid acked = 0;               // highest ack once synced
    int64_t acked_ping = 0;       // highest ping answered
    int64_t stage_tick = 0;
    int64_t heard_tick = 0;
  };

  // Discovery and sync (leader_sync.cc).
  void OnFollowerInfo(MemberId from, const proto::FollowerInfo& info);
  void MaybeDecideEpoch();
  void SendLeaderInfo(MemberId id, const Learner& learner);
  void OnAckEpoch(MemberId from, const proto::AckEpoch& ack);
  void MaybeStartSync();
  bool Sync(MemberId id, Learner& learner);
  // My history is durable up to `durable`: once it covers the sync point,
  // persist current_epoch and try to establish.
  void OnSelfSynced(Zxid durable);
  void MaybeEstablish();
  void Establish();

  // Broadcast (leader.cc).
  void OnAck(MemberId from, Zxid zxid);
  void OnPingAck(MemberId from, const proto::PingAck& ack);
  void MarkSynced(MemberId id, Learner& learner, Zxid zxid);
  void AdvanceCommit();
  void SendPings();
  void CheckBarriers();
  size_t SyncedVotersWith(int64_t Learner::*field, int64_t at_least) const;

  CoreState& s_;
  Phase phase_ = Phase::kDiscovery;
  int64_t epoch_ = 0;          // the new epoch, once decided
  int64_t start_tick_ = 0;
  int64_t own_accepted_ = 0;   // my accepted epoch for the epoch choice
  int64_t summary_epoch_ = 0;  // my (current epoch, last zxid) at start
  Zxid summary_zxid_ = 0;
  std::map<MemberId, Learner> learners_;
  Zxid self_sync_zxid_ = 0;    // my history's end when syncing began
  Zxid self_acked_ = 0;        // my log is durable up to here (this epoch)
  Zxid history_end_ = 0;       // the last zxid of my history
  Zxid last_proposed_ = 0;     // for NextZxid
  std::deque<proto::Txn> proposals_;  // not yet committed, in zxid order
  bool exhausted_ = false;     // the zxid counter reached its limit
  int64_t ping_id_ = 0;
  bool pings_wanted_ = false;
  struct Barrier {
    uint64_t id = 0;
    int64_t ping_id = 0;  // the first ping round sent after the request
  };
  std::deque<Barrier> barriers_;
};

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_LEADER_H_
