#include "tests/load/native_session.h"

#include <algorithm>

#include "common/native_frame.h"

namespace canopy::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr int32_t kPingXid = -2;
constexpr int32_t kProtocolVersion = 1;

std::string RequestFrame(const proto::Request& request) {
  proto::ClientMessage message;
  *message.mutable_request() = request;
  std::string out;
  frame::AppendFrame(message, &out);
  return out;
}

proto::Response LossResponse(int32_t xid) {
  proto::Response response;
  response.set_xid(xid);
  response.set_err(proto::CONNECTION_LOSS);
  return response;
}

}  // namespace

NativeSession::NativeSession(asio::io_context& io,
                             std::vector<tcp::endpoint> hosts,
                             size_t first_host, int32_t timeout_ms,
                             uint64_t seed)
    : socket_(io),
      hosts_(std::move(hosts)),
      host_(first_host % hosts_.size()),
      timeout_ms_(timeout_ms),
      random_(seed) {}

NativeSession::~NativeSession() {
  error_code ignored;
  socket_.close(ignored);
}

void NativeSession::SetState(State state) {
  if (state_ == state) return;
  state_ = state;
  if (on_state) on_state(*this, state);
}

void NativeSession::Connect() {
  if (state_ != State::kIdle) return;
  lost_at_ = Clock::now();
  StartAttempt();
}

void NativeSession::StartAttempt() {
  CloseSocket();
  SetState(State::kConnecting);
  handshaking_ = true;
  const uint64_t gen = generation_;
  attempt_deadline_ =
      Clock::now() + std::chrono::milliseconds(std::max(timeout_ms_ / 2, 200));
  socket_.async_connect(
      hosts_[host_], [self = shared_from_this(), gen](const error_code& ec) {
        if (gen != self->generation_) return;
        if (ec) return self->AttemptFailed(Failure::kConnect);
        error_code ignored;
        self->socket_.set_option(tcp::no_delay(true), ignored);
        proto::ClientMessage message;
        proto::ConnectRequest* r = message.mutable_connect();
        r->set_protocol_version(kProtocolVersion);
        r->set_last_zxid_seen(self->last_zxid_);
        r->set_timeout_ms(self->timeout_ms_);
        r->set_session_id(self->session_id_);
        r->set_password(self->password_);
        std::string bytes(frame::kNativeMagic, sizeof frame::kNativeMagic);
        frame::AppendFrame(message, &bytes);
        self->Write(std::move(bytes));
        self->ReadHeader();
      });
}

void NativeSession::AttemptFailed(Failure failure) {
  CloseSocket();
  if (failure == Failure::kConnect) ++connect_failures_;
  if (failure == Failure::kClosedEarly) ++closed_early_;
  host_ = (host_ + 1) % hosts_.size();
  // A jittered pause, so refused clients do not come back in lockstep.
  const int32_t most_ms = std::clamp(timeout_ms_ / 10, 50, 1000);
  std::uniform_int_distribution<int32_t> pick(most_ms / 4, most_ms);
  next_attempt_ = Clock::now() + std::chrono::milliseconds(pick(random_));
  SetState(State::kBackoff);
}

void NativeSession::ConnectionLost() {
  if (state_ == State::kClosed || state_ == State::kExpired) return;
  if (handshaking_) return AttemptFailed(Failure::kClosedEarly);
  CloseSocket();
  FailPending();
  if (closing_) return SetState(State::kClosed);
  lost_at_ = Clock::now();
  // Like a client with a shuffled host list: any other member, at once.
  if (hosts_.size() > 1) {
    std::uniform_int_distribution<size_t> pick(1, hosts_.size() - 1);
    host_ = (host_ + pick(random_)) % hosts_.size();
  }
  StartAttempt();
}

void NativeSession::CloseSocket() {
  ++generation_;
  error_code ignored;
  socket_.close(ignored);
  queued_.clear();
  writing_.clear();
  body_.clear();
}

void NativeSession::FailPending() {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [xid, p] : pending) {
    if (p.done) p.done(LossResponse(xid));
  }
}

void NativeSession::Write(std::string bytes) {
  last_send_ = Clock::now();
  queued_ += bytes;
  if (writing_.empty()) StartWrite();
}

