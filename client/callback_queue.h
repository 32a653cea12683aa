// The client's event thread: runs posted callbacks one at a time, in the
// order they were posted.
//
// The queue has no fixed bound, by design: everything in it is caused by the
// caller. Each entry is the completion of one outstanding request (capped by
// kMaxOutstandingRequests), one fired watcher (each registered once by one
// successful call and fired at most once) or one session event (a few per
// connection). So it holds at most what the caller has asked for.
#ifndef CANOPY_CLIENT_CALLBACK_QUEUE_H_
#define CANOPY_CLIENT_CALLBACK_QUEUE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace canopy::client_internal {

class CallbackQueue {
 public:
  // Starts the thread.
  CallbackQueue();
  // Stop().
  ~CallbackQueue();

  CallbackQueue(const CallbackQueue&) = delete;
  CallbackQueue& operator=(const CallbackQueue&) = delete;

  // Queues fn to run on the thread. Dropped after Stop() has returned.
  void Post(std::function<void()> fn);

  // True when called from inside a callback.
  bool OnQueueThread() const;

  // Runs everything queued (including what those callbacks post), then joins
  // the thread. Idempotent. Must not be called on the queue thread.
  void Stop();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;  // Stop() was called: drain, then exit
  bool stopped_ = false;   // the thread has exited
  std::thread::id thread_id_;
  std::thread thread_;
};

}  // namespace canopy::client_internal

#endif  // CANOPY_CLIENT_CALLBACK_QUEUE_H_
