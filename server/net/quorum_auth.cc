#include "server/net/quorum_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>

namespace canopy::net::quorum_auth {
namespace {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

constexpr char kServerLabel[] = "canopy-quorum-server";
constexpr char kClientLabel[] = "canopy-quorum-client";
constexpr size_t kHelloBytes = 4 + 8 + kNonceBytes;
constexpr size_t kReplyBytes = 8 + kNonceBytes + kProofBytes;

void PutId(int64_t id, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(char(uint64_t(id) >> (56 - 8 * i)));
}

int64_t GetId(const char* p) {
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | uint8_t(p[i]);
  return int64_t(id);
}

std::string Remote(tls::Stream& stream) {
  error_code ec;
  const auto endpoint = stream.remote_endpoint(ec);
  if (ec) return "an unknown address";
  return endpoint.address().to_string() + ":" +
         std::to_string(endpoint.port());
}

// One handshake's buffers and deadline, kept alive by its handlers.
struct Exchange {
  explicit Exchange(tls::Stream& s) : stream(s), timer(s.get_executor()) {}
  tls::Stream& stream;
  asio::steady_timer timer;
  std::string out;
  std::string in;
  std::string nonce_mine;
  std::string remote;
  bool finished = false;

  void Arm() {
    timer.expires_after(std::chrono::milliseconds(kHandshakeTimeoutMs));
    timer.async_wait([this](const error_code& ec) {
      if (ec || finished) return;
      error_code ignored;
      stream.close(ignored);  // the pending read or write then fails
    });
  }
  // True the first time: later completions after a failure are ignored.
  bool Finish() {
    if (finished) return false;
    finished = true;
    timer.cancel();
    return true;
  }
};

}  // namespace

std::string NewNonce() {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()),
                 int(nonce.size())) != 1) {
    // No randomness means no authentication worth the name.
    std::abort();
  }
  return nonce;
}

