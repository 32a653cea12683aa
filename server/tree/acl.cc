// ACL checks as ZooKeeper's checkACL, fixupACL and its "ip" and "digest"
// authentication providers do them.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/tree/data_tree.h"
#include "server/tree/tree_internal.h"

namespace canopy::tree {
namespace {

using Bytes = std::vector<uint8_t>;

bool IsWorldAnyone(const proto::Id& id) {
  return id.scheme() == "world" && id.id() == "anyone";
}

// Java's Integer.parseInt: an optional sign, then decimal digits, int32.
std::optional<int32_t> ParseJavaInt(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
    if (v > (int64_t{1} << 31)) return std::nullopt;
  }
  if (negative) v = -v;
  if (v > INT32_MAX || v < INT32_MIN) return std::nullopt;
  return static_cast<int32_t>(v);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::optional<Bytes> V4ToBytes(std::string_view addr) {
  const auto parts = Split(addr, '.');
  if (parts.size() != 4) return std::nullopt;
  Bytes b;
  for (auto part : parts) {
    const auto v = ParseJavaInt(part);
    if (!v || *v < 0 || *v > 255) return std::nullopt;
    b.push_back(static_cast<uint8_t>(*v));
  }
  return b;
}

std::optional<uint16_t> ParseHexGroup(std::string_view g) {
  if (g.empty() || g.size() > 4) return std::nullopt;
  uint16_t v = 0;
  for (char c : g) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = static_cast<uint16_t>(v * 16 + d);
  }
  return v;
}

// Groups of one side of "::", a dotted IPv4 tail allowed in the last one.
bool ParseV6Groups(std::string_view s, bool tail_allowed, Bytes* out) {
  if (s.empty()) return true;
  const auto groups = Split(s, ':');
  for (size_t i = 0; i < groups.size(); ++i) {
    if (tail_allowed && i + 1 == groups.size() &&
        groups[i].find('.') != std::string_view::npos) {
      const auto v4 = V4ToBytes(groups[i]);
      if (!v4) return false;
      out->insert(out->end(), v4->begin(), v4->end());
      continue;
    }
    const auto g = ParseHexGroup(groups[i]);
    if (!g) return false;
    out->push_back(static_cast<uint8_t>(*g >> 8));
    out->push_back(static_cast<uint8_t>(*g & 0xFF));
  }
  return true;
}

std::optional<Bytes> V6ToBytes(std::string_view addr) {
  if (const size_t pct = addr.find('%'); pct != std::string_view::npos) {
    addr = addr.substr(0, pct);  // a scope id, as getHostAddress() adds
  }
  const size_t gap = addr.find("::");
  Bytes head, tail;
  if (gap == std::string_view::npos) {
    if (!ParseV6Groups(addr, true, &head) || head.size() != 16) {
      return std::nullopt;
    }
    return head;
  }
  if (addr.find("::", gap + 1) != std::string_view::npos) return std::nullopt;
  if (!ParseV6Groups(addr.substr(0, gap), false, &head) ||
      !ParseV6Groups(addr.substr(gap + 2), true, &tail) ||
      head.size() + tail.size() > 14) {
    return std::nullopt;
  }
  head.resize(16 - tail.size(), 0);
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

std::optional<Bytes> AddrToBytes(std::string_view addr) {
  if (addr.find(':') != std::string_view::npos) return V6ToBytes(addr);
  return V4ToBytes(addr);
}

void Mask(Bytes* b, int bits) {
  for (size_t i = 0; i < b->size(); ++i) {
    const int keep = bits - static_cast<int>(i) * 8;
    if (keep >= 8) continue;
    (*b)[i] &= keep <= 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - keep));
  }
}

// Splits "addr/bits" (bits optional) into the address and the mask length.
std::optional<std::pair<Bytes, int>> ParseIpExpr(std::string_view expr) {
  const size_t slash = expr.find('/');
  auto addr = AddrToBytes(expr.substr(0, slash));
  if (!addr) return std::nullopt;
  int bits = static_cast<int>(addr->size()) * 8;
  if (slash != std::string_view::npos) {
    const auto parsed = ParseJavaInt(expr.substr(slash + 1));
    if (!parsed || *parsed < 0 || *parsed > bits) return std::nullopt;
    bits = *parsed;
  }
  return std::make_pair(std::move(*addr), bits);
}

// DigestAuthenticationProvider.isValid: id.split(":") has two parts (Java
// drops trailing empty strings).
bool IsValidDigestId(std::string_view id) {
  auto parts = Split(id, ':');
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  return parts.size() == 2;
}

