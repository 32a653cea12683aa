#include "server/tree/data_tree.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "server/tree/tree_internal.h"

namespace canopy::tree {
namespace {

using internal::ChildPath;
using internal::NextVersion;
using internal::WrapIncrement;

proto::Acl MakeAcl(int32_t perms, const char* scheme, const char* id) {
  proto::Acl acl;
  acl.set_perms(perms);
  acl.mutable_id()->set_scheme(scheme);
  acl.mutable_id()->set_id(id);
  return acl;
}

void AppendLengthPrefixed(std::string* out, std::string_view s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  out->append(reinterpret_cast<const char*>(&n), sizeof(n));
  out->append(s);
}

template <typename AclRange>
std::string AclKey(const AclRange& acl) {
  std::string key;
  for (const proto::Acl& a : acl) {
    const int32_t perms = a.perms();
    key.append(reinterpret_cast<const char*>(&perms), sizeof(perms));
    AppendLengthPrefixed(&key, a.id().scheme());
    AppendLengthPrefixed(&key, a.id().id());
  }
  return key;
}

// What a fit check knows of a node: the committed tree overlaid with the
// earlier ops of the same multi.
struct Shadow {
  bool exists = false;
  int64_t ephemeral_owner = 0;
  int64_t num_children = 0;
};
using ShadowMap = std::unordered_map<std::string, Shadow>;

}  // namespace

struct DataTree::Impl {
  struct Ctx {
    Zxid zxid;
    int64_t time_ms;
    ApplyResult* result;
    std::vector<std::string>* maybe_empty;  // parents that lost a child
  };

  static Shadow Look(const DataTree& t, const ShadowMap& shadow,
                     const std::string& path) {
    if (auto it = shadow.find(path); it != shadow.end()) return it->second;
    const Node* n = t.Find(path);
    if (n == nullptr) return {};
    return {true, n->stat.ephemeral_owner(),
            static_cast<int64_t>(n->children.size())};
  }

  // Whether a create/delete/set_data/set_acl/check txn still fits the tree;
  // records its effect in the shadow so later ops of a multi see it.
  static Status Fits(const DataTree& t, const proto::Txn& sub,
                     ShadowMap* shadow) {
    switch (sub.body_case()) {
      case proto::Txn::kCreate: {
        const std::string& path = sub.create().path();
        if (path == "/" || !IsValidPath(path)) {
          return Status(proto::BAD_ARGUMENTS, path);
        }
        const std::string parent_path = ParentPath(path);
        Shadow parent = Look(t, *shadow, parent_path);
        if (!parent.exists) return Status(proto::NO_NODE, parent_path);
        if (parent.ephemeral_owner != 0) {
          return Status(proto::NO_CHILDREN_FOR_EPHEMERALS, path);
        }
        if (Look(t, *shadow, path).exists) {
          return Status(proto::NODE_EXISTS, path);
        }
        ++parent.num_children;
        (*shadow)[parent_path] = parent;
        (*shadow)[path] = {true, sub.create().ephemeral_owner(), 0};
        return Status::Ok();
      }
      case proto::Txn::kDelete: {
        const std::string& path = sub.delete_().path();
        if (path == "/" || !IsValidPath(path)) {
          return Status(proto::BAD_ARGUMENTS, path);
        }
        const Shadow node = Look(t, *shadow, path);
        if (!node.exists) return Status(proto::NO_NODE, path);
        if (node.num_children > 0) return Status(proto::NOT_EMPTY, path);
        const std::string parent_path = ParentPath(path);
        Shadow parent = Look(t, *shadow, parent_path);
        --parent.num_children;
        (*shadow)[parent_path] = parent;
        (*shadow)[path] = Shadow{};
        return Status::Ok();
      }
      case proto::Txn::kSetData:
      case proto::Txn::kSetAcl:
      case proto::Txn::kCheck: {
        const std::string& path = sub.has_set_data()  ? sub.set_data().path()
                                  : sub.has_set_acl() ? sub.set_acl().path()
                                                      : sub.check().path();
        if (!Look(t, *shadow, path).exists) {
          return Status(proto::NO_NODE, path);
        }
        return Status::Ok();
      }
      default:
        return Status(proto::BAD_ARGUMENTS, "not a node txn");
    }
  }

