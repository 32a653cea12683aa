#include "server/zab/core.h"

#include <string>
#include <utility>

#include "server/zab/core_state.h"
#include "server/zab/election.h"
#include "server/zab/follower.h"
#include "server/zab/leader.h"
#include "server/zab/messages.h"

namespace canopy::zab {
namespace {

Recovered Standalone(proto::EpochState epochs, Zxid last_logged_zxid) {
  Recovered recovered;
  recovered.epochs = std::move(epochs);
  recovered.last_logged_zxid = last_logged_zxid;
  recovered.applied_zxid = last_logged_zxid;
  return recovered;
}

// Transitions one call may cause (step down, elect, establish, ...) are few;
// more means a loop.
constexpr int kMaxTransitionsPerCall = 16;

}  // namespace

Core::Core(CoreOptions options, proto::EpochState epochs,
           Zxid last_logged_zxid)
    : Core(std::move(options), Standalone(std::move(epochs), last_logged_zxid),
           nullptr) {}

Core::Core(CoreOptions options, const Recovered& recovered,
           const LogReader* log)
    : state_(std::make_unique<CoreState>(std::move(options), recovered, log)),
      election_(std::make_unique<Election>(*state_)) {
  ZAB_CHECK(state_->IsMember(state_->me()));
  ZAB_CHECK(!state_->options.voters.empty());
  ZAB_CHECK(recovered.applied_zxid <= recovered.last_logged_zxid);
  election_->Start();
  Settle();
}

Core::~Core() = default;

Status Core::Step(const proto::PeerMessage& message) {
  if (message.to() != state_->me()) {
    return Status(proto::BAD_ARGUMENTS, "message for m" +
                                            std::to_string(message.to()));
  }
  if (message.from() == state_->me() || !state_->IsMember(message.from())) {
    return Status(proto::BAD_ARGUMENTS,
                  "message from non-member m" + std::to_string(message.from()));
  }
  if (message.body_case() == proto::PeerMessage::BODY_NOT_SET) {
    return Status(proto::BAD_ARGUMENTS, "empty message");
  }
  state_->lost.erase(message.from());
  if (message.has_vote()) {
    OnVote(message.from(), message.vote());
  } else if (leader_) {
    leader_->Step(message);
  } else if (follower_ && message.from() == follower_->leader()) {
    follower_->Step(message);
  }
  Settle();
  return Status::Ok();
}

void Core::OnVote(MemberId from, const proto::Vote& vote) {
  if (role_ == Role::kLooking) {
    election_->OnVote(from, vote);
    return;
  }
  if (vote.state() != proto::PEER_LOOKING) return;
  if (follower_ && from == follower_->leader() && follower_->epoch() != 0) {
    // My leader is looking again (it restarted or stepped down); on a FIFO
    // link this vote was sent after its LeaderInfo.
    state_->StepDown("leader m" + std::to_string(from) + " is looking");
    Settle();
    election_->OnVote(from, vote);
    return;
  }
  // Tell a LOOKING member whom I follow, so it can join.
  proto::PeerState state = proto::PEER_FOLLOWING;
  if (role_ == Role::kLeading) state = proto::PEER_LEADING;
  if (role_ == Role::kObserving) state = proto::PEER_OBSERVING;
  proto::PeerMessage answer;
  const RoleChange now = CurrentRole();
  *answer.mutable_vote() = election_->Answer(now.leader, now.epoch, state);
  state_->Send(from, std::move(answer));
}

Result<Zxid> Core::Propose(proto::Txn txn) {
  if (!leader_) return Result<Zxid>(proto::SYSTEM_ERROR, "not the leader");
  Result<Zxid> zxid = leader_->Propose(std::move(txn));
  Settle();
  return zxid;
}

Status Core::CanPropose() const {
  if (!leader_) return Status(proto::SYSTEM_ERROR, "not the leader");
  return leader_->CanPropose();
}

Zxid Core::NextZxid() const {
  return leader_ ? leader_->NextZxid() : state_->last_logged + 1;
}

void Core::StepAck(const Ack& ack) {
  const MemberId me = state_->me();
  if (ack.from != me) {
    // The old interface: an ack received from a follower.
    if (ack.to != me || !state_->IsMember(ack.from)) return;
    proto::PeerMessage message;
    message.set_from(ack.from);
    message.set_to(me);
    message.mutable_ack()->set_epoch(ack.epoch);
    message.mutable_ack()->set_zxid(ack.zxid);
    Step(message);
    return;
  }
  if (ack.to == me) {
    if (leader_) leader_->SelfAck(ack);
  } else if (follower_) {
    follower_->ReleaseAck(ack);
  }
  Settle();
}

void Core::PeerLost(MemberId id) {
  if (id == state_->me() || !state_->IsMember(id)) return;
  state_->lost.insert(id);
  if (follower_ && follower_->leader() == id) {
    state_->StepDown("lost the link to leader m" + std::to_string(id));
  } else if (role_ == Role::kLooking) {
    election_->Recheck();
  }
  Settle();
}

void Core::Tick() {
  ++state_->tick;
  if (leader_) {
    leader_->Tick();
  } else if (follower_) {
    follower_->Tick();
  } else {
    election_->Tick();
  }
  Settle();
}

void Core::SnapshotInstalled(Zxid zxid) {
  CoreState& s = *state_;
  // Whatever the core wants now, the host's log and state are the
  // snapshot's.
  s.last_logged = zxid;
  s.durable = zxid;
  s.applied = zxid;
  s.committed = std::max(s.committed, zxid);
  if (follower_) follower_->SnapshotInstalled(zxid);
  Settle();
}

Status Core::RequestSyncBarrier(uint64_t id) {
  if (!leader_) return Status(proto::SYSTEM_ERROR, "not the leader");
  Status status = leader_->RequestSyncBarrier(id);
  Settle();
  return status;
}

bool Core::HasReady() const {
  return !state_->ready.empty() || (leader_ && leader_->pings_wanted());
}

Ready Core::TakeReady() {
  if (leader_) leader_->FlushPings();
  Ready out = std::move(state_->ready);
  state_->ready = Ready{};
  return out;
}

void Core::StartLooking(const std::string& reason) {
  state_->Trace("m" + std::to_string(state_->me()) + " " + RoleName(role_) +
                " -> LOOKING: " + reason);
  if (leader_) leader_->Stop();
  leader_.reset();
  follower_.reset();
  role_ = Role::kLooking;
  election_->Start();
}

void Core::TakeRole(const proto::Vote& decided) {
  const MemberId me = state_->me();
  if (decided.leader() == me) {
    role_ = Role::kLeading;
    leader_ = std::make_unique<Leader>(*state_);
    leader_->Start();
  } else {
    role_ = state_->IAmVoter() ? Role::kFollowing : Role::kObserving;
    follower_ = std::make_unique<Follower>(*state_, decided.leader());
    follower_->Start();
  }
  state_->Trace("m" + std::to_string(me) + " LOOKING -> " + RoleName(role_) +
                " (leader m" + std::to_string(decided.leader()) + ", round " +
                std::to_string(election_->round()) + ")");
}

void Core::Settle() {
  for (int i = 0; i < kMaxTransitionsPerCall; ++i) {
    if (state_->step_down) {
      std::string reason = std::move(*state_->step_down);
      state_->step_down.reset();
      StartLooking(reason);
      continue;
    }
    if (role_ == Role::kLooking && election_->decided()) {
      TakeRole(*election_->decided());
      continue;
    }
    break;
  }
  const RoleChange now = CurrentRole();
  if (!reported_ || reported_->role != now.role ||
      reported_->leader != now.leader || reported_->epoch != now.epoch ||
      reported_->serving != now.serving) {
    reported_ = now;
    state_->ready.role = now;
  }
}

RoleChange Core::CurrentRole() const {
  RoleChange change;
  change.role = role_;
  if (leader_) {
    change.leader = state_->me();
    change.epoch = leader_->epoch();
    change.serving = leader_->established();
  } else if (follower_) {
    change.leader = follower_->leader();
    change.epoch = follower_->epoch();
    change.serving = follower_->serving();
  }
  return change;
}

MemberId Core::my_id() const { return state_->me(); }

MemberId Core::leader_id() const { return CurrentRole().leader; }

int64_t Core::epoch() const {
  const RoleChange now = CurrentRole();
  return now.epoch != 0 ? now.epoch : state_->epochs.current_epoch();
}

int64_t Core::accepted_epoch() const {
  return state_->epochs.accepted_epoch();
}

bool Core::serving() const { return CurrentRole().serving; }

Zxid Core::last_logged() const { return state_->last_logged; }

Zxid Core::last_proposed() const {
  return leader_ ? leader_->last_proposed() : state_->last_logged;
}

Zxid Core::last_committed() const { return state_->committed; }

Zxid Core::last_applied() const { return state_->applied; }

size_t Core::in_flight() const { return leader_ ? leader_->in_flight() : 0; }

std::optional<SnapshotInstall> Core::pending_install() const {
  if (!follower_) return std::nullopt;
  const auto zxid = follower_->pending_install();
  if (!zxid) return std::nullopt;
  return SnapshotInstall{follower_->leader(), *zxid};
}

}  // namespace canopy::zab
