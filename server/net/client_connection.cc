#include "server/net/client_connection.h"

#include <cstdint>
#include <chrono>
#include <cstring>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/native_frame.h"

namespace canopy::net {

namespace asio = boost::asio;

namespace {
constexpr size_t kReadChunkBytes = 64 * 1024;
constexpr size_t kIdleReadBytes = 2 * 1024;
constexpr int64_t kTlsHandshakeTimeoutMs = 5000;

bool IsFourLetterWord(const std::string& word) {
  static const char* kWords[] = {"ruok", "srvr", "stat", "mntr", "conf",
                                 "cons", "envi", "wchs", "wchc", "dump",
                                 "isro", "crst", "srst", "dirs", "wchp"};
  for (const char* known : kWords) {
    if (word == known) return true;
  }
  return false;
}
}  // namespace

ClientConnection::ClientConnection(tls::Stream socket, uint64_t id,
                                   ConnectionOwner* owner,
                                   uint32_t max_frame_bytes,
                                   size_t max_output_bytes)
    : socket_(std::move(socket)),
      id_(id),
      owner_(owner),
      max_frame_bytes_(max_frame_bytes),
      max_output_bytes_(max_output_bytes) {
  boost::system::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) {
    peer_ip_ = endpoint.address().to_string();
    peer_port_ = endpoint.port();
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void ClientConnection::Start() {
  if (!socket_.is_tls()) {
    ReadMore();
    return;
  }
  // A client that stalls in the handshake is cut off at the deadline.
  auto deadline = std::make_shared<asio::steady_timer>(
      socket_.get_executor(),
      std::chrono::milliseconds(kTlsHandshakeTimeoutMs));
  deadline->async_wait([weak = weak_from_this()](
                           const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the handshake ended first
    if (auto self = weak.lock()) {
      spdlog::info("TLS handshake with {}:{} timed out", self->peer_ip_,
                   self->peer_port_);
      self->Shutdown();
    }
  });
  socket_.async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this(), deadline](
          const boost::system::error_code& ec) {
        deadline->cancel();
        if (self->closed_) return;
        if (ec) {
          // A plaintext client or one without an acceptable certificate:
          // only this connection ends.
          spdlog::info("TLS handshake with {}:{} failed: {}", self->peer_ip_,
                       self->peer_port_, ec.message());
          self->Shutdown();
          return;
        }
        self->tls_subject_ = self->socket_.peer_subject();
        self->ReadMore();
      });
}

void ClientConnection::ReadMore() {
  if (closed_) return;
  // An idle connection keeps a small buffer: a 64 KB one per connection
  // (resident, as resize zero-fills it) cost 640 MB for 10,000 sessions.
  // A large read is only armed while a frame is partly in.
  if (in_.empty() && in_.capacity() > kIdleReadBytes) std::string().swap(in_);
  const size_t start = in_.size();
  const size_t chunk = in_.empty() ? kIdleReadBytes : kReadChunkBytes;
  in_.resize(start + chunk);
  socket_.async_read_some(
      asio::buffer(in_.data() + start, chunk),
      [self = shared_from_this(), start](const boost::system::error_code& ec,
                                         size_t bytes) {
        self->in_.resize(start + (ec ? 0 : bytes));
        if (ec) {
          self->Shutdown();
          return;
        }
        self->OnRead(bytes);
      });
}

void ClientConnection::OnRead(size_t) {
  if (closed_) return;
  if (dialect_ == Dialect::kUnknown) {
    if (in_.size() < 4) {
      ReadMore();
      return;
    }
    if (std::memcmp(in_.data(), frame::kNativeMagic, 4) == 0) {
      dialect_ = Dialect::kNative;
      in_.erase(0, 4);
    } else {
      const std::string word = in_.substr(0, 4);
      if (IsFourLetterWord(word)) {
        out_ += owner_->OnFourLetterWord(word);
        in_.clear();
        CloseAfterFlush();
        return;
      }
      // ZooKeeper's dialect: the four bytes are the ConnectRequest's length
      // and stay in in_ for ParseFrames.
      const uint32_t length = frame::DecodeLength(in_.data());
      if (length == 0 || length > max_frame_bytes_) {
        Abort();
        return;
      }
      dialect_ = Dialect::kJute;
    }
  }
  ProcessInput();
}

