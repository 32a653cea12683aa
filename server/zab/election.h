// Election: fast leader election, as ZooKeeper's FastLeaderElection.
//
// A LOOKING voter votes for the best candidate it knows by (current epoch,
// last zxid, id), sends its vote to every voter each tick and whenever it
// changes, and adopts any better vote of its round. It decides when a quorum
// of voters votes as it does and no better vote came for
// election_wait_ticks (at once when every voter not known lost agrees). A vote of a later
// round restarts its round there; a vote of an earlier round is answered
// with its own so the sender catches up.
//
// Joining: a member that is not LOOKING answers a LOOKING member's vote with
// the leader it follows (or itself), the epoch being led (0 until the
// leader chose it) and its state. A LOOKING member (voter or observer) that
// sees a quorum of voters following or leading the same leader in the same
// epoch, the leader itself among them saying LEADING, follows that leader.
//
// The election only picks a likely leader; safety comes from discovery (a
// leader establishes only with a quorum whose histories are not ahead of
// its own).
#ifndef CANOPY_SERVER_ZAB_ELECTION_H_
#define CANOPY_SERVER_ZAB_ELECTION_H_

#include <map>
#include <optional>

#include "proto/peer.pb.h"
#include "server/zab/core_state.h"

namespace canopy::zab {

class Election {
 public:
  explicit Election(CoreState& state) : s_(state) {}

  // Starts a new round: a voter votes for itself, an observer for nobody.
  void Start();
  // A vote from another member while LOOKING.
  void OnVote(MemberId from, const proto::Vote& vote);
  // Decides at once if every reachable voter (CoreState::lost) now agrees.
  void Recheck() { CheckQuorum(); }
  // Resends the vote; decides once a quorum held for the wait.
  void Tick();
  // The vote decided on (leader, epoch, zxid), once decided.
  const std::optional<proto::Vote>& decided() const { return decided_; }
  // The answer to a LOOKING member while following or leading `leader`
  // in `epoch`, in `state`.
  proto::Vote Answer(MemberId leader, int64_t epoch,
                     proto::PeerState state) const;
  int64_t round() const { return round_; }

 private:
  proto::Vote Self() const;
  size_t CountFor(const proto::Vote& vote) const;
  void Adopt(const proto::Vote& vote);
  void Broadcast();
  void SendTo(MemberId to);
  void CheckQuorum();
  void CheckJoin(const proto::Vote& vote);
  void Decide(const proto::Vote& vote);

  CoreState& s_;
  int64_t round_ = 0;
  proto::Vote proposal_;  // my vote (leader 0: none)
  // This round's votes by sender (mine included), LOOKING or not.
  std::map<MemberId, proto::Vote> votes_;
  // The latest vote of each voter that is following or leading.
  std::map<MemberId, proto::Vote> out_of_election_;
  std::optional<int64_t> quorum_since_tick_;
  std::optional<proto::Vote> decided_;
};

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_ELECTION_H_
