// WatchRegistry: this member's one-shot watches, by path and kind, per
// session. Not replicated. Pure; owned by DataTree.
#ifndef CANOPY_SERVER_TREE_WATCH_REGISTRY_H_
#define CANOPY_SERVER_TREE_WATCH_REGISTRY_H_

#include <cstddef>
#include <initializer_list>
#include <set>
#include <string>
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
};

class WatchRegistry {
 public:
  // Registers a one-shot watch; adding the same (path, kind, session) twice
  // keeps one.
  void Add(const std::string& path, WatchKind kind, SessionId session);
  // Removes and returns the sessions watching path for any of the kinds:
  // sorted, each session once even when it held several of the kinds.
  std::vector<SessionId> Take(const std::string& path,
                              std::initializer_list<WatchKind> kinds);
  // Drops every watch the session holds.
  void RemoveSession(SessionId session);
  size_t size() const;  // number of (path, kind, session) watches
  // How many watches the session has (all kinds).
  size_t CountFor(SessionId session) const;
  // True when the session holds this watch.
  bool Has(const std::string& path, WatchKind kind, SessionId session) const;

 private:
  std::unordered_map<std::string, std::set<SessionId>>& MapFor(WatchKind kind);
  const std::unordered_map<std::string, std::set<SessionId>>& MapFor(
      WatchKind kind) const;

  std::unordered_map<std::string, std::set<SessionId>> data_, exists_,
      children_;
  std::unordered_map<SessionId, std::set<std::pair<std::string, int>>>
      by_session_;
  size_t size_ = 0;
};

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_WATCH_REGISTRY_H_
