#include "pending_table.h"

namespace canopy::client_internal {

std::optional<PendingRequest> PendingTable::Take(int32_t xid) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->xid == xid) {
      PendingRequest out = std::move(*it);
      queue_.erase(it);
      return out;
    }
  }
  return std::nullopt;
}

std::vector<PendingRequest> PendingTable::TakeExpired(Clock::time_point now) {
  std::vector<PendingRequest> out;
  bool any = false;
  for (const PendingRequest& p : queue_) any = any || p.deadline <= now;
  if (!any) return out;
  std::deque<PendingRequest> keep;
  for (PendingRequest& p : queue_) {
    if (p.deadline <= now) {
      out.push_back(std::move(p));
    } else {
      keep.push_back(std::move(p));
    }
  }
  queue_.swap(keep);
  return out;
}

std::vector<PendingRequest> PendingTable::TakeAll() {
  std::vector<PendingRequest> out;
  out.reserve(queue_.size());
  for (PendingRequest& p : queue_) out.push_back(std::move(p));
  queue_.clear();
  return out;
}

}  // namespace canopy::client_internal
