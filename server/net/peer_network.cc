#include "server/net/peer_network.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>

#include "common/native_frame.h"
#include "server/net/quorum_auth.h"

namespace canopy::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr char kPeerMagic[4] = {'C', 'N', 'P', 'R'};
constexpr size_t kHelloBytes = 12;
}  // namespace

// One outbound connection with its queue, reconnecting after failures.
class PeerNetwork::Outbound : public std::enable_shared_from_this<Outbound> {
 public:
  Outbound(PeerNetwork* net, PeerAddress peer)
      : net_(net), peer_(std::move(peer)),
        socket_(net->io_, net->options_.tls_client),
        timer_(net->io_), backoff_ms_(net->options_.min_backoff_ms) {}

  void Connect() {
    if (net_->stopped_) return;
    boost::system::error_code ec;
    tcp::endpoint endpoint(asio::ip::make_address(peer_.host, ec), peer_.port);
    if (ec) {
      spdlog::error("peer {}: bad address {}", peer_.id, peer_.host);
      return;
    }
    socket_ = tls::Stream(net_->io_, net_->options_.tls_client);
    ++generation_;
    socket_.lowest().async_connect(endpoint, [self = shared_from_this()](
                                        const boost::system::error_code& ec) {
      if (ec) {
        self->Retry();
        return;
      }
      boost::system::error_code ignored;
      self->socket_.set_option(tcp::no_delay(true), ignored);
      self->Secure();
    });
  }

  // TLS and the shared-secret handshake (either may be off), then Up().
  void Secure() {
    const uint64_t generation = generation_;
    socket_.async_handshake(
        asio::ssl::stream_base::client,
        [self = shared_from_this(), generation](
            const boost::system::error_code& ec) {
          if (generation != self->generation_ || self->net_->stopped_) return;
          if (ec) return self->Refused("TLS handshake failed: " + ec.message());
          const std::string& secret = self->net_->options_.auth_secret;
          if (secret.empty()) return self->Up();
          quorum_auth::Initiate(
              self->socket_, secret, self->net_->options_.my_id,
              self->peer_.id, [self, generation](Status status) {
                if (generation != self->generation_ || self->net_->stopped_) {
                  return;
                }
                if (!status.ok()) return self->Refused(status.message());
                self->Up();
              });
        });
  }

  void Refused(const std::string& why) {
    spdlog::warn("peer link to member {} at {}:{} refused: {}", peer_.id,
                 peer_.host, peer_.port, why);
    boost::system::error_code ignored;
    socket_.close(ignored);
    Retry();
  }

  // The link is proven: send the hello (unless the handshake named us) and
  // whatever is queued.
  void Up() {
    connected_ = true;
    backoff_ms_ = net_->options_.min_backoff_ms;
    spdlog::debug("peer link to {} up", peer_.id);
    if (net_->options_.auth_secret.empty()) {
      std::string hello(kPeerMagic, 4);
      hello.resize(kHelloBytes);
      const uint64_t id = uint64_t(net_->options_.my_id);
      for (int i = 0; i < 8; ++i) hello[4 + i] = char(id >> (56 - 8 * i));
      queue_.push_front(std::move(hello));
      queued_bytes_ += kHelloBytes;
    }
    WatchForClose(generation_);
    Flush();
  }

  // The peer never writes on this connection: a completed read means it
  // closed (or broke) it, which a write alone might not notice for long.
  void WatchForClose(uint64_t generation) {
    socket_.async_read_some(
        asio::buffer(probe_),
        [self = shared_from_this(), generation](
            const boost::system::error_code& ec, size_t) {
          if (generation != self->generation_ || !self->connected_) return;
          if (ec == asio::error::operation_aborted) return;
          self->Break();
        });
  }

