// WriteLoad: writer threads that create distinct nodes under /load through
// any member of `hosts` and remember which creates were acknowledged, for
// ensemble tests that check no acknowledged write is lost.
#ifndef CANOPY_TESTS_INTEGRATION_WRITE_LOAD_H_
#define CANOPY_TESTS_INTEGRATION_WRITE_LOAD_H_

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "canopy/client.h"

namespace canopy::testing {

class WriteLoad {
 public:
  // /load must exist. Each writer has its own session.
  WriteLoad(const std::string& hosts, int writers) {
    for (int w = 0; w < writers; ++w) {
      threads_.emplace_back([this, hosts, w] {
        ClientOptions options;
        options.connect_string = hosts;
        options.session_timeout_ms = 6000;
        auto client = Client::Connect(options);
        if (!client.ok()) return;
        for (int i = 0; !stop_; ++i) {
          std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
          if ((*client)->Create("/load/" + name, "v").ok()) {
            std::lock_guard lock(mu_);
            acked_.push_back(std::move(name));
          }
        }
      });
    }
  }
  ~WriteLoad() { Stop(); }
  WriteLoad(const WriteLoad&) = delete;
  WriteLoad& operator=(const WriteLoad&) = delete;

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  size_t acked() {
    std::lock_guard lock(mu_);
    return acked_.size();
  }
  // Waits (bounded) until `more` further creates were acknowledged.
  bool WaitForMore(size_t more, int timeout_s = 30) {
    const size_t target = acked() + more;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (acked() < target && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return acked() >= target;
  }
  // Acknowledged child names under /load.
  std::vector<std::string> names() {
    std::lock_guard lock(mu_);
    return acked_;
  }
  // Acknowledged full paths.
  std::vector<std::string> paths() {
    std::vector<std::string> out = names();
    for (auto& name : out) name = "/load/" + name;
    return out;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> acked_;
  std::vector<std::thread> threads_;
};

}  // namespace canopy::testing

#endif  // CANOPY_TESTS_INTEGRATION_WRITE_LOAD_H_
