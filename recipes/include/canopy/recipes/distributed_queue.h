// DistributedQueue: a FIFO work queue with at-least-once delivery.
//
// Layout under the queue path:
//   items/item-NNNNNNNNNN     PERSISTENT_SEQUENTIAL, one per Put (the data)
//   claims/item-NNNNNNNNNN    EPHEMERAL, owned by the consumer working on it
//
// Semantics (at-least-once with in-flight claims)
//   * Put appends an item; items are offered in sequence (FIFO) order.
//   * Take claims the oldest unclaimed item by creating its claim node as an
//     ephemeral of the consumer's session; creation is atomic, so while the
//     claim exists no other consumer gets the item.
//   * Ack deletes item and claim together (one multi): the item is done.
//   * Release (a "nack") deletes only the claim: the item is offered again.
//   * A consumer whose session ends (crash, Close, expiry) loses its claims,
//     so its un-acked items become available to others: an item is
//     delivered more than once only when a consumer dies before Ack.
//
// Connection loss vs. expiry
//   * kDisconnected: claims survive as long as the session does; Take keeps
//     waiting (operations fail with CONNECTION_LOSS and Take retries until
//     its deadline). Ack may fail with CONNECTION_LOSS: retry it.
//   * kExpired: every claim of this consumer is gone and its items are back
//     in the queue; Ack then fails with SESSION_EXPIRED, telling the caller
//     that the item may be (or have been) processed by someone else.
//
// Thread-safe; methods are synchronous and must not run on the event
// thread. Several threads may Take on one object.
#ifndef CANOPY_RECIPES_DISTRIBUTED_QUEUE_H_
#define CANOPY_RECIPES_DISTRIBUTED_QUEUE_H_

#include <memory>
#include <string>

#include "canopy/client.h"

namespace canopy::recipes {

struct QueueItem {
  std::string name;  // "item-NNNNNNNNNN"
  std::string data;
};

class DistributedQueue {
 public:
  // client must outlive this object.
  DistributedQueue(Client& client, std::string path);
  ~DistributedQueue();
  DistributedQueue(const DistributedQueue&) = delete;
  DistributedQueue& operator=(const DistributedQueue&) = delete;

  // Appends data; returns the item's name.
  Result<std::string> Put(std::string_view data);
  // Claims the oldest unclaimed item, waiting up to timeout_ms (negative:
  // forever). OPERATION_TIMEOUT when none came in time.
  Result<QueueItem> Take(int timeout_ms);
  // Finishes a taken item (deletes it and its claim).
  Status Ack(const QueueItem& item);
  // Gives a taken item back to the queue.
  Status Release(const QueueItem& item);
  // Items not yet acked (claimed or not).
  Result<int> Size();

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_DISTRIBUTED_QUEUE_H_
