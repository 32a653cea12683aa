// ReadWriteLock: shared readers, exclusive writers, FIFO (ZooKeeper's
// shared-lock recipe).
//
// Readers queue "<token>-read-N", writers "<token>-write-N" (both
// EPHEMERAL_SEQUENTIAL) under the lock path.
//   * A reader holds once no writer node is below its own; it watches only
//     the nearest writer below it.
//   * A writer holds once its node is the lowest; it watches only the node
//     just below it.
// So no herd effect, and a waiting writer blocks later readers (no writer
// starvation).
//
// ReadLock() and WriteLock() are two independent locks (objects) on one
// path; each behaves like Lock: not reentrant (a second Acquire returns
// API_ERROR; a reader cannot upgrade), kDisconnected suspends
// (IsHeld() false) until kConnected, kExpired/kClosed loses the hold and
// runs on_lost. Synchronous methods must not run on the event thread.
#ifndef CANOPY_RECIPES_READ_WRITE_LOCK_H_
#define CANOPY_RECIPES_READ_WRITE_LOCK_H_

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

class ReadWriteLock {
 public:
  class Side {
   public:
    Status Acquire(int timeout_ms);
    Status Release();
    bool IsHeld() const;
    LockState state() const;

   private:
    friend class ReadWriteLock;
    explicit Side(std::unique_ptr<internal::QueuedHold> hold);
    std::unique_ptr<internal::QueuedHold> hold_;
  };

  ReadWriteLock(Client& client, std::string path,
                SessionEventHub* hub = nullptr,
                std::function<void()> on_lost = {});
  ~ReadWriteLock();

  Side& ReadLock() { return *read_; }
  Side& WriteLock() { return *write_; }

 private:
  std::unique_ptr<Side> read_;
  std::unique_ptr<Side> write_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_READ_WRITE_LOCK_H_
