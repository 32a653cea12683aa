#include "connect_string.h"

#include <charconv>

namespace canopy::client_internal {
namespace {

Result<HostPort> ParseHostPort(std::string_view s) {
  HostPort hp;
  std::string_view port_text;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) {
      return Status(proto::BAD_ARGUMENTS, "unclosed '[' in host");
    }
    hp.host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Status(proto::BAD_ARGUMENTS, "junk after ']' in host");
      }
      port_text = rest.substr(1);
      if (port_text.empty()) {
        return Status(proto::BAD_ARGUMENTS, "empty port");
      }
    }
  } else {
    const size_t colon = s.rfind(':');
    if (colon != std::string_view::npos) {
      hp.host = std::string(s.substr(0, colon));
      port_text = s.substr(colon + 1);
      if (port_text.empty()) {
        return Status(proto::BAD_ARGUMENTS, "empty port");
      }
    } else {
      hp.host = std::string(s);
    }
  }
  if (hp.host.empty()) {
    return Status(proto::BAD_ARGUMENTS, "empty host");
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(),
                                     port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      return Status(proto::BAD_ARGUMENTS,
                    "bad port '" + std::string(port_text) + "'");
    }
    hp.port = static_cast<uint16_t>(port);
  }
  return hp;
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

Result<ConnectString> ParseConnectString(std::string_view s) {
  ConnectString out;
  const size_t slash = s.find('/');
  std::string_view hosts = s.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view chroot = s.substr(slash);
    if (chroot != "/") {
      if (chroot.back() == '/' ||
          chroot.find("//") != std::string_view::npos) {
        return Status(proto::BAD_ARGUMENTS,
                      "bad chroot '" + std::string(chroot) + "'");
      }
      out.chroot = std::string(chroot);
    }
  }
  size_t start = 0;
  while (start <= hosts.size()) {
    size_t comma = hosts.find(',', start);
    if (comma == std::string_view::npos) comma = hosts.size();
    std::string_view item = hosts.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      Result<HostPort> hp = ParseHostPort(item);
      if (!hp.ok()) {
        return Status(hp.status().code(), hp.status().message() + " in '" +
                                              std::string(s) + "'");
      }
      out.hosts.push_back(std::move(hp).value());
    }
    start = comma + 1;
  }
  if (out.hosts.empty()) {
    return Status(proto::BAD_ARGUMENTS,
                  "no host in connect string '" + std::string(s) + "'");
  }
  return out;
}

}  // namespace canopy::client_internal