  void Send(std::string bytes) {
    const size_t size = bytes.size() + frame::kHeaderBytes;
    if (queued_bytes_ + size > net_->options_.max_queue_bytes) {
      spdlog::warn("peer {}: send queue full, dropping the link", peer_.id);
      Break();
      ++net_->dropped_;
      return;
    }
    std::string framed(frame::kHeaderBytes, '\0');
    frame::EncodeLength(uint32_t(bytes.size()), framed.data());
    framed += bytes;
    queued_bytes_ += framed.size();
    queue_.push_back(std::move(framed));
    if (connected_) Flush();
  }

  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);
    timer_.cancel();
    connected_ = false;
  }

  bool connected() const { return connected_; }
  size_t queued_bytes() const { return queued_bytes_; }

 private:
  void Flush() {
    if (writing_ || !connected_ || queue_.empty()) return;
    // One write for everything queued.
    batch_.clear();
    while (!queue_.empty()) {
      batch_ += queue_.front();
      queue_.pop_front();
    }
    writing_ = true;
    asio::async_write(socket_, asio::buffer(batch_),
                      [self = shared_from_this()](
                          const boost::system::error_code& ec, size_t) {
                        self->writing_ = false;
                        self->queued_bytes_ -= std::min(
                            self->queued_bytes_, self->batch_.size());
                        if (ec) {
                          self->Break();
                          return;
                        }
                        self->Flush();
                      });
  }

  // Drops the connection and what is queued; reconnects later.
  void Break() {
    spdlog::debug("peer link to {} broken, {} messages dropped", peer_.id,
                  queue_.size());
    net_->dropped_ += queue_.size();
    queue_.clear();
    queued_bytes_ = writing_ ? batch_.size() : 0;
    if (connected_) {
      boost::system::error_code ec;
      socket_.close(ec);
      connected_ = false;
      ReportLost();
      Retry();
    }
  }

  void ReportLost() {
    std::weak_ptr<PeerNetwork*> owner = net_->self_;
    asio::post(net_->io_, [owner, id = peer_.id] {
      auto net = owner.lock();
      if (!net || *net == nullptr) return;
      PeerNetwork* network = *net;
      if (!network->stopped_ && network->on_link_lost_) {
        network->on_link_lost_(id);
      }
    });
  }

  void Retry() {
    if (net_->stopped_) return;
    connected_ = false;
    timer_.expires_after(std::chrono::milliseconds(backoff_ms_));
    backoff_ms_ = std::min(backoff_ms_ * 2, net_->options_.max_backoff_ms);
    timer_.async_wait([self = shared_from_this()](
                          const boost::system::error_code& ec) {
      if (!ec) self->Connect();
    });
  }

  PeerNetwork* net_;
  PeerAddress peer_;
  tls::Stream socket_;
  asio::steady_timer timer_;
  int64_t backoff_ms_;
  bool connected_ = false;
  bool writing_ = false;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  std::string batch_;
  uint64_t generation_ = 0;  // which connection attempt is current
  std::array<char, 1> probe_;
};

