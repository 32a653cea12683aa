#include "server/tree/quota.h"

#include "common/stats_track.h"
#include "server/tree/data_tree.h"

namespace canopy::tree {
namespace {

bool IsUnderZookeeper(std::string_view path) {
  return path == "/zookeeper" || path.starts_with("/zookeeper/");
}

// "/zookeeper/quota<ROOT>/<name>" -> ROOT, when ROOT may hold a quota.
std::optional<std::string> RootOf(std::string_view path,
                                  std::string_view name) {
  if (!IsUnderQuotaDir(path)) return std::nullopt;
  const size_t slash = path.rfind('/');
  if (path.substr(slash + 1) != name) return std::nullopt;
  std::string root(path.substr(kQuotaDir.size(), slash - kQuotaDir.size()));
  if (root.empty() || IsUnderZookeeper(root) || !IsValidPath(root)) {
    return std::nullopt;
  }
  return root;
}

}  // namespace

QuotaLimits QuotaLimits::Parse(std::string_view text) {
  const StatsTrack track = StatsTrack::Parse(text);
  QuotaLimits limits;
  limits.count = track.count();
  limits.bytes = track.bytes();
  limits.count_hard = track.count_hard_limit();
  limits.bytes_hard = track.byte_hard_limit();
  return limits;
}

std::string QuotaUsage::ToString() const {
  StatsTrack track;
  track.Set(StatsTrack::kCount, count);
  track.Set(StatsTrack::kBytes, bytes);
  return track.ToString();
}

bool IsUnderQuotaDir(std::string_view path) {
  return path.size() > kQuotaDir.size() + 1 && path.starts_with(kQuotaDir) &&
         path[kQuotaDir.size()] == '/';
}

bool CountsTowardQuota(std::string_view path) {
  return !IsUnderZookeeper(path);
}

std::optional<std::string> QuotaRootOfLimits(std::string_view path) {
  return RootOf(path, kQuotaLimitsName);
}

std::optional<std::string> QuotaRootOfStats(std::string_view path) {
  return RootOf(path, kQuotaStatsName);
}

std::string QuotaStatsPath(std::string_view root) {
  std::string out(kQuotaDir);
  out += root;
  out += '/';
  out += kQuotaStatsName;
  return out;
}

QuotaVerdict JudgeQuota(const QuotaLimits& limits, const QuotaUsage& after,
                        const QuotaUsage& change) {
  QuotaVerdict verdict;
  const auto over = [](int64_t limit, int64_t value) {
    return limit > -1 && value > limit;
  };
  if (change.count > 0) {
    verdict.exceeds_hard |= over(limits.count_hard, after.count);
    verdict.exceeds_soft |= over(limits.count, after.count);
  }
  if (change.bytes > 0) {
    verdict.exceeds_hard |= over(limits.bytes_hard, after.bytes);
    verdict.exceeds_soft |= over(limits.bytes, after.bytes);
  }
  return verdict;
}

std::string QuotaMessage(const std::string& root, const QuotaLimits& limits,
                         const QuotaUsage& after, const QuotaVerdict& verdict) {
  std::string out = "quota exceeded on " + root + " [count=" +
                    std::to_string(after.count) +
                    ", bytes=" + std::to_string(after.bytes) + "; limits ";
  out += "count=" + std::to_string(limits.count) +
         ", bytes=" + std::to_string(limits.bytes) +
         ", countHardLimit=" + std::to_string(limits.count_hard) +
         ", byteHardLimit=" + std::to_string(limits.bytes_hard) + "]";
  out += verdict.exceeds_hard ? ": refused" : ": soft limit, allowed";
  return out;
}

const Quota* QuotaTable::Find(std::string_view root) const {
  auto it = quotas_.find(root);
  return it == quotas_.end() ? nullptr : &it->second;
}

Quota* QuotaTable::Find(std::string_view root) {
  auto it = quotas_.find(root);
  return it == quotas_.end() ? nullptr : &it->second;
}

Quota& QuotaTable::Put(const std::string& root) { return quotas_[root]; }

void QuotaTable::Erase(std::string_view root) {
  auto it = quotas_.find(root);
  if (it != quotas_.end()) quotas_.erase(it);
}

}  // namespace canopy::tree
