// zab::Core: the atomic broadcast state machine. Deterministic and IO-free:
// proposals, acks and ticks go in; a Ready comes out, holding what to persist,
// what to log, what may only be sent after the log is synced, and which txns
// are committed and must be applied, in zxid order. The caller does the disk
// and the network.
//
// This version runs the broadcast phase of a leader whose voters are given at
// construction: with one voter (standalone) the leader is established at once
// in a fresh epoch. Election, discovery and sync for several members extend
// this class without changing the write path.
//
// The "ack only after fsync" rule is carried by the data: an ack (the
// leader's ack to itself included) is put in Ready::after_sync and must be
// delivered only once the log holds every txn up to its zxid durably.
#ifndef CANOPY_SERVER_ZAB_CORE_H_
#define CANOPY_SERVER_ZAB_CORE_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::zab {

using MemberId = int64_t;

inline int64_t EpochOf(Zxid zxid) { return zxid >> 32; }
inline int64_t CounterOf(Zxid zxid) { return zxid & 0xffffffffLL; }
inline Zxid MakeZxid(int64_t epoch, int64_t counter) {
  return (epoch << 32) | (counter & 0xffffffffLL);
}

enum class Role { kLooking, kFollowing, kLeading };

// An acknowledgement that member `from` has durably logged every txn up to
// zxid, addressed to member `to`.
struct Ack {
  MemberId from = 0;
  MemberId to = 0;
  Zxid zxid = 0;
};

struct Ready {
  // Epochs to persist (synced) before anything else in this Ready is acted
  // upon.
  std::optional<proto::EpochState> persist_epochs;
  // Txns to append to the log, in zxid order.
  std::vector<proto::Txn> to_log;
  // Acks to deliver only once the log is durable up to their zxid.
  std::vector<Ack> after_sync;
  // Committed txns to apply, in zxid order.
  std::vector<proto::Txn> to_apply;
  // Set when the role changed.
  std::optional<Role> role;

  bool empty() const {
    return !persist_epochs && to_log.empty() && after_sync.empty() &&
           to_apply.empty() && !role;
  }
};

struct CoreOptions {
  MemberId my_id = 1;
  std::set<MemberId> voters = {1};
};

class Core {
 public:
  // epochs and last_logged_zxid come from the durable log at start-up.
  Core(CoreOptions options, proto::EpochState epochs, Zxid last_logged_zxid);

  // Assigns the next zxid (epoch << 32 | counter) to txn and broadcasts it.
  // Fails with SYSTEM_ERROR when this member is not an established leader or
  // when the epoch's 32-bit counter is exhausted.
  Result<Zxid> Propose(proto::Txn txn);
  // The zxid the next Propose will assign (for the Preparer).
  Zxid NextZxid() const;
  // Delivers an ack (from this member or a follower).
  void StepAck(const Ack& ack);
  // Advances time by one tick.
  void Tick();

  bool HasReady() const { return !ready_.empty(); }
  // Hands over everything accumulated since the last call.
  Ready TakeReady();

  Role role() const { return role_; }
  MemberId my_id() const { return options_.my_id; }
  int64_t epoch() const { return epochs_.current_epoch(); }
  Zxid last_proposed() const { return last_proposed_; }
  Zxid last_committed() const { return last_committed_; }
  size_t in_flight() const { return proposals_.size(); }

 private:
  struct Proposal {
    proto::Txn txn;
    std::set<MemberId> acks;
  };
  void EstablishSingleMember(Zxid last_logged_zxid);
  bool HasQuorum(const std::set<MemberId>& acks) const;
  void CommitReady();

  CoreOptions options_;
  proto::EpochState epochs_;
  Role role_ = Role::kLooking;
  Zxid last_proposed_ = 0;
  Zxid last_committed_ = 0;
  std::deque<Proposal> proposals_;  // in zxid order, not yet committed
  Ready ready_;
};

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_CORE_H_
