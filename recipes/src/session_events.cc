#include "canopy/recipes/session_events.h"

#include <map>
#include <mutex>
#include <thread>

namespace canopy::recipes {

struct SessionEventHub::Shared {
  // Guards listeners, next_id, last; dispatch_mu is held while listeners
  // run so that Unsubscribe can wait for a running dispatch.
  std::mutex mu;
  std::recursive_mutex dispatch_mu;
  std::map<int, Listener> listeners;
  int next_id = 1;
  SessionEvent last = SessionEvent::kConnected;

  void Dispatch(SessionEvent event) {
    std::lock_guard<std::recursive_mutex> dispatching(dispatch_mu);
    std::map<int, Listener> copy;
    {
      std::lock_guard<std::mutex> lock(mu);
      last = event;
      copy = listeners;
    }
    for (auto& [id, listener] : copy) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!listeners.count(id)) continue;  // unsubscribed meanwhile
      }
      listener(event);
    }
  }
};

SessionEventHub::SessionEventHub() : shared_(std::make_shared<Shared>()) {}

void SessionEventHub::Attach(ClientOptions& options) {
  std::weak_ptr<Shared> weak = shared_;
  auto previous = std::move(options.on_session_event);
  options.on_session_event = [weak, previous](SessionEvent event) {
    if (previous) previous(event);
    if (auto shared = weak.lock()) shared->Dispatch(event);
  };
}

int SessionEventHub::Subscribe(Listener listener) {
  std::lock_guard<std::mutex> lock(shared_->mu);
  const int id = shared_->next_id++;
  shared_->listeners[id] = std::move(listener);
  return id;
}

void SessionEventHub::Unsubscribe(int id) {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->listeners.erase(id);
  }
  // Wait out a dispatch in progress (recursive: fine from inside one).
  std::lock_guard<std::recursive_mutex> wait(shared_->dispatch_mu);
}

SessionEvent SessionEventHub::last() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->last;
}

Result<std::unique_ptr<Client>> ConnectWithHub(ClientOptions options,
                                               SessionEventHub& hub) {
  hub.Attach(options);
  return Client::Connect(std::move(options));
}

}  // namespace canopy::recipes
