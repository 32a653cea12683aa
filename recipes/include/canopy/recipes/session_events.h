// SessionEventHub: fans one client's session events out to many recipes.
//
// canopy::Client reports session events only through the single
// ClientOptions::on_session_event given to Connect. Recipes need them (a
// lock holder must learn that its session expired), so the hub is attached
// to the options before Connect and each recipe subscribes to it.
//
// Subscribers run on the client's event thread, in subscription order. The
// hub must outlive the client it is attached to; it keeps its state in a
// shared block, so a late event after the hub is gone is simply dropped.
#ifndef CANOPY_RECIPES_SESSION_EVENTS_H_
#define CANOPY_RECIPES_SESSION_EVENTS_H_

#include <functional>
#include <memory>

#include "canopy/client.h"

namespace canopy::recipes {

class SessionEventHub {
 public:
  using Listener = std::function<void(SessionEvent)>;

  SessionEventHub();
  SessionEventHub(const SessionEventHub&) = delete;
  SessionEventHub& operator=(const SessionEventHub&) = delete;

  // Makes options.on_session_event feed this hub (a callback already set
  // there keeps running, before the subscribers).
  void Attach(ClientOptions& options);

  // Adds a listener; returns an id for Unsubscribe. After Unsubscribe
  // returns, the listener is not called again (unless Unsubscribe is called
  // from inside that very listener, which is allowed).
  int Subscribe(Listener listener);
  void Unsubscribe(int id);

  // The last event seen (kConnected before any).
  SessionEvent last() const;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

// Connects a client whose session events feed hub.
Result<std::unique_ptr<Client>> ConnectWithHub(ClientOptions options,
                                               SessionEventHub& hub);

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_SESSION_EVENTS_H_
