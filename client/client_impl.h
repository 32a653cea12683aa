// Client::Impl: what a Client owns. The event thread outlives the IO thread
// (members are destroyed in reverse order), so the IO thread can always post.
#ifndef CANOPY_CLIENT_CLIENT_IMPL_H_
#define CANOPY_CLIENT_CLIENT_IMPL_H_

#include "callback_queue.h"
#include "canopy/client.h"
#include "connect_string.h"
#include "session_io.h"

namespace canopy {

class Client::Impl {
 public:
  Impl(client_internal::ConnectString connect, const ClientOptions& options)
      : io(std::move(connect), options, &events) {}

  client_internal::CallbackQueue events;
  client_internal::SessionIo io;
};

}  // namespace canopy

#endif  // CANOPY_CLIENT_CLIENT_IMPL_H_
