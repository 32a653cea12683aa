#include "server/pipeline/pipeline.h"

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
    // Watch registration is member-local and takes effect in session order:
    // at the head of the queue, like a read.
    case proto::Request::kSetWatches:
    case proto::Request::kAddWatch:
    case proto::Request::kRemoveWatches:
      return true;
    default:
      return false;
  }
}

// Requests the leader decides: writes, close and sync.
bool GoesToLeader(const proto::Request& request) {
  switch (request.op_case()) {
    case proto::Request::kCreate:
    case proto::Request::kDelete:
    case proto::Request::kSetData:
    case proto::Request::kSetAcl:
    case proto::Request::kCheck:
    case proto::Request::kMulti:
    case proto::Request::kSync:
    case proto::Request::kClose:
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
      last_core_tick_ms_(now.mono_ms),
      rng_(options.seed) {
  // As ZooKeeper: the server id in the top byte, a time-derived base below,
  // so ids from different runs and members do not collide.
  const int64_t base = (now.wall_ms << 24) & 0x00ffffffffffffffLL;
  next_session_id_ = (options_.server_id << 56) | base;
  // What the log held at start-up was read back from disk: it is durable.
  // Without this, a member restarted with nothing new to write (every
  // member's log the same after the whole ensemble was killed) held its
  // acks for the recovered log forever and no leader could establish.
  durable_zxid_ = core_->last_logged();
}

void Pipeline::Start(Now now) {
  now_ = now;
  Drain();
}

std::string Pipeline::ModeName() const {
  if (diverged_) return "diverged";
  if (!role_.serving) return "looking";
  switch (role_.role) {
    case zab::Role::kLeading:
      return options_.standalone ? "standalone" : "leader";
    case zab::Role::kFollowing:
      return "follower";
    case zab::Role::kObserving:
      return "observer";
    default:
      return "looking";
  }
}

SessionId Pipeline::NextSessionId() {
  SessionId id;
  do {
    id = ++next_session_id_;
  } while (id == 0 || tree_->sessions().count(id) != 0 ||
           pending_connects_.count(id) != 0);
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
  return std::clamp(requested_ms, options_.min_session_timeout_ms,
                    options_.max_session_timeout_ms);
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

void Pipeline::DropClients() {
  // Requests in flight through a leader that is gone cannot be answered:
  // clients see the connection drop and retry on a member that serves.
  for (const auto& [conn, state] : conns_) host_->CloseConnection(conn);
  conns_.clear();
  local_.clear();
  pending_connects_.clear();
  heard_from_.clear();
}

void Pipeline::OnConnect(ConnId conn, const proto::ConnectRequest& request,
                         const std::string& peer_ip, Now now,
                         const tree::AuthIds& transport_ids) {
  now_ = now;
  if (!role_.serving || diverged_ ||
      request.last_zxid_seen() > tree_->last_zxid()) {
    // Not serving, or this member has seen less than the client (answering
    // would take the client back in time): close without a word so the
    // client tries another member.
    conns_.erase(conn);
    host_->CloseConnection(conn);
    return;
  }
  auto& state = conns_[conn];
  state.auth.clear();
  proto::Id ip;
  ip.set_scheme("ip");
  ip.set_id(peer_ip);
  state.auth.push_back(ip);
  for (const auto& id : transport_ids) state.auth.push_back(id);

  if (request.session_id() == 0) {
    const SessionId id = NextSessionId();
    const int32_t timeout_ms = NegotiateTimeout(request.timeout_ms());
    const std::string password = NewPassword();
    pending_connects_[id] = conn;
    if (IsServingLeader()) {
      LeaderCreateSession(id, timeout_ms, password);
      Drain();
    } else {
      proto::MemberMessage message;
      auto* connect = message.mutable_connect();
      connect->set_session_id(id);
      connect->set_timeout_ms(timeout_ms);
      connect->set_password(password);
      host_->SendToMember(role_.leader, message);
    }
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
  heard_from_.insert(request.session_id());
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
  Pending pending;
  pending.xid = xid;
  pending.start_ms = now_.mono_ms;

  heard_from_.insert(session);
  if (tracker_.IsClosing(session)) {
    pending.response = ErrorResponse(xid, proto::SESSION_EXPIRED);
    queue.push_back(std::move(pending));
    Flush(session);
    return;
  }
  tracker_.Touch(session, now_.mono_ms);

  if (IsRead(request)) {
    pending.read = std::move(request);
  } else if (GoesToLeader(request)) {
    if (request.has_close()) pending.close_after = true;
    pending.awaiting = true;
    queue.push_back(std::move(pending));
    Submit(session, state, std::move(request));
    Flush(session);
    Drain();
    return;
  } else {
    switch (request.op_case()) {
      case proto::Request::kPing:
        pending.response = ErrorResponse(xid, proto::OK);
        pending.response->mutable_empty();
        break;
      case proto::Request::kAuth:
        HandleAuth(state, request, &pending);
        break;
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
      default:
        pending.response = ErrorResponse(xid, proto::UNIMPLEMENTED);
        break;
    }
  }
  queue.push_back(std::move(pending));
  Flush(session);
}

void Pipeline::Submit(SessionId session, const Conn& state,
                      proto::Request request) {
  if (IsServingLeader()) {
    LeaderSubmit(options_.server_id, session, state.auth, request);
    return;
  }
  ++stats_.forwarded;
  proto::MemberMessage message;
  auto* forward = message.mutable_forward();
  forward->set_session_id(session);
  *forward->mutable_request() = std::move(request);
  for (const auto& id : state.auth) *forward->add_auth() = id;
  host_->SendToMember(role_.leader, message);
}

void Pipeline::HandleAuth(Conn& state, const proto::Request& request,
                          Pending* pending) {
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
    const bool super = !options_.super_digest.empty() &&
                       id.id() == options_.super_digest;
    if (!known) state.auth.push_back(std::move(id));
    if (super && !known) {
      proto::Id super_id;
      super_id.set_scheme(tree::kSuperScheme);
      state.auth.push_back(std::move(super_id));
    }
    pending->response = ErrorResponse(request.xid(), proto::OK);
    pending->response->mutable_empty();
    return;
  }
  pending->response = ErrorResponse(request.xid(), proto::AUTH_FAILED);
  // As ZooKeeper: a failed auth ends the connection (the session stays).
  pending->close_after = true;
}

void Pipeline::DeliverLocal(SessionId session, proto::Response response) {
  auto local = local_.find(session);
  if (local == local_.end()) return;
  for (auto& pending : local->second.queue) {
    if (pending.awaiting && !pending.response &&
        pending.xid == response.xid()) {
      pending.response = std::move(response);
      break;
    }
  }
  Flush(session);
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
  // no connection to go to and are lost (setWatches replays them).
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
      break;  // waiting for the leader
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
