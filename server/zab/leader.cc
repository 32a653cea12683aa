// Leader: broadcast, pings and sync barriers.
#include "server/zab/leader.h"

#include <algorithm>
#include <vector>

#include "server/zab/messages.h"

namespace canopy::zab {

void Leader::Step(const proto::PeerMessage& m) {
  using M = proto::PeerMessage;
  switch (m.body_case()) {
    case M::kFollowerInfo:
      OnFollowerInfo(m.from(), m.follower_info());
      break;
    case M::kAckEpoch:
      OnAckEpoch(m.from(), m.ack_epoch());
      break;
    case M::kAck:
      if (m.ack().epoch() == epoch_ && epoch_ != 0) {
        OnAck(m.from(), m.ack().zxid());
      }
      break;
    case M::kPingAck:
      OnPingAck(m.from(), m.ping_ack());
      break;
    default:
      break;  // nothing else is for a leader
  }
}

Status Leader::CanPropose() const {
  if (phase_ != Phase::kEstablished) {
    return Status(proto::SYSTEM_ERROR, "not the leader");
  }
  if (exhausted_ || CounterOf(last_proposed_) >= s_.options.zxid_counter_limit) {
    return Status(proto::SYSTEM_ERROR, "zxid counter exhausted");
  }
  if (proposals_.size() >= s_.options.max_in_flight) {
    return Status(proto::THROTTLED_OP, "too many proposals in flight");
  }
  return Status::Ok();
}

Result<Zxid> Leader::Propose(proto::Txn txn) {
  if (Status can = CanPropose(); !can.ok()) {
    if (phase_ == Phase::kEstablished &&
        CounterOf(last_proposed_) >= s_.options.zxid_counter_limit) {
      exhausted_ = true;
    }
    return Result<Zxid>(can);
  }
  const Zxid zxid = last_proposed_ + 1;
  txn.set_zxid(zxid);
  for (const auto& [id, learner] : learners_) {
    if (learner.observer || learner.stage < Stage::kSyncing) continue;
    proto::PeerMessage message;
    auto* proposal = message.mutable_proposal();
    proposal->set_epoch(epoch_);
    proposal->set_prev_zxid(history_end_);
    *proposal->mutable_txn() = txn;
    s_.Send(id, std::move(message));
  }
  s_.Log(txn);
  s_.AfterSync(Ack{s_.me(), s_.me(), zxid, epoch_});
  proposals_.push_back(std::move(txn));
  history_end_ = zxid;
  last_proposed_ = zxid;
  if (CounterOf(zxid) >= s_.options.zxid_counter_limit) exhausted_ = true;
  return zxid;
}

void Leader::SelfAck(const Ack& ack) {
  if (ack.epoch != epoch_ || epoch_ == 0) return;
  s_.durable = std::max(s_.durable, ack.zxid);
  if (phase_ == Phase::kNewLeaderAcks) OnSelfSynced(ack.zxid);
  self_acked_ = std::max(self_acked_, ack.zxid);
  if (phase_ == Phase::kEstablished) AdvanceCommit();
}

void Leader::OnAck(MemberId from, Zxid zxid) {
  auto it = learners_.find(from);
  if (it == learners_.end()) return;
  Learner& learner = it->second;
  learner.heard_tick = s_.tick;
  if (learner.stage == Stage::kSyncing && zxid >= learner.sync_zxid) {
    MarkSynced(from, learner, zxid);
  } else if (learner.stage == Stage::kSynced && zxid > learner.acked) {
    learner.acked = zxid;
    if (phase_ == Phase::kEstablished && !learner.observer) AdvanceCommit();
  }
}

void Leader::MarkSynced(MemberId id, Learner& learner, Zxid zxid) {
  learner.stage = Stage::kSynced;
  learner.stage_tick = s_.tick;
  learner.acked = zxid;
  if (phase_ != Phase::kEstablished) {
    MaybeEstablish();
    return;
  }
  proto::PeerMessage message;
  message.mutable_up_to_date()->set_epoch(epoch_);
  message.mutable_up_to_date()->set_committed_zxid(s_.committed);
  s_.Send(id, std::move(message));
  if (!learner.observer) AdvanceCommit();
}

void Leader::OnPingAck(MemberId from, const proto::PingAck& ack) {
  if (ack.epoch() != epoch_ || epoch_ == 0) return;
  auto it = learners_.find(from);
  if (it == learners_.end()) return;
  it->second.heard_tick = s_.tick;
  it->second.acked_ping = std::max(it->second.acked_ping, ack.ping_id());
  if (ack.acked_zxid() > 0) OnAck(from, ack.acked_zxid());
  CheckBarriers();
}

void Leader::AdvanceCommit() {
  std::vector<Zxid> acks = {self_acked_};
  for (const auto& [id, learner] : learners_) {
    if (!learner.observer && learner.stage == Stage::kSynced) {
      acks.push_back(learner.acked);
    }
  }
  const size_t quorum = s_.Quorum();
  if (acks.size() < quorum) return;
  std::nth_element(acks.begin(), acks.begin() + (quorum - 1), acks.end(),
                   std::greater<Zxid>());
  const Zxid commit = acks[quorum - 1];
  bool advanced = false;
  while (!proposals_.empty() && proposals_.front().zxid() <= commit) {
    proto::Txn txn = std::move(proposals_.front());
    proposals_.pop_front();
    const Zxid prev = s_.committed;
    s_.committed = txn.zxid();
    advanced = true;
    for (const auto& [id, learner] : learners_) {
      if (!learner.observer || learner.stage < Stage::kSyncing) continue;
      proto::PeerMessage message;
      auto* inform = message.mutable_inform();
      inform->set_epoch(epoch_);
      inform->set_prev_zxid(prev);
      *inform->mutable_txn() = txn;
      s_.Send(id, std::move(message));
    }
    if (s_.applied == prev) {
      s_.Apply(txn);
    } else {
      s_.ApplyCommitted();
    }
  }
  if (!advanced) return;
  for (const auto& [id, learner] : learners_) {
    if (learner.observer || learner.stage != Stage::kSynced) continue;
    proto::PeerMessage message;
    message.mutable_commit()->set_epoch(epoch_);
    message.mutable_commit()->set_zxid(s_.committed);
    s_.Send(id, std::move(message));
  }
}

void Leader::Tick() {
  const int64_t now = s_.tick;
  if (phase_ != Phase::kEstablished &&
      now - start_tick_ > s_.options.init_limit_ticks) {
    s_.StepDown("no quorum synced within init_limit");
    return;
  }
  for (auto it = learners_.begin(); it != learners_.end();) {
    const Learner& learner = it->second;
    const bool silent =
        learner.stage == Stage::kSynced
            ? now - learner.heard_tick > s_.options.sync_limit_ticks
            : now - learner.stage_tick > s_.options.init_limit_ticks;
    it = silent ? learners_.erase(it) : std::next(it);
  }
  if (phase_ == Phase::kEstablished) {
    size_t count = 1;
    for (const auto& [id, learner] : learners_) {
      if (!learner.observer && learner.stage == Stage::kSynced) ++count;
    }
    if (count < s_.Quorum()) {
      s_.StepDown("lost the quorum (" + std::to_string(count) + " of " +
                  std::to_string(s_.options.voters.size()) + " voters)");
      return;
    }
    if (exhausted_ && proposals_.empty()) {
      // The next proposal needs a new epoch, which takes a new election.
      s_.StepDown("zxid counter exhausted");
      return;
    }
  }
  SendPings();
}

void Leader::SendPings() {
  ++ping_id_;
  pings_wanted_ = false;
  for (const auto& [id, learner] : learners_) {
    if (learner.stage < Stage::kSyncing) continue;
    proto::PeerMessage message;
    auto* ping = message.mutable_ping();
    ping->set_epoch(epoch_);
    ping->set_ping_id(ping_id_);
    ping->set_committed_zxid(phase_ == Phase::kEstablished ? s_.committed : 0);
    s_.Send(id, std::move(message));
  }
}

Status Leader::RequestSyncBarrier(uint64_t id) {
  if (phase_ != Phase::kEstablished) {
    return Status(proto::SYSTEM_ERROR, "not the leader");
  }
  if (barriers_.size() >= s_.options.max_pending_barriers) {
    return Status(proto::THROTTLED_OP, "too many sync barriers pending");
  }
  // Pings are sent when the host takes the Ready, so that every barrier
  // requested before then shares one round.
  barriers_.push_back(Barrier{id, ping_id_ + 1});
  pings_wanted_ = true;
  CheckBarriers();
  return Status::Ok();
}

void Leader::FlushPings() {
  if (pings_wanted_) SendPings();
}

size_t Leader::SyncedVotersWith(int64_t Learner::*field,
                                int64_t at_least) const {
  size_t count = 0;
  for (const auto& [id, learner] : learners_) {
    if (!learner.observer && learner.stage == Stage::kSynced &&
        learner.*field >= at_least) {
      ++count;
    }
  }
  return count;
}

void Leader::CheckBarriers() {
  while (!barriers_.empty()) {
    // I count for myself; the others by answering a late enough ping.
    const size_t count =
        1 + SyncedVotersWith(&Learner::acked_ping, barriers_.front().ping_id);
    if (count < s_.Quorum()) return;
    s_.ready.sync_ready.push_back(barriers_.front().id);
    barriers_.pop_front();
  }
  pings_wanted_ = pings_wanted_ && s_.Quorum() > 1;
}

void Leader::Stop() {
  for (const Barrier& barrier : barriers_) {
    s_.ready.sync_failed.push_back(barrier.id);
  }
  barriers_.clear();
}

}  // namespace canopy::zab
