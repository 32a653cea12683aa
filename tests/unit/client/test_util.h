// Small waiting helpers for client tests: every wait is bounded.
#ifndef CANOPY_TESTS_UNIT_CLIENT_TEST_UTIL_H_
#define CANOPY_TESTS_UNIT_CLIENT_TEST_UTIL_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "canopy/client.h"

namespace canopy::testing {

// Records session events; plug Callback() into ClientOptions.
class SessionEventLog {
 public:
  std::function<void(SessionEvent)> Callback() {
    return [this](SessionEvent e) {
      {
        std::lock_guard lock(mu_);
        events_.push_back(e);
      }
      cv_.notify_all();
    };
  }
  // True once event has been seen n times, false if not within timeout.
  bool WaitFor(SessionEvent event, int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::count(events_.begin(), events_.end(), event) >= n;
    });
  }
  std::vector<SessionEvent> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SessionEvent> events_;
};

// A thread-safe list of strings callbacks append to, with a bounded wait
// for its size.
class Trace {
 public:
  void Add(std::string s) {
    {
      std::lock_guard lock(mu_);
      items_.push_back(std::move(s));
    }
    cv_.notify_all();
  }
  bool WaitForSize(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return items_.size() >= n; });
  }
  std::vector<std::string> items() const {
    std::lock_guard lock(mu_);
    return items_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> items_;
};

}  // namespace canopy::testing

#endif  // CANOPY_TESTS_UNIT_CLIENT_TEST_UTIL_H_
