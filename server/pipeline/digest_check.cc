#include "server/pipeline/digest_check.h"

#include <algorithm>

namespace canopy::pipeline {

std::optional<DigestMismatch> DigestCheck::Applied(Zxid zxid,
                                                   uint64_t digest) {
  if (!applied_.empty() && zxid <= applied_.back().first) Reset();
  applied_.emplace_back(zxid, digest);
  if (applied_.size() > kMaxApplied) applied_.pop_front();
  std::optional<DigestMismatch> mismatch;
  while (!pending_.empty() && pending_.front().first <= zxid) {
    const auto [pending_zxid, leaders] = pending_.front();
    pending_.pop_front();
    if (pending_zxid != zxid) continue;  // a zxid this member never applied
    if (leaders == digest) {
      ++matched_;
    } else if (!mismatch) {
      mismatch = DigestMismatch{zxid, digest, leaders};
    }
  }
  return mismatch;
}

std::optional<DigestMismatch> DigestCheck::Announced(Zxid zxid,
                                                     uint64_t digest) {
  if (applied_.empty() || zxid > applied_.back().first) {
    if (!pending_.empty() && zxid <= pending_.back().first) return {};
    pending_.emplace_back(zxid, digest);
    if (pending_.size() > kMaxPending) pending_.pop_front();
    return {};
  }
  auto it = std::lower_bound(
      applied_.begin(), applied_.end(), zxid,
      [](const std::pair<Zxid, uint64_t>& e, Zxid z) { return e.first < z; });
  if (it == applied_.end() || it->first != zxid) return {};  // forgotten
  if (it->second == digest) {
    ++matched_;
    return {};
  }
  return DigestMismatch{zxid, it->second, digest};
}

void DigestCheck::Reset() {
  applied_.clear();
  pending_.clear();
}

}  // namespace canopy::pipeline