// Schemes whose ids ZooKeeper's "auth" expansion uses: authenticated ones
// (ip is not, world and super have no provider).
bool IsAuthenticatedScheme(const std::string& scheme) {
  return scheme != "ip" && scheme != "world" && scheme != "super" &&
         scheme != "auth" && !scheme.empty();
}

bool SameAcl(const proto::Acl& a, const proto::Acl& b) {
  return a.perms() == b.perms() && a.id().scheme() == b.id().scheme() &&
         a.id().id() == b.id().id();
}

}  // namespace

bool AclAllows(const std::vector<proto::Acl>& acl, int32_t perm,
               const AuthIds& auth) {
  if (acl.empty()) return true;  // ZooKeeper: an empty ACL allows everything
  // ZooKeeper's checkACL: a session holding the "super" id (the configured
  // super digest, see server/net/security_options.h) passes every check.
  for (const proto::Id& who : auth) {
    if (who.scheme() == kSuperScheme) return true;
  }
  for (const proto::Acl& entry : acl) {
    if ((entry.perms() & perm) == 0) continue;
    const proto::Id& id = entry.id();
    if (IsWorldAnyone(id)) return true;
    if (id.scheme() == "world" || id.scheme() == "auth") continue;
    for (const proto::Id& who : auth) {
      if (who.scheme() != id.scheme()) continue;
      const bool match = id.scheme() == "ip"
                             ? internal::IpMatches(who.id(), id.id())
                             : who.id() == id.id();
      if (match) return true;
    }
  }
  return false;
}

namespace internal {

bool IsValidIpAclId(std::string_view acl_expr) {
  return ParseIpExpr(acl_expr).has_value();
}

bool IpMatches(std::string_view client_addr, std::string_view acl_expr) {
  auto acl = ParseIpExpr(acl_expr);
  if (!acl) return false;
  auto remote = AddrToBytes(client_addr);
  if (!remote || remote->size() != acl->first.size()) return false;
  Mask(&acl->first, acl->second);
  Mask(&*remote, acl->second);
  return *remote == acl->first;
}

Result<std::vector<proto::Acl>> FixupAcl(
    const google::protobuf::RepeatedPtrField<proto::Acl>& acl,
    const AuthIds& auth) {
  std::vector<proto::Acl> unique;
  for (const proto::Acl& a : acl) {
    bool seen = false;
    for (const proto::Acl& u : unique) seen = seen || SameAcl(a, u);
    if (!seen) unique.push_back(a);
  }
  if (unique.empty()) return Status(proto::INVALID_ACL, "empty ACL");
  std::vector<proto::Acl> out;
  for (const proto::Acl& a : unique) {
    const proto::Id& id = a.id();
    if (IsWorldAnyone(id)) {
      out.push_back(a);
    } else if (id.scheme() == "auth") {
      bool any = false;
      for (const proto::Id& who : auth) {
        if (!IsAuthenticatedScheme(who.scheme())) continue;
        any = true;
        proto::Acl expanded;
        expanded.set_perms(a.perms());
        *expanded.mutable_id() = who;
        out.push_back(std::move(expanded));
      }
      if (!any) {
        return Status(proto::INVALID_ACL,
                      "auth ACL without an authenticated id");
      }
    } else if (id.scheme() == "digest") {
      if (!IsValidDigestId(id.id())) {
        return Status(proto::INVALID_ACL, "bad digest id " + id.id());
      }
      out.push_back(a);
    } else if (id.scheme() == "ip") {
      if (!IsValidIpAclId(id.id())) {
        return Status(proto::INVALID_ACL, "bad ip id " + id.id());
      }
      out.push_back(a);
    } else if (id.scheme() == "x509") {
      // A certificate's subject DN, which the TLS client port gives a
      // session presenting that certificate (any non-empty string).
      if (id.id().empty()) return Status(proto::INVALID_ACL, "empty x509 id");
      out.push_back(a);
    } else {
      return Status(proto::INVALID_ACL, "unknown scheme " + id.scheme());
    }
  }
  return out;
}

std::vector<proto::Acl> RedactDigests(const std::vector<proto::Acl>& acl) {
  std::vector<proto::Acl> out = acl;
  for (proto::Acl& a : out) {
    if (a.id().scheme() != "digest") continue;
    const std::string& id = a.id().id();
    const size_t colon = id.find(':');
    if (colon != std::string::npos) {
      a.mutable_id()->set_id(id.substr(0, colon) + ":x");
    }
  }
  return out;
}

}  // namespace internal
}  // namespace canopy::tree
