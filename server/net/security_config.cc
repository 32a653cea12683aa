#include "server/net/security_config.h"

#include <charconv>

namespace canopy {
namespace {

bool ParseBool(const std::string& value, bool* out) {
  if (value == "true" || value == "yes" || value == "1") {
    *out = true;
  } else if (value == "false" || value == "no" || value == "0") {
    *out = false;
  } else {
    return false;
  }
  return true;
}

bool NonEmpty(const std::string& value, std::string* target,
              std::string* error, const char* what) {
  if (value.empty()) {
    *error = what;
    return true;
  }
  *target = value;
  return true;
}

}  // namespace

bool ParseSecurityKey(const std::string& key, const std::string& value,
                      net::SecurityOptions* out, std::string* error) {
  if (key == "secureClientPort") {
    uint16_t port = 0;
    auto [ptr, ec] =
        std::from_chars(value.data(), value.data() + value.size(), port);
    if (ec != std::errc() || ptr != value.data() + value.size()) {
      *error = "a port, 0 to 65535";
    } else {
      out->secure_client_port = port;
    }
    return true;
  }
  if (key == "ssl.certFile") {
    return NonEmpty(value, &out->client_tls.cert_file, error, "a PEM file");
  }
  if (key == "ssl.keyFile") {
    return NonEmpty(value, &out->client_tls.key_file, error, "a PEM file");
  }
  if (key == "ssl.caFile") {
    return NonEmpty(value, &out->client_tls.ca_file, error, "a PEM file");
  }
  if (key == "ssl.clientAuth") {
    if (value == "none") {
      out->client_auth = tls::ClientAuth::kNone;
    } else if (value == "want") {
      out->client_auth = tls::ClientAuth::kWant;
    } else if (value == "need") {
      out->client_auth = tls::ClientAuth::kNeed;
    } else {
      *error = "none, want or need";
    }
    return true;
  }
  if (key == "sslQuorum") {
    if (!ParseBool(value, &out->ssl_quorum)) *error = "true or false";
    return true;
  }
  if (key == "ssl.quorum.certFile") {
    return NonEmpty(value, &out->quorum_tls.cert_file, error, "a PEM file");
  }
  if (key == "ssl.quorum.keyFile") {
    return NonEmpty(value, &out->quorum_tls.key_file, error, "a PEM file");
  }
  if (key == "ssl.quorum.caFile") {
    return NonEmpty(value, &out->quorum_tls.ca_file, error, "a PEM file");
  }
  if (key == "quorum.auth.secret") {
    return NonEmpty(value, &out->quorum_secret, error, "a non-empty secret");
  }
  if (key == "quorum.auth.secretFile") {
    return NonEmpty(value, &out->quorum_secret_file, error, "a file");
  }
  if (key == "zookeeper.DigestAuthenticationProvider.superDigest" ||
      key == "superDigest") {
    const auto colon = value.find(':');
    if (colon == std::string::npos || colon == 0 ||
        colon + 1 == value.size()) {
      *error = "user:BASE64SHA1, as DigestAuthenticationProvider prints it";
    } else {
      out->super_digest = value;
    }
    return true;
  }
  return false;
}

}  // namespace canopy
