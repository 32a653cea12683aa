// JuteDialect: the per-connection state of ZooKeeper's wire dialect.
//
// Turns inbound frame payloads into ClientMessages (the first is the
// ConnectRequest, the rest are requests) and ServerMessages into outbound
// payloads. Replies carry no opcode on the wire, so it remembers the reply
// shape of every request it passed on, in order, until its answer goes out.
// Not thread-safe: one connection, one thread.
#ifndef CANOPY_SERVER_NET_JUTE_DIALECT_H_
#define CANOPY_SERVER_NET_JUTE_DIALECT_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "common/status.h"
#include "proto/canopy.pb.h"
#include "server/net/jute_codec.h"

namespace canopy::net::jute {

class JuteDialect {
 public:
  // Decodes one inbound payload. An error is a protocol error: the
  // connection must close. An unsupported opcode is not an error: it becomes
  // a Request with only its xid, which the server answers UNIMPLEMENTED.
  Result<proto::ClientMessage> Decode(std::string_view payload);

  // Encodes one outbound message as a payload: a ConnectResponse (echoing
  // the readOnly byte iff the client sent one), a reply shaped by the
  // request it answers, or a notification. A reply for an xid that is not
  // outstanding is an error (the server and the client would disagree).
  Result<std::string> Encode(const proto::ServerMessage& message);

  // Requests passed on and not yet answered.
  size_t outstanding() const { return outstanding_.size(); }
  bool handshake_seen() const { return handshake_seen_; }

 private:
  struct Outstanding {
    int32_t xid;
    ReplyShape shape;
  };

  bool handshake_seen_ = false;
  bool client_sent_read_only_ = false;
  std::deque<Outstanding> outstanding_;
};

}  // namespace canopy::net::jute

#endif  // CANOPY_SERVER_NET_JUTE_DIALECT_H_
