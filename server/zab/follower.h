// Follower: the learner side of discovery, sync and broadcast, for a voter
// (FOLLOWING) or an observer (OBSERVING). One object per attempt to follow
// a leader; the core drops it when the learner goes back to LOOKING.
//
// Stages: discovery (FollowerInfo sent each tick until LeaderInfo) ->
// awaiting sync (AckEpoch sent each tick until SyncStart) -> syncing (diff
// being logged; a snapshot installing) -> awaiting UpToDate (NewLeader
// acked) -> serving. Every message must come from the leader and, after
// LeaderInfo, carry its epoch; anything else is stale and dropped.
//
// Promises: a voter accepts each epoch at most once (persisted before its
// AckEpoch); it persists current_epoch only once the synced history is
// durable, and before acking NewLeader (a current_epoch claims that history
// in elections; claiming it with a shorter durable log after a crash could
// elect a leader without committed txns); it acks only
// txns that extend its log as a prefix of the leader's history (a proposal
// must name the zxid the log ends at), and only after they are durable; it
// never truncates a txn it applied; it applies only txns the leader
// declared committed.
#ifndef CANOPY_SERVER_ZAB_FOLLOWER_H_
#define CANOPY_SERVER_ZAB_FOLLOWER_H_

#include <deque>
#include <optional>

#include "proto/peer.pb.h"
#include "server/zab/core_state.h"

namespace canopy::zab {

class Follower {
 public:
  Follower(CoreState& state, MemberId leader);

  // Starts discovery: sends FollowerInfo.
  void Start();
  // A message from the leader.
  void Step(const proto::PeerMessage& message);
  void Tick();
  // An after_sync ack the host reports durable: sent if still truthful.
  void ReleaseAck(const Ack& ack);
  // The host installed the snapshot at zxid (CoreState is updated already).
  void SnapshotInstalled(Zxid zxid);

  MemberId leader() const { return leader_; }
  int64_t epoch() const { return epoch_; }
  bool serving() const { return stage_ == Stage::kServing; }
  std::optional<Zxid> pending_install() const { return pending_install_; }

 private:
  enum class Stage {
    kDiscovery,       // FollowerInfo sent, no LeaderInfo yet
    kAwaitSync,       // AckEpoch sent, no SyncStart yet
    kSyncing,         // logging the diff (or installing a snapshot)
    kAwaitUpToDate,   // NewLeader acked
    kServing,         // UpToDate received
  };

  void SendFollowerInfo();
  void OnLeaderInfo(const proto::LeaderInfo& info);
  void OnSyncStart(const proto::SyncStart& start);
  void OnTxn(const proto::Txn& txn, Zxid prev_zxid, bool committed);
  void OnNewLeader(const proto::NewLeader& message);
  void OnUpToDate(const proto::UpToDate& message);
  void OnCommitPoint(Zxid zxid);
  void OnPing(const proto::Ping& ping);
  void Buffer(const proto::PeerMessage& message);
  void SetStage(Stage stage);
  bool observer() const { return !s_.IAmVoter(); }

  CoreState& s_;
  const MemberId leader_;
  const int64_t attempt_;
  Stage stage_ = Stage::kDiscovery;
  int64_t epoch_ = 0;               // the leader's epoch, from LeaderInfo
  proto::AckEpoch ack_epoch_;       // sent, resent until SyncStart
  bool acking_ = false;             // NewLeader processed: acks are due
  Zxid new_leader_zxid_ = 0;
  Zxid released_ack_ = 0;           // highest ack sent in this sync
  int64_t start_tick_ = 0;
  int64_t heard_tick_ = 0;          // last message from the leader
  std::optional<Zxid> pending_install_;
  std::deque<proto::PeerMessage> buffered_;  // during a snapshot install
};

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_FOLLOWER_H_
