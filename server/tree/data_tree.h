// DataTree: the replicated state of one member — znodes with their Stat, data
// and ACLs, the table of open sessions, and this member's watch registry.
//
// Pure: no IO, no clock, no threads, no locks. One strand owns it. Apply()
// takes txns in zxid order and cannot fail: a txn that no longer fits the tree
// (which Prepare should have prevented) changes nothing and answers the error
// it would have met, identically on every member.
#ifndef CANOPY_SERVER_TREE_DATA_TREE_H_
#define CANOPY_SERVER_TREE_DATA_TREE_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"
#include "server/tree/child_set.h"
#include "server/tree/node_data.h"
#include "server/tree/node_stat.h"
#include "server/tree/quota.h"
#include "server/tree/watch_registry.h"

namespace canopy::tree {

// The identities a session has proven: ("ip", "127.0.0.1"),
// ("digest", "user:hash"), ("x509", subject DN) from a TLS client
// certificate, ... "world:anyone" is implicit. An id of scheme kSuperScheme
// (given to a session that authenticated as the configured super user)
// passes every ACL check.
using AuthIds = std::vector<proto::Id>;
inline constexpr char kSuperScheme[] = "super";

struct Limits {
  int64_t max_data_bytes = 1024 * 1024;  // larger values get BAD_ARGUMENTS
};

// One znode. Children are names, not paths.
struct Node {
  NodeData data;
  std::shared_ptr<const std::vector<proto::Acl>> acl;
  NodeStat stat;
  ChildSet children;

  // ZooKeeper's create modes make container and TTL exclusive, so one word
  // holds which a node is: kContainer, a TTL in ms (> 0), or 0 for neither.
  bool container() const { return kind == kContainer; }
  int64_t ttl_ms() const { return kind > 0 ? kind : 0; }
  void SetKind(bool is_container, int64_t ttl) {
    kind = is_container ? kContainer : std::max<int64_t>(ttl, 0);
  }
  static constexpr int64_t kContainer = -1;
  int64_t kind = 0;
};

struct SessionInfo {
  int32_t timeout_ms = 0;
  std::string password;
};

// A watch event for one session of this member.
struct FiredWatch {
  SessionId session;
  proto::WatchEvent event;
  // The ACL of the node the event is about (for NodeDeleted: the deleted
  // node's), so the delivering layer can make ZooKeeper 3.9.2's READ check
  // at delivery (CVE-2024-23944) with the session's auth ids. May be null.
  std::shared_ptr<const std::vector<proto::Acl>> acl;
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

  // Serves a read against the committed tree, registering a watch for the
  // session when asked: exists, get_data, get_children, get_acl; multi_read
  // (each op answered on its own in a MultiReadResult, err OK overall; an op
  // sets a watch only when its own watch flag is set, as ZooKeeper's server
  // does — the Java client never sets it); get_ephemerals (the session's
  // ephemerals whose path starts with the prefix, sorted; "" or "/" for
  // all); get_all_children_number (the number of nodes below path, itself
  // excluded; READ needed). Returns a Response with err/body set (xid and
  // zxid filled from the request and last_zxid()); BAD_ARGUMENTS for any
  // other request.
  proto::Response Read(SessionId session, const AuthIds& auth,
                       const proto::Request& request);

  // addWatch: registers a persistent (PERSISTENT_WATCH) or
  // persistent-recursive watch for the session on path; the node need not
  // exist, and it stays when it fires or when the node goes. Adding it twice
  // keeps one. BAD_ARGUMENTS for an invalid path; MARSHALLING_ERROR for an
  // unknown mode (ZooKeeper fails to decode it).
  ErrorCode AddWatch(SessionId session, const proto::AddWatchRequest& request);

  // removeWatches (request.remove()) or checkWatches (otherwise), as
  // ZooKeeper 3.9's DataTree.removeWatch / containsWatcher, on exactly
  // request.path():
  //   WATCHER_CHILDREN: the one-shot child watch;
  //   WATCHER_DATA: the one-shot data and exists watches;
  //   WATCHER_ANY: every kind, persistent and persistent-recursive included;
  //   4 / 5 (ZooKeeper 3.9's WatcherType Persistent / PersistentRecursive,
  //   carried as unnamed enum values): that persistent watch.
  // OK when something matched (and was removed), NO_WATCHER otherwise (also
  // for an invalid path: nothing can be watched there); MARSHALLING_ERROR
  // for an unknown type. The server sends no event for a removal; clients
  // raise DataWatchRemoved / ChildWatchRemoved themselves.
  ErrorCode RemoveWatches(SessionId session,
                          const proto::RemoveWatchesRequest& request);

  // setWatches / setWatches2 after a client reconnects, as ZooKeeper's
  // DataTree.setWatches: returns the events that fire at once (in request
  // order: data, exist, child watches), stamped with last_zxid(); the others
  // are registered.
  //   data watch: node gone -> NodeDeleted; mzxid > relative_zxid ->
  //     NodeDataChanged; else registered;
  //   exist watch: node present -> NodeCreated; else registered;
  //   child watch: node gone -> NodeDeleted; pzxid > relative_zxid ->
  //     NodeChildrenChanged; else registered;
  //   persistent and persistent-recursive: always registered, no catch-up.
  // Paths are not validated (as ZooKeeper): an invalid one never matches.
  std::vector<proto::WatchEvent> SetWatches(
      SessionId session, const proto::SetWatchesRequest& request);

  // Drops every watch the session holds on this member, persistent ones
  // included.
  void RemoveWatches(SessionId session);

