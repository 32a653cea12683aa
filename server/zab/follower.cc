#include "server/zab/follower.h"

#include <algorithm>
#include <utility>

#include "server/zab/messages.h"

namespace canopy::zab {

Follower::Follower(CoreState& state, MemberId leader)
    : s_(state), leader_(leader), attempt_(state.NextAttempt()) {}

void Follower::Start() {
  start_tick_ = heard_tick_ = s_.tick;
  SendFollowerInfo();
}

void Follower::SetStage(Stage stage) {
  // Leaving the broadcast phase (a re-sync) restarts the init_limit clock.
  if (stage_ == Stage::kServing && stage != Stage::kServing) {
    start_tick_ = s_.tick;
  }
  stage_ = stage;
}

void Follower::SendFollowerInfo() {
  proto::PeerMessage message;
  auto* info = message.mutable_follower_info();
  info->set_accepted_epoch(s_.epochs.accepted_epoch());
  info->set_last_zxid(s_.last_logged);
  info->set_observer(observer());
  info->set_attempt(attempt_);
  s_.Send(leader_, std::move(message));
}

void Follower::Step(const proto::PeerMessage& m) {
  using M = proto::PeerMessage;
  if (m.body_case() == M::kLeaderInfo) {
    OnLeaderInfo(m.leader_info());
    return;
  }
  if (epoch_ == 0 || MessageEpoch(m) != epoch_) return;  // stale
  heard_tick_ = s_.tick;
  switch (m.body_case()) {
    case M::kPing:
      OnPing(m.ping());
      return;
    case M::kSyncStart:
      OnSyncStart(m.sync_start());
      return;
    default:
      break;
  }
  if (pending_install_) {
    Buffer(m);
    return;
  }
  switch (m.body_case()) {
    case M::kProposal:
      OnTxn(m.proposal().txn(), m.proposal().prev_zxid(), false);
      break;
    case M::kInform:
      OnTxn(m.inform().txn(), m.inform().prev_zxid(), true);
      break;
    case M::kNewLeader:
      OnNewLeader(m.new_leader());
      break;
    case M::kUpToDate:
      OnUpToDate(m.up_to_date());
      break;
    case M::kCommit:
      if (stage_ >= Stage::kSyncing) OnCommitPoint(m.commit().zxid());
      break;
    default:
      break;
  }
}

void Follower::OnLeaderInfo(const proto::LeaderInfo& info) {
  if (info.attempt() != attempt_) return;  // answers another attempt
  heard_tick_ = s_.tick;
  const int64_t epoch = info.epoch();
  if (epoch_ != 0) {
    if (epoch != epoch_) {
      // The leader restarted its leadership in a new epoch; start over.
      s_.StepDown("leader m" + std::to_string(leader_) + " moved to epoch " +
                  std::to_string(epoch));
    } else if (stage_ == Stage::kAwaitSync) {
      proto::PeerMessage message;
      *message.mutable_ack_epoch() = ack_epoch_;
      s_.Send(leader_, std::move(message));
    }
    return;
  }
  const int64_t accepted = s_.epochs.accepted_epoch();
  if (!observer() && epoch < accepted) {
    // A voter accepts each epoch once and never goes back.
    s_.StepDown("leader's epoch " + std::to_string(epoch) +
                " is below the accepted epoch " + std::to_string(accepted));
    return;
  }
  if (epoch > accepted) {
    s_.PersistEpochs(epoch, s_.epochs.current_epoch());
  }
  epoch_ = epoch;
  ack_epoch_.set_epoch(epoch);
  ack_epoch_.set_current_epoch(s_.epochs.current_epoch());
  ack_epoch_.set_last_zxid(s_.last_logged);
  ack_epoch_.set_already_accepted(epoch <= accepted);
  ack_epoch_.set_attempt(attempt_);
  proto::PeerMessage message;
  *message.mutable_ack_epoch() = ack_epoch_;
  s_.Send(leader_, std::move(message));
  SetStage(Stage::kAwaitSync);
}

void Follower::OnSyncStart(const proto::SyncStart& start) {
  if (stage_ < Stage::kAwaitSync || start.attempt() != attempt_) return;
  // A plan for another state of my log is stale.
  if (pending_install_ || start.learner_zxid() != s_.last_logged) return;
  switch (start.mode()) {
    case proto::SYNC_DIFF:
      break;
    case proto::SYNC_TRUNC:
      if (start.truncate_to() < s_.applied ||
          start.truncate_to() > s_.last_logged) {
        s_.StepDown("refused TRUNC to " + ZxidString(start.truncate_to()) +
                    " (applied " + ZxidString(s_.applied) + ", last " +
                    ZxidString(s_.last_logged) + ")");
        return;
      }
      s_.TruncateAfter(start.truncate_to());
      break;
    case proto::SYNC_SNAP:
      if (start.snapshot_zxid() < s_.applied) {
        s_.StepDown("refused a snapshot older than the applied state");
        return;
      }
      pending_install_ = start.snapshot_zxid();
      s_.ready.install_snapshot = SnapshotInstall{leader_, start.snapshot_zxid()};
      break;
    default:
      return;
  }
  acking_ = false;
  released_ack_ = 0;
  SetStage(Stage::kSyncing);
}

void Follower::OnTxn(const proto::Txn& txn, Zxid prev_zxid, bool committed) {
  if (stage_ < Stage::kSyncing) return;
  const Zxid zxid = txn.zxid();
  if (zxid <= s_.last_logged) return;  // a repeat
  if (prev_zxid != s_.last_logged) {
    s_.StepDown("missed a txn: got " + ZxidString(zxid) + " after " +
                ZxidString(prev_zxid) + ", log ends at " +
                ZxidString(s_.last_logged));
    return;
  }
  s_.Log(txn);
  if (acking_ && !observer()) {
    s_.AfterSync(Ack{s_.me(), leader_, zxid, epoch_});
  }
  if (committed) {
    OnCommitPoint(zxid);
  } else {
    s_.ApplyCommitted();
  }
}

void Follower::OnNewLeader(const proto::NewLeader& message) {
  if (stage_ < Stage::kSyncing) return;
  if (s_.last_logged < message.zxid()) {
    s_.StepDown("diff incomplete: log ends at " + ZxidString(s_.last_logged) +
                ", NewLeader at " + ZxidString(message.zxid()));
    return;
  }
  // current_epoch = epoch claims the leader's history in elections, so it
  // is persisted only once that history is durable: when this ack comes
  // back from after_sync (ReleaseAck).
  acking_ = true;
  new_leader_zxid_ = message.zxid();
  s_.AfterSync(Ack{s_.me(), leader_, s_.last_logged, epoch_});
  if (stage_ == Stage::kSyncing) SetStage(Stage::kAwaitUpToDate);
  s_.ApplyCommitted();
}

void Follower::OnUpToDate(const proto::UpToDate& message) {
  if (!acking_) return;
  OnCommitPoint(message.committed_zxid());
  SetStage(Stage::kServing);
}

void Follower::OnCommitPoint(Zxid zxid) {
  s_.committed = std::max(s_.committed, zxid);
  s_.ApplyCommitted();
}

void Follower::OnPing(const proto::Ping& ping) {
  proto::PeerMessage message;
  auto* ack = message.mutable_ping_ack();
  ack->set_epoch(epoch_);
  ack->set_ping_id(ping.ping_id());
  ack->set_acked_zxid(released_ack_);
  s_.Send(leader_, std::move(message));
  if (acking_ && !pending_install_) OnCommitPoint(ping.committed_zxid());
}

void Follower::ReleaseAck(const Ack& ack) {
  // Only an ack to this leader in this epoch, once NewLeader was processed,
  // still says something true about this log.
  if (ack.to != leader_ || ack.epoch != epoch_ || !acking_) return;
  if (ack.zxid >= new_leader_zxid_ && s_.epochs.current_epoch() < epoch_) {
    // The sync is durable: now (and before the ack leaves) take the epoch.
    s_.PersistEpochs(std::max(s_.epochs.accepted_epoch(), epoch_), epoch_);
  }
  proto::PeerMessage message;
  message.mutable_ack()->set_epoch(epoch_);
  message.mutable_ack()->set_zxid(ack.zxid);
  s_.Send(leader_, std::move(message));
  released_ack_ = std::max(released_ack_, ack.zxid);
}

void Follower::SnapshotInstalled(Zxid zxid) {
  if (!pending_install_ || *pending_install_ != zxid) return;
  pending_install_.reset();
  std::deque<proto::PeerMessage> buffered = std::move(buffered_);
  buffered_.clear();
  for (const auto& message : buffered) {
    if (s_.step_down) return;
    Step(message);
  }
}

void Follower::Buffer(const proto::PeerMessage& message) {
  if (buffered_.size() >= s_.options.max_buffered_messages) {
    s_.StepDown("too many messages while a snapshot installs");
    return;
  }
  buffered_.push_back(message);
}

void Follower::Tick() {
  if (stage_ != Stage::kServing &&
      s_.tick - start_tick_ > s_.options.init_limit_ticks) {
    s_.StepDown("not synced with m" + std::to_string(leader_) +
                " within init_limit");
    return;
  }
  const int limit = stage_ == Stage::kServing ? s_.options.sync_limit_ticks
                                              : s_.options.init_limit_ticks;
  if (s_.tick - heard_tick_ > limit) {
    s_.StepDown("leader m" + std::to_string(leader_) + " silent");
    return;
  }
  proto::PeerMessage message;
  switch (stage_) {
    case Stage::kDiscovery:
      SendFollowerInfo();
      break;
    case Stage::kAwaitSync:
      *message.mutable_ack_epoch() = ack_epoch_;
      s_.Send(leader_, std::move(message));
      break;
    case Stage::kAwaitUpToDate:
      // The ack of NewLeader may have been lost: repeat it.
      if (released_ack_ >= new_leader_zxid_ && released_ack_ > 0) {
        message.mutable_ack()->set_epoch(epoch_);
        message.mutable_ack()->set_zxid(released_ack_);
        s_.Send(leader_, std::move(message));
      }
      break;
    default:
      break;
  }
}

}  // namespace canopy::zab
