// Leader: discovery and sync.
#include <algorithm>
#include <tuple>

#include "server/zab/leader.h"
#include "server/zab/messages.h"

namespace canopy::zab {

void Leader::Start() {
  start_tick_ = s_.tick;
  // A log with txns of an epoch implies that epoch was accepted, even if the
  // epoch file is behind.
  own_accepted_ = std::max({s_.epochs.accepted_epoch(),
                            s_.epochs.current_epoch(),
                            EpochOf(s_.last_logged)});
  summary_epoch_ = s_.epochs.current_epoch();
  summary_zxid_ = s_.last_logged;
  last_proposed_ = s_.last_logged;
  MaybeDecideEpoch();
}

void Leader::OnFollowerInfo(MemberId from, const proto::FollowerInfo& info) {
  auto it = learners_.find(from);
  if (it != learners_.end() && it->second.attempt == info.attempt()) {
    // A repeat of an attempt in progress.
    it->second.heard_tick = s_.tick;
    if (it->second.stage == Stage::kInfo && phase_ != Phase::kDiscovery) {
      SendLeaderInfo(from, it->second);
    }
    return;
  }
  const bool observer = s_.IsObserver(from);
  if (phase_ != Phase::kDiscovery && !observer &&
      info.accepted_epoch() > epoch_) {
    // It would refuse my epoch for good; a new election picks a higher one.
    s_.StepDown("m" + std::to_string(from) + " accepted epoch " +
                std::to_string(info.accepted_epoch()) + " above mine");
    return;
  }
  Learner learner;
  learner.observer = observer;
  learner.attempt = info.attempt();
  learner.accepted_epoch = info.accepted_epoch();
  learner.last_zxid = info.last_zxid();
  learner.stage_tick = learner.heard_tick = s_.tick;
  Learner& stored = learners_[from] = learner;
  if (phase_ == Phase::kDiscovery) {
    MaybeDecideEpoch();
  } else {
    SendLeaderInfo(from, stored);
  }
}

void Leader::MaybeDecideEpoch() {
  if (phase_ != Phase::kDiscovery) return;
  size_t voters = 1;
  int64_t max_epoch = own_accepted_;
  for (const auto& [id, learner] : learners_) {
    if (learner.observer) continue;
    ++voters;
    max_epoch = std::max({max_epoch, learner.accepted_epoch,
                          EpochOf(learner.last_zxid)});
  }
  if (voters < s_.Quorum()) return;
  epoch_ = max_epoch + 1;
  // Accepted before anyone hears of it.
  s_.PersistEpochs(epoch_, s_.epochs.current_epoch());
  phase_ = Phase::kEpochAcks;
  for (const auto& [id, learner] : learners_) SendLeaderInfo(id, learner);
  MaybeStartSync();
}

void Leader::SendLeaderInfo(MemberId id, const Learner& learner) {
  proto::PeerMessage message;
  message.mutable_leader_info()->set_epoch(epoch_);
  message.mutable_leader_info()->set_attempt(learner.attempt);
  s_.Send(id, std::move(message));
}

void Leader::OnAckEpoch(MemberId from, const proto::AckEpoch& ack) {
  auto it = learners_.find(from);
  if (it == learners_.end()) return;
  Learner& learner = it->second;
  if (learner.attempt != ack.attempt() || learner.stage != Stage::kInfo ||
      phase_ == Phase::kDiscovery || ack.epoch() != epoch_) {
    return;
  }
  learner.heard_tick = s_.tick;
  if (!learner.observer && phase_ == Phase::kEpochAcks &&
      std::make_tuple(ack.current_epoch(), ack.last_zxid()) >
          std::make_tuple(summary_epoch_, summary_zxid_)) {
    // Its history may hold committed txns mine lacks.
    s_.StepDown("m" + std::to_string(from) + " is ahead (e" +
                std::to_string(ack.current_epoch()) + ", " +
                ZxidString(ack.last_zxid()) + ")");
    return;
  }
  learner.stage = Stage::kAckedEpoch;
  learner.stage_tick = s_.tick;
  learner.last_zxid = ack.last_zxid();
  learner.counts_for_epoch = !learner.observer && !ack.already_accepted();
  switch (phase_) {
    case Phase::kEpochAcks:
      MaybeStartSync();
      break;
    case Phase::kNewLeaderAcks:
      // Observers get only committed txns: they wait for establishment.
      if (!learner.observer) Sync(from, learner);
      break;
    case Phase::kEstablished:
      Sync(from, learner);
      break;
    default:
      break;
  }
}

void Leader::MaybeStartSync() {
  if (phase_ != Phase::kEpochAcks) return;
  size_t count = 1;
  for (const auto& [id, learner] : learners_) {
    if (learner.counts_for_epoch && learner.stage >= Stage::kAckedEpoch) {
      ++count;
    }
  }
  if (count < s_.Quorum()) return;
  phase_ = Phase::kNewLeaderAcks;
  history_end_ = s_.last_logged;
  self_sync_zxid_ = history_end_;
  for (auto it = learners_.begin(); it != learners_.end();) {
    auto next = std::next(it);  // Sync erases a learner it cannot sync
    if (!it->second.observer && it->second.stage == Stage::kAckedEpoch) {
      Sync(it->first, it->second);
    }
    it = next;
  }
  if (s_.durable >= self_sync_zxid_) {
    OnSelfSynced(self_sync_zxid_);
  } else {
    s_.AfterSync(Ack{s_.me(), s_.me(), self_sync_zxid_, epoch_});
  }
}

void Leader::OnSelfSynced(Zxid durable) {
  self_acked_ = std::max(self_acked_, durable);
  if (self_acked_ < self_sync_zxid_) return;
  // As a follower does: current_epoch only once my history is durable, so
  // that after a crash I never claim this epoch with a shorter log.
  if (s_.epochs.current_epoch() < epoch_) {
    s_.PersistEpochs(s_.epochs.accepted_epoch(), epoch_);
  }
  MaybeEstablish();
}

bool Leader::Sync(MemberId id, Learner& learner) {
  // Observers get committed txns only; voters the whole history.
  const Zxid upto = learner.observer ? s_.committed : history_end_;
  const History history = s_.history();
  const SyncPlan plan =
      ChooseSync(history, learner.last_zxid, upto, s_.options.max_diff_txns);
  std::vector<proto::PeerMessage> diff;
  Zxid prev = plan.diff_from;
  Status status =
      history.Read(plan.diff_from, upto, [&](const proto::Txn& txn) {
        proto::PeerMessage message;
        auto* proposal = message.mutable_proposal();
        proposal->set_epoch(epoch_);
        proposal->set_prev_zxid(prev);
        *proposal->mutable_txn() = txn;
        prev = txn.zxid();
        diff.push_back(std::move(message));
        return diff.size() <= s_.options.max_diff_txns;
      });
  if (!status.ok() || (upto > plan.diff_from && prev != upto)) {
    s_.Trace("cannot build a diff for m" + std::to_string(id) + " from " +
             ZxidString(plan.diff_from) + " to " + ZxidString(upto) + ": " +
             status.ToString());
    learners_.erase(id);
    return false;
  }
  proto::PeerMessage start_message;
  auto* start = start_message.mutable_sync_start();
  start->set_epoch(epoch_);
  start->set_mode(plan.mode);
  start->set_learner_zxid(learner.last_zxid);
  start->set_attempt(learner.attempt);
  if (plan.mode == proto::SYNC_TRUNC) start->set_truncate_to(plan.diff_from);
  if (plan.mode == proto::SYNC_SNAP) start->set_snapshot_zxid(plan.diff_from);
  s_.Send(id, std::move(start_message));
  if (plan.mode == proto::SYNC_SNAP) {
    s_.ready.send_snapshot.push_back(SnapshotSend{id, plan.diff_from});
  }
  for (auto& message : diff) s_.Send(id, std::move(message));
  proto::PeerMessage new_leader;
  new_leader.mutable_new_leader()->set_epoch(epoch_);
  new_leader.mutable_new_leader()->set_zxid(upto);
  s_.Send(id, std::move(new_leader));
  learner.stage = Stage::kSyncing;
  learner.stage_tick = s_.tick;
  learner.sync_zxid = upto;
  learner.acked = 0;
  return true;
}

void Leader::MaybeEstablish() {
  // I am part of my quorum: my history is durable and I took the epoch.
  if (phase_ != Phase::kNewLeaderAcks || self_acked_ < self_sync_zxid_ ||
      s_.epochs.current_epoch() < epoch_) {
    return;
  }
  size_t count = 1;
  for (const auto& [id, learner] : learners_) {
    if (!learner.observer && learner.stage == Stage::kSynced) ++count;
  }
  if (count >= s_.Quorum()) Establish();
}

void Leader::Establish() {
  // Discovery guarantees my history holds every committed txn.
  ZAB_CHECK(s_.committed <= history_end_);
  phase_ = Phase::kEstablished;
  // A quorum holds my whole history durably: all of it is committed.
  s_.committed = std::max(s_.committed, history_end_);
  s_.ApplyCommitted();
  last_proposed_ = MakeZxid(epoch_, 0);
  for (auto& [id, learner] : learners_) {
    if (learner.stage == Stage::kSynced) {
      proto::PeerMessage message;
      message.mutable_up_to_date()->set_epoch(epoch_);
      message.mutable_up_to_date()->set_committed_zxid(s_.committed);
      s_.Send(id, std::move(message));
    }
  }
  for (auto it = learners_.begin(); it != learners_.end();) {
    auto next = std::next(it);  // Sync erases a learner it cannot sync
    if (it->second.observer && it->second.stage == Stage::kAckedEpoch) {
      Sync(it->first, it->second);
    }
    it = next;
  }
  s_.Trace("m" + std::to_string(s_.me()) + " established epoch " +
           std::to_string(epoch_) + " with history to " +
           ZxidString(history_end_));
}

}  // namespace canopy::zab
