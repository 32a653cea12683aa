#include "server/tree/prepare.h"

#include <set>
#include <utility>

#include "server/tree/tree_internal.h"

namespace canopy::tree {
namespace {

using internal::FixupAcl;
using internal::IsReservedPath;
using internal::NextVersion;
using internal::SequenceCounter;
using internal::SequenceSuffix;
using internal::WrapIncrement;

const AuthIds kNoAuth;

bool VersionMatches(int32_t expected, int32_t actual) {
  return expected == -1 || expected == actual;
}

Prepared Failure(const proto::Request& request, Zxid last_zxid,
                 const Status& status) {
  Prepared prepared;
  prepared.error_response.set_xid(request.xid());
  prepared.error_response.set_zxid(last_zxid);
  prepared.error_response.set_err(status.code());
  return prepared;
}

}  // namespace

// A node as it will be once every prepared txn has applied.
struct Preparer::PendingNode {
  bool exists = false;  // false: deleted by a pending txn
  NodeStat stat;  // ephemeral owner, children count, cversion inside
  std::shared_ptr<const std::vector<proto::Acl>> acl;
  bool container = false;
  int64_t ttl_ms = 0;  // > 0 for a TTL node
  Zxid zxid = 0;       // the last pending txn that touched it
};

// The changes of one request, checked against the overlay and the tree and
// kept apart until the whole request (every op of a multi) has passed.
class Preparer::Batch {
 public:
  Batch(const Preparer& preparer, SessionId session, const AuthIds& auth,
        Zxid zxid, int64_t now_ms)
      : preparer_(preparer),
        session_(session),
        auth_(auth),
        zxid_(zxid),
        now_ms_(now_ms) {}

  // The future state of path: this batch, then the overlay, then the tree.
  PendingNode Get(const std::string& path) const {
    if (auto it = changes_.find(path); it != changes_.end()) return it->second;
    if (auto it = preparer_.overlay_.find(path);
        it != preparer_.overlay_.end()) {
      return *it->second;
    }
    PendingNode pending;
    if (const Node* node = preparer_.tree_.Find(path)) {
      pending.exists = true;
      pending.stat = node->stat;
      pending.acl = node->acl;
      pending.container = node->container();
      pending.ttl_ms = node->ttl_ms();
    }
    return pending;
  }

  void Put(const std::string& path, PendingNode node) {
    changes_[path] = std::move(node);
  }

  // Records the deletion of path and its parent's bookkeeping.
  void MarkDeleted(const std::string& path) {
    // Shrinking: never refused.
    if (!preparer_.tree_.quotas().empty()) {
      (void)ChargeQuota(
          path, QuotaUsage{-1, -int64_t{Get(path).stat.data_length()}});
    }
    const std::string parent_path = ParentPath(path);
    PendingNode parent = Get(parent_path);
    // The visible cversion (2*creates - numChildren) moves on a delete too.
    parent.stat.set_cversion(WrapIncrement(parent.stat.cversion()));
    parent.stat.set_pzxid(zxid_);
    parent.stat.set_num_children(parent.stat.num_children() - 1);
    Put(parent_path, std::move(parent));
    Put(path, PendingNode{});
  }

  Status Create(const proto::CreateRequest& req, proto::Txn* out);
  Status Delete(const proto::DeleteRequest& req, proto::Txn* out);
  Status SetData(const proto::SetDataRequest& req, proto::Txn* out);
  Status SetAcl(const proto::SetAclRequest& req, proto::Txn* out);
  Status Check(const proto::CheckRequest& req, proto::Txn* out);
  Status Op(const proto::MultiOp& op, proto::Txn* out);

  // Counts a change of the node at path against every quota covering it,
  // on top of the committed usage, the pending txns' and this batch's
  // earlier changes. QUOTA_EXCEEDED (naming the quota's root) when a
  // growing change takes one over a hard limit; soft limits add a warning.
  Status ChargeQuota(const std::string& path, const QuotaUsage& change);

