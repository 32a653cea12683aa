// Server: the security options at start-up (TLS client port, peer TLS and
// the quorum secret) and the identities a TLS connection proves.
#include <spdlog/spdlog.h>

#include "server/net/quorum_auth.h"
#include "server/net/server.h"

namespace canopy::net {

namespace asio = boost::asio;

Status Server::OpenSecurePort() {
  const SecurityOptions& security = options_.security;
  if (!security.secure_client_port) return Status();
  tls::ClientAuth client_auth = security.client_auth.value_or(
      security.client_tls.ca_file.empty() ? tls::ClientAuth::kNone
                                          : tls::ClientAuth::kWant);
  auto ctx = tls::ServerContext(security.client_tls, client_auth);
  if (!ctx.ok()) {
    return Status(proto::BAD_ARGUMENTS,
                  "secureClientPort: " + ctx.status().message());
  }
  client_tls_ = *ctx;
  boost::system::error_code ec;
  asio::ip::tcp::endpoint endpoint(
      asio::ip::make_address(options_.address, ec),
      *security.secure_client_port);
  if (ec) {
    return Status(proto::BAD_ARGUMENTS,
                  "bad client address " + options_.address);
  }
  secure_acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    secure_acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) secure_acceptor_.bind(endpoint, ec);
  if (!ec) {
    secure_acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Status(proto::SYSTEM_ERROR,
                  "cannot listen on secureClientPort " + options_.address +
                      ":" + std::to_string(*security.secure_client_port) +
                      ": " + ec.message());
  }
  secure_port_ = secure_acceptor_.local_endpoint().port();
  spdlog::info("TLS clients on {}:{} (client certificates: {})",
               options_.address, secure_port_,
               client_auth == tls::ClientAuth::kNone   ? "none"
               : client_auth == tls::ClientAuth::kWant ? "want"
                                                       : "need");
  return Status();
}

Status Server::SecurePeerOptions(PeerNetworkOptions* peer_options) const {
  const SecurityOptions& security = options_.security;
  if (security.ssl_quorum) {
    // Mutual: every member presents a certificate from the quorum CA.
    if (security.quorum_tls.ca_file.empty()) {
      return Status(proto::BAD_ARGUMENTS,
                    "sslQuorum=true needs ssl.quorum.caFile");
    }
    auto server = tls::ServerContext(security.quorum_tls,
                                     tls::ClientAuth::kNeed);
    if (!server.ok()) {
      return Status(proto::BAD_ARGUMENTS,
                    "sslQuorum: " + server.status().message());
    }
    tls::TlsFiles client_files = security.quorum_tls;
    auto client = tls::ClientContext(client_files);
    if (!client.ok()) {
      return Status(proto::BAD_ARGUMENTS,
                    "sslQuorum: " + client.status().message());
    }
    peer_options->tls_server = *server;
    peer_options->tls_client = *client;
  }
  if (!security.quorum_secret.empty() &&
      !security.quorum_secret_file.empty()) {
    return Status(proto::BAD_ARGUMENTS,
                  "give quorum.auth.secret or quorum.auth.secretFile, not "
                  "both");
  }
  peer_options->auth_secret = security.quorum_secret;
  if (!security.quorum_secret_file.empty()) {
    auto secret = quorum_auth::ReadSecretFile(security.quorum_secret_file);
    if (!secret.ok()) return secret.status();
    peer_options->auth_secret = *secret;
  }
  spdlog::info("peer links: {}, {}",
               security.ssl_quorum ? "mutual TLS" : "plain TCP",
               peer_options->auth_secret.empty()
                   ? "no shared-secret handshake"
                   : "shared-secret handshake");
  return Status();
}

tree::AuthIds Server::TransportIds(const ClientConnection& conn) const {
  tree::AuthIds ids;
  if (!conn.tls_subject().empty()) {
    proto::Id id;
    id.set_scheme("x509");
    id.set_id(conn.tls_subject());
    ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace canopy::net
