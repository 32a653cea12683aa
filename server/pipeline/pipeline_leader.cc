// The leader's half of the pipeline: preparing and proposing what any
// member's sessions ask for, sync barriers, session expiry and TTLs; and the
// learner's heartbeats towards it.
#include "server/pipeline/pipeline.h"

namespace canopy::pipeline {

bool Pipeline::IsServingLeader() const {
  return role_.serving && role_.role == zab::Role::kLeading;
}

bool Pipeline::Propose(proto::Txn txn) {
  auto zxid = core_->Propose(std::move(txn));
  if (!zxid.ok()) {
    // Not reached when the caller checked core_->CanPropose() before
    // preparing. The overlay must not keep the refused change; forgetting
    // it all also forgets the txns in flight, so later prepares may
    // misjudge (hence the checks before preparing).
    preparer_.Reset();
    return false;
  }
  return true;
}

void Pipeline::Reply(int64_t origin, SessionId session,
                     proto::Response response) {
  if (origin == options_.server_id) {
    DeliverLocal(session, std::move(response));
    return;
  }
  proto::MemberMessage message;
  message.mutable_reply()->set_session_id(session);
  *message.mutable_reply()->mutable_response() = std::move(response);
  host_->SendToMember(origin, message);
}

void Pipeline::LeaderSubmit(int64_t origin, SessionId session,
                            const tree::AuthIds& auth,
                            const proto::Request& request) {
  const int32_t xid = request.xid();
  if (!IsServingLeader()) {
    Reply(origin, session, ErrorResponse(xid, proto::CONNECTION_LOSS));
    return;
  }
  tracker_.Touch(session, now_.mono_ms);
  if (request.has_sync()) {
    const uint64_t id = next_barrier_id_++;
    barriers_[id] = Barrier{origin, session, xid, request.sync().path()};
    if (!core_->RequestSyncBarrier(id).ok()) {
      barriers_.erase(id);
      Reply(origin, session, ErrorResponse(xid, proto::CONNECTION_LOSS));
    }
    return;
  }
  if (Status can = core_->CanPropose(); !can.ok()) {
    // Too many txns in flight, or the zxid counter is spent (the leader
    // moves to a new epoch once the txns in flight commit). Refused before
    // preparing: a prepared-then-refused txn would make the preparer drop
    // what it knows of the txns in flight. The client may retry.
    Reply(origin, session,
          ErrorResponse(xid, request.has_close() ? proto::CONNECTION_LOSS
                                                 : proto::THROTTLED_OP));
    return;
  }
  if (request.has_close()) {
    if (tracker_.IsClosing(session) || !tree_->sessions().count(session)) {
      // Already closing or gone: answer as a close that happened.
      proto::Response done = ErrorResponse(xid, proto::OK);
      done.mutable_empty();
      Reply(origin, session, std::move(done));
      return;
    }
    tracker_.MarkClosing(session);
    proto::Txn txn = preparer_.PrepareCloseSession(
        session, core_->NextZxid(), now_.wall_ms);
    txn.set_xid(xid);
    if (!Propose(std::move(txn))) {
      Reply(origin, session, ErrorResponse(xid, proto::CONNECTION_LOSS));
    }
    return;
  }
  tree::Prepared prepared =
      preparer_.Prepare(session, auth, request, core_->NextZxid(),
                        now_.wall_ms);
  for (const std::string& warning : prepared.warnings) {
    host_->QuotaWarning(warning);
  }
  if (prepared.txn) {
    if (!Propose(std::move(*prepared.txn))) {
      Reply(origin, session, ErrorResponse(xid, proto::THROTTLED_OP));
    }
    return;
  }
  prepared.error_response.set_xid(xid);
  // The preparer judged the request against the txns in flight too, so a
  // refusal (BAD_VERSION, NODE_EXISTS, ...) may rest on a change a crash
  // could still undo. Like ZooKeeper's error txns, it is answered only once
  // the last txn proposed before it is applied; answering at once broke
  // linearizability (a CAS refused, then a synced read showing the version
  // it expected: found by the nemesis suite, tests/nemesis).
  const Zxid last_proposed = core_->NextZxid() - 1;
  if ((last_proposed & 0xffffffffLL) != 0 &&
      last_proposed > tree_->last_zxid()) {
    deferred_replies_.emplace(
        last_proposed,
        DeferredReply{origin, session, std::move(prepared.error_response)});
    return;
  }
  prepared.error_response.set_zxid(tree_->last_zxid());
  Reply(origin, session, std::move(prepared.error_response));
}

void Pipeline::LeaderCreateSession(SessionId session, int32_t timeout_ms,
                                   const std::string& password) {
  // The client retries when its session does not come.
  if (!IsServingLeader() || !core_->CanPropose().ok()) return;
  Propose(preparer_.PrepareCreateSession(session, timeout_ms, password,
                                         core_->NextZxid(), now_.wall_ms));
}

void Pipeline::OnMemberMessage(int64_t from,
                               const proto::MemberMessage& message, Now now) {
  now_ = now;
  switch (message.body_case()) {
    case proto::MemberMessage::kZab:
      core_->Step(message.zab());
      break;
    case proto::MemberMessage::kForward: {
      const auto& forward = message.forward();
      tree::AuthIds auth(forward.auth().begin(), forward.auth().end());
      LeaderSubmit(from, forward.session_id(), auth, forward.request());
      break;
    }
    case proto::MemberMessage::kReply:
      DeliverLocal(message.reply().session_id(), message.reply().response());
      break;
    case proto::MemberMessage::kConnect:
      LeaderCreateSession(message.connect().session_id(),
                          message.connect().timeout_ms(),
                          message.connect().password());
      break;
    case proto::MemberMessage::kDigest:
      OnDigestAnnounced(from, message.digest());
      break;
    case proto::MemberMessage::kHeartbeat:
      if (IsServingLeader()) {
        for (SessionId id : message.heartbeat().session_ids()) {
          tracker_.Touch(id, now_.mono_ms);
        }
      }
      break;
    default:
      break;  // snapshot chunks are the host's
  }
  Drain();
}

void Pipeline::OnPeerLost(int64_t member, Now now) {
  now_ = now;
  core_->PeerLost(member);
  Drain();
}

void Pipeline::Tick(Now now) {
  now_ = now;
  while (now_.mono_ms - last_core_tick_ms_ >= options_.tick_ms) {
    last_core_tick_ms_ += options_.tick_ms;
    core_->Tick();
  }
  if (IsServingLeader()) {
    ExpireAndCollect();
    AnnounceDigest();
  } else if (role_.serving) {
    SendHeartbeats();
  }
  Drain();
}

void Pipeline::ExpireAndCollect() {
  // Expiry waits while nothing can be proposed (the sessions stay due).
  if (!core_->CanPropose().ok()) return;
  for (SessionId session : tracker_.Expire(now_.mono_ms)) {
    host_->SessionChanged(PipelineHost::SessionChange::kExpired, session,
                          core_->NextZxid());
    Propose(preparer_.PrepareCloseSession(session, core_->NextZxid(),
                                          now_.wall_ms));
  }
  // TTL nodes are removed by txns, a bounded number per tick.
  constexpr size_t kTtlDeletesPerTick = 1000;
  if (!tree_->ttl_nodes().empty()) {
    for (const auto& path :
         tree_->ExpiredTtlNodes(now_.wall_ms, kTtlDeletesPerTick)) {
      auto del =
          preparer_.PrepareTtlDelete(path, core_->NextZxid(), now_.wall_ms);
      if (del) Propose(std::move(*del));
    }
  }
}

void Pipeline::SendHeartbeats() {
  if (heard_from_.empty() || role_.leader == 0) return;
  proto::MemberMessage message;
  for (SessionId id : heard_from_) {
    message.mutable_heartbeat()->add_session_ids(id);
  }
  heard_from_.clear();
  host_->SendToMember(role_.leader, message);
}

}  // namespace canopy::pipeline
