#include "server/zab/election.h"

#include <tuple>

namespace canopy::zab {
namespace {

// The total order on candidates: (epoch, zxid, id).
bool Better(const proto::Vote& a, const proto::Vote& b) {
  return std::make_tuple(a.epoch(), a.zxid(), a.leader()) >
         std::make_tuple(b.epoch(), b.zxid(), b.leader());
}

bool SameCandidate(const proto::Vote& a, const proto::Vote& b) {
  return a.leader() == b.leader() && a.epoch() == b.epoch() &&
         a.zxid() == b.zxid();
}

}  // namespace

proto::Vote Election::Self() const {
  proto::Vote vote;
  if (s_.IAmVoter()) {
    vote.set_leader(s_.me());
    vote.set_epoch(s_.epochs.current_epoch());
    vote.set_zxid(s_.last_logged);
  }
  vote.set_round(round_);
  vote.set_state(proto::PEER_LOOKING);
  return vote;
}

void Election::Start() {
  ++round_;
  votes_.clear();
  out_of_election_.clear();
  quorum_since_tick_.reset();
  decided_.reset();
  proposal_ = Self();
  if (s_.IAmVoter()) votes_[s_.me()] = proposal_;
  Broadcast();
  CheckQuorum();
}

void Election::Adopt(const proto::Vote& vote) {
  proposal_.set_leader(vote.leader());
  proposal_.set_epoch(vote.epoch());
  proposal_.set_zxid(vote.zxid());
  proposal_.set_round(round_);
  votes_[s_.me()] = proposal_;
  quorum_since_tick_.reset();
  Broadcast();
}

void Election::OnVote(MemberId from, const proto::Vote& vote) {
  if (decided_ || !s_.IsVoter(from) || from == s_.me()) return;
  const bool voter = s_.IAmVoter();
  if (vote.state() == proto::PEER_LOOKING) {
    if (vote.round() > round_) {
      // A later round: join it, starting again from the better of my own
      // vote and the sender's.
      round_ = vote.round();
      votes_.clear();
      quorum_since_tick_.reset();
      proposal_ = Self();
      if (voter) {
        if (s_.IsVoter(vote.leader()) && Better(vote, proposal_)) {
          Adopt(vote);
        } else {
          votes_[s_.me()] = proposal_;
          Broadcast();
        }
      }
    } else if (vote.round() < round_) {
      SendTo(from);  // help the sender catch up
      return;
    } else if (voter && s_.IsVoter(vote.leader()) &&
               Better(vote, proposal_)) {
      Adopt(vote);
    }
    votes_[from] = vote;
    CheckQuorum();
    return;
  }
  // The sender follows or leads already.
  if (vote.round() == round_) votes_[from] = vote;
  out_of_election_[from] = vote;
  CheckJoin(vote);
  CheckQuorum();
}

size_t Election::CountFor(const proto::Vote& vote) const {
  size_t count = 0;
  for (const auto& [id, v] : votes_) {
    if (s_.IsVoter(id) && SameCandidate(v, vote)) ++count;
  }
  return count;
}

void Election::CheckQuorum() {
  if (decided_ || !s_.IAmVoter()) return;
  const size_t count = CountFor(proposal_);
  if (count >= s_.Quorum() && (count >= s_.ReachableVoters() ||
                                s_.options.election_wait_ticks <= 0)) {
    Decide(proposal_);
  } else if (count >= s_.Quorum()) {
    if (!quorum_since_tick_) quorum_since_tick_ = s_.tick;
  } else {
    quorum_since_tick_.reset();
  }
}

void Election::CheckJoin(const proto::Vote& vote) {
  if (decided_) return;
  const MemberId leader = vote.leader();
  if (leader == s_.me() || !s_.IsVoter(leader)) return;
  auto own = out_of_election_.find(leader);
  if (own == out_of_election_.end() ||
      own->second.state() != proto::PEER_LEADING ||
      own->second.leader() != leader || own->second.epoch() != vote.epoch()) {
    return;
  }
  size_t count = 0;
  for (const auto& [id, v] : out_of_election_) {
    if (v.leader() == leader && v.epoch() == vote.epoch()) ++count;
  }
  if (count >= s_.Quorum()) Decide(own->second);
}

void Election::Tick() {
  if (decided_) return;
  if (quorum_since_tick_ &&
      s_.tick - *quorum_since_tick_ >= s_.options.election_wait_ticks &&
      CountFor(proposal_) >= s_.Quorum()) {
    Decide(proposal_);
    return;
  }
  Broadcast();
}

void Election::Decide(const proto::Vote& vote) {
  proto::Vote decided;
  decided.set_leader(vote.leader());
  decided.set_epoch(vote.epoch());
  decided.set_zxid(vote.zxid());
  decided_ = decided;
  quorum_since_tick_.reset();
}

proto::Vote Election::Answer(MemberId leader, int64_t epoch,
                             proto::PeerState state) const {
  proto::Vote vote;
  vote.set_leader(leader);
  vote.set_epoch(epoch);
  vote.set_round(round_);
  vote.set_state(state);
  return vote;
}

void Election::SendTo(MemberId to) {
  proto::PeerMessage message;
  *message.mutable_vote() = proposal_;
  message.mutable_vote()->set_round(round_);
  message.mutable_vote()->set_state(proto::PEER_LOOKING);
  s_.Send(to, std::move(message));
}

void Election::Broadcast() {
  for (MemberId id : s_.options.voters) {
    if (id != s_.me()) SendTo(id);
  }
}

}  // namespace canopy::zab
