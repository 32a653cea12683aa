// ACLs as zkCli writes them: "scheme:id:perms[,scheme:id:perms...]" with
// perms a subset of "cdrwa", e.g. "world:anyone:cdrwa" or
// "digest:user:base64hash:rw".
#ifndef CANOPY_CLIENT_CLI_ACL_TEXT_H_
#define CANOPY_CLIENT_CLI_ACL_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::cli {

// Parses "cdrwa" letters into a Perm mask; BAD_ARGUMENTS on any other
// letter or an empty string.
Result<int32_t> ParsePerms(std::string_view text);
// The Perm mask as letters in zkCli's order "cdrwa".
std::string PermString(int32_t perms);

// Parses a comma-separated ACL list. In each entry the scheme ends at the
// first ':' and the perms start after the last one, so ids may hold ':'.
// INVALID_ACL when an entry is malformed or the list is empty.
Result<std::vector<proto::Acl>> ParseAcl(std::string_view text);

// zkCli's getacl output: for each entry "'scheme,'id\n: perms\n".
std::string FormatAcl(const std::vector<proto::Acl>& acl);

}  // namespace canopy::cli

#endif  // CANOPY_CLIENT_CLI_ACL_TEXT_H_
