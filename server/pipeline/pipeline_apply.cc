// Acting on what the zab core hands out: persisting, logging, sending,
// releasing acks once durable, applying committed txns, and role changes.
#include "server/pipeline/pipeline.h"

namespace canopy::pipeline {

void Pipeline::Drain() {
  // Bounded: each round acts on what the core accumulated; acting can only
  // add work through StepAck, which stops once no ack is durable.
  while (core_->HasReady()) ActOn(core_->TakeReady());
}

void Pipeline::ActOn(zab::Ready ready) {
  // The order is the one zab::Ready documents.
  if (ready.persist_epochs) host_->SaveEpochs(*ready.persist_epochs);
  if (ready.truncate_after) {
    durable_zxid_ = std::min(durable_zxid_, *ready.truncate_after);
    host_->TruncateLog(*ready.truncate_after);
  }
  if (ready.install_snapshot) {
    host_->ExpectSnapshot(ready.install_snapshot->from,
                          ready.install_snapshot->zxid);
  }
  if (!ready.to_log.empty()) host_->AppendLog(std::move(ready.to_log));
  for (auto& message : ready.send) {
    const int64_t to = message.to();
    const bool snap = message.has_sync_start() &&
                      message.sync_start().mode() == proto::SYNC_SNAP;
    proto::MemberMessage envelope;
    *envelope.mutable_zab() = std::move(message);
    host_->SendToMember(to, envelope);
    if (!snap) continue;
    for (const auto& stream : ready.send_snapshot) {
      if (stream.to == to) host_->StreamSnapshot(to, stream.zxid);
    }
  }
  for (const auto& ack : ready.after_sync) unsynced_acks_.push_back(ack);
  ReleaseAcks();
  for (const auto& txn : ready.to_apply) Apply(txn);
  if (ready.role) OnRole(*ready.role);
  for (uint64_t id : ready.sync_ready) {
    auto it = barriers_.find(id);
    if (it == barriers_.end()) continue;
    proto::Response done = ErrorResponse(it->second.xid, proto::OK);
    done.mutable_sync()->set_path(it->second.path);
    Reply(it->second.origin, it->second.session, std::move(done));
    barriers_.erase(it);
  }
  for (uint64_t id : ready.sync_failed) {
    auto it = barriers_.find(id);
    if (it == barriers_.end()) continue;
    Reply(it->second.origin, it->second.session,
          ErrorResponse(it->second.xid, proto::CONNECTION_LOSS));
    barriers_.erase(it);
  }
}

void Pipeline::ReleaseAcks() {
  while (!unsynced_acks_.empty() &&
         unsynced_acks_.front().zxid <= durable_zxid_) {
    const zab::Ack ack = unsynced_acks_.front();
    unsynced_acks_.pop_front();
    core_->StepAck(ack);
  }
}

void Pipeline::OnLogDurable(Zxid zxid, Now now) {
  now_ = now;
  durable_zxid_ = zxid;
  ReleaseAcks();
  Drain();
}

Status Pipeline::InstallSnapshot(
    Zxid zxid, const std::function<Status(tree::DataTree*)>& load, Now now) {
  now_ = now;
  tree_->Clear();
  Status status = load(tree_.get());
  if (!status.ok()) return status;
  tree_->FinishLoad(zxid);
  digest_check_.Reset();
  digest_check_.Applied(zxid, tree_->Digest());
  preparer_.Reset();
  durable_zxid_ = zxid;
  core_->SnapshotInstalled(zxid);
  Drain();
  return Status();
}

void Pipeline::OnRole(const zab::RoleChange& role) {
  const bool same_term = role_.serving && role.serving &&
                         role.leader == role_.leader &&
                         role.epoch == role_.epoch;
  if (!same_term) {
    DropClients();
    preparer_.Reset();
    for (const auto& [id, barrier] : barriers_) {
      Reply(barrier.origin, barrier.session,
            ErrorResponse(barrier.xid, proto::CONNECTION_LOSS));
    }
    barriers_.clear();
    for (const auto& [zxid, deferred] : deferred_replies_) {
      Reply(deferred.origin, deferred.session,
            ErrorResponse(deferred.response.xid(), proto::CONNECTION_LOSS));
    }
    deferred_replies_.clear();
  }
  role_ = role;
  if (IsServingLeader() && !same_term) {
    // The new leader owns expiry: every session gets a full timeout from
    // now, as after a restart.
    for (const auto& [id, info] : tree_->sessions()) {
      tracker_.Add(id, info.timeout_ms, now_.mono_ms);
    }
  }
  host_->RoleChanged(role);
}

void Pipeline::Apply(const proto::Txn& txn) {
  tree::ApplyResult result = tree_->Apply(txn);
  preparer_.OnApplied(txn.zxid());
  ++stats_.txns_applied;

  // Events go out before any response that could reflect this txn.
  for (const auto& fired : result.watches) {
    auto local = local_.find(fired.session);
    if (local == local_.end() || local->second.conn == 0) continue;
    // As ZooKeeper 3.9.2 (CVE-2024-23944): an event about a node goes only
    // to a session that may read it.
    auto conn = conns_.find(local->second.conn);
    if (fired.acl && conn != conns_.end() &&
        !tree::AclAllows(*fired.acl, proto::READ, conn->second.auth)) {
      continue;
    }
    host_->SendEvent(local->second.conn, fired.event);
    ++stats_.watch_events;
  }

  if (txn.has_create_session() || txn.has_close_session()) {
    ApplySessionTxn(txn, result);
  } else if (txn.session_id() != 0) {
    DeliverLocal(txn.session_id(), std::move(result.response));
  }
  // Refusals that waited for this txn (pipeline_leader.cc).
  while (!deferred_replies_.empty() &&
         deferred_replies_.begin()->first <= txn.zxid()) {
    auto node = deferred_replies_.extract(deferred_replies_.begin());
    node.mapped().response.set_zxid(txn.zxid());
    Reply(node.mapped().origin, node.mapped().session,
          std::move(node.mapped().response));
  }

  if (IsServingLeader() && core_->CanPropose().ok()) {
    for (const auto& path : result.empty_containers) {
      auto del = preparer_.PrepareContainerDelete(path, core_->NextZxid(),
                                                  now_.wall_ms);
      if (del) Propose(std::move(*del));
    }
  }

  if (++applied_since_snapshot_ >= options_.snap_count) {
    applied_since_snapshot_ = 0;
    host_->SnapshotDue();
  }
  if (auto mismatch = digest_check_.Applied(txn.zxid(), tree_->Digest())) {
    OnDiverged(*mismatch);
  }
}

void Pipeline::ApplySessionTxn(const proto::Txn& txn,
                               const tree::ApplyResult& result) {
  const SessionId session = txn.session_id();
  host_->SessionChanged(txn.has_create_session()
                            ? PipelineHost::SessionChange::kOpened
                            : PipelineHost::SessionChange::kClosed,
                        session, txn.zxid());
  if (txn.has_create_session()) {
    tracker_.Add(session, txn.create_session().timeout_ms(), now_.mono_ms);
    auto pending = pending_connects_.find(session);
    if (pending == pending_connects_.end()) return;
    const ConnId conn = pending->second;
    pending_connects_.erase(pending);
    if (conns_.count(conn) == 0) return;  // gone; the session will expire
    Bind(conn, session);
    proto::ConnectResponse response;
    response.set_timeout_ms(txn.create_session().timeout_ms());
    response.set_session_id(session);
    response.set_password(txn.create_session().password());
    response.set_last_zxid(txn.zxid());
    host_->SendConnect(conn, response);
    return;
  }
  // close_session: asked by the client, or expired by the leader.
  tracker_.Remove(session);
  heard_from_.erase(session);
  auto local = local_.find(session);
  if (local == local_.end()) return;
  const ConnId conn = local->second.conn;
  bool asked = false;
  for (auto& pending : local->second.queue) {
    if (pending.awaiting && pending.close_after && !pending.response) {
      pending.response = result.response;
      pending.response->set_xid(pending.xid);
      asked = true;
      break;
    }
  }
  if (asked) {
    Flush(session);
  } else if (conn != 0) {
    proto::WatchEvent expired;
    expired.set_type(proto::EVENT_NONE);
    expired.set_state(proto::STATE_EXPIRED);
    expired.set_zxid(txn.zxid());
    host_->SendEvent(conn, expired);
    host_->CloseConnection(conn);
  }
  if (conn != 0) conns_.erase(conn);
  local_.erase(session);
}

}  // namespace canopy::pipeline
