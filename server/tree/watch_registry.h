// WatchRegistry: this member's watches, by path and kind, per session —
// one-shot watches (getData / exists / getChildren) and ZooKeeper 3.6's
// persistent and persistent-recursive watches (addWatch). Not replicated.
// Pure; owned by DataTree.
#ifndef CANOPY_SERVER_TREE_WATCH_REGISTRY_H_
#define CANOPY_SERVER_TREE_WATCH_REGISTRY_H_

#include <array>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"

namespace canopy::tree {

enum class WatchKind {
  kData,      // set by getData (and exists on an existing node): fires on
              // NodeDataChanged and NodeDeleted
  kExists,    // set by exists on a missing node: fires on NodeCreated
  kChildren,  // set by getChildren: fires on NodeChildrenChanged, NodeDeleted
  kPersistent,  // addWatch PERSISTENT: NodeCreated, NodeDeleted,
                // NodeDataChanged and NodeChildrenChanged of the path; stays
  kPersistentRecursive,  // addWatch PERSISTENT_RECURSIVE: NodeCreated,
                         // NodeDeleted and NodeDataChanged of the path and of
                         // every path below it; stays
};

// True for the kinds that stay registered when they fire.
constexpr bool IsPersistent(WatchKind kind) {
  return kind == WatchKind::kPersistent ||
         kind == WatchKind::kPersistentRecursive;
}

class WatchRegistry {
 public:
  // Registers a watch of any kind; adding the same (path, kind, session)
  // twice keeps one.
  void Add(const std::string& path, WatchKind kind, SessionId session);
  // Removes and returns the sessions watching path for any of the kinds:
  // sorted, each session once even when it held several of the kinds. Meant
  // for the one-shot kinds (a persistent kind listed here is removed too).
  std::vector<SessionId> Take(const std::string& path,
                              std::initializer_list<WatchKind> kinds);
  // Appends, without removing anything, the sessions holding a watch of
  // kind on exactly path.
  void Collect(std::string_view path, WatchKind kind,
               std::vector<SessionId>* out) const;
  // Appends the sessions holding a persistent-recursive watch on path or on
  // any ancestor of it ("/" included). O(depth) lookups; free when there is
  // no recursive watch at all.
  void CollectRecursive(std::string_view path,
                        std::vector<SessionId>* out) const;
  // Removes one watch; true when the session held it.
  bool Remove(const std::string& path, WatchKind kind, SessionId session);
  // Drops every watch the session holds, of every kind.
  void RemoveSession(SessionId session);
  size_t size() const;  // number of (path, kind, session) watches, all kinds
  // How many watches the session has (all kinds).
  size_t CountFor(SessionId session) const;
  // True when the session holds this watch.
  bool Has(const std::string& path, WatchKind kind, SessionId session) const;
  // For the "wchc" and "wchp" four-letter words: the watched paths of each
  // session, and the watching sessions of each path (all kinds).
  std::map<SessionId, std::set<std::string>> PathsBySession() const;
  std::map<std::string, std::set<SessionId>> SessionsByPath() const;

 private:
  // Heterogeneous lookup, so the ancestor walk needs no string copies.
  struct PathHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  using PathMap = std::unordered_map<std::string, std::set<SessionId>,
                                     PathHash, std::equal_to<>>;
  static constexpr size_t kKindCount = 5;

  PathMap& MapFor(WatchKind kind) { return maps_[static_cast<size_t>(kind)]; }
  const PathMap& MapFor(WatchKind kind) const {
    return maps_[static_cast<size_t>(kind)];
  }

  std::array<PathMap, kKindCount> maps_;
  std::unordered_map<SessionId, std::set<std::pair<std::string, int>>>
      by_session_;
  size_t size_ = 0;
};

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_WATCH_REGISTRY_H_
