// Semaphore: at most N concurrent lease holders on a path.
//
// Each contender queues an EPHEMERAL_SEQUENTIAL node under the path; the
// first N nodes (by sequence) hold leases, so leases are granted in FIFO
// order. A waiter watches the path's children (a release wakes every
// waiter: fine for the small N a semaphore is used with).
//
// One Semaphore object holds at most one lease (Acquire while holding
// returns API_ERROR: not reentrant); use one object per lease wanted.
// Connection loss vs. expiry exactly as Lock: kDisconnected suspends the
// lease (IsHeld() false, state kSuspended) until kConnected; kExpired /
// kClosed loses it (on_lost runs, state kNotHeld). Session events arrive
// only through the SessionEventHub given here. Synchronous methods must
// not run on the event thread.
#ifndef CANOPY_RECIPES_SEMAPHORE_H_
#define CANOPY_RECIPES_SEMAPHORE_H_

#include <functional>
#include <memory>
#include <string>

#include "canopy/client.h"
#include "canopy/recipes/lock.h"
#include "canopy/recipes/session_events.h"

namespace canopy::recipes {
namespace internal {
class QueuedHold;
}  // namespace internal

class Semaphore {
 public:
  // Every user of path must pass the same leases (N >= 1).
  Semaphore(Client& client, std::string path, int leases,
            SessionEventHub* hub = nullptr, std::function<void()> on_lost = {});
  ~Semaphore();  // returns the lease if held

  // OK when a lease is held; OPERATION_TIMEOUT after timeout_ms (negative:
  // wait forever).
  Status Acquire(int timeout_ms);
  Status Release();
  bool IsHeld() const;
  LockState state() const;

 private:
  std::unique_ptr<internal::QueuedHold> hold_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_SEMAPHORE_H_
