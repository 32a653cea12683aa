// DataTree's watch side: which watches an event fires, and the watch
// requests of ZooKeeper 3.6+ (addWatch, removeWatches / checkWatches,
// setWatches / setWatches2).
#include <algorithm>
#include <utility>
#include <vector>

#include "server/tree/data_tree.h"

namespace canopy::tree {
namespace {

// ZooKeeper 3.9's WatcherType values beyond proto::WatcherType; they reach
// the tree as unnamed values of the (open) proto3 enum.
constexpr int kWatcherTypePersistent = 4;
constexpr int kWatcherTypePersistentRecursive = 5;

proto::WatchEvent MakeEvent(proto::EventType type, const std::string& path,
                            Zxid zxid) {
  proto::WatchEvent event;
  event.set_type(type);
  event.set_state(proto::STATE_SYNC_CONNECTED);
  event.set_path(path);
  event.set_zxid(zxid);
  return event;
}

}  // namespace

void DataTree::Notify(const std::string& path, proto::EventType type,
                      Zxid zxid, const AclPtr& acl,
                      std::vector<FiredWatch>* out) {
  // As ZooKeeper's DataTree: NodeCreated / NodeDataChanged / NodeDeleted go
  // to the data watches (exists included) — where persistent-recursive
  // watches of the path and its ancestors live too — and NodeDeleted also to
  // the child watches; NodeChildrenChanged only to the child watches, which
  // hold no recursive watch. Persistent watches sit in both.
  std::vector<SessionId> sessions;
  bool recursive = true;
  switch (type) {
    case proto::NODE_CREATED:
      sessions = watches_.Take(path, {WatchKind::kExists, WatchKind::kData});
      break;
    case proto::NODE_DATA_CHANGED:
      sessions = watches_.Take(path, {WatchKind::kData, WatchKind::kExists});
      break;
    case proto::NODE_DELETED:
      sessions = watches_.Take(path, {WatchKind::kData, WatchKind::kExists,
                                      WatchKind::kChildren});
      break;
    case proto::NODE_CHILDREN_CHANGED:
      sessions = watches_.Take(path, {WatchKind::kChildren});
      recursive = false;
      break;
    default:
      return;
  }
  const size_t one_shot = sessions.size();
  watches_.Collect(path, WatchKind::kPersistent, &sessions);
  if (recursive) watches_.CollectRecursive(path, &sessions);
  if (sessions.size() != one_shot) {
    // One event per session (ZooKeeper: per watcher), in session order.
    std::sort(sessions.begin(), sessions.end());
    sessions.erase(std::unique(sessions.begin(), sessions.end()),
                   sessions.end());
  }
  for (SessionId session : sessions) {
    out->push_back(FiredWatch{session, MakeEvent(type, path, zxid), acl});
  }
}

ErrorCode DataTree::AddWatch(SessionId session,
                             const proto::AddWatchRequest& request) {
  if (!IsValidPath(request.path())) return proto::BAD_ARGUMENTS;
  switch (request.mode()) {
    case proto::PERSISTENT_WATCH:
      watches_.Add(request.path(), WatchKind::kPersistent, session);
      return proto::OK;
    case proto::PERSISTENT_RECURSIVE_WATCH:
      watches_.Add(request.path(), WatchKind::kPersistentRecursive, session);
      return proto::OK;
    default:
      return proto::MARSHALLING_ERROR;
  }
}

ErrorCode DataTree::RemoveWatches(SessionId session,
                                  const proto::RemoveWatchesRequest& request) {
  std::vector<WatchKind> kinds;
  switch (static_cast<int>(request.type())) {
    case proto::WATCHER_CHILDREN:
      kinds = {WatchKind::kChildren};
      break;
    case proto::WATCHER_DATA:
      kinds = {WatchKind::kData, WatchKind::kExists};
      break;
    case proto::WATCHER_ANY:
      kinds = {WatchKind::kData, WatchKind::kExists, WatchKind::kChildren,
               WatchKind::kPersistent, WatchKind::kPersistentRecursive};
      break;
    case kWatcherTypePersistent:
      kinds = {WatchKind::kPersistent};
      break;
    case kWatcherTypePersistentRecursive:
      kinds = {WatchKind::kPersistentRecursive};
      break;
    default:
      return proto::MARSHALLING_ERROR;  // ZooKeeper's WatcherType.fromInt
  }
  bool matched = false;
  for (WatchKind kind : kinds) {
    if (request.remove()) {
      matched = watches_.Remove(request.path(), kind, session) || matched;
    } else if (watches_.Has(request.path(), kind, session)) {
      return proto::OK;
    }
  }
  return matched ? proto::OK : proto::NO_WATCHER;
}

std::vector<proto::WatchEvent> DataTree::SetWatches(
    SessionId session, const proto::SetWatchesRequest& request) {
  const Zxid relative = request.relative_zxid();
  std::vector<proto::WatchEvent> fired;
  const auto fire = [&](proto::EventType type, const std::string& path) {
    fired.push_back(MakeEvent(type, path, last_zxid_));
  };
  for (const std::string& path : request.data_watches()) {
    const Node* node = Find(path);
    if (node == nullptr) {
      fire(proto::NODE_DELETED, path);
    } else if (node->stat.mzxid() > relative) {
      fire(proto::NODE_DATA_CHANGED, path);
    } else {
      watches_.Add(path, WatchKind::kData, session);
    }
  }
  for (const std::string& path : request.exist_watches()) {
    if (Find(path) != nullptr) {
      fire(proto::NODE_CREATED, path);
    } else {
      watches_.Add(path, WatchKind::kExists, session);
    }
  }
  for (const std::string& path : request.child_watches()) {
    const Node* node = Find(path);
    if (node == nullptr) {
      fire(proto::NODE_DELETED, path);
    } else if (node->stat.pzxid() > relative) {
      fire(proto::NODE_CHILDREN_CHANGED, path);
    } else {
      watches_.Add(path, WatchKind::kChildren, session);
    }
  }
  for (const std::string& path : request.persistent_watches()) {
    watches_.Add(path, WatchKind::kPersistent, session);
  }
  for (const std::string& path : request.persistent_recursive_watches()) {
    watches_.Add(path, WatchKind::kPersistentRecursive, session);
  }
  return fired;
}

}  // namespace canopy::tree