  std::map<std::string, PendingNode>& changes() { return changes_; }
  std::map<std::string, QuotaUsage>& quota_changes() { return quota_changes_; }
  std::vector<std::string>& warnings() { return warnings_; }

 private:
  bool Allows(const PendingNode& node, int32_t perm) const {
    return node.acl == nullptr || AclAllows(*node.acl, perm, auth_);
  }

  const Preparer& preparer_;
  const SessionId session_;
  const AuthIds& auth_;
  const Zxid zxid_;
  const int64_t now_ms_;
  std::map<std::string, PendingNode> changes_;
  std::map<std::string, QuotaUsage> quota_changes_;  // by quota root
  std::vector<std::string> warnings_;
};

Status Preparer::Batch::ChargeQuota(const std::string& path,
                                    const QuotaUsage& change) {
  const QuotaTable& quotas = preparer_.tree_.quotas();
  if (quotas.empty() || !CountsTowardQuota(path)) return Status::Ok();
  Status status;
  quotas.ForEachCovering(path, [&](const std::string& root,
                                   const Quota& quota) {
    QuotaUsage& mine = quota_changes_[root];
    mine += change;
    QuotaUsage after = quota.usage;
    after += preparer_.PendingQuota(root);
    after += mine;
    const QuotaVerdict verdict = JudgeQuota(quota.limits, after, change);
    if (verdict.exceeds_hard && status.ok()) {
      status = Status(proto::QUOTA_EXCEEDED, root);
    }
    if (verdict.exceeds_hard || verdict.exceeds_soft) {
      warnings_.push_back(QuotaMessage(root, quota.limits, after, verdict));
    }
  });
  return status;
}

// Checks in ZooKeeper's order (PrepRequestProcessor.pRequest2TxnCreate),
// except that every path rule is checked first: an invalid path is
// BAD_ARGUMENTS even when its parent is missing.
Status Preparer::Batch::Create(const proto::CreateRequest& req,
                               proto::Txn* out) {
  const proto::CreateMode mode = req.mode();
  if (!proto::CreateMode_IsValid(mode)) {
    return Status(proto::BAD_ARGUMENTS, "unknown create mode");
  }
  const bool sequential = mode == proto::PERSISTENT_SEQUENTIAL ||
                          mode == proto::EPHEMERAL_SEQUENTIAL ||
                          mode == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
  const bool ephemeral =
      mode == proto::EPHEMERAL || mode == proto::EPHEMERAL_SEQUENTIAL;
  const bool with_ttl = mode == proto::PERSISTENT_WITH_TTL ||
                        mode == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
  if (with_ttl ? (req.ttl_ms() <= 0 || req.ttl_ms() > internal::kMaxTtlMs)
               : req.ttl_ms() > 0) {
    return Status(proto::BAD_ARGUMENTS, "bad ttl");
  }
  if (ephemeral && session_ == 0) {
    return Status(proto::BAD_ARGUMENTS, "ephemeral without a session");
  }
  const std::string& path = req.path();
  // A sequential name is checked with a suffix after it, as ZooKeeper checks
  // the final name: "/a/" is a valid prefix.
  const std::string probe = sequential ? path + "1" : path;
  if (!IsValidPath(probe)) return Status(proto::BAD_ARGUMENTS, path);
  if (probe == "/") return Status(proto::NODE_EXISTS, path);
  const std::string parent_path = ParentPath(probe);
  // Canopy refuses every client write below /zookeeper except the quota
  // znodes under /zookeeper/quota (see quota.h).
  if (IsReservedPath(parent_path) && !IsUnderQuotaDir(probe)) {
    return Status(proto::BAD_ARGUMENTS, path);
  }
  if (static_cast<int64_t>(req.data().size()) >
      preparer_.tree_.limits().max_data_bytes) {
    return Status(proto::BAD_ARGUMENTS, "data too large");
  }
  auto acl = FixupAcl(req.acl(), auth_);
  if (!acl.ok()) return acl.status();
  PendingNode parent = Get(parent_path);
  if (!parent.exists) return Status(proto::NO_NODE, parent_path);
  if (!Allows(parent, proto::CREATE)) return Status(proto::NO_AUTH, path);
  const std::string final_path =
      sequential ? path + SequenceSuffix(SequenceCounter(parent.stat)) : path;
  if (Get(final_path).exists) return Status(proto::NODE_EXISTS, final_path);
  if (parent.stat.ephemeral_owner() != 0) {
    return Status(proto::NO_CHILDREN_FOR_EPHEMERALS, final_path);
  }
  if (Status s = ChargeQuota(
          final_path,
          QuotaUsage{1, static_cast<int64_t>(req.data().size())});
      !s.ok()) {
    return s;
  }

  parent.stat.set_cversion(WrapIncrement(parent.stat.cversion()));
  parent.stat.set_pzxid(zxid_);
  parent.stat.set_num_children(parent.stat.num_children() + 1);
  Put(parent_path, std::move(parent));

  const int64_t owner = ephemeral ? session_ : 0;
  PendingNode node;
  node.exists = true;
  node.stat.set_czxid(zxid_);
  node.stat.set_mzxid(zxid_);
  node.stat.set_pzxid(zxid_);
  node.stat.set_ctime(now_ms_);
  node.stat.set_mtime(now_ms_);
  node.stat.set_ephemeral_owner(owner);
  node.stat.set_data_length(static_cast<int32_t>(req.data().size()));
  node.acl = std::make_shared<const std::vector<proto::Acl>>(*acl);
  node.container = mode == proto::CONTAINER;
  node.ttl_ms = with_ttl ? req.ttl_ms() : 0;
  Put(final_path, std::move(node));

  proto::CreateTxn* txn = out->mutable_create();
  txn->set_path(final_path);
  txn->set_data(req.data());
  for (const proto::Acl& a : *acl) *txn->add_acl() = a;
  txn->set_ephemeral_owner(owner);
  txn->set_container(mode == proto::CONTAINER);
  txn->set_ttl_ms(with_ttl ? req.ttl_ms() : 0);
  return Status::Ok();
}

Status Preparer::Batch::Delete(const proto::DeleteRequest& req,
                               proto::Txn* out) {
  const std::string& path = req.path();
  if (!IsValidPath(path)) return Status(proto::BAD_ARGUMENTS, path);
  // ZooKeeper refuses "/" and its own nodes; Canopy all of /zookeeper.
  if (path == "/" || (IsReservedPath(path) && !IsUnderQuotaDir(path))) {
    return Status(proto::BAD_ARGUMENTS, path);
  }
  const std::string parent_path = ParentPath(path);
  const PendingNode parent = Get(parent_path);
  if (!parent.exists) return Status(proto::NO_NODE, parent_path);
  if (!Allows(parent, proto::DELETE)) return Status(proto::NO_AUTH, path);
  const PendingNode node = Get(path);
  if (!node.exists) return Status(proto::NO_NODE, path);
  if (!VersionMatches(req.version(), node.stat.version())) {
    return Status(proto::BAD_VERSION, path);
  }
  if (node.stat.num_children() > 0) return Status(proto::NOT_EMPTY, path);
  MarkDeleted(path);
  out->mutable_delete_()->set_path(path);
  return Status::Ok();
}

Status Preparer::Batch::SetData(const proto::SetDataRequest& req,
                                proto::Txn* out) {
  const std::string& path = req.path();
  if (!IsValidPath(path) || (IsReservedPath(path) && !IsUnderQuotaDir(path))) {
    return Status(proto::BAD_ARGUMENTS, path);
  }
  if (static_cast<int64_t>(req.data().size()) >
      preparer_.tree_.limits().max_data_bytes) {
    return Status(proto::BAD_ARGUMENTS, "data too large");
  }
  PendingNode node = Get(path);
  if (!node.exists) return Status(proto::NO_NODE, path);
  if (!Allows(node, proto::WRITE)) return Status(proto::NO_AUTH, path);
  if (!VersionMatches(req.version(), node.stat.version())) {
    return Status(proto::BAD_VERSION, path);
  }
  if (Status s = ChargeQuota(
          path, QuotaUsage{0, static_cast<int64_t>(req.data().size()) -
                                  node.stat.data_length()});
      !s.ok()) {
    return s;
  }
  node.stat.set_version(NextVersion(node.stat.version()));
  node.stat.set_mzxid(zxid_);
  node.stat.set_mtime(now_ms_);
  node.stat.set_data_length(static_cast<int32_t>(req.data().size()));
  Put(path, std::move(node));
  proto::SetDataTxn* txn = out->mutable_set_data();
  txn->set_path(path);
  txn->set_data(req.data());
  return Status::Ok();
}

// setACL is allowed on /zookeeper (as in ZooKeeper, where locking it down
// is a documented hardening step); its ACL decides.
Status Preparer::Batch::SetAcl(const proto::SetAclRequest& req,
                               proto::Txn* out) {
  const std::string& path = req.path();
  if (!IsValidPath(path)) return Status(proto::BAD_ARGUMENTS, path);
  auto acl = FixupAcl(req.acl(), auth_);
  if (!acl.ok()) return acl.status();
  PendingNode node = Get(path);
  if (!node.exists) return Status(proto::NO_NODE, path);
  if (!Allows(node, proto::ADMIN)) return Status(proto::NO_AUTH, path);
  if (!VersionMatches(req.version(), node.stat.aversion())) {
    return Status(proto::BAD_VERSION, path);
  }
  node.stat.set_aversion(NextVersion(node.stat.aversion()));
  node.acl = std::make_shared<const std::vector<proto::Acl>>(*acl);
  Put(path, std::move(node));
  proto::SetAclTxn* txn = out->mutable_set_acl();
  txn->set_path(path);
  for (const proto::Acl& a : *acl) *txn->add_acl() = a;
  return Status::Ok();
}

// As ZooKeeper's check op: READ permission on the node is needed.
Status Preparer::Batch::Check(const proto::CheckRequest& req, proto::Txn* out) {
  const std::string& path = req.path();
  if (!IsValidPath(path)) return Status(proto::BAD_ARGUMENTS, path);
  const PendingNode node = Get(path);
  if (!node.exists) return Status(proto::NO_NODE, path);
  if (!Allows(node, proto::READ)) return Status(proto::NO_AUTH, path);
  if (!VersionMatches(req.version(), node.stat.version())) {
    return Status(proto::BAD_VERSION, path);
  }
  out->mutable_check()->set_path(path);
  return Status::Ok();
}

Status Preparer::Batch::Op(const proto::MultiOp& op, proto::Txn* out) {
  switch (op.op_case()) {
    case proto::MultiOp::kCreate:
      return Create(op.create(), out);
    case proto::MultiOp::kDelete:
      return Delete(op.delete_(), out);
    case proto::MultiOp::kSetData:
      return SetData(op.set_data(), out);
    case proto::MultiOp::kCheck:
      return Check(op.check(), out);
    default:
      return Status(proto::BAD_ARGUMENTS, "empty multi op");
  }
}

Preparer::Preparer(const DataTree& tree) : tree_(tree) {}

Status Preparer::CheckSession(SessionId session) const {
  if (session == 0) return Status::Ok();
  if (closing_sessions_.count(session) == 0 &&
      (tree_.sessions().count(session) > 0 ||
       pending_sessions_.count(session) > 0)) {
    return Status::Ok();
  }
  return Status(proto::SESSION_EXPIRED);
}

QuotaUsage Preparer::PendingQuota(const std::string& root) const {
  auto it = pending_quota_.find(root);
  return it == pending_quota_.end() ? QuotaUsage{} : it->second;
}

void Preparer::Commit(Batch& batch, Zxid zxid) {
  for (const auto& [root, change] : batch.quota_changes()) {
    if (change.zero()) continue;
    pending_quota_[root] += change;
    quota_touched_[zxid].emplace_back(root, change);
  }
  if (batch.changes().empty()) return;
  std::vector<std::string>& touched = touched_[zxid];
  for (auto& [path, node] : batch.changes()) {
    node.zxid = zxid;
    overlay_[path] = std::make_shared<PendingNode>(std::move(node));
    touched.push_back(path);
  }
}

Prepared Preparer::Prepare(SessionId session, const AuthIds& auth,
                           const proto::Request& request, Zxid zxid,
                           int64_t now_ms) {
  proto::Txn txn;
  txn.set_zxid(zxid);
  txn.set_session_id(session);
  txn.set_xid(request.xid());
  txn.set_time_ms(now_ms);
  Batch batch(*this, session, auth, zxid, now_ms);
  const Status session_status = CheckSession(session);

  if (request.op_case() == proto::Request::kMulti) {
    const auto& ops = request.multi().ops();
    proto::MultiTxn* multi = txn.mutable_multi();
    Status status = session_status;
    int failed = ops.empty() && !status.ok() ? 0 : -1;
    for (int i = 0; i < ops.size() && failed < 0; ++i) {
      if (status.ok()) status = batch.Op(ops[i], multi->add_ops());
      if (!status.ok()) failed = i;
    }
    if (failed >= 0) {
      Prepared prepared = Failure(request, tree_.last_zxid(), status);
      if (status.code() == proto::QUOTA_EXCEEDED) {
        prepared.warnings = std::move(batch.warnings());
      }
      proto::MultiResponse* results = prepared.error_response.mutable_multi();
      for (int i = 0; i < ops.size(); ++i) {
        results->add_results()->set_err(i < failed ? proto::OK
                                        : i == failed
                                            ? status.code()
                                            : proto::RUNTIME_INCONSISTENCY);
      }
      return prepared;
    }
  } else {
    Status status = session_status;
    if (status.ok()) {
      switch (request.op_case()) {
        case proto::Request::kCreate:
          status = batch.Create(request.create(), &txn);
          break;
        case proto::Request::kDelete:
          status = batch.Delete(request.delete_(), &txn);
          break;
        case proto::Request::kSetData:
          status = batch.SetData(request.set_data(), &txn);
          break;
        case proto::Request::kSetAcl:
          status = batch.SetAcl(request.set_acl(), &txn);
          break;
        case proto::Request::kCheck:
          status = batch.Check(request.check(), &txn);
          break;
        default:
          status = Status(proto::BAD_ARGUMENTS, "not a write request");
          break;
      }
    }
    if (!status.ok()) {
      Prepared prepared = Failure(request, tree_.last_zxid(), status);
      if (status.code() == proto::QUOTA_EXCEEDED) {
        prepared.warnings = std::move(batch.warnings());
      }
      return prepared;
    }
  }
  Commit(batch, zxid);
  Prepared prepared;
  prepared.txn = std::move(txn);
  prepared.warnings = std::move(batch.warnings());
  return prepared;
}

proto::Txn Preparer::PrepareCreateSession(SessionId session, int32_t timeout_ms,
                                          const std::string& password,
                                          Zxid zxid, int64_t now_ms) {
  proto::Txn txn;
  txn.set_zxid(zxid);
  txn.set_session_id(session);
  txn.set_time_ms(now_ms);
  txn.mutable_create_session()->set_timeout_ms(timeout_ms);
  txn.mutable_create_session()->set_password(password);
  pending_sessions_[session] = zxid;
  closing_sessions_.erase(session);
  return txn;
}

proto::Txn Preparer::PrepareCloseSession(SessionId session, Zxid zxid,
                                         int64_t now_ms) {
  std::set<std::string> paths;
  for (std::string& path : tree_.EphemeralsOf(session)) {
    paths.insert(std::move(path));
  }
  for (const auto& [path, node] : overlay_) {
    if (node->exists && node->stat.ephemeral_owner() == session) {
      paths.insert(path);
    }
  }
  // Path order, as Apply deletes them.
  Batch batch(*this, session, kNoAuth, zxid, now_ms);
  for (const std::string& path : paths) {
    const PendingNode node = batch.Get(path);
    if (node.exists && node.stat.ephemeral_owner() == session &&
        node.stat.num_children() == 0) {
      batch.MarkDeleted(path);
    }
  }
  Commit(batch, zxid);
  closing_sessions_[session] = zxid;

  proto::Txn txn;
  txn.set_zxid(zxid);
  txn.set_session_id(session);
  txn.set_time_ms(now_ms);
  txn.mutable_close_session();
  return txn;
}

std::optional<proto::Txn> Preparer::PrepareContainerDelete(
    const std::string& path, Zxid zxid, int64_t now_ms) {
  if (path == "/" || !IsValidPath(path)) return std::nullopt;
  Batch batch(*this, 0, kNoAuth, zxid, now_ms);
  const PendingNode node = batch.Get(path);
  // It may have been deleted, re-created as another kind of node, or given
  // a child since Apply reported it.
  if (!node.exists || !node.container || node.stat.num_children() != 0 ||
      node.stat.cversion() <= 0) {
    return std::nullopt;
  }
  batch.MarkDeleted(path);
  Commit(batch, zxid);
  proto::Txn txn;
  txn.set_zxid(zxid);
  txn.set_session_id(0);
  txn.set_time_ms(now_ms);
  txn.mutable_delete_()->set_path(path);
  return txn;
}

std::optional<proto::Txn> Preparer::PrepareTtlDelete(const std::string& path,
                                                     Zxid zxid,
                                                     int64_t now_ms) {
  if (path == "/" || !IsValidPath(path)) return std::nullopt;
  Batch batch(*this, 0, kNoAuth, zxid, now_ms);
  const PendingNode node = batch.Get(path);
  // A pending txn may have deleted it, re-created it as another kind of
  // node, given it a child or set its data (moving mtime) since
  // ExpiredTtlNodes reported it. Same rule as DataTree::ExpiredTtlNodes.
  if (!node.exists || node.ttl_ms <= 0 || node.stat.num_children() != 0 ||
      now_ms - node.stat.mtime() <= node.ttl_ms) {
    return std::nullopt;
  }
  batch.MarkDeleted(path);
  Commit(batch, zxid);
  proto::Txn txn;
  txn.set_zxid(zxid);
  txn.set_session_id(0);
  txn.set_time_ms(now_ms);
  txn.mutable_delete_()->set_path(path);
  return txn;
}

void Preparer::OnApplied(Zxid zxid) {
  while (!quota_touched_.empty() && quota_touched_.begin()->first <= zxid) {
    for (const auto& [root, change] : quota_touched_.begin()->second) {
      auto it = pending_quota_.find(root);
      if (it == pending_quota_.end()) continue;
      it->second += QuotaUsage{-change.count, -change.bytes};
      if (it->second.zero()) pending_quota_.erase(it);
    }
    quota_touched_.erase(quota_touched_.begin());
  }
  while (!touched_.empty() && touched_.begin()->first <= zxid) {
    for (const std::string& path : touched_.begin()->second) {
      auto it = overlay_.find(path);
      if (it != overlay_.end() && it->second->zxid <= zxid) overlay_.erase(it);
    }
    touched_.erase(touched_.begin());
  }
  std::erase_if(pending_sessions_,
                [zxid](const auto& e) { return e.second <= zxid; });
  std::erase_if(closing_sessions_,
                [zxid](const auto& e) { return e.second <= zxid; });
}

void Preparer::Reset() {
  pending_quota_.clear();
  quota_touched_.clear();
  overlay_.clear();
  touched_.clear();
  pending_sessions_.clear();
  closing_sessions_.clear();
}

size_t Preparer::overlay_size() const { return overlay_.size(); }

}  // namespace canopy::tree
