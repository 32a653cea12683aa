// Lock: a distributed mutual-exclusion lock (ZooKeeper's lock recipe).
//
// Guarantees
//   * At most one Lock object holding a given lock path at any moment, as
//     judged by the server: the holder owns the lowest EPHEMERAL_SEQUENTIAL
//     node "<token>-lock-NNNNNNNNNN" under the lock path.
//   * Fair (FIFO by arrival) and herd-free: a waiter sets one exists watch,
//     on the node just below its own, and wakes only when that node goes.
//   * Creates are "protected": the node name carries a random token, so a
//     create whose answer was lost to a connection drop is found again
//     instead of leaving an orphan that would block the lock.
//
// Connection loss vs. expiry
//   * kDisconnected: the session (and the lock) may well survive; the lock
//     moves to kSuspended and IsHeld() is false until kConnected shows the
//     session survived (then kHeld again). A holder whose work must never
//     overlap another holder's should pause while suspended. A waiting
//     Acquire keeps its place in the queue through CONNECTION_LOSS and
//     retries until its deadline; Release and a timed-out Acquire retry
//     their delete through connection loss, so no orphan node is left to
//     block the lock while the session lives.
//   * kExpired / kClosed: the ephemeral node is gone; the lock is lost.
//     State becomes kNotHeld and on_lost runs (once, on the event thread).
//     A waiting Acquire returns SESSION_EXPIRED.
//   Session events reach the lock only through a SessionEventHub attached
//   to the client (see session_events.h); without a hub, loss is noticed
//   only by the next failing operation.
//
// Not reentrant: Acquire/TryAcquire on a lock that this object already
// holds (or is acquiring) fails with API_ERROR instead of deadlocking. One
// Lock object is meant to be used by one thread at a time; the state
// accessors are thread-safe. Synchronous methods must not be called on the
// client's event thread.
#ifndef CANOPY_RECIPES_LOCK_H_
#define CANOPY_RECIPES_LOCK_H_

#include <functional>
#include <memory>
#include <string>

#include "canopy/client.h"
#include "canopy/recipes/session_events.h"

namespace canopy::recipes {

enum class LockState { kNotHeld, kHeld, kSuspended };

class Lock {
 public:
  struct Options {
    // Data stored in the lock node (e.g. the holder's identity).
    std::string data;
    // Runs on the event thread when a held lock is lost to session expiry
    // or close. May be empty.
    std::function<void()> on_lost;
  };

  // client (and hub, if given) must outlive the Lock.
  Lock(Client& client, std::string path, SessionEventHub* hub = nullptr,
       Options options = {});
  // Releases the lock if held (while disconnected this may block for up
  // to two session timeouts, retrying the delete).
  ~Lock();
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  // Waits up to timeout_ms (negative: forever) for the lock. OK when held;
  // OPERATION_TIMEOUT when the time ran out (the queued node is removed);
  // SESSION_EXPIRED, CONNECTION_LOSS, ... from the client otherwise.
  Status Acquire(int timeout_ms);
  // Takes the lock only if it is free right now: true when taken.
  Result<bool> TryAcquire();
  // Deletes the lock node. OK also when not held (nothing to do).
  Status Release();

  bool IsHeld() const;
  LockState state() const;
  // The full path of this object's lock node, empty when it has none.
  std::string node_path() const;
  // The node this waiter currently watches (its predecessor), or empty.
  std::string watched_path() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_LOCK_H_
