// PeerNetwork: the links between the members of an ensemble.
//
// Each member keeps one outbound TCP connection to every other member for
// what it sends, and accepts inbound connections for what it receives, so a
// pair of members talks over two one-way connections and no duplicate
// connection needs resolving. An outbound connection opens with the magic
// "CNPR" and the sender's member id (8 bytes, big-endian); after it every
// message is a 4-byte big-endian length and that many bytes.
//
// Quorum authentication (server/net/quorum_auth.h): with tls_server and
// tls_client set every link is mutual TLS against the quorum CA; with
// auth_secret set every connection first runs the shared-secret
// challenge-response handshake, which replaces the plain hello. Either way
// a connection that fails is closed and logged (a warning naming the remote
// address) before any message crosses it.
//
// Outbound connections reconnect with exponential backoff. Each has a bounded
// queue: a message that would push it past max_queue_bytes is dropped along
// with the whole connection (the queue is discarded and the link reconnects),
// so a member never buffers without bound for a slow or dead peer; the
// consensus layer already tolerates lost messages.
//
// Runs on one io_context thread; every method must be called there.
#ifndef CANOPY_SERVER_NET_PEER_NETWORK_H_
#define CANOPY_SERVER_NET_PEER_NETWORK_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/tls_stream.h"

namespace canopy::net {

struct PeerAddress {
  int64_t id = 0;
  std::string host;
  uint16_t port = 0;
};

struct PeerNetworkOptions {
  int64_t my_id = 0;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;  // 0 picks a free port
  std::vector<PeerAddress> peers;  // every other member
  size_t max_queue_bytes = 64 * 1024 * 1024;
  uint32_t max_message_bytes = 64 * 1024 * 1024;
  int64_t min_backoff_ms = 20;
  int64_t max_backoff_ms = 1000;
  // Peer TLS (sslQuorum): inbound links use tls_server (which must demand a
  // client certificate), outbound ones tls_client (which presents one).
  // Both null: plain TCP.
  tls::ContextPtr tls_server;
  tls::ContextPtr tls_client;
  // The quorum's shared secret; empty: no challenge-response handshake.
  std::string auth_secret;
};

class PeerNetwork {
 public:
  // from: the sender's member id; bytes: one message.
  using OnMessage = std::function<void(int64_t from, std::string bytes)>;
  // member: whose established outbound link just broke (closed by the peer,
  // a failed write, or an overflowing queue). Called later on the io thread,
  // never from inside Send.
  using OnLinkLost = std::function<void(int64_t member)>;

  PeerNetwork(boost::asio::io_context& io, PeerNetworkOptions options,
              OnMessage on_message);
  ~PeerNetwork();

  // Binds the peer port and starts accepting and connecting.
  Status Start();
  // Stops: closes every connection; later Sends are dropped.
  void Stop();
  void set_on_link_lost(OnLinkLost on_link_lost) {
    on_link_lost_ = std::move(on_link_lost);
  }
  // Queues a message for member `to`; dropped when the member is unknown.
  void Send(int64_t to, std::string bytes);
  // True while the outbound connection to `to` is established.
  bool Connected(int64_t to) const;
  // Bytes queued for `to` and not yet written.
  size_t QueuedBytes(int64_t to) const;
  uint16_t port() const { return port_; }
  // Messages dropped because a queue overflowed or a link broke.
  uint64_t dropped() const { return dropped_; }

 private:
  class Outbound;
  class Inbound;
  void Accept();
  // True when id names another member of this ensemble.
  bool IsMember(int64_t id) const;

  boost::asio::io_context& io_;
  PeerNetworkOptions options_;
  OnMessage on_message_;
  OnLinkLost on_link_lost_;
  // Cleared on destruction, so a posted link-lost report can tell.
  std::shared_ptr<PeerNetwork*> self_ = std::make_shared<PeerNetwork*>(this);
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::map<int64_t, std::shared_ptr<Outbound>> outbound_;
  std::vector<std::weak_ptr<Inbound>> inbound_;
  uint64_t dropped_ = 0;
  bool stopped_ = false;
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_PEER_NETWORK_H_
