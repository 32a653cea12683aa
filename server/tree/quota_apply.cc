// DataTree's quota bookkeeping on apply (see quota.h): the QuotaTable and the
// stats znodes follow every change, identically on every member.
#include <vector>

#include "server/tree/data_tree.h"
#include "server/tree/tree_internal.h"

namespace canopy::tree {

void DataTree::QuotaNodeCreated(const std::string& path) {
  if (CountsTowardQuota(path)) {
    if (quotas_.empty()) return;
    const QuotaUsage change{1, static_cast<int64_t>(nodes_.at(path).data.size())};
    quotas_.ForEachCovering(path, [&](const std::string& root, Quota& quota) {
      quota.usage += change;
      WriteQuotaStats(root, quota.usage);
    });
    return;
  }
  if (auto root = QuotaRootOfLimits(path)) {
    RegisterQuota(*root, nodes_.at(path).data.str());
  } else if (auto root = QuotaRootOfStats(path)) {
    if (const Quota* quota = quotas_.Find(*root)) {
      WriteQuotaStats(*root, quota->usage);
    }
  }
}

void DataTree::QuotaNodeDeleted(const std::string& path, int64_t data_bytes) {
  if (CountsTowardQuota(path)) {
    const QuotaUsage change{-1, -data_bytes};
    quotas_.ForEachCovering(path, [&](const std::string& root, Quota& quota) {
      quota.usage += change;
      WriteQuotaStats(root, quota.usage);
    });
    return;
  }
  if (auto root = QuotaRootOfLimits(path)) quotas_.Erase(*root);
}

void DataTree::QuotaDataChanged(const std::string& path,
                                int64_t old_data_bytes) {
  if (CountsTowardQuota(path) && quotas_.empty()) return;
  const Node& node = nodes_.at(path);
  if (CountsTowardQuota(path)) {
    const QuotaUsage change{
        0, static_cast<int64_t>(node.data.size()) - old_data_bytes};
    if (change.zero()) return;
    quotas_.ForEachCovering(path, [&](const std::string& root, Quota& quota) {
      quota.usage += change;
      WriteQuotaStats(root, quota.usage);
    });
    return;
  }
  if (auto root = QuotaRootOfLimits(path)) {
    RegisterQuota(*root, node.data.str());
  } else if (auto root = QuotaRootOfStats(path)) {
    // A client wrote the stats: the server's count stands.
    if (const Quota* quota = quotas_.Find(*root)) {
      WriteQuotaStats(*root, quota->usage);
    }
  }
}

void DataTree::RegisterQuota(const std::string& root,
                             const std::string& limits) {
  Quota* quota = quotas_.Find(root);
  if (quota == nullptr) {
    quota = &quotas_.Put(root);
    quota->usage = CountSubtree(root);
  }
  quota->limits = QuotaLimits::Parse(limits);
  WriteQuotaStats(root, quota->usage);
}

void DataTree::RebuildQuotas() {
  quotas_.Clear();
  const std::string dir(kQuotaDir);
  if (Find(dir) == nullptr) return;
  // Depth first below /zookeeper/quota; an explicit stack, as ForEachNode.
  std::vector<std::string> stack = {dir};
  while (!stack.empty()) {
    const std::string path = std::move(stack.back());
    stack.pop_back();
    const Node* node = Find(path);
    if (node == nullptr) continue;
    if (auto root = QuotaRootOfLimits(path)) RegisterQuota(*root, node->data.str());
    for (std::string_view child : node->children) {
      stack.push_back(internal::ChildPath(path, child));
    }
  }
}

QuotaUsage DataTree::CountSubtree(const std::string& root) const {
  QuotaUsage usage;
  std::vector<std::string> stack = {root};
  while (!stack.empty()) {
    const std::string path = std::move(stack.back());
    stack.pop_back();
    const Node* node = Find(path);
    if (node == nullptr) continue;
    usage.count += 1;
    usage.bytes += static_cast<int64_t>(node->data.size());
    for (std::string_view child : node->children) {
      stack.push_back(internal::ChildPath(path, child));
    }
  }
  return usage;
}

void DataTree::WriteQuotaStats(const std::string& root,
                               const QuotaUsage& usage) {
  const std::string path = QuotaStatsPath(root);
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return;
  std::string text = usage.ToString();
  Node& node = it->second;
  if (node.data == text) return;
  DigestRemove(path, node);
  node.data.Assign(text);
  node.stat.set_data_length(static_cast<int32_t>(node.data.size()));
  DigestAdd(path, node);
}

}  // namespace canopy::tree
