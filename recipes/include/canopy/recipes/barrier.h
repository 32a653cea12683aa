// Barrier and DoubleBarrier.
//
// Barrier: a gate held closed by one persistent node. Set() closes it,
// Remove() opens it, Wait() blocks until it is open (the node is absent).
// The node is persistent, so a barrier survives its setter's session:
// neither disconnection nor expiry opens it. A Wait interrupted by
// connection loss keeps waiting (watches survive reconnects); one whose
// session expires returns SESSION_EXPIRED.
//
// DoubleBarrier: N participants start and finish a computation together.
//   Enter(): adds this participant (an EPHEMERAL node named after it) and
//     blocks until N participants have entered (the N-th creates "ready").
//   Leave(): removes this participant and blocks until every participant
//     has left.
// A participant whose session expires disappears from the barrier (its
// node is ephemeral): Enter/Leave then fail with SESSION_EXPIRED; the
// others may wait until their timeout. A barrier path serves one round
// (use a fresh path, e.g. with a round number, for the next).
//
// Not reentrant: one Enter then one Leave per object. Methods are
// synchronous and must not run on the event thread.
#ifndef CANOPY_RECIPES_BARRIER_H_
#define CANOPY_RECIPES_BARRIER_H_

#include <memory>
#include <string>

#include "canopy/client.h"

namespace canopy::recipes {

class Barrier {
 public:
  // client must outlive this object.
  Barrier(Client& client, std::string path);
  ~Barrier();

  // Closes the barrier (creates its node; OK if already closed).
  Status Set();
  // Opens the barrier (deletes its node; OK if already open).
  Status Remove();
  // Waits until the barrier is open; OPERATION_TIMEOUT after timeout_ms.
  Status Wait(int timeout_ms);

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

class DoubleBarrier {
 public:
  // name must be unique among the participants. client must outlive this.
  DoubleBarrier(Client& client, std::string path, std::string name,
                int participants);
  ~DoubleBarrier();

  // OPERATION_TIMEOUT when not all arrived in time (this participant then
  // stays entered; call Leave to withdraw).
  Status Enter(int timeout_ms);
  Status Leave(int timeout_ms);

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_BARRIER_H_
