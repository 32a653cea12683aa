// Requests waiting for an answer, in the order they were sent. Not
// thread-safe: the IO thread owns it.
#ifndef CANOPY_CLIENT_PENDING_TABLE_H_
#define CANOPY_CLIENT_PENDING_TABLE_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "canopy/client.h"

namespace canopy::client_internal {

using Clock = std::chrono::steady_clock;

struct PendingRequest {
  int32_t xid = 0;
  proto::Request request;  // paths already prefixed with the chroot
  std::string path;        // the chroot-relative path, for watches
  std::string frame;       // the encoded request, until it is sent
  std::function<void(const proto::Response&)> done;  // may be empty
  Watcher watcher;                                    // may be empty
  Clock::time_point deadline;
};

class PendingTable {
 public:
  void Push(PendingRequest request) { queue_.push_back(std::move(request)); }

  // Removes and returns the request with xid (normally the oldest), or
  // nullopt when none has it.
  std::optional<PendingRequest> Take(int32_t xid);

  // Removes and returns, oldest first, the requests whose deadline is at or
  // before now.
  std::vector<PendingRequest> TakeExpired(Clock::time_point now);

  // Removes and returns every request, oldest first.
  std::vector<PendingRequest> TakeAll();

  size_t size() const { return queue_.size(); }
  bool empty() const { return queue_.empty(); }

 private:
  std::deque<PendingRequest> queue_;
};

}  // namespace canopy::client_internal

#endif  // CANOPY_CLIENT_PENDING_TABLE_H_
