// SecurityOptions: who may talk to a member, from zoo.cfg (server/net/
// security_config.h parses the keys; Server::Open builds the TLS contexts
// and reads the secret file, and a problem there stops start-up).
//
// Canopy takes PEM files where ZooKeeper takes Java keystores:
//   secureClientPort=N          a TLS client port beside clientPort
//   ssl.certFile, ssl.keyFile   the server certificate (chain) and key
//   ssl.caFile                  CA bundle that client certificates must
//                               chain to
//   ssl.clientAuth=none|want|need
//                               ask clients for a certificate (default: want
//                               when ssl.caFile is set, else none); a client
//                               certificate gives the session the id
//                               x509:<subject DN>
//   sslQuorum=true              peer links are mutual TLS with
//   ssl.quorum.certFile, ssl.quorum.keyFile, ssl.quorum.caFile
//   quorum.auth.secret=S        a shared-secret challenge-response on every
//   quorum.auth.secretFile=F    peer connection (the file's contents)
//   zookeeper.DigestAuthenticationProvider.superDigest=super:BASE64SHA1
//                               (alias superDigest) the super user: a
//                               session that adds digest auth
//                               "super:password" passes every ACL check
#ifndef CANOPY_SERVER_NET_SECURITY_OPTIONS_H_
#define CANOPY_SERVER_NET_SECURITY_OPTIONS_H_

#include <optional>
#include <string>

#include "common/tls_stream.h"

namespace canopy::net {

struct SecurityOptions {
  // The TLS client port; nullopt: none. 0 picks a free port.
  std::optional<uint16_t> secure_client_port;
  tls::TlsFiles client_tls;
  std::optional<tls::ClientAuth> client_auth;  // nullopt: the default above
  bool ssl_quorum = false;
  tls::TlsFiles quorum_tls;
  std::string quorum_secret;
  std::string quorum_secret_file;
  std::string super_digest;  // "super:BASE64SHA1", empty: none
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_SECURITY_OPTIONS_H_
