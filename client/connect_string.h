// Parsing of a connect string: "host1:port1,host2:port2[/chroot]".
#ifndef CANOPY_CLIENT_CONNECT_STRING_H_
#define CANOPY_CLIENT_CONNECT_STRING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace canopy::client_internal {

inline constexpr uint16_t kDefaultPort = 2181;

struct HostPort {
  std::string host;  // a name or an address, without IPv6 brackets
  uint16_t port = kDefaultPort;

  std::string ToString() const;  // "host:port", "[v6]:port"
  bool operator==(const HostPort&) const = default;
};

struct ConnectString {
  std::vector<HostPort> hosts;  // at least one, in the order written
  std::string chroot;           // "" or "/a/b" (no trailing slash)
};

// Parses s. A host without ":port" uses 2181; an IPv6 address is written in
// brackets ("[::1]:2181"). The chroot starts at the first '/'; a chroot of
// "/" means none. BAD_ARGUMENTS when a host, port or the chroot is malformed.
Result<ConnectString> ParseConnectString(std::string_view s);

}  // namespace canopy::client_internal

#endif  // CANOPY_CLIENT_CONNECT_STRING_H_