void NativeSession::StartWrite() {
  writing_.swap(queued_);
  const uint64_t gen = generation_;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this(), gen](const error_code& ec,
                                                     size_t) {
                      if (gen != self->generation_) return;
                      if (ec) return self->ConnectionLost();
                      self->writing_.clear();
                      if (!self->queued_.empty()) self->StartWrite();
                    });
}

void NativeSession::ReadHeader() {
  const uint64_t gen = generation_;
  asio::async_read(
      socket_, asio::buffer(header_),
      [self = shared_from_this(), gen](const error_code& ec, size_t) {
        if (gen != self->generation_) return;
        if (ec) return self->ConnectionLost();
        const uint32_t length = frame::DecodeLength(self->header_.data());
        if (length > frame::kDefaultMaxFrameBytes) {
          return self->ConnectionLost();
        }
        self->body_.resize(length);
        asio::async_read(self->socket_, asio::buffer(self->body_),
                         [self, gen](const error_code& ec, size_t) {
                           if (gen != self->generation_) return;
                           if (ec) return self->ConnectionLost();
                           self->OnFrame();
                         });
      });
}

void NativeSession::OnFrame() {
  last_recv_ = Clock::now();
  proto::ServerMessage message;
  if (!message.ParseFromString(body_)) return ConnectionLost();
  const uint64_t gen = generation_;
  if (handshaking_) {
    if (!message.has_connect()) return ConnectionLost();
    const proto::ConnectResponse& r = message.connect();
    if (r.err() == proto::SESSION_EXPIRED ||
        (session_id_ != 0 && r.session_id() != session_id_)) {
      CloseSocket();
      FailPending();
      return SetState(State::kExpired);
    }
    if (r.err() != proto::OK || r.timeout_ms() <= 0) {
      return AttemptFailed(Failure::kClosedEarly);
    }
    handshaking_ = false;
    session_id_ = r.session_id();
    password_ = r.password();
    timeout_ms_ = r.timeout_ms();
    ++handshakes_;
    SetState(State::kConnected);
  } else if (message.has_response()) {
    proto::Response& response = *message.mutable_response();
    last_zxid_ = std::max(last_zxid_, response.zxid());
    if (response.xid() != kPingXid) {
      auto it = pending_.find(response.xid());
      if (it != pending_.end()) {
        ResponseFn done = std::move(it->second.done);
        pending_.erase(it);
        const bool was_close = response.err() == proto::OK && closing_;
        if (done) done(response);
        if (was_close && pending_.empty()) {
          CloseSocket();
          return SetState(State::kClosed);
        }
      }
    }
  } else if (message.has_event()) {
    last_zxid_ = std::max(last_zxid_, message.event().zxid());
    if (on_event) on_event(message.event());
  }
  // A callback may have dropped or replaced the connection.
  if (gen == generation_) ReadHeader();
}

void NativeSession::Call(proto::Request request, ResponseFn done) {
  const int32_t xid = next_xid_;
  next_xid_ = next_xid_ == INT32_MAX ? 1 : next_xid_ + 1;
  if (state_ != State::kConnected || closing_) {
    if (done) done(LossResponse(xid));
    return;
  }
  request.set_xid(xid);
  pending_[xid] = Pending{std::move(done)};
  Write(RequestFrame(request));
}

void NativeSession::SendPing() {
  proto::Request ping;
  ping.set_xid(kPingXid);
  ping.mutable_ping();
  Write(RequestFrame(ping));
}

void NativeSession::Tick(Clock::time_point now) {
  const auto timeout = std::chrono::milliseconds(timeout_ms_);
  switch (state_) {
    case State::kConnected:
      if (now - last_recv_ >= timeout * 2 / 3) {
        ConnectionLost();
      } else if (now - last_send_ >= timeout / 3) {
        SendPing();
      }
      break;
    case State::kConnecting:
      if (now >= attempt_deadline_) AttemptFailed(Failure::kTimeout);
      break;
    case State::kBackoff:
      if (now >= next_attempt_) StartAttempt();
      break;
    default:
      break;
  }
}

void NativeSession::Close() {
  if (state_ != State::kConnected) {
    CloseSocket();
    FailPending();
    return SetState(State::kClosed);
  }
  proto::Request request;
  request.mutable_close();
  Call(std::move(request), nullptr);
  closing_ = true;
}

void NativeSession::Drop() {
  CloseSocket();
  FailPending();
  SetState(State::kClosed);
}

}  // namespace canopy::load