  // TTL nodes due for deletion: no children and mtime + ttl_ms < now_ms (as
  // ZooKeeper's ContainerManager), in path order, at most max. Costs
  // O(number of TTL nodes); nothing when there are none. The leader proposes
  // each through Preparer::PrepareTtlDelete.
  std::vector<std::string> ExpiredTtlNodes(int64_t now_ms, size_t max) const;
  // Paths of every TTL node, sorted.
  const std::set<std::string>& ttl_nodes() const { return ttl_nodes_; }

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
  // The quotas on subtrees and their usage (see quota.h).
  const QuotaTable& quotas() const { return quotas_; }

  // Snapshot support. Visits nodes parents first.
  void ForEachNode(
      const std::function<void(const std::string& path, const Node&)>& fn)
      const;
  // Loading a snapshot: Clear(), then InsertLoaded() parents first, then
  // FinishLoad() (which computes the digest). Returns false when a node's
  // parent is missing. ReserveNodes sizes the table for count nodes first.
  void Clear();
  bool InsertLoaded(const proto::SnapshotNode& node);
  void InsertLoadedSession(const proto::SnapshotSession& session);
  void FinishLoad(Zxid last_zxid);
  void ReserveNodes(size_t count);

  // A digest of the replicated state (every node's path, data, stat, ACL,
  // container and TTL; every session's id, timeout and password), equal on
  // members with equal state. Kept up to date on every change: O(1) to read,
  // and each Apply costs O(size of the nodes it touches). It is a sum of one
  // hash per node and per session, so it does not depend on the order
  // things were added in.
  uint64_t Digest() const { return digest_; }
  // The same value computed from scratch by walking everything (O(tree)):
  // for tests and checks of the running digest.
  uint64_t RecomputeDigest() const;

 private:
  using AclPtr = std::shared_ptr<const std::vector<proto::Acl>>;
  struct Impl;  // the apply logic, in data_tree.cc
  friend class Preparer;

  // Sets up "/", "/zookeeper", "/zookeeper/quota" and "/zookeeper/config".
  void InitDefaults();
  // Appends one event of type on path for each session a watch of this
  // member matches — one-shot watches of the matching kinds (consumed),
  // persistent watches on path, persistent-recursive ones on path and its
  // ancestors (not for NodeChildrenChanged) — in session order, each session
  // once (ZooKeeper dedups per watcher). In watch_dispatch.cc.
  void Notify(const std::string& path, proto::EventType type, Zxid zxid,
              const AclPtr& acl, std::vector<FiredWatch>* out);
  // getData / getChildren for Read and multi_read; out is filled only on OK.
  ErrorCode ReadData(SessionId session, const AuthIds& auth,
                     const proto::GetDataRequest& request,
                     proto::GetDataResponse* out);
  ErrorCode ReadChildren(SessionId session, const AuthIds& auth,
                         const proto::GetChildrenRequest& request,
                         proto::GetChildrenResponse* out);
  // The node at a valid path: BAD_ARGUMENTS / NO_NODE / NO_AUTH (unless the
  // ACL allows one of perm's bits, when perm is not 0) otherwise.
  Result<const Node*> Lookup(const std::string& path, int32_t perm,
                             const AuthIds& auth) const;
  // The shared copy of an ACL list: equal lists share one object (a list
  // already shared is not copied).
  AclPtr InternAcl(const google::protobuf::RepeatedPtrField<proto::Acl>& acl);
  AclPtr InternAcl(std::vector<proto::Acl> acl);
  // The live shared list under key, or null; CacheAcl shares a new one.
  AclPtr CachedAcl(const std::string& key) const;
  AclPtr CacheAcl(std::string key, std::vector<proto::Acl> acl);
  // The running digest: take a node or session out before changing it and
  // put it back after (in tree_digest.cc).
  void DigestAdd(const std::string& path, const Node& node);
  void DigestRemove(const std::string& path, const Node& node);
  void DigestAddSession(SessionId id, const SessionInfo& info);
  void DigestRemoveSession(SessionId id, const SessionInfo& info);
  // Quota bookkeeping on apply (in quota_apply.cc): called after a node was
  // created, deleted (with its data length) or had its data replaced.
  void QuotaNodeCreated(const std::string& path);
  void QuotaNodeDeleted(const std::string& path, int64_t data_bytes);
  void QuotaDataChanged(const std::string& path, int64_t old_data_bytes);
  // Rebuilds the table from the limits znodes by counting (snapshot load).
  void RebuildQuotas();
  // Adds or updates root's quota from its limits text; counts the subtree
  // when the quota is new.
  void RegisterQuota(const std::string& root, const std::string& limits);
  QuotaUsage CountSubtree(const std::string& root) const;
  // Makes root's stats znode, if any, say its usage.
  void WriteQuotaStats(const std::string& root, const QuotaUsage& usage);

  Limits limits_;
  std::unordered_map<std::string, Node> nodes_;
  std::unordered_map<SessionId, SessionInfo> sessions_;
  std::unordered_map<SessionId, std::set<std::string>> ephemerals_;
  std::set<std::string> ttl_nodes_;  // nodes with ttl_ms > 0
  WatchRegistry watches_;
  Zxid last_zxid_ = 0;
  uint64_t digest_ = 0;  // see Digest()
  QuotaTable quotas_;
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
// "/a/b" -> "b": a view into path.
std::string_view BaseName(std::string_view path);
// True when the ACL list allows perm to one of the ids (world:anyone always
// matches the caller; "auth" and "ip" are checked as ZooKeeper does; a
// "super" id is allowed everything).
bool AclAllows(const std::vector<proto::Acl>& acl, int32_t perm,
               const AuthIds& auth);

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_DATA_TREE_H_
