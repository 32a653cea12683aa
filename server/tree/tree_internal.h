// Helpers shared by DataTree and Preparer; not part of the module's public
// interface (include only from server/tree/*.cc and its tests).
#ifndef CANOPY_SERVER_TREE_TREE_INTERNAL_H_
#define CANOPY_SERVER_TREE_TREE_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"
#include "server/tree/data_tree.h"

namespace canopy::tree::internal {

// The largest TTL ZooKeeper accepts (EphemeralType.TTL: 40 bits of ms).
inline constexpr int64_t kMaxTtlMs = (int64_t{1} << 40) - 1;

// True for "/zookeeper" and every path below it. Clients may not create,
// delete or set data there (BAD_ARGUMENTS); see Preparer.
bool IsReservedPath(std::string_view path);

// ZooKeeper's next data/ACL version: +1 with int32 wrap-around, skipping -1
// (ZOOKEEPER-4743: -1 means "any version" in requests).
int32_t NextVersion(int32_t version);

// +1 with int32 wrap-around (cversion).
int32_t WrapIncrement(int32_t value);

// The parent's sequential counter: ZooKeeper persists the number of child
// creates as the cversion and shows clients 2*creates - numChildren (so a
// delete moves the visible cversion but not the counter). Canopy stores the
// visible value, so the counter is (cversion + numChildren) / 2.
int32_t SequenceCounter(const NodeStat& parent);

// "%010d" of the counter, as ZooKeeper names sequential nodes.
std::string SequenceSuffix(int32_t counter);

// ZooKeeper's fixupACL: drops exact duplicates, rejects an empty list, an
// unknown scheme or a malformed id (INVALID_ACL), and expands each "auth"
// entry into one entry per authenticated (non-ip, non-world) id of the
// caller; an "auth" entry with no such id is INVALID_ACL.
Result<std::vector<proto::Acl>> FixupAcl(
    const google::protobuf::RepeatedPtrField<proto::Acl>& acl,
    const AuthIds& auth);

// ZooKeeper's IPAuthenticationProvider: is acl_expr ("a.b.c.d", "a.b.c.d/n",
// an IPv6 address, optionally /n) a valid id, and does client_addr match it.
bool IsValidIpAclId(std::string_view acl_expr);
bool IpMatches(std::string_view client_addr, std::string_view acl_expr);

// getACL for a caller without ADMIN: digest ids are shown as "user:x".
std::vector<proto::Acl> RedactDigests(const std::vector<proto::Acl>& acl);

// "/a/b" + "c" -> "/a/b/c"; "/" + "c" -> "/c".
std::string ChildPath(std::string_view parent, std::string_view name);

}  // namespace canopy::tree::internal

#endif  // CANOPY_SERVER_TREE_TREE_INTERNAL_H_
