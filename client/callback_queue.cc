#include "callback_queue.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace canopy::client_internal {

CallbackQueue::CallbackQueue() {
  std::unique_lock lock(mu_);
  thread_ = std::thread([this] { Run(); });
  thread_id_ = thread_.get_id();
}

CallbackQueue::~CallbackQueue() { Stop(); }

void CallbackQueue::Post(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    queue_.push_back(std::move(fn));
  }
  cv_.notify_one();
}

bool CallbackQueue::OnQueueThread() const {
  return std::this_thread::get_id() == thread_id_;
}

void CallbackQueue::Stop() {
  if (OnQueueThread()) {
    std::fputs("canopy: Client destroyed on its own event thread\n", stderr);
    std::abort();
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  stopped_ = true;
}

void CallbackQueue::Run() {
  {
    // Wait until the constructor has recorded thread_id_.
    std::lock_guard lock(mu_);
  }
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "canopy: a client callback threw: %s\n", e.what());
    } catch (...) {
      std::fputs("canopy: a client callback threw\n", stderr);
    }
  }
}

}  // namespace canopy::client_internal
