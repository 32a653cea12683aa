// TLS for Canopy's sockets, shared by the server (client port, peer links)
// and the client library: PEM-file contexts and Stream, a TCP connection that
// is either plain or wrapped in TLS (Boost.Asio's ssl::stream on OpenSSL).
//
// Stream models Asio's AsyncReadStream and AsyncWriteStream, so
// asio::async_read/async_write work on it as on a tcp::socket; a plain
// Stream's handshake completes at once with no error. Like the socket it
// wraps, a Stream is used from one thread (or strand) at a time, with at
// most one read and one write in flight.
//
// Header-only; whoever includes it links OpenSSL::SSL.
#ifndef CANOPY_COMMON_TLS_STREAM_H_
#define CANOPY_COMMON_TLS_STREAM_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/status.h"

namespace canopy::tls {

// PEM files: this side's certificate chain and private key, and the CA
// bundle that the other side's certificate must chain to.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
};

// Whether a server asks clients for a certificate: kNone never, kWant asks
// and accepts a client without one (a presented one must verify), kNeed
// refuses a client without a verifying certificate.
enum class ClientAuth { kNone, kWant, kNeed };

using ContextPtr = std::shared_ptr<boost::asio::ssl::context>;

namespace internal {

inline std::string OpenSslError(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return what + ": " + text;
}

inline Status LoadFiles(boost::asio::ssl::context& ctx, const TlsFiles& files,
                        bool need_own_cert) {
  SSL_CTX* raw = ctx.native_handle();
  if (!files.cert_file.empty() || !files.key_file.empty() || need_own_cert) {
    if (files.cert_file.empty() || files.key_file.empty()) {
      return Status(proto::BAD_ARGUMENTS,
                    "TLS needs both a certificate file and a key file");
    }
    if (SSL_CTX_use_certificate_chain_file(raw, files.cert_file.c_str()) !=
        1) {
      return Status(proto::BAD_ARGUMENTS,
                    OpenSslError("cannot load certificate " + files.cert_file));
    }
    if (SSL_CTX_use_PrivateKey_file(raw, files.key_file.c_str(),
                                    SSL_FILETYPE_PEM) != 1) {
      return Status(proto::BAD_ARGUMENTS,
                    OpenSslError("cannot load key " + files.key_file));
    }
    if (SSL_CTX_check_private_key(raw) != 1) {
      return Status(proto::BAD_ARGUMENTS,
                    OpenSslError("key " + files.key_file +
                                 " does not match " + files.cert_file));
    }
  }
  if (!files.ca_file.empty() &&
      SSL_CTX_load_verify_locations(raw, files.ca_file.c_str(), nullptr) !=
          1) {
    return Status(proto::BAD_ARGUMENTS,
                  OpenSslError("cannot load CA file " + files.ca_file));
  }
  return Status();
}

}  // namespace internal

// A server-side context: presents cert_file/key_file; with client_auth other
// than kNone, verifies client certificates against ca_file (required then).
// TLS 1.2 or newer.
inline Result<ContextPtr> ServerContext(const TlsFiles& files,
                                        ClientAuth client_auth) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  Status status = internal::LoadFiles(*ctx, files, true);
  if (!status.ok()) return status;
  if (client_auth != ClientAuth::kNone) {
    if (files.ca_file.empty()) {
      return Status(proto::BAD_ARGUMENTS,
                    "client certificates need a CA file to verify them");
    }
    int mode = SSL_VERIFY_PEER;
    if (client_auth == ClientAuth::kNeed) {
      mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(ctx->native_handle(), mode, nullptr);
    // A fixed session id context: OpenSSL refuses session resumption with
    // client verification without one.
    static const unsigned char kSidContext[] = "canopy";
    SSL_CTX_set_session_id_context(ctx->native_handle(), kSidContext,
                                   sizeof kSidContext - 1);
  }
  return ctx;
}

