// The handshake and notification records of the ZooKeeper dialect.
#include "server/net/jute_codec.h"

#include "server/net/jute.h"

namespace canopy::net::jute {
namespace {

constexpr size_t kExpiredPasswordBytes = 16;

Status Malformed(const char* what) {
  return Status(proto::MARSHALLING_ERROR, what);
}

}  // namespace

Result<ConnectFrame> DecodeConnect(std::string_view payload) {
  Reader reader(payload);
  ConnectFrame frame;
  proto::ConnectRequest& request = frame.request;
  int32_t protocol_version, timeout;
  int64_t last_zxid, session_id;
  if (!reader.ReadInt(&protocol_version) || !reader.ReadLong(&last_zxid) ||
      !reader.ReadInt(&timeout) || !reader.ReadLong(&session_id)) {
    return Malformed("short ConnectRequest");
  }
  std::string password;
  if (!reader.ReadBuffer(&password)) return Malformed("bad ConnectRequest passwd");
  if (password.size() > kMaxPasswordBytes) {
    return Malformed("ConnectRequest passwd too long");
  }
  request.set_protocol_version(protocol_version);
  request.set_last_zxid_seen(last_zxid);
  request.set_timeout_ms(timeout);
  request.set_session_id(session_id);
  request.set_password(std::move(password));
  if (reader.remaining() > 0) {
    bool read_only = false;
    reader.ReadBool(&read_only);
    request.set_read_only(read_only);
    frame.has_read_only = true;
  }
  return frame;
}

Result<std::string> EncodeConnectResponse(const proto::ConnectResponse& response,
                                          bool echo_read_only) {
  std::string out;
  Writer writer(&out);
  writer.WriteInt(0);  // protocolVersion
  if (response.err() == proto::OK) {
    writer.WriteInt(response.timeout_ms());
    writer.WriteLong(response.session_id());
    writer.WriteBuffer(response.password());
  } else {
    // Clients read timeOut <= 0 as "session expired".
    writer.WriteInt(0);
    writer.WriteLong(0);
    writer.WriteBuffer(std::string(kExpiredPasswordBytes, '\0'));
  }
  if (echo_read_only) writer.WriteBool(false);
  if (!writer.ok()) return Malformed("ConnectResponse too large");
  return out;
}

Result<std::string> EncodeEvent(const proto::WatchEvent& event) {
  std::string out;
  Writer writer(&out);
  writer.WriteInt(kNotificationXid);
  writer.WriteLong(event.zxid() > 0 ? event.zxid() : -1);
  writer.WriteInt(proto::OK);
  writer.WriteInt(event.type() == proto::EVENT_NONE ? -1 : int32_t(event.type()));
  writer.WriteInt(int32_t(event.state()));
  writer.WriteString(event.path());
  if (!writer.ok()) return Malformed("WatcherEvent too large");
  return out;
}

}  // namespace canopy::net::jute
