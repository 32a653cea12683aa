#include "session_io.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <random>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "chroot.h"
#include "common/native_frame.h"

namespace canopy::client_internal {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

proto::Response ErrorResponse(int32_t xid, ErrorCode code) {
  proto::Response r;
  r.set_xid(xid);
  r.set_err(code);
  return r;
}

std::string Frame(const proto::ClientMessage& message) {
  std::string out;
  frame::AppendFrame(message, &out);
  return out;
}

std::string RequestFrame(const proto::Request& request) {
  proto::ClientMessage m;
  *m.mutable_request() = request;
  return Frame(m);
}

}  // namespace

SessionIo::SessionIo(ConnectString connect, const ClientOptions& options,
                     CallbackQueue* events)
    : chroot_(std::move(connect.chroot)),
      hosts_(std::move(connect.hosts)),
      on_session_event_(options.on_session_event),
      events_(events),
      work_(asio::make_work_guard(io_)),
      tick_timer_(io_),
      session_id_(options.session_id),
      password_(options.password),
      timeout_ms_(options.session_timeout_ms) {
  if (options.shuffle_hosts) {
    std::shuffle(hosts_.begin(), hosts_.end(),
                 std::mt19937(std::random_device{}()));
  }
  info_.session_id = session_id_;
  info_.password = password_;
  info_.timeout_ms = timeout_ms_;
  if (!options.tls_ca_file.empty() || !options.tls_cert_file.empty() ||
      !options.tls_key_file.empty()) {
    auto ctx = tls::ClientContext({options.tls_cert_file,
                                   options.tls_key_file,
                                   options.tls_ca_file});
    if (ctx.ok()) {
      tls_ = *ctx;
    } else {
      tls_status_ = ctx.status();
    }
  }
}

SessionIo::~SessionIo() { Shutdown(); }

std::future<Status> SessionIo::Start() {
  std::future<Status> f = first_connect_.get_future();
  asio::post(io_, [this] {
    ArmTick();
    StartAttempt();
  });
  thread_ = std::thread([this] {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "canopy: client IO thread: %s\n", e.what());
      }
    }
  });
  return f;
}

Status SessionIo::ConnectFailure() const {
  std::lock_guard lock(info_mu_);
  if (!last_failure_.ok()) return last_failure_;
  return Status(proto::OPERATION_TIMEOUT,
                "no session established within " +
                    std::to_string(info_.timeout_ms) + " ms");
}

void SessionIo::Submit(proto::Request request, Done done, Watcher watcher) {
  std::lock_guard lock(submit_mu_);
  if (shut_down_) {
    if (done) {
      const int32_t xid = request.xid();
      events_->Post([done = std::move(done), xid] {
        done(ErrorResponse(xid, proto::SESSION_EXPIRED));
      });
    }
    return;
  }
  asio::post(io_, [this, request = std::move(request), done = std::move(done),
                   watcher = std::move(watcher)]() mutable {
    HandleSubmit(std::move(request), std::move(done), std::move(watcher));
  });
}

std::future<Status> SessionIo::Close() {
  auto waiter = std::make_shared<std::promise<Status>>();
  std::future<Status> f = waiter->get_future();
  std::lock_guard lock(submit_mu_);
  if (shut_down_) {
    waiter->set_value(Status::Ok());
    return f;
  }
  asio::post(io_, [this, waiter] { HandleClose(nullptr, waiter); });
  return f;
}