std::string Proof(const std::string& secret, const std::string& label,
                  int64_t id_a, int64_t id_b, const std::string& nonce_a,
                  const std::string& nonce_b) {
  std::string message = label;
  PutId(id_a, &message);
  PutId(id_b, &message);
  message += nonce_a;
  message += nonce_b;
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_bytes = 0;
  HMAC(EVP_sha256(), secret.data(), int(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac.data(), &mac_bytes);
  return std::string(reinterpret_cast<const char*>(mac.data()), mac_bytes);
}

bool SameProof(const std::string& a, const std::string& b) {
  return a.size() == b.size() && a.size() == kProofBytes &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(proto::BAD_ARGUMENTS, "cannot read secret file " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
    secret.pop_back();
  }
  if (secret.empty()) {
    return Status(proto::BAD_ARGUMENTS, "secret file " + path + " is empty");
  }
  return secret;
}

void Initiate(tls::Stream& stream, const std::string& secret, int64_t my_id,
              int64_t peer_id, std::function<void(Status)> done) {
  auto x = std::make_shared<Exchange>(stream);
  x->remote = Remote(stream);
  x->nonce_mine = NewNonce();
  x->out.assign(kAuthMagic, 4);
  PutId(my_id, &x->out);
  x->out += x->nonce_mine;
  x->in.resize(kReplyBytes);
  x->Arm();
  auto fail = [x, done](const std::string& why) {
    if (!x->Finish()) return;
    done(Status(proto::AUTH_FAILED, why));
  };
  asio::async_write(
      stream, asio::buffer(x->out),
      [x, fail, done, secret, my_id, peer_id](const error_code& ec, size_t) {
        if (ec) return fail("write: " + ec.message());
        asio::async_read(
            x->stream, asio::buffer(x->in),
            [x, fail, done, secret, my_id, peer_id](const error_code& ec,
                                                    size_t) {
              if (ec) return fail("no answer to the challenge: " +
                                  ec.message());
              const int64_t their_id = GetId(x->in.data());
              const std::string nonce_theirs = x->in.substr(8, kNonceBytes);
              const std::string proof = x->in.substr(8 + kNonceBytes);
              if (their_id != peer_id) {
                return fail("member " + std::to_string(peer_id) + " at " +
                            x->remote + " answered as " +
                            std::to_string(their_id));
              }
              if (!SameProof(proof, Proof(secret, kServerLabel, my_id,
                                          peer_id, x->nonce_mine,
                                          nonce_theirs))) {
                return fail(x->remote + " does not know the quorum secret");
              }
              x->out = Proof(secret, kClientLabel, my_id, peer_id,
                             x->nonce_mine, nonce_theirs);
              asio::async_write(
                  x->stream, asio::buffer(x->out),
                  [x, fail, done](const error_code& ec, size_t) {
                    if (ec) return fail("write: " + ec.message());
                    if (!x->Finish()) return;
                    done(Status());
                  });
            });
      });
}

namespace {

// The accepting side's steps, each a completion of the one before.
struct Responder : std::enable_shared_from_this<Responder> {
  explicit Responder(tls::Stream& stream) : x(stream) {}
  Exchange x;
  std::string secret;
  int64_t my_id = 0;
  std::function<bool(int64_t)> is_member;
  std::function<void(Result<int64_t>)> done;
  int64_t their_id = 0;
  std::string nonce_theirs;

  void Fail(const std::string& why) {
    if (!x.Finish()) return;
    done(Status(proto::AUTH_FAILED, why + " (from " + x.remote + ")"));
  }

  // The magic first, so that a plain hello is refused at once.
  void ReadMagic() {
    x.in.assign(kHelloBytes, '\0');
    asio::async_read(x.stream, asio::buffer(x.in.data(), 4),
                     [self = shared_from_this()](const error_code& ec,
                                                 size_t) {
                       if (ec) return self->Fail("no hello: " + ec.message());
                       if (self->x.in.compare(0, 4, kAuthMagic, 4) != 0) {
                         return self->Fail("not a quorum-authenticated hello");
                       }
                       self->ReadHello();
                     });
  }

  void ReadHello() {
    asio::async_read(
        x.stream, asio::buffer(x.in.data() + 4, kHelloBytes - 4),
        [self = shared_from_this()](const error_code& ec, size_t) {
          if (ec) return self->Fail("no hello: " + ec.message());
          self->their_id = GetId(self->x.in.data() + 4);
          if (!self->is_member(self->their_id)) {
            return self->Fail("unknown member id " +
                              std::to_string(self->their_id));
          }
          self->nonce_theirs = self->x.in.substr(12, kNonceBytes);
          self->Challenge();
        });
  }

  void Challenge() {
    x.out.clear();
    PutId(my_id, &x.out);
    x.out += x.nonce_mine;
    x.out += Proof(secret, kServerLabel, their_id, my_id, nonce_theirs,
                   x.nonce_mine);
    asio::async_write(x.stream, asio::buffer(x.out),
                      [self = shared_from_this()](const error_code& ec,
                                                  size_t) {
                        if (ec) return self->Fail("write: " + ec.message());
                        self->ReadProof();
                      });
  }

  void ReadProof() {
    x.in.assign(kProofBytes, '\0');
    asio::async_read(
        x.stream, asio::buffer(x.in),
        [self = shared_from_this()](const error_code& ec, size_t) {
          if (ec) return self->Fail("no proof: " + ec.message());
          const std::string expected =
              Proof(self->secret, kClientLabel, self->their_id, self->my_id,
                    self->nonce_theirs, self->x.nonce_mine);
          if (!SameProof(self->x.in, expected)) {
            return self->Fail("wrong quorum secret for member " +
                              std::to_string(self->their_id));
          }
          if (!self->x.Finish()) return;
          self->done(self->their_id);
        });
  }
};

}  // namespace

void Respond(tls::Stream& stream, const std::string& secret, int64_t my_id,
             std::function<bool(int64_t)> is_member,
             std::function<void(Result<int64_t>)> done) {
  auto r = std::make_shared<Responder>(stream);
  r->x.remote = Remote(stream);
  r->x.nonce_mine = NewNonce();
  r->secret = secret;
  r->my_id = my_id;
  r->is_member = std::move(is_member);
  r->done = std::move(done);
  r->x.Arm();
  r->ReadMagic();
}

}  // namespace canopy::net::quorum_auth
