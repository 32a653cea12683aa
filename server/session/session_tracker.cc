#include "server/session/session_tracker.h"

#include <cassert>

namespace canopy::session {

SessionTracker::SessionTracker(int64_t tick_ms) : tick_ms_(tick_ms) {
  assert(tick_ms_ > 0);
}

int64_t SessionTracker::RoundUp(int64_t deadline_ms) const {
  return (deadline_ms / tick_ms_ + 1) * tick_ms_;
}

void SessionTracker::Unbucket(SessionId id, const Entry& entry) {
  if (entry.bucket == 0) return;
  auto it = buckets_.find(entry.bucket);
  if (it == buckets_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) buckets_.erase(it);
}

void SessionTracker::Add(SessionId id, int32_t timeout_ms, int64_t now_ms) {
  auto& entry = sessions_[id];
  Unbucket(id, entry);
  entry.timeout_ms = timeout_ms;
  entry.bucket = RoundUp(now_ms + timeout_ms);
  buckets_[entry.bucket].insert(id);
}

bool SessionTracker::Touch(SessionId id, int64_t now_ms) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.bucket == 0) return false;
  const int64_t bucket = RoundUp(now_ms + it->second.timeout_ms);
  if (bucket == it->second.bucket) return true;
  Unbucket(id, it->second);
  it->second.bucket = bucket;
  buckets_[bucket].insert(id);
  return true;
}

void SessionTracker::MarkClosing(SessionId id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  Unbucket(id, it->second);
  it->second.bucket = 0;
}

void SessionTracker::Remove(SessionId id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  Unbucket(id, it->second);
  sessions_.erase(it);
}

std::vector<SessionId> SessionTracker::Expire(int64_t now_ms) {
  std::vector<SessionId> expired;
  while (!buckets_.empty() && buckets_.begin()->first <= now_ms) {
    for (SessionId id : buckets_.begin()->second) {
      sessions_[id].bucket = 0;
      expired.push_back(id);
    }
    buckets_.erase(buckets_.begin());
  }
  return expired;
}

bool SessionTracker::IsClosing(SessionId id) const {
  auto it = sessions_.find(id);
  return it != sessions_.end() && it->second.bucket == 0;
}

}  // namespace canopy::session
