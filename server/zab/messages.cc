#include "server/zab/messages.h"

#include <cstdio>

namespace canopy::zab {
namespace {

const char* StateName(proto::PeerState state) {
  switch (state) {
    case proto::PEER_LOOKING: return "LOOKING";
    case proto::PEER_FOLLOWING: return "FOLLOWING";
    case proto::PEER_LEADING: return "LEADING";
    case proto::PEER_OBSERVING: return "OBSERVING";
    default: return "?";
  }
}

const char* ModeName(proto::SyncMode mode) {
  switch (mode) {
    case proto::SYNC_DIFF: return "DIFF";
    case proto::SYNC_TRUNC: return "TRUNC";
    case proto::SYNC_SNAP: return "SNAP";
    default: return "?";
  }
}

std::string TxnString(const proto::Txn& txn) {
  std::string out = ZxidString(txn.zxid());
  if (txn.has_set_data()) {
    out += " " + txn.set_data().path() + "=" + txn.set_data().data();
  }
  return out;
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kLooking: return "LOOKING";
    case Role::kFollowing: return "FOLLOWING";
    case Role::kLeading: return "LEADING";
    case Role::kObserving: return "OBSERVING";
  }
  return "?";
}

int64_t MessageEpoch(const proto::PeerMessage& m) {
  using M = proto::PeerMessage;
  switch (m.body_case()) {
    case M::kLeaderInfo: return m.leader_info().epoch();
    case M::kAckEpoch: return m.ack_epoch().epoch();
    case M::kSyncStart: return m.sync_start().epoch();
    case M::kProposal: return m.proposal().epoch();
    case M::kNewLeader: return m.new_leader().epoch();
    case M::kAck: return m.ack().epoch();
    case M::kUpToDate: return m.up_to_date().epoch();
    case M::kCommit: return m.commit().epoch();
    case M::kInform: return m.inform().epoch();
    case M::kPing: return m.ping().epoch();
    case M::kPingAck: return m.ping_ack().epoch();
    default: return 0;
  }
}

std::string ZxidString(Zxid zxid) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%lld:%lld",
                static_cast<long long>(EpochOf(zxid)),
                static_cast<long long>(CounterOf(zxid)));
  return buf;
}

const char* BodyName(const proto::PeerMessage& m) {
  using M = proto::PeerMessage;
  switch (m.body_case()) {
    case M::kVote: return "Vote";
    case M::kFollowerInfo: return "FollowerInfo";
    case M::kLeaderInfo: return "LeaderInfo";
    case M::kAckEpoch: return "AckEpoch";
    case M::kSyncStart: return "SyncStart";
    case M::kProposal: return "Proposal";
    case M::kNewLeader: return "NewLeader";
    case M::kAck: return "Ack";
    case M::kUpToDate: return "UpToDate";
    case M::kCommit: return "Commit";
    case M::kInform: return "Inform";
    case M::kPing: return "Ping";
    case M::kPingAck: return "PingAck";
    default: return "Empty";
  }
}

std::string Describe(const proto::PeerMessage& m) {
  using M = proto::PeerMessage;
  std::string out = "m" + std::to_string(m.from()) + "->m" +
                    std::to_string(m.to()) + " " + BodyName(m);
  const std::string epoch = " e" + std::to_string(MessageEpoch(m));
  switch (m.body_case()) {
    case M::kVote: {
      const auto& v = m.vote();
      out += " " + std::string(StateName(v.state())) + " round=" +
             std::to_string(v.round()) + " for m" + std::to_string(v.leader()) +
             " (e" + std::to_string(v.epoch()) + ", " + ZxidString(v.zxid()) +
             ")";
      break;
    }
    case M::kFollowerInfo:
      out += " accepted=e" + std::to_string(m.follower_info().accepted_epoch()) +
             " last=" + ZxidString(m.follower_info().last_zxid()) +
             (m.follower_info().observer() ? " observer" : "");
      break;
    case M::kLeaderInfo:
      out += epoch;
      break;
    case M::kAckEpoch:
      out += epoch + " current=e" +
             std::to_string(m.ack_epoch().current_epoch()) + " last=" +
             ZxidString(m.ack_epoch().last_zxid()) +
             (m.ack_epoch().already_accepted() ? " already" : "");
      break;
    case M::kSyncStart: {
      const auto& s = m.sync_start();
      out += epoch + " " + ModeName(s.mode()) + " learner=" +
             ZxidString(s.learner_zxid());
      if (s.mode() == proto::SYNC_TRUNC) {
        out += " to=" + ZxidString(s.truncate_to());
      }
      if (s.mode() == proto::SYNC_SNAP) {
        out += " snapshot=" + ZxidString(s.snapshot_zxid());
      }
      break;
    }
    case M::kProposal:
      out += epoch + " " + TxnString(m.proposal().txn()) + " prev=" +
             ZxidString(m.proposal().prev_zxid());
      break;
    case M::kNewLeader:
      out += epoch + " " + ZxidString(m.new_leader().zxid());
      break;
    case M::kAck:
      out += epoch + " " + ZxidString(m.ack().zxid());
      break;
    case M::kUpToDate:
      out += epoch + " committed=" + ZxidString(m.up_to_date().committed_zxid());
      break;
    case M::kCommit:
      out += epoch + " " + ZxidString(m.commit().zxid());
      break;
    case M::kInform:
      out += epoch + " " + TxnString(m.inform().txn()) + " prev=" +
             ZxidString(m.inform().prev_zxid());
      break;
    case M::kPing:
      out += epoch + " id=" + std::to_string(m.ping().ping_id()) +
             " committed=" + ZxidString(m.ping().committed_zxid());
      break;
    case M::kPingAck:
      out += epoch + " id=" + std::to_string(m.ping_ack().ping_id()) +
             " acked=" + ZxidString(m.ping_ack().acked_zxid());
      break;
    default:
      break;
  }
  return out;
}

}  // namespace canopy::zab
