#include "server/pipeline/pipeline.h"

#include <cstdio>
#include <cstdlib>

namespace canopy::pipeline {
namespace {

bool IsRead(const proto::Request& request) {
  switch (request.op_case()) {
    case proto::Request::kExists:
    case proto::Request::kGetData:
    case proto::Request::kGetChildren:
    case proto::Request::kGetAcl:
    case proto::Request::kMultiRead:
    case proto::Request::kGetEphemerals:
    case proto::Request::kGetAllChildrenNumber:
      return true;
    default:
      return false;
  }
}

bool IsWrite(const proto::Request& request) {
  switch (request.op_case()) {
    case proto::Request::kCreate:
    case proto::Request::kDelete:
    case proto::Request::kSetData:
    case proto::Request::kSetAcl:
    case proto::Request::kCheck:
    case proto::Request::kMulti:
      return true;
    default:
      return false;
  }
}

}  // namespace

Pipeline::Pipeline(PipelineOptions options, PipelineHost* host,
                   std::unique_ptr<tree::DataTree> tree,
                   std::unique_ptr<zab::Core> core, Now now)
    : options_(options),
      host_(host),
      tree_(std::move(tree)),
      preparer_(*tree_),
      core_(std::move(core)),
      tracker_(options.tick_ms),
      now_(now),
      rng_(options.seed) {
  // As ZooKeeper: the server id in the top byte, a time-derived base below,
  // so ids from different runs and members do not collide.
  const int64_t base = (now.wall_ms << 24) & 0x00ffffffffffffffLL;
  next_session_id_ = (options_.server_id << 56) | base;
}

void Pipeline::Start(Now now) {
  now_ = now;
  for (const auto& [id, info] : tree_->sessions()) {
    tracker_.Add(id, info.timeout_ms, now.mono_ms);
  }
  Drain();
}

SessionId Pipeline::NextSessionId() {
  SessionId id;
  do {
    id = ++next_session_id_;
  } while (id == 0 || tree_->sessions().count(id) != 0);
  return id;
}

std::string Pipeline::NewPassword() {
  std::string password(16, '\0');
  for (size_t i = 0; i < password.size(); i += 8) {
    uint64_t r = rng_();
    for (size_t j = 0; j < 8 && i + j < password.size(); ++j) {
      password[i + j] = char(r >> (8 * j));
    }
  }
  return password;
}

int32_t Pipeline::NegotiateTimeout(int32_t requested_ms) const {
  if (requested_ms < options_.min_session_timeout_ms) {
    return options_.min_session_timeout_ms;
  }
  if (requested_ms > options_.max_session_timeout_ms) {
    return options_.max_session_timeout_ms;
  }
  return requested_ms;
}

proto::Response Pipeline::ErrorResponse(int32_t xid, ErrorCode err) const {
  proto::Response response;
  response.set_xid(xid);
  response.set_zxid(tree_->last_zxid());
  response.set_err(err);
  return response;
}

void Pipeline::Bind(ConnId conn, SessionId session) {
  auto& local = local_[session];
  if (local.conn != 0 && local.conn != conn) {
    // The session moved to a new connection: the old one is done, and the
    // answers still owed to it are lost with it.
    conns_.erase(local.conn);
    host_->CloseConnection(local.conn);
    local.queue.clear();
  }
  local.conn = conn;
  conns_[conn].session = session;
}

void Pipeline::OnConnect(ConnId conn, const proto::ConnectRequest& request,
                         const std::string& peer_ip, Now now) {
  now_ = now;
  auto& state = conns_[conn];
  state.auth.clear();
  proto::Id ip;
  ip.set_scheme("ip");
  ip.set_id(peer_ip);
  state.auth.push_back(ip);

  if (request.last_zxid_seen() > tree_->last_zxid()) {
    // This member has seen less than the client: answering would take the
    // client back in time. It closes without a word so the client tries
    // another member.
    conns_.erase(conn);
    host_->CloseConnection(conn);
    return;
  }
  if (request.session_id() == 0) {
    const SessionId id = NextSessionId();
    const int32_t timeout_ms = NegotiateTimeout(request.timeout_ms());
    proto::Txn txn = preparer_.PrepareCreateSession(
        id, timeout_ms, NewPassword(), core_->NextZxid(), now_.wall_ms);
    pending_connects_[core_->NextZxid()] = conn;
    ProposeOrDie(std::move(txn));
    Drain();
    return;
  }
  const auto& sessions = tree_->sessions();
  auto it = sessions.find(request.session_id());
  if (it == sessions.end() || tracker_.IsClosing(request.session_id()) ||
      it->second.password != request.password()) {
    proto::ConnectResponse response;
    response.set_err(proto::SESSION_EXPIRED);
    response.set_last_zxid(tree_->last_zxid());
    host_->SendConnect(conn, response);
    conns_.erase(conn);
    host_->CloseConnection(conn);
    return;
  }
  Bind(conn, request.session_id());
  tracker_.Touch(request.session_id(), now_.mono_ms);
  proto::ConnectResponse response;
  response.set_timeout_ms(it->second.timeout_ms);
  response.set_session_id(request.session_id());
  response.set_password(it->second.password);
  response.set_last_zxid(tree_->last_zxid());
  host_->SendConnect(conn, response);
}

void Pipeline::OnRequest(ConnId conn, proto::Request request, Now now) {
  now_ = now;
  ++stats_.requests;
  auto conn_it = conns_.find(conn);
  if (conn_it == conns_.end() || conn_it->second.session == 0) {
    // A request before the handshake finished is a protocol error.
    conns_.erase(conn);
    host_->CloseConnection(conn);
    return;
  }
  Conn& state = conn_it->second;
  const SessionId session = state.session;
  auto& queue = local_[session].queue;
  const int32_t xid = request.xid();

  if (!tracker_.Touch(session, now_.mono_ms)) {
    Pending pending;
    pending.xid = xid;
    pending.start_ms = now_.mono_ms;
    pending.response = ErrorResponse(xid, proto::SESSION_EXPIRED);
    queue.push_back(std::move(pending));
    Flush(session);
    return;
  }

  if (IsRead(request)) {
    Pending pending;
    pending.xid = xid;
    pending.start_ms = now_.mono_ms;
    pending.read = std::move(request);
    queue.push_back(std::move(pending));
  } else if (IsWrite(request)) {
    HandleWrite(session, state, std::move(request));
  } else {
    Pending pending;
    pending.xid = xid;
    pending.start_ms = now_.mono_ms;
    switch (request.op_case()) {
      case proto::Request::kPing:
        pending.response = ErrorResponse(xid, proto::OK);
        pending.response->mutable_empty();
        break;
      case proto::Request::kSync:
        // Standalone: every earlier write of the session is answered before
        // this, and this member is the leader, so it is up to date.
        pending.response = ErrorResponse(xid, proto::OK);
        pending.response->mutable_sync()->set_path(request.sync().path());
        break;
      case proto::Request::kAuth:
        HandleAuth(conn, state, request, &pending);
        break;
      case proto::Request::kClose:
        HandleClose(session, xid);
        Flush(session);
        return;
      case proto::Request::kWhoAmI: {
        pending.response = ErrorResponse(xid, proto::OK);
        auto* who = pending.response->mutable_who_am_i();
        for (const auto& id : state.auth) {
          auto* info = who->add_client_info();
          info->set_auth_scheme(id.scheme());
          info->set_user(id.id());
        }
        break;
      }
      case proto::Request::kSetWatches:
      case proto::Request::kAddWatch:
      case proto::Request::kRemoveWatches:
        // Watch registration is member-local and takes effect in session
        // order: at the head of the queue, like a read.
        pending.read = std::move(request);
        break;
      default:
        pending.response = ErrorResponse(xid, proto::UNIMPLEMENTED);
        break;
    }
    queue.push_back(std::move(pending));
  }
  Flush(session);
  Drain();
}

void Pipeline::HandleAuth(ConnId conn, Conn& state,
                          const proto::Request& request, Pending* pending) {
  const auto& auth = request.auth();
  if (auth.scheme() == "digest" &&
      auth.auth().find(':') != std::string::npos) {
    proto::Id id;
    id.set_scheme("digest");
    id.set_id(DigestId(auth.auth()));
    bool known = false;
    for (const auto& have : state.auth) {
      known |= have.scheme() == id.scheme() && have.id() == id.id();
    }
    if (!known) state.auth.push_back(std::move(id));
    pending->response = ErrorResponse(request.xid(), proto::OK);
    pending->response->mutable_empty();
    return;
  }
  pending->response = ErrorResponse(request.xid(), proto::AUTH_FAILED);
  // As ZooKeeper: a failed auth ends the connection (the session stays).
  pending->close_after = true;
}

void Pipeline::HandleWrite(SessionId session, const Conn& state,
                           proto::Request request) {
  const int32_t xid = request.xid();
  const Zxid zxid = core_->NextZxid();
  tree::Prepared prepared =
      preparer_.Prepare(session, state.auth, request, zxid, now_.wall_ms);
  Pending pending;
  pending.xid = xid;
  pending.start_ms = now_.mono_ms;
  if (prepared.txn) {
    pending.zxid = zxid;
    ProposeOrDie(std::move(*prepared.txn));
  } else {
    prepared.error_response.set_xid(xid);
    prepared.error_response.set_zxid(tree_->last_zxid());
    pending.response = std::move(prepared.error_response);
  }
  local_[session].queue.push_back(std::move(pending));
}

void Pipeline::HandleClose(SessionId session, int32_t xid) {
  tracker_.MarkClosing(session);
  Pending pending;
  pending.xid = xid;
  pending.start_ms = now_.mono_ms;
  pending.close_after = true;
  pending.zxid = core_->NextZxid();
  ProposeOrDie(
      preparer_.PrepareCloseSession(session, pending.zxid, now_.wall_ms));
  local_[session].queue.push_back(std::move(pending));
  Drain();
}

void Pipeline::ProposeOrDie(proto::Txn txn) {
  auto zxid = core_->Propose(std::move(txn));
  if (!zxid.ok()) {
    // Standalone is always the leader; a refused proposal means the zxid
    // space of this epoch is exhausted, which the ensemble issue handles by
    // moving to a new epoch.
    std::fprintf(stderr, "fatal: proposal refused: %s\n",
                 zxid.status().ToString().c_str());
    std::abort();
  }
}

void Pipeline::OnDisconnect(ConnId conn, Now now) {
  now_ = now;
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  const SessionId session = it->second.session;
  conns_.erase(it);
  if (session == 0) return;
  auto local = local_.find(session);
  if (local != local_.end() && local->second.conn == conn) {
    local->second.conn = 0;
    local->second.queue.clear();
  }
  // The session's watches stay until it closes or expires: a client that
  // comes back to this member keeps them. Events that fire meanwhile have
  // no connection to go to and are lost (setWatches will replay them).
}

void Pipeline::OnLogDurable(Zxid zxid, Now now) {
  now_ = now;
  while (!unsynced_acks_.empty() && unsynced_acks_.front().zxid <= zxid) {
    core_->StepAck(unsynced_acks_.front());
    unsynced_acks_.pop_front();
  }
  Drain();
}

void Pipeline::Tick(Now now) {
  now_ = now;
  core_->Tick();
  for (SessionId session : tracker_.Expire(now_.mono_ms)) {
    ProposeOrDie(preparer_.PrepareCloseSession(session, core_->NextZxid(),
                                               now_.wall_ms));
  }
  // TTL nodes are removed by txns, a bounded number per tick.
  constexpr size_t kTtlDeletesPerTick = 1000;
  if (!tree_->ttl_nodes().empty()) {
    for (const auto& path :
         tree_->ExpiredTtlNodes(now_.wall_ms, kTtlDeletesPerTick)) {
      auto del =
          preparer_.PrepareTtlDelete(path, core_->NextZxid(), now_.wall_ms);
      if (del) ProposeOrDie(std::move(*del));
    }
  }
  Drain();
}

void Pipeline::Drain() {
  while (core_->HasReady()) {
    zab::Ready ready = core_->TakeReady();
    if (ready.persist_epochs) host_->SaveEpochs(*ready.persist_epochs);
    if (!ready.to_log.empty()) host_->AppendLog(std::move(ready.to_log));
    for (const auto& ack : ready.after_sync) unsynced_acks_.push_back(ack);
    for (const auto& txn : ready.to_apply) Apply(txn);
  }
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
  } else {
    auto local = local_.find(txn.session_id());
    if (local != local_.end()) {
      for (auto& pending : local->second.queue) {
        if (pending.zxid == txn.zxid()) {
          pending.response = std::move(result.response);
          break;
        }
      }
      Flush(txn.session_id());
    }
  }

