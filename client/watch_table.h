// The client-side registry of one-shot watchers, keyed by (path, kind).
// Not thread-safe: the IO thread owns it.
#ifndef CANOPY_CLIENT_WATCH_TABLE_H_
#define CANOPY_CLIENT_WATCH_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "canopy/client.h"

namespace canopy::client_internal {

enum class WatchKind {
  kData,    // get_data, or exists on a node that exists
  kExists,  // exists on a node that does not exist
  kChild,   // get_children
};

// The kind of watch a request registers when answered with err, or nullopt
// when it registers none (failed, or not a watching operation).
std::optional<WatchKind> WatchKindFor(const proto::Request& request,
                                      ErrorCode err);

// True for the operations that can carry a watch.
bool CanWatch(const proto::Request& request);

class WatchTable {
 public:
  void Add(WatchKind kind, std::string path, Watcher watcher);

  // Removes and returns every watcher that event fires, in the order they
  // were added: created and data-changed fire data and exists watchers,
  // deleted fires all three kinds, children-changed fires child watchers.
  std::vector<Watcher> Take(const proto::WatchEvent& event);

  // The paths with at least one watcher of kind, for re-registering them
  // after a reconnect.
  std::vector<std::string> Paths(WatchKind kind) const;

  void Clear();
  size_t size() const { return size_; }

 private:
  struct Entry {
    uint64_t seq;
    Watcher watcher;
  };
  using Map = std::unordered_map<std::string, std::vector<Entry>>;

  Map& MapFor(WatchKind kind);
  const Map& MapFor(WatchKind kind) const;
  void TakeFrom(Map& map, const std::string& path, std::vector<Entry>* out);

  Map data_;
  Map exists_;
  Map child_;
  uint64_t next_seq_ = 0;
  size_t size_ = 0;
};

}  // namespace canopy::client_internal

#endif  // CANOPY_CLIENT_WATCH_TABLE_H_
