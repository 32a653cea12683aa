// ClientConnection: one client socket on the client port.
//
// The first four bytes tell the dialect: the native magic "CNPY" starts
// length-prefixed protobuf frames; a four-letter word ("ruok", ...) is
// answered and the connection closed; otherwise they are the length of
// ZooKeeper's first jute frame (0 < length <= max frame size, else the
// connection is refused), its ConnectRequest. Either dialect reaches the
// owner as ClientMessages, and Send encodes ServerMessages in the
// connection's dialect. A frame of a bad size or one that does not decode
// closes this connection only.
//
// Lives on the server's single IO thread; every method must be called there.
// Output is batched: everything queued while a write is in flight goes out
// in the next single write. A jute connection stops reading while
// kMaxOutstandingJute of its requests await answers, and reads on once half
// of them are answered.
#ifndef CANOPY_SERVER_NET_CLIENT_CONNECTION_H_
#define CANOPY_SERVER_NET_CLIENT_CONNECTION_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/tls_stream.h"
#include "proto/canopy.pb.h"
#include "server/net/jute_dialect.h"

namespace canopy::net {

// What a connection reports to its server.
class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  virtual void OnClientMessage(uint64_t conn, proto::ClientMessage message) = 0;
  // A four-letter word arrived; returns the text to answer.
  virtual std::string OnFourLetterWord(const std::string& word) = 0;
  // The connection is gone (closed by either side); called once.
  virtual void OnConnectionClosed(uint64_t conn) = 0;
  // False while the server takes no more requests (too many in flight, or
  // stopping): connections then stop reading until ResumeInput.
  virtual bool AcceptingRequests() const { return true; }
};

class ClientConnection
    : public std::enable_shared_from_this<ClientConnection> {
 public:
  static constexpr size_t kMaxOutstandingJute = 4096;

  // A TLS socket (secureClientPort) runs its handshake in Start before
  // anything is read; a failed handshake closes the connection.
  ClientConnection(tls::Stream socket, uint64_t id,
                   ConnectionOwner* owner, uint32_t max_frame_bytes,
                   size_t max_output_bytes);

  void Start();
  // Queues one message; a connection whose unsent output passes
  // max_output_bytes is closed (a client that does not read).
  void Send(const proto::ServerMessage& message);
  // Closes once everything queued is written.
  void CloseAfterFlush();
  // Closes now, dropping unsent output.
  void Abort();
  // Reads on if input was paused (the owner accepts requests again).
  void ResumeInput();

  uint64_t id() const { return id_; }
  const std::string& peer_ip() const { return peer_ip_; }
  uint16_t peer_port() const { return peer_port_; }
  // Frames received from and sent to the client.
  uint64_t received() const { return received_; }
  uint64_t sent() const { return sent_; }
  bool is_jute() const { return dialect_ == Dialect::kJute; }
  // On a TLS connection whose client presented a verified certificate, its
  // subject DN (RFC 2253); otherwise empty. Set before the first message.
  const std::string& tls_subject() const { return tls_subject_; }

 private:
  void ReadMore();
  void OnRead(size_t bytes);
  // Parses what is buffered and reads more unless input is paused; called
  // only while no read is in flight.
  void ProcessInput();
  bool ParseFrames();
  bool DecodeFrame(std::string_view payload, proto::ClientMessage* message);
  bool InputFull() const;
  void AppendJuteFrame(const std::string& payload);
  void Flush();
  void Shutdown();

  tls::Stream socket_;
  std::string tls_subject_;
  uint64_t id_;
  ConnectionOwner* owner_;
  uint32_t max_frame_bytes_;
  size_t max_output_bytes_;
  std::string peer_ip_;
  uint16_t peer_port_ = 0;
  uint64_t received_ = 0;
  uint64_t sent_ = 0;

  enum class Dialect { kUnknown, kNative, kJute };
  Dialect dialect_ = Dialect::kUnknown;
  jute::JuteDialect jute_;
  bool input_paused_ = false;  // no read in flight until resumed
  std::string in_;       // bytes read, not yet parsed
  std::string out_;      // queued while a write is in flight
  std::string writing_;  // the buffer being written
  bool write_in_flight_ = false;
  bool close_after_flush_ = false;
  bool closed_ = false;
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_CLIENT_CONNECTION_H_
