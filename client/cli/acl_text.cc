#include "cli/acl_text.h"

namespace canopy::cli {

Result<int32_t> ParsePerms(std::string_view text) {
  if (text.empty()) return Status(proto::BAD_ARGUMENTS, "empty permissions");
  int32_t perms = 0;
  for (char c : text) {
    switch (c) {
      case 'c': perms |= proto::CREATE; break;
      case 'd': perms |= proto::DELETE; break;
      case 'r': perms |= proto::READ; break;
      case 'w': perms |= proto::WRITE; break;
      case 'a': perms |= proto::ADMIN; break;
      default:
        return Status(proto::BAD_ARGUMENTS,
                      "bad permission '" + std::string(1, c) + "' in '" +
                          std::string(text) + "'");
    }
  }
  return perms;
}

std::string PermString(int32_t perms) {
  std::string out;
  if (perms & proto::CREATE) out += 'c';
  if (perms & proto::DELETE) out += 'd';
  if (perms & proto::READ) out += 'r';
  if (perms & proto::WRITE) out += 'w';
  if (perms & proto::ADMIN) out += 'a';
  return out;
}

Result<std::vector<proto::Acl>> ParseAcl(std::string_view text) {
  std::vector<proto::Acl> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view entry = text.substr(start, comma - start);
    start = comma + 1;
    if (entry.empty()) continue;
    const size_t first = entry.find(':');
    const size_t last = entry.rfind(':');
    if (first == std::string_view::npos || first == last) {
      return Status(proto::INVALID_ACL,
                    "'" + std::string(entry) + "' is not scheme:id:perms");
    }
    if (first == 0) {
      return Status(proto::INVALID_ACL,
                    "empty scheme in '" + std::string(entry) + "'");
    }
    Result<int32_t> perms = ParsePerms(entry.substr(last + 1));
    if (!perms.ok()) {
      return Status(proto::INVALID_ACL, perms.status().message());
    }
    proto::Acl acl;
    acl.set_perms(*perms);
    acl.mutable_id()->set_scheme(std::string(entry.substr(0, first)));
    acl.mutable_id()->set_id(
        std::string(entry.substr(first + 1, last - first - 1)));
    out.push_back(std::move(acl));
  }
  if (out.empty()) return Status(proto::INVALID_ACL, "empty ACL");
  return out;
}

std::string FormatAcl(const std::vector<proto::Acl>& acl) {
  std::string out;
  for (const proto::Acl& a : acl) {
    out += "'" + a.id().scheme() + ",'" + a.id().id() + "\n";
    out += ": " + PermString(a.perms()) + "\n";
  }
  return out;
}

}  // namespace canopy::cli