// A client-side context: verifies the server's certificate chain against
// ca_file (required); presents cert_file/key_file when given. The server's
// host name is not checked against its certificate (members and clients
// often use bare loopback or cluster-internal addresses): trust comes from
// the CA, which should issue only Canopy's certificates.
inline Result<ContextPtr> ClientContext(const TlsFiles& files) {
  namespace ssl = boost::asio::ssl;
  if (files.ca_file.empty()) {
    return Status(proto::BAD_ARGUMENTS,
                  "a TLS client needs a CA file to verify the server");
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  Status status = internal::LoadFiles(*ctx, files, false);
  if (!status.ok()) return status;
  SSL_CTX_set_verify(ctx->native_handle(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

// The verified peer certificate's subject as an RFC 2253 string
// ("CN=alice,O=Example"), the form Java's X500Principal.getName() gives and
// so ZooKeeper's x509 ACL ids use; empty without a verified certificate.
inline std::string PeerSubject(SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  X509* cert = SSL_get_peer_certificate(ssl);
  if (cert == nullptr) return "";
  std::string out;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) {
    if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                           XN_FLAG_RFC2253) >= 0) {
      char* data = nullptr;
      const long size = BIO_get_mem_data(bio, &data);
      if (size > 0) out.assign(data, size_t(size));
    }
    BIO_free(bio);
  }
  X509_free(cert);
  return out;
}

// A TCP connection, plain or TLS.
class Stream {
 public:
  using tcp = boost::asio::ip::tcp;
  using TlsStream = boost::asio::ssl::stream<tcp::socket>;
  using executor_type = tcp::socket::executor_type;
  using lowest_layer_type = tcp::socket;

  // An accepted socket; TLS when ctx is not null.
  Stream(tcp::socket socket, ContextPtr ctx = nullptr) : ctx_(std::move(ctx)) {
    if (ctx_) {
      tls_ = std::make_unique<TlsStream>(std::move(socket), *ctx_);
    } else {
      plain_ = std::make_unique<tcp::socket>(std::move(socket));
    }
  }
  // An unconnected socket (connect lowest() first); TLS when ctx is set.
  Stream(boost::asio::io_context& io, ContextPtr ctx)
      : Stream(tcp::socket(io), std::move(ctx)) {}

  Stream(Stream&&) = default;
  Stream& operator=(Stream&& other) {
    // The streams go before the context they may refer to.
    tls_ = std::move(other.tls_);
    plain_ = std::move(other.plain_);
    ctx_ = std::move(other.ctx_);
    return *this;
  }

  bool is_tls() const { return tls_ != nullptr; }
  tcp::socket& lowest() { return tls_ ? tls_->next_layer() : *plain_; }
  const tcp::socket& lowest() const {
    return tls_ ? tls_->next_layer() : *plain_;
  }
  tcp::socket& lowest_layer() { return lowest(); }
  executor_type get_executor() { return lowest().get_executor(); }
  // The OpenSSL connection, or null for a plain stream.
  SSL* native_ssl() { return tls_ ? tls_->native_handle() : nullptr; }
  // The verified peer certificate's subject (see PeerSubject).
  std::string peer_subject() { return PeerSubject(native_ssl()); }

  // handler(error_code). Completes at once for a plain stream.
  template <typename Handler>
  void async_handshake(boost::asio::ssl::stream_base::handshake_type type,
                       Handler&& handler) {
    if (tls_) {
      tls_->async_handshake(type, std::forward<Handler>(handler));
    } else {
      boost::asio::post(get_executor(),
                        [h = std::forward<Handler>(handler)]() mutable {
                          h(boost::system::error_code());
                        });
    }
  }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

  // Pass-throughs to the TCP socket. Closing does not send TLS's
  // close_notify: every Canopy protocol knows where its messages end.
  void close(boost::system::error_code& ec) { lowest().close(ec); }
  void shutdown(tcp::socket::shutdown_type what,
                boost::system::error_code& ec) {
    lowest().shutdown(what, ec);
  }
  template <typename Option>
  void set_option(const Option& option, boost::system::error_code& ec) {
    lowest().set_option(option, ec);
  }
  tcp::endpoint remote_endpoint(boost::system::error_code& ec) const {
    return lowest().remote_endpoint(ec);
  }
  bool is_open() const { return lowest().is_open(); }

 private:
  ContextPtr ctx_;  // outlives tls_, which refers to it
  std::unique_ptr<tcp::socket> plain_;
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace canopy::tls

#endif  // CANOPY_COMMON_TLS_STREAM_H_
