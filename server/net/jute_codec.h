// ZooKeeper's client records (zookeeper.jute, 3.9) mapped to Canopy's proto
// and back. Inputs are frame payloads (the 4-byte length already stripped);
// outputs are payloads the caller frames. Decoding never trusts a length and
// never throws: a record that does not decode is a Status, which the
// connection treats as a protocol error.
#ifndef CANOPY_SERVER_NET_JUTE_CODEC_H_
#define CANOPY_SERVER_NET_JUTE_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::net::jute {

// ZooKeeper's opcodes (ZooDefs.OpCode).
namespace opcode {
inline constexpr int32_t kNotification = 0;
inline constexpr int32_t kCreate = 1;
inline constexpr int32_t kDelete = 2;
inline constexpr int32_t kExists = 3;
inline constexpr int32_t kGetData = 4;
inline constexpr int32_t kSetData = 5;
inline constexpr int32_t kGetAcl = 6;
inline constexpr int32_t kSetAcl = 7;
inline constexpr int32_t kGetChildren = 8;
inline constexpr int32_t kSync = 9;
inline constexpr int32_t kPing = 11;
inline constexpr int32_t kGetChildren2 = 12;
inline constexpr int32_t kCheck = 13;
inline constexpr int32_t kMulti = 14;
inline constexpr int32_t kCreate2 = 15;
inline constexpr int32_t kReconfig = 16;
inline constexpr int32_t kCheckWatches = 17;
inline constexpr int32_t kRemoveWatches = 18;
inline constexpr int32_t kCreateContainer = 19;
inline constexpr int32_t kDeleteContainer = 20;
inline constexpr int32_t kCreateTtl = 21;
inline constexpr int32_t kMultiRead = 22;
inline constexpr int32_t kAuth = 100;
inline constexpr int32_t kSetWatches = 101;
inline constexpr int32_t kSasl = 102;
inline constexpr int32_t kGetEphemerals = 103;
inline constexpr int32_t kGetAllChildrenNumber = 104;
inline constexpr int32_t kSetWatches2 = 105;
inline constexpr int32_t kAddWatch = 106;
inline constexpr int32_t kWhoAmI = 107;
inline constexpr int32_t kCreateSession = -10;
inline constexpr int32_t kCloseSession = -11;
inline constexpr int32_t kError = -1;
}  // namespace opcode

// The xids ZooKeeper reserves.
inline constexpr int32_t kNotificationXid = -1;
inline constexpr int32_t kPingXid = -2;
inline constexpr int32_t kAuthXid = -4;
inline constexpr int32_t kSetWatchesXid = -8;

// The longest session password accepted in a ConnectRequest.
inline constexpr size_t kMaxPasswordBytes = 64;

// A decoded ConnectRequest, and whether the client sent the optional
// trailing readOnly byte (clients before 3.4 do not).
struct ConnectFrame {
  proto::ConnectRequest request;
  bool has_read_only = false;
};

// Decodes the first frame of a connection: ConnectRequest{int
// protocolVersion; long lastZxidSeen; int timeOut; long sessionId; buffer
// passwd; [boolean readOnly]}. Bytes after readOnly are ignored, as
// ZooKeeper does.
Result<ConnectFrame> DecodeConnect(std::string_view payload);

// Encodes ConnectResponse{int protocolVersion = 0; int timeOut; long
// sessionId; buffer passwd; [boolean readOnly = false]}, with readOnly iff
// echo_read_only. A refused handshake (err != OK) is sent as ZooKeeper sends
// an expired session: timeOut 0, sessionId 0 and 16 zero bytes of password.
Result<std::string> EncodeConnectResponse(const proto::ConnectResponse& response,
                                          bool echo_read_only);

// What the reply to a request needs: the request's opcode and, for multi and
// multiRead, each sub-op's opcode, in order.
struct ReplyShape {
  int32_t opcode = 0;
  std::vector<int32_t> sub_opcodes;
};

// A decoded request. When supported is false the opcode is one Canopy does
// not serve (reconfig, sasl, unknown numbers): request carries only the xid,
// no op, and the server answers it UNIMPLEMENTED in turn.
struct DecodedRequest {
  proto::Request request;
  ReplyShape shape;
  bool supported = true;
};

// Decodes RequestHeader{int xid; int type} and the body for type. Fails on a
// body that does not decode (truncated, bad lengths, a multi sub-op that is
// not allowed there, a multi without its terminator). Bytes after the body
// are ignored, as ZooKeeper does.
Result<DecodedRequest> DecodeRequest(std::string_view payload);

// Encodes ReplyHeader{int xid; long zxid; int err} and, when err is OK, the
// body shaped for shape.opcode. A multi is always answered with err 0 in the
// header and per-op results (ErrorResponse for every op of a failed multi),
// unless the server refused it as a whole without per-op results.
Result<std::string> EncodeResponse(const ReplyShape& shape,
                                   const proto::Response& response);

// Encodes a notification: ReplyHeader{xid -1; zxid; err 0} and
// WatcherEvent{int type; int state; ustring path}, with EVENT_NONE as -1.
// The zxid is the event's (ZooKeeper 3.9), or -1 when it has none (a state
// change), as older servers send for every event.
Result<std::string> EncodeEvent(const proto::WatchEvent& event);

}  // namespace canopy::net::jute

#endif  // CANOPY_SERVER_NET_JUTE_CODEC_H_
