// Quotas on subtrees, kept as ZooKeeper keeps them so that its tools work:
// a quota on ROOT is the znode /zookeeper/quota<ROOT>/zookeeper_limits,
// whose data holds the limits in StatsTrack text (common/stats_track.h),
// and /zookeeper/quota<ROOT>/zookeeper_stats, whose data the tree keeps equal
// to ROOT's usage: "count=N,bytes=B" — the nodes in ROOT's subtree, ROOT
// included, and the sum of their data lengths.
//
// Who does what:
//   * DataTree::Apply keeps a QuotaTable (root -> limits, usage) in step with
//     every create, delete and setData, and rewrites the stats znodes' data
//     (no version bump, no watch, as ZooKeeper) — on every member alike, so
//     followers and restarted members agree. After a snapshot load the table
//     is rebuilt by counting.
//   * Preparer checks a write against the committed usage plus what
//     in-flight txns will add: over a hard limit (countHardLimit,
//     byteHardLimit) the write fails with QUOTA_EXCEEDED; over a soft limit
//     (count, bytes) it goes ahead with a warning for the log.
//
// Differences from ZooKeeper: hard limits are always enforced (ZooKeeper
// needs zookeeper.enforceQuota=true); quotas may nest, and a write counts
// against, and is checked by, every quota above it (ZooKeeper only tracks the
// deepest); nothing under /zookeeper counts, and no quota may sit on "/" or
// under /zookeeper (such limits znodes are ignored).
#ifndef CANOPY_SERVER_TREE_QUOTA_H_
#define CANOPY_SERVER_TREE_QUOTA_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace canopy::tree {

inline constexpr std::string_view kQuotaDir = "/zookeeper/quota";
inline constexpr std::string_view kQuotaLimitsName = "zookeeper_limits";
inline constexpr std::string_view kQuotaStatsName = "zookeeper_stats";

// A quota's limits; -1 means none.
struct QuotaLimits {
  int64_t count = -1;       // soft: warn above this many nodes
  int64_t bytes = -1;       // soft: warn above this many data bytes
  int64_t count_hard = -1;  // hard: refuse a write that goes above
  int64_t bytes_hard = -1;  // hard

  // From StatsTrack text; unreadable fields are -1.
  static QuotaLimits Parse(std::string_view text);
};

// Nodes and data bytes; also used for changes (negative for deletes).
struct QuotaUsage {
  int64_t count = 0;
  int64_t bytes = 0;

  QuotaUsage& operator+=(const QuotaUsage& other) {
    count += other.count;
    bytes += other.bytes;
    return *this;
  }
  bool zero() const { return count == 0 && bytes == 0; }
  // "count=N,bytes=B", the stats znode's data.
  std::string ToString() const;
};

struct Quota {
  QuotaLimits limits;
  QuotaUsage usage;
};

// True for the nodes strictly below /zookeeper/quota: the only part of
// /zookeeper clients may write (create, delete, setData).
bool IsUnderQuotaDir(std::string_view path);
// True when a node at path counts towards the quotas above it: every node
// outside /zookeeper.
bool CountsTowardQuota(std::string_view path);
// For "/zookeeper/quota/a/b/zookeeper_limits" (or ".../zookeeper_stats"):
// "/a/b". nullopt for any other path, and for roots no quota may have.
std::optional<std::string> QuotaRootOfLimits(std::string_view path);
std::optional<std::string> QuotaRootOfStats(std::string_view path);
std::string QuotaStatsPath(std::string_view root);

// What a write does to one quota, as the Preparer judges it.
struct QuotaVerdict {
  bool exceeds_hard = false;  // refuse with QUOTA_EXCEEDED
  bool exceeds_soft = false;  // allow, and warn
};
// Judges a change that leaves the quota's usage at `after`: only a growing
// dimension (change.count > 0 or change.bytes > 0) is checked.
QuotaVerdict JudgeQuota(const QuotaLimits& limits, const QuotaUsage& after,
                        const QuotaUsage& change);
// The log line for a verdict, naming root, usage and the limit crossed.
std::string QuotaMessage(const std::string& root, const QuotaLimits& limits,
                         const QuotaUsage& after, const QuotaVerdict& verdict);

// The quotas of one tree, by root path. Pure data; DataTree keeps it.
class QuotaTable {
 public:
  bool empty() const { return quotas_.empty(); }
  size_t size() const { return quotas_.size(); }
  const Quota* Find(std::string_view root) const;
  Quota* Find(std::string_view root);
  // Adds (usage zero) or returns the existing entry.
  Quota& Put(const std::string& root);
  void Erase(std::string_view root);
  void Clear() { quotas_.clear(); }
  const std::map<std::string, Quota, std::less<>>& all() const {
    return quotas_;
  }

  // Calls fn(root, quota) for every quota covering path — on path itself or
  // an ancestor — deepest first. O(depth · log quotas); nothing when empty.
  template <typename Fn>
  void ForEachCovering(std::string_view path, Fn&& fn) const {
    VisitCovering(*this, path, fn);
  }
  template <typename Fn>
  void ForEachCovering(std::string_view path, Fn&& fn) {
    VisitCovering(*this, path, fn);
  }

 private:
  template <typename Self, typename Fn>
  static void VisitCovering(Self& self, std::string_view path, Fn& fn) {
    if (self.quotas_.empty()) return;
    size_t end = path.size();
    // "/" never holds a quota: stop when the parent is "/".
    while (end > 0) {
      auto it = self.quotas_.find(path.substr(0, end));
      if (it != self.quotas_.end()) fn(it->first, it->second);
      end = path.rfind('/', end - 1);
      if (end == std::string_view::npos) break;
    }
  }

  std::map<std::string, Quota, std::less<>> quotas_;
};

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_QUOTA_H_