  static void Fire(DataTree& t, const std::string& path,
                   proto::EventType type, const AclPtr& acl, const Ctx& ctx) {
    if (t.watches_.size() == 0) return;
    t.Notify(path, type, ctx.zxid, acl, &ctx.result->watches);
  }

  static void Create(DataTree& t, const proto::CreateTxn& c, const Ctx& ctx,
                     proto::CreateResponse* out) {
    Node node;
    node.data.Assign(c.data());
    node.acl = t.InternAcl(c.acl());
    NodeStat& stat = node.stat;
    stat.set_czxid(ctx.zxid);
    stat.set_mzxid(ctx.zxid);
    stat.set_pzxid(ctx.zxid);
    stat.set_ctime(ctx.time_ms);
    stat.set_mtime(ctx.time_ms);
    stat.set_ephemeral_owner(c.ephemeral_owner());
    stat.set_data_length(static_cast<int32_t>(node.data.size()));
    node.SetKind(c.container(), c.ttl_ms());
    const std::string& path = c.path();
    auto [it, inserted] = t.nodes_.emplace(path, std::move(node));
    t.DigestAdd(path, it->second);
    const std::string parent_path = ParentPath(path);
    Node& parent = t.nodes_.at(parent_path);
    t.DigestRemove(parent_path, parent);
    parent.children.Insert(BaseName(it->first).data());  // key suffix
    parent.stat.set_cversion(WrapIncrement(parent.stat.cversion()));
    parent.stat.set_pzxid(std::max(parent.stat.pzxid(), ctx.zxid));
    parent.stat.set_num_children(static_cast<int32_t>(parent.children.size()));
    t.DigestAdd(parent_path, parent);
    if (c.ephemeral_owner() != 0) {
      t.ephemerals_[c.ephemeral_owner()].insert(path);
    }
    if (it->second.ttl_ms() > 0) t.ttl_nodes_.insert(path);
    t.QuotaNodeCreated(path);
    out->set_path(path);
    it->second.stat.ToProto(out->mutable_stat());
    Fire(t, path, proto::NODE_CREATED, it->second.acl, ctx);
    Fire(t, parent_path, proto::NODE_CHILDREN_CHANGED, parent.acl, ctx);
  }

  static void Delete(DataTree& t, const std::string& path, const Ctx& ctx) {
    auto it = t.nodes_.find(path);
    const int64_t owner = it->second.stat.ephemeral_owner();
    if (owner != 0) {
      if (auto e = t.ephemerals_.find(owner); e != t.ephemerals_.end()) {
        e->second.erase(path);
        if (e->second.empty()) t.ephemerals_.erase(e);
      }
    }
    if (it->second.ttl_ms() > 0) t.ttl_nodes_.erase(path);
    t.DigestRemove(path, it->second);
    const AclPtr acl = std::move(it->second.acl);
    const int64_t data_bytes = static_cast<int64_t>(it->second.data.size());
    const std::string parent_path = ParentPath(path);
    Node& parent = t.nodes_.at(parent_path);
    t.DigestRemove(parent_path, parent);
    parent.children.Erase(BaseName(path).data());  // before its key goes
    t.nodes_.erase(it);
    t.QuotaNodeDeleted(path, data_bytes);
    // ZooKeeper keeps the count of creates and shows 2*creates - numChildren,
    // so a delete moves the visible cversion by one.
    parent.stat.set_cversion(WrapIncrement(parent.stat.cversion()));
    parent.stat.set_pzxid(std::max(parent.stat.pzxid(), ctx.zxid));
    parent.stat.set_num_children(static_cast<int32_t>(parent.children.size()));
    t.DigestAdd(parent_path, parent);
    if (parent.container()) ctx.maybe_empty->push_back(parent_path);
    Fire(t, path, proto::NODE_DELETED, acl, ctx);
    Fire(t, parent_path, proto::NODE_CHILDREN_CHANGED, parent.acl, ctx);
  }

