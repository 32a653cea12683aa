// SessionTracker: when each session expires, kept in expiry buckets.
//
// Pure: the caller passes its monotonic clock in. A session's deadline is
// rounded up to the next multiple of tick_ms, and sessions are grouped by
// that deadline, so a heartbeat is O(log buckets) and Expire() hands back a
// whole bucket at once, as ZooKeeper's ExpiryQueue does. An expired session
// stays tracked (as "closing") until Remove(), so it is handed out once.
#ifndef CANOPY_SERVER_SESSION_SESSION_TRACKER_H_
#define CANOPY_SERVER_SESSION_SESSION_TRACKER_H_

#include <cstdint>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace canopy::session {

class SessionTracker {
 public:
  explicit SessionTracker(int64_t tick_ms);

  // Starts tracking (or re-arms) a session that must be heard from within
  // timeout_ms of now_ms.
  void Add(SessionId id, int32_t timeout_ms, int64_t now_ms);
  // A heartbeat: pushes the deadline to now_ms + the session's timeout.
  // Returns false when the session is unknown or already closing.
  bool Touch(SessionId id, int64_t now_ms);
  // Marks a session closing (an explicit close was proposed): it is no
  // longer handed out by Expire and Touch fails.
  void MarkClosing(SessionId id);
  // Forgets the session (its close was applied).
  void Remove(SessionId id);
  // Sessions whose deadline is at or before now_ms and that are not closing
  // yet; they become closing.
  std::vector<SessionId> Expire(int64_t now_ms);

  bool Contains(SessionId id) const { return sessions_.count(id) != 0; }
  bool IsClosing(SessionId id) const;
  size_t size() const { return sessions_.size(); }
  int64_t tick_ms() const { return tick_ms_; }

 private:
  struct Entry {
    int32_t timeout_ms = 0;
    int64_t bucket = 0;  // the rounded deadline; 0 while closing
  };
  int64_t RoundUp(int64_t deadline_ms) const;
  void Unbucket(SessionId id, const Entry& entry);

  int64_t tick_ms_;
  std::unordered_map<SessionId, Entry> sessions_;
  std::map<int64_t, std::set<SessionId>> buckets_;
};

}  // namespace canopy::session

#endif  // CANOPY_SERVER_SESSION_SESSION_TRACKER_H_
