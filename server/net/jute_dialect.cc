#include "server/net/jute_dialect.h"

#include <utility>

namespace canopy::net::jute {

Result<proto::ClientMessage> JuteDialect::Decode(std::string_view payload) {
  proto::ClientMessage message;
  if (!handshake_seen_) {
    Result<ConnectFrame> connect = DecodeConnect(payload);
    if (!connect.ok()) return connect.status();
    handshake_seen_ = true;
    client_sent_read_only_ = connect->has_read_only;
    *message.mutable_connect() = std::move(connect->request);
    return message;
  }
  Result<DecodedRequest> decoded = DecodeRequest(payload);
  if (!decoded.ok()) return decoded.status();
  outstanding_.push_back({decoded->request.xid(), std::move(decoded->shape)});
  *message.mutable_request() = std::move(decoded->request);
  return message;
}

Result<std::string> JuteDialect::Encode(const proto::ServerMessage& message) {
  switch (message.msg_case()) {
    case proto::ServerMessage::kConnect:
      return EncodeConnectResponse(message.connect(), client_sent_read_only_);
    case proto::ServerMessage::kEvent:
      return EncodeEvent(message.event());
    case proto::ServerMessage::kResponse:
      break;
    default:
      return Result<std::string>(proto::MARSHALLING_ERROR, "empty message");
  }
  const proto::Response& response = message.response();
  // Answers come in request order, so the match is almost always the
  // front. Entries before it will never be answered: they are dropped.
  for (auto it = outstanding_.begin(); it != outstanding_.end(); ++it) {
    if (it->xid != response.xid()) continue;
    const ReplyShape shape = std::move(it->shape);
    outstanding_.erase(outstanding_.begin(), it + 1);
    return EncodeResponse(shape, response);
  }
  return Result<std::string>(proto::MARSHALLING_ERROR,
                             "reply for an xid not outstanding");
}

}  // namespace canopy::net::jute
