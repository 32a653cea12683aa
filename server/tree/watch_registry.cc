#include "server/tree/watch_registry.h"

#include <algorithm>

namespace canopy::tree {

void WatchRegistry::Add(const std::string& path, WatchKind kind,
                        SessionId session) {
  if (MapFor(kind)[path].insert(session).second) {
    by_session_[session].emplace(path, static_cast<int>(kind));
    ++size_;
  }
}

std::vector<SessionId> WatchRegistry::Take(
    const std::string& path, std::initializer_list<WatchKind> kinds) {
  std::vector<SessionId> out;
  for (WatchKind kind : kinds) {
    auto& map = MapFor(kind);
    auto it = map.find(path);
    if (it == map.end()) continue;
    for (SessionId session : it->second) {
      out.push_back(session);
      auto s = by_session_.find(session);
      if (s != by_session_.end()) {
        s->second.erase({path, static_cast<int>(kind)});
        if (s->second.empty()) by_session_.erase(s);
      }
      --size_;
    }
    map.erase(it);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void WatchRegistry::Collect(std::string_view path, WatchKind kind,
                            std::vector<SessionId>* out) const {
  const PathMap& map = MapFor(kind);
  if (map.empty()) return;
  auto it = map.find(path);
  if (it == map.end()) return;
  out->insert(out->end(), it->second.begin(), it->second.end());
}

void WatchRegistry::CollectRecursive(std::string_view path,
                                     std::vector<SessionId>* out) const {
  if (MapFor(WatchKind::kPersistentRecursive).empty() || path.empty()) return;
  // "/a/b" -> "/a/b", "/a", "/".
  while (true) {
    Collect(path, WatchKind::kPersistentRecursive, out);
    if (path == "/") return;
    const size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return;  // not a path
    path = slash == 0 ? std::string_view("/") : path.substr(0, slash);
  }
}

bool WatchRegistry::Remove(const std::string& path, WatchKind kind,
                           SessionId session) {
  auto& map = MapFor(kind);
  auto it = map.find(path);
  if (it == map.end() || it->second.erase(session) == 0) return false;
  if (it->second.empty()) map.erase(it);
  --size_;
  auto s = by_session_.find(session);
  if (s != by_session_.end()) {
    s->second.erase({path, static_cast<int>(kind)});
    if (s->second.empty()) by_session_.erase(s);
  }
  return true;
}

void WatchRegistry::RemoveSession(SessionId session) {
  auto s = by_session_.find(session);
  if (s == by_session_.end()) return;
  for (const auto& [path, kind] : s->second) {
    auto& map = MapFor(static_cast<WatchKind>(kind));
    auto it = map.find(path);
    if (it == map.end()) continue;
    if (it->second.erase(session) > 0) --size_;
    if (it->second.empty()) map.erase(it);
  }
  by_session_.erase(s);
}

size_t WatchRegistry::size() const { return size_; }

std::map<SessionId, std::set<std::string>> WatchRegistry::PathsBySession()
    const {
  std::map<SessionId, std::set<std::string>> out;
  for (const auto& [session, watches] : by_session_) {
    for (const auto& [path, kind] : watches) out[session].insert(path);
  }
  return out;
}

std::map<std::string, std::set<SessionId>> WatchRegistry::SessionsByPath()
    const {
  std::map<std::string, std::set<SessionId>> out;
  for (const auto& [session, watches] : by_session_) {
    for (const auto& [path, kind] : watches) out[path].insert(session);
  }
  return out;
}

size_t WatchRegistry::CountFor(SessionId session) const {
  auto s = by_session_.find(session);
  return s == by_session_.end() ? 0 : s->second.size();
}

bool WatchRegistry::Has(const std::string& path, WatchKind kind,
                        SessionId session) const {
  const auto& map = MapFor(kind);
  auto it = map.find(path);
  return it != map.end() && it->second.count(session) > 0;
}

}  // namespace canopy::tree