  for (const auto& path : result.empty_containers) {
    auto del = preparer_.PrepareContainerDelete(path, core_->NextZxid(),
                                                now_.wall_ms);
    if (del) ProposeOrDie(std::move(*del));
  }

  if (++applied_since_snapshot_ >= options_.snap_count) {
    applied_since_snapshot_ = 0;
    host_->SnapshotDue();
  }
}

void Pipeline::ApplySessionTxn(const proto::Txn& txn,
                               const tree::ApplyResult& result) {
  const SessionId session = txn.session_id();
  if (txn.has_create_session()) {
    tracker_.Add(session, txn.create_session().timeout_ms(), now_.mono_ms);
    auto pending = pending_connects_.find(txn.zxid());
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
  // close_session: asked by the client, or expired by the tracker.
  tracker_.Remove(session);
  auto local = local_.find(session);
  if (local == local_.end()) return;
  const ConnId conn = local->second.conn;
  bool asked = false;
  for (auto& pending : local->second.queue) {
    if (pending.zxid == txn.zxid()) {
      pending.response = result.response;
      asked = true;
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

proto::Response Pipeline::ServeAtHead(SessionId session, ConnId conn,
                                      const proto::Request& request) {
  static const tree::AuthIds kNoAuth;
  auto conn_it = conns_.find(conn);
  const tree::AuthIds& auth =
      conn_it == conns_.end() ? kNoAuth : conn_it->second.auth;
  proto::Response response = ErrorResponse(request.xid(), proto::OK);
  switch (request.op_case()) {
    case proto::Request::kSetWatches:
      // Watches whose change this session missed fire now, before the
      // answer, as events always precede the answers that follow them.
      for (const auto& event :
           tree_->SetWatches(session, request.set_watches())) {
        if (conn != 0) {
          host_->SendEvent(conn, event);
          ++stats_.watch_events;
        }
      }
      response.mutable_empty();
      return response;
    case proto::Request::kAddWatch:
      response.set_err(tree_->AddWatch(session, request.add_watch()));
      if (response.err() == proto::OK) response.mutable_empty();
      return response;
    case proto::Request::kRemoveWatches:
      response.set_err(
          tree_->RemoveWatches(session, request.remove_watches()));
      if (response.err() == proto::OK) response.mutable_empty();
      return response;
    default:
      return tree_->Read(session, auth, request);
  }
}

void Pipeline::Flush(SessionId session) {
  auto local_it = local_.find(session);
  if (local_it == local_.end()) return;
  auto& local = local_it->second;
  const ConnId conn = local.conn;
  while (!local.queue.empty()) {
    Pending& head = local.queue.front();
    proto::Response response;
    if (head.read) {
      response = ServeAtHead(session, conn, *head.read);
    } else if (head.response) {
      response = std::move(*head.response);
    } else {
      break;  // a write still waiting for its commit
    }
    response.set_xid(head.xid);
    const bool close_after = head.close_after;
    const int64_t start_ms = head.start_ms;
    local.queue.pop_front();
    if (conn == 0) continue;
    stats_.RecordLatency(now_.mono_ms - start_ms);
    host_->SendResponse(conn, response);
    if (close_after) {
      host_->CloseConnection(conn);
      // The connection is finished; what else is queued dies with it.
      auto conn_it = conns_.find(conn);
      if (conn_it != conns_.end()) conn_it->second.session = 0;
      local.conn = 0;
      local.queue.clear();
      return;
    }
  }
}

}  // namespace canopy::pipeline
