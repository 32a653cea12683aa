// DataTree: the replicated state of one member — znodes with their Stat, data
// and ACLs, the table of open sessions, and this member's watch registry.
//
// Pure: no IO, no clock, no threads, no locks. One strand owns it. Apply()
// takes txns in zxid order and cannot fail: a txn that no longer fits the tree
// (which Prepare should have prevented) changes nothing and answers the error
// it would have met, identically on every member.
#ifndef CANOPY_SERVER_TREE_DATA_TREE_H_
#define CANOPY_SERVER_TREE_DATA_TREE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"
#include "server/tree/watch_registry.h"

namespace canopy::tree {

// The identities a session has proven: ("ip", "127.0.0.1"),
// ("digest", "user:hash"), ... "world:anyone" is implicit.
using AuthIds = std::vector<proto::Id>;

struct Limits {
  int64_t max_data_bytes = 1024 * 1024;  // larger values get BAD_ARGUMENTS
};

// One znode. Children are names, not paths.
struct Node {
  std::string data;
  std::shared_ptr<const std::vector<proto::Acl>> acl;
  proto::Stat stat;
  std::set<std::string> children;
  bool container = false;
  int64_t ttl_ms = 0;
};

struct SessionInfo {
  int32_t timeout_ms = 0;
  std::string password;
};

// A watch event for one session of this member.
struct FiredWatch {
  SessionId session;
  proto::WatchEvent event;
};

// What applying one txn did.
struct ApplyResult {
  // err and body as the client should see them; xid and zxid are set from
  // the txn.
  proto::Response response;
  // Events to deliver, in order, before the response of any later request.
  std::vector<FiredWatch> watches;
  // Containers this txn left without children (cversion > 0): the leader
  // proposes their deletion.
  std::vector<std::string> empty_containers;
};

class DataTree {
 public:
  explicit DataTree(Limits limits = {});

  // Applies a committed txn. txn.zxid() must be above last_zxid().
  ApplyResult Apply(const proto::Txn& txn);

  // Serves a read (exists, get_data, get_children, get_acl) against the
  // committed tree, registering a watch for the session when asked. Returns a
  // Response with err/body set (xid and zxid filled from the request and
  // last_zxid()).
  proto::Response Read(SessionId session, const AuthIds& auth,
                       const proto::Request& request);

  // Drops every watch the session holds on this member.
  void RemoveWatches(SessionId session);

  const Node* Find(const std::string& path) const;
  Zxid last_zxid() const { return last_zxid_; }
  size_t node_count() const { return nodes_.size(); }
  const Limits& limits() const { return limits_; }
  const WatchRegistry& watches() const { return watches_; }

  // Sessions known to the replicated state (opened and not yet closed).
  const std::unordered_map<SessionId, SessionInfo>& sessions() const {
    return sessions_;
  }
  // Paths of the ephemerals a session owns, sorted.
  std::vector<std::string> EphemeralsOf(SessionId session) const;

  // Snapshot support. Visits nodes parents first.
  void ForEachNode(
      const std::function<void(const std::string& path, const Node&)>& fn)
      const;
  // Loading a snapshot: Clear(), then InsertLoaded() parents first, then
  // FinishLoad(). Returns false when a node's parent is missing.
  void Clear();
  bool InsertLoaded(const proto::SnapshotNode& node);
  void InsertLoadedSession(const proto::SnapshotSession& session);
  void FinishLoad(Zxid last_zxid);

  // A digest of the whole tree (paths, data, stats, ACLs), equal on members
  // with equal state.
  uint64_t Digest() const;

 private:
  using AclPtr = std::shared_ptr<const std::vector<proto::Acl>>;
  struct Impl;  // the apply logic, in data_tree.cc
  friend class Preparer;

  // Sets up "/", "/zookeeper", "/zookeeper/quota" and "/zookeeper/config".
  void InitDefaults();
  // The shared copy of an ACL list: equal lists share one object.
  AclPtr InternAcl(std::vector<proto::Acl> acl);

  Limits limits_;
  std::unordered_map<std::string, Node> nodes_;
  std::unordered_map<SessionId, SessionInfo> sessions_;
  std::unordered_map<SessionId, std::set<std::string>> ephemerals_;
  WatchRegistry watches_;
  Zxid last_zxid_ = 0;
  // Interned ACL lists by their serialised form; expired entries are swept
  // when the table doubles.
  std::unordered_map<std::string, std::weak_ptr<const std::vector<proto::Acl>>>
      acl_cache_;
  size_t acl_cache_sweep_at_ = 64;
};

// True when the path is a valid ZooKeeper path ("/" or "/a/b", no empty
// component, no "." or "..", no trailing slash, no control characters).
bool IsValidPath(const std::string& path);
// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "".
std::string ParentPath(const std::string& path);
// "/a/b" -> "b".
std::string BaseName(const std::string& path);
// True when the ACL list allows perm to one of the ids (world:anyone always
// matches the caller; "auth" and "ip" are checked as ZooKeeper does).
bool AclAllows(const std::vector<proto::Acl>& acl, int32_t perm,
               const AuthIds& auth);

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_DATA_TREE_H_