  // Applies a txn that Fits() accepted; the answer goes into result.
  static void ApplyFitted(DataTree& t, const proto::Txn& sub, const Ctx& ctx,
                          proto::MultiOpResult* result) {
    result->set_err(proto::OK);
    switch (sub.body_case()) {
      case proto::Txn::kCreate:
        Create(t, sub.create(), ctx, result->mutable_create());
        break;
      case proto::Txn::kDelete:
        Delete(t, sub.delete_().path(), ctx);
        break;
      case proto::Txn::kSetData: {
        Node& node = t.nodes_.at(sub.set_data().path());
        t.DigestRemove(sub.set_data().path(), node);
        const int64_t old_bytes = static_cast<int64_t>(node.data.size());
        node.data.Assign(sub.set_data().data());
        node.stat.set_version(NextVersion(node.stat.version()));
        node.stat.set_mzxid(ctx.zxid);
        node.stat.set_mtime(ctx.time_ms);
        node.stat.set_data_length(static_cast<int32_t>(node.data.size()));
        t.DigestAdd(sub.set_data().path(), node);
        t.QuotaDataChanged(sub.set_data().path(), old_bytes);
        node.stat.ToProto(result->mutable_stat()->mutable_stat());
        Fire(t, sub.set_data().path(), proto::NODE_DATA_CHANGED, node.acl,
             ctx);
        break;
      }
      case proto::Txn::kSetAcl: {
        Node& node = t.nodes_.at(sub.set_acl().path());
        t.DigestRemove(sub.set_acl().path(), node);
        node.acl = t.InternAcl(sub.set_acl().acl());
        node.stat.set_aversion(NextVersion(node.stat.aversion()));
        t.DigestAdd(sub.set_acl().path(), node);
        node.stat.ToProto(result->mutable_stat()->mutable_stat());
        break;
      }
      default:  // check: no effect
        break;
    }
  }

  static void Multi(DataTree& t, const proto::MultiTxn& multi, const Ctx& ctx,
                    proto::Response* response) {
    ShadowMap shadow;
    int failed = -1;
    Status failure;
    for (int i = 0; i < multi.ops_size() && failed < 0; ++i) {
      failure = Fits(t, multi.ops(i), &shadow);
      if (!failure.ok()) failed = i;
    }
    proto::MultiResponse* out = response->mutable_multi();
    if (failed >= 0) {
      response->set_err(failure.code());
      for (int i = 0; i < multi.ops_size(); ++i) {
        out->add_results()->set_err(i < failed ? proto::OK
                                    : i == failed
                                        ? failure.code()
                                        : proto::RUNTIME_INCONSISTENCY);
      }
      return;
    }
    for (const proto::Txn& sub : multi.ops()) {
      ApplyFitted(t, sub, ctx, out->add_results());
    }
  }

