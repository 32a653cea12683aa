// Quorum authentication: how a peer link proves that both ends are members
// of the ensemble before any message crosses it.
//
// Two ways, which may be combined (PeerNetworkOptions):
//   * mutual TLS (sslQuorum=true): every link is TLS and both sides present
//     a certificate that chains to the quorum CA; a stranger without one
//     fails the handshake;
//   * a shared secret (quorum.auth.secret / quorum.auth.secretFile): a
//     challenge-response exchange on each new connection, below.
//
// The shared-secret handshake, on a link from member A (who connects) to B:
//   A -> B  "CNPA", A's id (8 bytes, big-endian), nonce_a (32 random bytes)
//   B -> A  B's id (8 bytes), nonce_b (32 random bytes),
//           HMAC-SHA256(secret, "canopy-quorum-server" ids nonces)
//   A -> B  HMAC-SHA256(secret, "canopy-quorum-client" ids nonces)
// where "ids nonces" is id_a, id_b, nonce_a, nonce_b. A checks B's proof
// (and that B is the member it meant to reach) before it sends anything
// else; B checks A's proof (and that A is a known member) before it reads a
// message from A. Fresh nonces on both sides make a recorded exchange
// useless on a new connection; the secret itself never crosses the wire.
// A failure is logged as a warning naming the remote address and the link
// is closed.
//
// Both sides give the other kHandshakeTimeoutMs to finish; a connection that
// stalls is closed.
#ifndef CANOPY_SERVER_NET_QUORUM_AUTH_H_
#define CANOPY_SERVER_NET_QUORUM_AUTH_H_

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "common/tls_stream.h"

namespace canopy::net::quorum_auth {

inline constexpr char kAuthMagic[4] = {'C', 'N', 'P', 'A'};
inline constexpr size_t kNonceBytes = 32;
inline constexpr size_t kProofBytes = 32;  // HMAC-SHA256
inline constexpr int64_t kHandshakeTimeoutMs = 5000;

// kNonceBytes from OpenSSL's random generator.
std::string NewNonce();
// HMAC-SHA256(secret, label || id_a || id_b || nonce_a || nonce_b), ids as
// 8-byte big-endian; label is "canopy-quorum-server" or
// "canopy-quorum-client".
std::string Proof(const std::string& secret, const std::string& label,
                  int64_t id_a, int64_t id_b, const std::string& nonce_a,
                  const std::string& nonce_b);
// Equal in constant time.
bool SameProof(const std::string& a, const std::string& b);
// Reads a secret file: its contents without a trailing newline; an empty
// or unreadable file is an error naming the file.
Result<std::string> ReadSecretFile(const std::string& path);

// The connecting side of the handshake on a connected (and, with TLS,
// handshaken) stream. done(Status) is called once, on the stream's
// executor; not OK means the link must be dropped. The stream must outlive
// the call of done.
void Initiate(tls::Stream& stream, const std::string& secret, int64_t my_id,
              int64_t peer_id, std::function<void(Status)> done);

// The accepting side. is_member(id) says whether id may connect; done gets
// the authenticated peer's id, or an error.
void Respond(tls::Stream& stream, const std::string& secret, int64_t my_id,
             std::function<bool(int64_t)> is_member,
             std::function<void(Result<int64_t>)> done);

}  // namespace canopy::net::quorum_auth

#endif  // CANOPY_SERVER_NET_QUORUM_AUTH_H_