void ClientConnection::ProcessInput() {
  if (closed_) return;
  if (!ParseFrames()) {
    Abort();
    return;
  }
  if (closed_) return;
  if (InputFull()) {
    input_paused_ = true;
    return;
  }
  ReadMore();
}

bool ClientConnection::InputFull() const {
  if (!owner_->AcceptingRequests()) return true;
  return dialect_ == Dialect::kJute &&
         jute_.outstanding() >= kMaxOutstandingJute;
}

void ClientConnection::ResumeInput() {
  if (closed_ || !input_paused_) return;
  input_paused_ = false;
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->ProcessInput(); });
}

bool ClientConnection::ParseFrames() {
  size_t offset = 0;
  while (!closed_ && !InputFull() &&
         in_.size() - offset >= frame::kHeaderBytes) {
    const uint32_t length = frame::DecodeLength(in_.data() + offset);
    if (length > max_frame_bytes_) return false;
    if (dialect_ == Dialect::kJute && length == 0) return false;
    if (in_.size() - offset - frame::kHeaderBytes < length) break;
    proto::ClientMessage message;
    if (!DecodeFrame(std::string_view(in_.data() + offset + frame::kHeaderBytes,
                                      length),
                     &message)) {
      return false;
    }
    offset += frame::kHeaderBytes + length;
    ++received_;
    owner_->OnClientMessage(id_, std::move(message));
  }
  in_.erase(0, offset);
  return true;
}

bool ClientConnection::DecodeFrame(std::string_view payload,
                                   proto::ClientMessage* message) {
  if (dialect_ == Dialect::kJute) {
    Result<proto::ClientMessage> decoded = jute_.Decode(payload);
    if (!decoded.ok()) return false;
    *message = std::move(decoded).value();
    return true;
  }
  return message->ParseFromArray(payload.data(), int(payload.size())) &&
         message->msg_case() != proto::ClientMessage::MSG_NOT_SET;
}

void ClientConnection::Send(const proto::ServerMessage& message) {
  if (closed_ || close_after_flush_) return;
  ++sent_;
  if (dialect_ == Dialect::kJute) {
    Result<std::string> payload = jute_.Encode(message);
    if (!payload.ok() || payload->size() > UINT32_MAX) {
      Abort();
      return;
    }
    AppendJuteFrame(*payload);
    if (input_paused_ && jute_.outstanding() <= kMaxOutstandingJute / 2) {
      // Resume outside this call: the owner may be in the middle of sending
      // and must not receive messages from inside Send.
      input_paused_ = false;
      asio::post(socket_.get_executor(),
                 [self = shared_from_this()] { self->ProcessInput(); });
    }
  } else {
    frame::AppendFrame(message, &out_);
  }
  if (out_.size() + writing_.size() > max_output_bytes_) {
    Abort();
    return;
  }
  Flush();
}

void ClientConnection::AppendJuteFrame(const std::string& payload) {
  char header[frame::kHeaderBytes];
  frame::EncodeLength(uint32_t(payload.size()), header);
  out_.append(header, frame::kHeaderBytes);
  out_ += payload;
}

void ClientConnection::Flush() {
  if (write_in_flight_ || closed_) return;
  if (out_.empty()) {
    if (close_after_flush_) Shutdown();
    return;
  }
  writing_.swap(out_);
  out_.clear();
  write_in_flight_ = true;
  asio::async_write(
      socket_, asio::buffer(writing_),
      [self = shared_from_this()](const boost::system::error_code& ec,
                                  size_t) {
        self->write_in_flight_ = false;
        self->writing_.clear();
        if (ec) {
          self->Shutdown();
          return;
        }
        self->Flush();
      });
}

void ClientConnection::CloseAfterFlush() {
  if (closed_) return;
  close_after_flush_ = true;
  Flush();
}

void ClientConnection::Abort() {
  out_.clear();
  Shutdown();
}

void ClientConnection::Shutdown() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  owner_->OnConnectionClosed(id_);
}

}  // namespace canopy::net