// One inbound connection: reads the hello, then messages.
class PeerNetwork::Inbound : public std::enable_shared_from_this<Inbound> {
 public:
  Inbound(PeerNetwork* net, tcp::socket socket)
      : net_(net), socket_(std::move(socket), net->options_.tls_server) {
    boost::system::error_code ec;
    const auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) {
      remote_ = endpoint.address().to_string() + ":" +
                std::to_string(endpoint.port());
    }
  }

  // TLS and the shared-secret handshake (either may be off), then messages.
  void Start() {
    socket_.async_handshake(
        asio::ssl::stream_base::server,
        [self = shared_from_this()](const boost::system::error_code& ec) {
          if (self->net_->stopped_) return;
          if (ec) {
            return self->Refuse("TLS handshake failed: " + ec.message());
          }
          const auto& options = self->net_->options_;
          if (options.auth_secret.empty()) return self->ReadMore();
          quorum_auth::Respond(
              self->socket_, options.auth_secret, options.my_id,
              [net = self->net_](int64_t id) { return net->IsMember(id); },
              [self](Result<int64_t> from) {
                if (self->net_->stopped_) return;
                if (!from.ok()) return self->Refuse(from.status().message());
                self->from_ = *from;
                self->ReadMore();
              });
        });
  }
  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  void ReadMore() {
    const size_t start = in_.size();
    constexpr size_t kChunk = 64 * 1024;
    in_.resize(start + kChunk);
    socket_.async_read_some(
        asio::buffer(in_.data() + start, kChunk),
        [self = shared_from_this(), start](const boost::system::error_code& ec,
                                           size_t n) {
          self->in_.resize(start + (ec ? 0 : n));
          if (ec || self->net_->stopped_) return;
          if (!self->Parse()) {
            spdlog::warn("peer link from {} ({}): protocol error, closing",
                         self->from_, self->remote_);
            self->Close();
            return;
          }
          self->ReadMore();
        });
  }

  bool Parse() {
    size_t offset = 0;
    if (from_ == 0) {
      if (in_.size() < kHelloBytes) return true;
      if (std::memcmp(in_.data(), kPeerMagic, 4) != 0) return false;
      uint64_t id = 0;
      for (int i = 0; i < 8; ++i) id = (id << 8) | uint8_t(in_[4 + i]);
      from_ = int64_t(id);
      if (from_ <= 0) return false;
      offset = kHelloBytes;
    }
    while (in_.size() - offset >= frame::kHeaderBytes) {
      const uint32_t length = frame::DecodeLength(in_.data() + offset);
      if (length > net_->options_.max_message_bytes) return false;
      if (in_.size() - offset - frame::kHeaderBytes < length) break;
      std::string bytes = in_.substr(offset + frame::kHeaderBytes, length);
      offset += frame::kHeaderBytes + length;
      net_->on_message_(from_, std::move(bytes));
      if (net_->stopped_) return true;
    }
    in_.erase(0, offset);
    return true;
  }

  // Logs and closes a connection that failed to prove it is a member.
  void Refuse(const std::string& why) {
    spdlog::warn("peer connection from {} refused: {}", remote_, why);
    Close();
  }

  PeerNetwork* net_;
  tls::Stream socket_;
  std::string remote_ = "an unknown address";
  int64_t from_ = 0;
  std::string in_;
};

PeerNetwork::PeerNetwork(asio::io_context& io, PeerNetworkOptions options,
                         OnMessage on_message)
    : io_(io),
      options_(std::move(options)),
      on_message_(std::move(on_message)),
      acceptor_(io) {}

PeerNetwork::~PeerNetwork() {
  *self_ = nullptr;
  Stop();
}

Status PeerNetwork::Start() {
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(options_.listen_host, ec),
                         options_.listen_port);
  if (ec) {
    return Status(proto::BAD_ARGUMENTS,
                  "bad peer address " + options_.listen_host);
  }
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(proto::SYSTEM_ERROR,
                  "cannot listen on peer port " + options_.listen_host + ":" +
                      std::to_string(options_.listen_port) + ": " +
                      ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  Accept();
  for (const auto& peer : options_.peers) {
    auto out = std::make_shared<Outbound>(this, peer);
    outbound_[peer.id] = out;
    out->Connect();
  }
  return Status();
}

void PeerNetwork::Stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& [id, out] : outbound_) out->Close();
  for (auto& weak : inbound_) {
    if (auto in = weak.lock()) in->Close();
  }
}

void PeerNetwork::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec,
                                tcp::socket socket) {
    if (ec || stopped_) return;
    auto in = std::make_shared<Inbound>(this, std::move(socket));
    inbound_.erase(std::remove_if(inbound_.begin(), inbound_.end(),
                                  [](const auto& w) { return w.expired(); }),
                   inbound_.end());
    inbound_.push_back(in);
    in->Start();
    Accept();
  });
}

void PeerNetwork::Send(int64_t to, std::string bytes) {
  if (stopped_) return;
  auto it = outbound_.find(to);
  if (it == outbound_.end()) return;
  it->second->Send(std::move(bytes));
}

bool PeerNetwork::Connected(int64_t to) const {
  auto it = outbound_.find(to);
  return it != outbound_.end() && it->second->connected();
}

}  // namespace canopy::net

namespace canopy::net {

bool PeerNetwork::IsMember(int64_t id) const {
  for (const auto& peer : options_.peers) {
    if (peer.id == id) return true;
  }
  return false;
}

size_t PeerNetwork::QueuedBytes(int64_t to) const {
  auto it = outbound_.find(to);
  return it == outbound_.end() ? 0 : it->second->queued_bytes();
}

}  // namespace canopy::net