void SessionIo::Shutdown() {
  {
    std::lock_guard lock(submit_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    asio::post(io_, [this] {
      stopping_ = true;
      if (state_ != State::kExpired && state_ != State::kClosed) {
        FinishClose(Status(proto::CONNECTION_LOSS, "client shut down"));
      }
      error_code ec;
      tick_timer_.cancel(ec);
      CloseConn();
    });
  }
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

SessionInfo SessionIo::info() const {
  std::lock_guard lock(info_mu_);
  return info_;
}

// ---------------------------------------------------------------- requests

void SessionIo::HandleSubmit(proto::Request request, Done done,
                             Watcher watcher) {
  const int32_t xid = next_xid_;
  next_xid_ = next_xid_ == INT32_MAX ? 1 : next_xid_ + 1;
  request.set_xid(xid);
  auto fail = [&](ErrorCode code) {
    Deliver(std::move(done), ErrorResponse(xid, code));
  };
  if (request.op_case() == proto::Request::kClose) {
    if (watcher) return fail(proto::BAD_ARGUMENTS);
    return HandleClose(std::move(done), nullptr);
  }
  if (state_ == State::kClosing || state_ == State::kClosed ||
      state_ == State::kExpired) {
    return fail(proto::SESSION_EXPIRED);
  }
  if (watcher && !CanWatch(request)) return fail(proto::BAD_ARGUMENTS);
  if (sent_.size() + unsent_.size() >= kMaxOutstandingRequests) {
    return fail(proto::THROTTLED_OP);
  }
  PendingRequest p;
  p.path = std::string(RequestPath(request));
  if (!PrepareRequest(chroot_, &request).ok()) {
    return fail(proto::BAD_ARGUMENTS);
  }
  if (watcher) {
    switch (request.op_case()) {
      case proto::Request::kGetData:
        request.mutable_get_data()->set_watch(true);
        break;
      case proto::Request::kExists:
        request.mutable_exists()->set_watch(true);
        break;
      case proto::Request::kGetChildren:
        request.mutable_get_children()->set_watch(true);
        break;
      default:
        break;
    }
  }
  p.frame = RequestFrame(request);
  if (p.frame.size() > frame::kHeaderBytes + frame::kDefaultMaxFrameBytes) {
    return fail(proto::BAD_ARGUMENTS);
  }
  p.xid = xid;
  p.request = std::move(request);
  p.done = std::move(done);
  p.watcher = std::move(watcher);
  p.deadline = Clock::now() + timeout();
  if (state_ == State::kConnected) {
    SendRequest(std::move(p));
  } else {
    unsent_.Push(std::move(p));
  }
}

void SessionIo::HandleClose(Done done, ClosePromise waiter) {
  switch (state_) {
    case State::kExpired:
    case State::kClosed: {
      if (waiter) waiter->set_value(Status::Ok());
      Deliver(std::move(done), ErrorResponse(0, proto::SESSION_EXPIRED));
      return;
    }
    case State::kClosing:
      if (waiter) close_waiters_.push_back(std::move(waiter));
      Deliver(std::move(done), ErrorResponse(0, proto::SESSION_EXPIRED));
      return;
    case State::kConnecting: {
      if (waiter) close_waiters_.push_back(std::move(waiter));
      Deliver(std::move(done), ErrorResponse(0, proto::CONNECTION_LOSS));
      FinishClose(Status(proto::CONNECTION_LOSS,
                         "not connected: the session ends when it times out"));
      return;
    }
    case State::kConnected:
      break;
  }
  if (waiter) close_waiters_.push_back(std::move(waiter));
  PendingRequest p;
  p.xid = next_xid_;
  next_xid_ = next_xid_ == INT32_MAX ? 1 : next_xid_ + 1;
  p.request.set_xid(p.xid);
  p.request.mutable_close();
  p.done = std::move(done);
  p.deadline = Clock::now() + timeout();
  state_ = State::kClosing;
  SendRequest(std::move(p));
}

void SessionIo::SendRequest(PendingRequest request) {
  if (request.frame.empty()) request.frame = RequestFrame(request.request);
  Write(conn_, std::move(request.frame));
  request.frame.clear();
  sent_.Push(std::move(request));
}

void SessionIo::Deliver(Done done, proto::Response response) {
  if (!done) return;
  events_->Post([done = std::move(done), response = std::move(response)] {
    done(response);
  });
}

void SessionIo::Fail(PendingRequest request, ErrorCode code) {
  Deliver(std::move(request.done), ErrorResponse(request.xid, code));
}

void SessionIo::FailAll(ErrorCode code) {
  for (PendingRequest& p : sent_.TakeAll()) Fail(std::move(p), code);
  for (PendingRequest& p : unsent_.TakeAll()) Fail(std::move(p), code);
}

// ------------------------------------------------------------- connections

void SessionIo::StartAttempt() {
  if (stopping_ || state_ != State::kConnecting || attempt_in_progress_) {
    return;
  }
  attempt_in_progress_ = true;
  ++attempts_in_round_;
  auto c = std::make_shared<Conn>(io_, tls_);
  c->host = hosts_[next_host_ % hosts_.size()];
  next_host_ = (next_host_ + 1) % hosts_.size();
  conn_ = c;
  attempt_deadline_ = Clock::now() + attempt_timeout();
  c->resolver.async_resolve(
      c->host.host, std::to_string(c->host.port),
      [this, c](const error_code& ec, tcp::resolver::results_type results) {
        if (c != conn_) return;
        if (ec) {
          return AttemptFailed(c, Status(proto::CONNECTION_LOSS,
                                         c->host.ToString() + ": " +
                                             ec.message()));
        }
        asio::async_connect(
            c->socket.lowest(), results,
            [this, c](const error_code& ec, const tcp::endpoint&) {
              if (c != conn_) return;
              if (ec) {
                return AttemptFailed(c, Status(proto::CONNECTION_LOSS,
                                               c->host.ToString() + ": " +
                                                   ec.message()));
              }
              c->tcp_connected = true;
              error_code ignored;
              c->socket.set_option(tcp::no_delay(true), ignored);
              c->socket.async_handshake(
                  asio::ssl::stream_base::client,
                  [this, c](const error_code& ec) {
                    if (c != conn_) return;
                    if (ec) {
                      return AttemptFailed(
                          c, Status(proto::CONNECTION_LOSS,
                                    c->host.ToString() +
                                        ": TLS handshake: " + ec.message()));
                    }
                    SendConnectRequest(c);
                  });
            });
      });
}

void SessionIo::SendConnectRequest(const ConnPtr& c) {
  proto::ClientMessage m;
  proto::ConnectRequest* r = m.mutable_connect();
  r->set_protocol_version(kProtocolVersion);
  r->set_last_zxid_seen(last_zxid_seen_.load());
  r->set_timeout_ms(timeout_ms_);
  r->set_session_id(session_id_);
  r->set_password(password_);
  std::string bytes(frame::kNativeMagic, sizeof frame::kNativeMagic);
  frame::AppendFrame(m, &bytes);
  Write(c, std::move(bytes));
  ReadFrame(c);
}

void SessionIo::AttemptFailed(const ConnPtr& c, Status why) {
  if (c != conn_) return;
  CloseConn();
  attempt_in_progress_ = false;
  SetLastFailure(why);
  const Clock::time_point now = Clock::now();
  if (attempts_in_round_ >= hosts_.size()) {
    // Every server failed in a row: wait a little before the next round.
    attempts_in_round_ = 0;
    next_attempt_at_ = now + retry_backoff();
  } else {
    next_attempt_at_ = now;
    StartAttempt();
  }
}

void SessionIo::OnHandshake(const ConnPtr& c, const proto::ConnectResponse& r) {
  if (r.err() == proto::SESSION_EXPIRED) {
    return Expire(c->host.ToString() + " says the session has expired");
  }
  if (r.err() != proto::OK) {
    return AttemptFailed(
        c, Status(r.err(), c->host.ToString() + " refused the session"));
  }
  if ((session_id_ != 0 && r.session_id() != session_id_) ||
      r.timeout_ms() <= 0) {
    return Expire(c->host.ToString() + " gave another session");
  }
  c->handshaking = false;
  attempt_in_progress_ = false;
  attempts_in_round_ = 0;
  session_id_ = r.session_id();
  password_ = r.password();
  timeout_ms_ = r.timeout_ms();
  {
    std::lock_guard lock(info_mu_);
    info_.session_id = session_id_;
    info_.password = password_;
    info_.timeout_ms = timeout_ms_;
  }
  state_ = State::kConnected;
  ever_connected_ = true;
  last_send_ = Clock::now();
  SendSetWatches();
  PostSessionEvent(SessionEvent::kConnected);
  ResolveFirstConnect(Status::Ok());
  for (PendingRequest& p : unsent_.TakeAll()) SendRequest(std::move(p));
}

void SessionIo::ConnectionLost(const ConnPtr& c, Status why) {
  if (c != conn_) return;
  if (c->handshaking) return AttemptFailed(c, std::move(why));
  CloseConn();
  if (state_ == State::kClosing) return FinishClose(std::move(why));
  state_ = State::kConnecting;
  for (PendingRequest& p : sent_.TakeAll()) {
    Fail(std::move(p), proto::CONNECTION_LOSS);
  }
  PostSessionEvent(SessionEvent::kDisconnected);
  attempts_in_round_ = 0;
  next_attempt_at_ = Clock::now();
  StartAttempt();
}

void SessionIo::CloseConn() {
  if (!conn_) return;
  error_code ec;
  conn_->resolver.cancel();
  conn_->socket.close(ec);
  conn_.reset();
}

void SessionIo::Write(const ConnPtr& c, std::string bytes) {
  last_send_ = Clock::now();
  if (c->queued.empty()) {
    c->queued = std::move(bytes);
  } else {
    c->queued += bytes;
  }
  if (c->writing.empty()) StartWrite(c);
}

void SessionIo::StartWrite(const ConnPtr& c) {
  c->writing.swap(c->queued);
  asio::async_write(c->socket, asio::buffer(c->writing),
                    [this, c](const error_code& ec, size_t) {
                      if (c != conn_) return;
                      if (ec) {
                        return ConnectionLost(
                            c, Status(proto::CONNECTION_LOSS,
                                      "write: " + ec.message()));
                      }
                      c->writing.clear();
                      if (!c->queued.empty()) StartWrite(c);
                    });
}

void SessionIo::ReadFrame(const ConnPtr& c) {
  asio::async_read(
      c->socket, asio::buffer(c->header),
      [this, c](const error_code& ec, size_t) {
        if (c != conn_) return;
        if (ec) {
          return ConnectionLost(
              c, Status(proto::CONNECTION_LOSS, "read: " + ec.message()));
        }
        const uint32_t length = frame::DecodeLength(c->header.data());
        if (length > frame::kDefaultMaxFrameBytes) {
          return ConnectionLost(
              c, Status(proto::MARSHALLING_ERROR,
                        "frame of " + std::to_string(length) + " bytes"));
        }
        c->body.resize(length);
        asio::async_read(
            c->socket, asio::buffer(c->body),
            [this, c](const error_code& ec, size_t) {
              if (c != conn_) return;
              if (ec) {
                return ConnectionLost(c, Status(proto::CONNECTION_LOSS,
                                                "read: " + ec.message()));
              }
              OnFrame(c);
            });
      });
}

void SessionIo::OnFrame(const ConnPtr& c) {
  last_recv_ = Clock::now();
  proto::ServerMessage m;
  if (!m.ParseFromString(c->body)) {
    return ConnectionLost(
        c, Status(proto::MARSHALLING_ERROR, "undecodable server message"));
  }
  if (c->handshaking) {
    if (m.msg_case() != proto::ServerMessage::kConnect) {
      return AttemptFailed(c, Status(proto::MARSHALLING_ERROR,
                                     c->host.ToString() +
                                         ": no ConnectResponse first"));
    }
    OnHandshake(c, m.connect());
  } else if (m.msg_case() == proto::ServerMessage::kResponse) {
    OnResponse(std::move(*m.mutable_response()));
  } else if (m.msg_case() == proto::ServerMessage::kEvent) {
    OnEvent(std::move(*m.mutable_event()));
  } else {
    return ConnectionLost(
        c, Status(proto::MARSHALLING_ERROR, "unexpected server message"));
  }
  if (c == conn_) ReadFrame(c);
}

void SessionIo::OnResponse(proto::Response response) {
  if (response.xid() == kPingXid || response.xid() == kSetWatchesXid) return;
  if (response.zxid() > last_zxid_seen_.load()) {
    last_zxid_seen_.store(response.zxid());
  }
  std::optional<PendingRequest> p = sent_.Take(response.xid());
  if (!p) return;  // it already timed out
  StripResponse(chroot_, &response);
  if (p->request.op_case() == proto::Request::kClose) {
    Deliver(std::move(p->done), std::move(response));
    return FinishClose(Status::Ok());
  }
  if (p->watcher) {
    if (std::optional<WatchKind> kind =
            WatchKindFor(p->request, response.err())) {
      watches_.Add(*kind, std::move(p->path), std::move(p->watcher));
    }
  }
  Deliver(std::move(p->done), std::move(response));
}

void SessionIo::OnEvent(proto::WatchEvent event) {
  if (event.zxid() > last_zxid_seen_.load()) {
    last_zxid_seen_.store(event.zxid());
  }
  StripEvent(chroot_, &event);
  std::vector<Watcher> fired = watches_.Take(event);
  if (fired.empty()) return;
  auto shared = std::make_shared<const proto::WatchEvent>(std::move(event));
  for (Watcher& w : fired) {
    events_->Post([w = std::move(w), shared] { w(*shared); });
  }
}

void SessionIo::SendPing() {
  proto::Request ping;
  ping.set_xid(kPingXid);
  ping.mutable_ping();
  Write(conn_, RequestFrame(ping));
}

void SessionIo::SendSetWatches() {
  if (watches_.size() == 0) return;
  proto::Request request;
  size_t bytes = 0;
  auto flush = [&] {
    if (bytes == 0) return;
    request.set_xid(kSetWatchesXid);
    request.mutable_set_watches()->set_relative_zxid(last_zxid_seen_.load());
    Write(conn_, RequestFrame(request));
    request.Clear();
    bytes = 0;
  };
  const std::pair<WatchKind, std::string* (proto::SetWatchesRequest::*)()>
      kinds[] = {{WatchKind::kData, &proto::SetWatchesRequest::add_data_watches},
                 {WatchKind::kExists,
                  &proto::SetWatchesRequest::add_exist_watches},
                 {WatchKind::kChild,
                  &proto::SetWatchesRequest::add_child_watches}};
  for (const auto& [kind, add] : kinds) {
    for (const std::string& path : watches_.Paths(kind)) {
      std::string* out = (request.mutable_set_watches()->*add)();
      *out = AddChroot(chroot_, path);
      bytes += out->size() + 4;
      if (bytes >= kSetWatchesBatchBytes) flush();
    }
  }
  flush();
}

// ----------------------------------------------------------------- session

void SessionIo::Expire(const std::string& why) {
  CloseConn();
  attempt_in_progress_ = false;
  state_ = State::kExpired;
  FailAll(proto::SESSION_EXPIRED);
  watches_.Clear();
  SetLastFailure(Status(proto::SESSION_EXPIRED, why));
  PostSessionEvent(SessionEvent::kExpired);
  ResolveFirstConnect(Status(proto::SESSION_EXPIRED, why));
  for (ClosePromise& w : close_waiters_) w->set_value(Status::Ok());
  close_waiters_.clear();
}

void SessionIo::FinishClose(Status status) {
  CloseConn();
  attempt_in_progress_ = false;
  state_ = State::kClosed;
  FailAll(proto::SESSION_EXPIRED);
  watches_.Clear();
  if (ever_connected_) PostSessionEvent(SessionEvent::kClosed);
  ResolveFirstConnect(Status(proto::CONNECTION_LOSS, "client closed"));
  for (ClosePromise& w : close_waiters_) w->set_value(status);
  close_waiters_.clear();
}

void SessionIo::PostSessionEvent(SessionEvent event) {
  if (!on_session_event_) return;
  events_->Post([f = on_session_event_, event] { f(event); });
}

void SessionIo::ResolveFirstConnect(Status status) {
  if (first_connect_set_) return;
  first_connect_set_ = true;
  first_connect_.set_value(std::move(status));
}

void SessionIo::SetLastFailure(Status status) {
  std::lock_guard lock(info_mu_);
  last_failure_ = std::move(status);
}

// ------------------------------------------------------------------ timers

Clock::duration SessionIo::timeout() const {
  return std::chrono::milliseconds(timeout_ms_);
}

Clock::duration SessionIo::tick_period() const {
  return std::clamp<Clock::duration>(timeout() / 30,
                                     std::chrono::milliseconds(5),
                                     std::chrono::milliseconds(250));
}

Clock::duration SessionIo::attempt_timeout() const {
  return std::max<Clock::duration>(timeout() / static_cast<int64_t>(hosts_.size()),
                                   std::chrono::milliseconds(100));
}

Clock::duration SessionIo::retry_backoff() const {
  return std::min<Clock::duration>(timeout() / 10, std::chrono::seconds(1));
}

void SessionIo::ArmTick() {
  if (stopping_) return;
  tick_timer_.expires_after(tick_period());
  tick_timer_.async_wait([this](const error_code& ec) {
    if (ec || stopping_) return;
    OnTick();
    ArmTick();
  });
}

void SessionIo::OnTick() {
  const Clock::time_point now = Clock::now();
  for (PendingRequest& p : sent_.TakeExpired(now)) {
    const bool is_close = p.request.op_case() == proto::Request::kClose;
    Fail(std::move(p), proto::OPERATION_TIMEOUT);
    if (is_close) {
      FinishClose(Status(proto::OPERATION_TIMEOUT, "close not answered"));
    }
  }
  for (PendingRequest& p : unsent_.TakeExpired(now)) {
    Fail(std::move(p), proto::OPERATION_TIMEOUT);
  }
  switch (state_) {
    case State::kConnected:
    case State::kClosing:
      if (now - last_recv_ >= timeout() * 2 / 3) {
        ConnPtr c = conn_;
        ConnectionLost(c, Status(proto::CONNECTION_LOSS,
                                 "nothing heard from the server"));
      } else if (now - last_send_ >= timeout() / 3) {
        SendPing();
      }
      break;
    case State::kConnecting:
      if (ever_connected_ && now - last_recv_ >= timeout()) {
        Expire("no server reached within the session timeout");
      } else if (attempt_in_progress_ && now >= attempt_deadline_) {
        ConnPtr c = conn_;
        if (c->tcp_connected) {
          AttemptFailed(c, Status(proto::OPERATION_TIMEOUT,
                                  c->host.ToString() +
                                      ": no answer to the handshake"));
        } else {
          AttemptFailed(c, Status(proto::CONNECTION_LOSS,
                                  c->host.ToString() + ": connect timed out"));
        }
      } else if (!attempt_in_progress_ && now >= next_attempt_at_) {
        StartAttempt();
      }
      break;
    case State::kExpired:
    case State::kClosed:
      break;
  }
}

}  // namespace canopy::client_internal