  static void CloseSession(DataTree& t, SessionId session, const Ctx& ctx) {
    // The closing session gets no events for its own ephemerals.
    t.watches_.RemoveSession(session);
    for (const std::string& path : t.EphemeralsOf(session)) {
      proto::Txn del;
      del.mutable_delete_()->set_path(path);
      ShadowMap shadow;
      if (Fits(t, del, &shadow).ok()) Delete(t, path, ctx);
    }
    if (auto it = t.sessions_.find(session); it != t.sessions_.end()) {
      t.DigestRemoveSession(session, it->second);
      t.sessions_.erase(it);
    }
  }
};

DataTree::DataTree(Limits limits) : limits_(limits) {
  // Two nodes per bucket on average: half the bucket array (8 bytes per
  // znode) for a second hop on some lookups.
  nodes_.max_load_factor(2.0f);
  InitDefaults();
}

void DataTree::InitDefaults() {
  const auto open_acl = InternAcl({MakeAcl(proto::ALL, "world", "anyone")});
  const auto add = [&](const std::string& path, AclPtr acl) {
    Node node;
    node.acl = std::move(acl);
    const auto it = nodes_.emplace(path, std::move(node)).first;
    if (path == "/") return;
    Node& parent = nodes_.at(ParentPath(path));
    parent.children.Insert(BaseName(it->first).data());  // key suffix
    // Added without a create, as ZooKeeper's DataTree constructor does: the
    // visible cversion (2*creates - numChildren) goes negative, so
    // "stat /" shows cversion -1 as on a fresh ZooKeeper.
    parent.stat.set_num_children(static_cast<int32_t>(parent.children.size()));
    parent.stat.set_cversion(-parent.stat.num_children());
  };
  add("/", open_acl);
  add("/zookeeper", open_acl);
  add("/zookeeper/quota", open_acl);
  add("/zookeeper/config",
      InternAcl({MakeAcl(proto::READ, "world", "anyone")}));
  digest_ = RecomputeDigest();
}

DataTree::AclPtr DataTree::InternAcl(
    const google::protobuf::RepeatedPtrField<proto::Acl>& acl) {
  std::string key = AclKey(acl);
  if (AclPtr live = CachedAcl(key)) return live;
  return CacheAcl(std::move(key), {acl.begin(), acl.end()});
}

DataTree::AclPtr DataTree::InternAcl(std::vector<proto::Acl> acl) {
  std::string key = AclKey(acl);
  if (AclPtr live = CachedAcl(key)) return live;
  return CacheAcl(std::move(key), std::move(acl));
}

DataTree::AclPtr DataTree::CachedAcl(const std::string& key) const {
  auto it = acl_cache_.find(key);
  return it == acl_cache_.end() ? nullptr : it->second.lock();
}

DataTree::AclPtr DataTree::CacheAcl(std::string key,
                                    std::vector<proto::Acl> acl) {
  auto ptr = std::make_shared<const std::vector<proto::Acl>>(std::move(acl));
  acl_cache_[std::move(key)] = ptr;
  if (acl_cache_.size() >= acl_cache_sweep_at_) {
    std::erase_if(acl_cache_, [](const auto& e) { return e.second.expired(); });
    acl_cache_sweep_at_ = std::max<size_t>(64, 2 * acl_cache_.size());
  }
  return ptr;
}

ApplyResult DataTree::Apply(const proto::Txn& txn) {
  ApplyResult result;
  proto::Response& response = result.response;
  response.set_xid(txn.xid());
  response.set_zxid(txn.zxid());
  std::vector<std::string> maybe_empty;
  const Impl::Ctx ctx{txn.zxid(), txn.time_ms(), &result, &maybe_empty};

  switch (txn.body_case()) {
    case proto::Txn::kMulti:
      Impl::Multi(*this, txn.multi(), ctx, &response);
      break;
    case proto::Txn::kCreateSession: {
      auto [it, added] = sessions_.try_emplace(txn.session_id());
      SessionInfo& info = it->second;
      if (!added) DigestRemoveSession(txn.session_id(), info);
      info.timeout_ms = txn.create_session().timeout_ms();
      info.password = txn.create_session().password();
      DigestAddSession(txn.session_id(), info);
      response.mutable_empty();
      break;
    }
    case proto::Txn::kCloseSession:
      Impl::CloseSession(*this, txn.session_id(), ctx);
      response.mutable_empty();
      break;
    default: {
      ShadowMap shadow;
      const Status fits = Impl::Fits(*this, txn, &shadow);
      if (!fits.ok()) {
        response.set_err(fits.code());
        break;
      }
      proto::MultiOpResult op;
      Impl::ApplyFitted(*this, txn, ctx, &op);
      if (op.has_create()) {
        *response.mutable_create() = std::move(*op.mutable_create());
      } else if (op.has_stat()) {
        *response.mutable_stat() = std::move(*op.mutable_stat());
      } else {
        response.mutable_empty();
      }
      break;
    }
  }

  for (const std::string& path : maybe_empty) {
    const Node* node = Find(path);
    if (node == nullptr || !node->container() || !node->children.empty() ||
        node->stat.cversion() <= 0) {
      continue;
    }
    auto& out = result.empty_containers;
    if (std::find(out.begin(), out.end(), path) == out.end()) {
      out.push_back(path);
    }
  }
  last_zxid_ = std::max(last_zxid_, txn.zxid());
  return result;
}

void DataTree::RemoveWatches(SessionId session) {
  watches_.RemoveSession(session);
}

std::vector<std::string> DataTree::ExpiredTtlNodes(int64_t now_ms,
                                                   size_t max) const {
  std::vector<std::string> out;
  for (const std::string& path : ttl_nodes_) {
    if (out.size() >= max) break;
    const Node* node = Find(path);
    if (node != nullptr && node->ttl_ms() > 0 && node->children.empty() &&
        now_ms - node->stat.mtime() > node->ttl_ms()) {
      out.push_back(path);
    }
  }
  return out;
}

const Node* DataTree::Find(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<std::string> DataTree::EphemeralsOf(SessionId session) const {
  auto it = ephemerals_.find(session);
  if (it == ephemerals_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void DataTree::ForEachNode(
    const std::function<void(const std::string& path, const Node&)>& fn) const {
  // Depth first from "/", children in name order; an explicit stack, since
  // a tree may be far deeper than the call stack.
  std::vector<std::string> stack;
  if (nodes_.count("/") > 0) stack.push_back("/");
  while (!stack.empty()) {
    std::string path = std::move(stack.back());
    stack.pop_back();
    const Node& node = nodes_.at(path);
    fn(path, node);
    for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) {
      stack.push_back(ChildPath(path, *it));
    }
  }
}

void DataTree::Clear() {
  nodes_.clear();
  sessions_.clear();
  ephemerals_.clear();
  ttl_nodes_.clear();
  watches_ = WatchRegistry();
  acl_cache_.clear();
  acl_cache_sweep_at_ = 64;
  last_zxid_ = 0;
  digest_ = 0;
  quotas_.Clear();
}

bool DataTree::InsertLoaded(const proto::SnapshotNode& loaded) {
  const std::string& path = loaded.path();
  if (!IsValidPath(path)) return false;
  Node* parent = nullptr;
  if (path != "/") {
    auto it = nodes_.find(ParentPath(path));
    if (it == nodes_.end()) return false;
    parent = &it->second;
  }
  // The digest is computed once, in FinishLoad.
  auto [inserted, added] = nodes_.try_emplace(path);
  if (!added) return false;
  Node& node = inserted->second;
  node.data.Assign(loaded.data());
  node.acl = InternAcl(loaded.acl());
  node.stat = NodeStat::FromProto(loaded.stat());
  node.stat.set_data_length(static_cast<int32_t>(node.data.size()));
  node.stat.set_num_children(0);  // counted as the children load
  node.SetKind(loaded.container(), loaded.ttl_ms());
  const int64_t owner = node.stat.ephemeral_owner();
  if (parent != nullptr) {
    parent->children.Insert(BaseName(inserted->first).data());  // key suffix
    parent->stat.set_num_children(
        static_cast<int32_t>(parent->children.size()));
  }
  if (owner != 0) ephemerals_[owner].insert(path);
  if (inserted->second.ttl_ms() > 0) ttl_nodes_.insert(path);
  return true;
}

void DataTree::InsertLoadedSession(const proto::SnapshotSession& session) {
  SessionInfo& info = sessions_[session.session_id()];
  info.timeout_ms = session.timeout_ms();
  info.password = session.password();
}

void DataTree::FinishLoad(Zxid last_zxid) {
  if (nodes_.empty()) InitDefaults();
  last_zxid_ = last_zxid;
  RebuildQuotas();
  // One hash per node and session, not one per change while loading.
  digest_ = RecomputeDigest();
}

void DataTree::ReserveNodes(size_t count) { nodes_.reserve(count); }

}  // namespace canopy::tree
