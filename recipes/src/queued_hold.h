// Internal: the machinery shared by Semaphore and ReadWriteLock. A holder
// queues an EPHEMERAL_SEQUENTIAL node "<token><prefix>NNNNNNNNNN" under a
// directory; a rule decides from the sorted queue whether it holds or which
// node to watch (or the directory's children). Session events as Lock.
#ifndef CANOPY_RECIPES_SRC_QUEUED_HOLD_H_
#define CANOPY_RECIPES_SRC_QUEUED_HOLD_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "canopy/client.h"
#include "canopy/recipes/lock.h"
#include "canopy/recipes/session_events.h"

namespace canopy::recipes::internal {

struct Turn {
  bool granted = false;
  // When not granted: the node name to watch, or empty to watch the
  // directory's children.
  std::string watch;
};
// sorted: every queued node, by sequence; mine: this holder's index.
using TurnRule =
    std::function<Turn(const std::vector<std::string>& sorted, size_t mine)>;

class QueuedHold {
 public:
  QueuedHold(Client& client, std::string dir, std::string prefix,
             TurnRule rule, SessionEventHub* hub,
             std::function<void()> on_lost);
  ~QueuedHold();

  Status Acquire(int timeout_ms);
  Status Release();
  LockState state() const;
  std::string node_path() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace canopy::recipes::internal

#endif  // CANOPY_RECIPES_SRC_QUEUED_HOLD_H_
