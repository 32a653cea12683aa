#include "load_runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <optional>
#include <mutex>
#include <thread>

#include "workloads.h"

namespace canopy::bench {

namespace {

using Clock = std::chrono::steady_clock;

enum Phase : int { kWarmup = 0, kMeasuring = 1, kStopping = 2 };

// Shared by all workers of one run.
struct Control {
  std::atomic<int> phase{kWarmup};
  bool op_count_mode = false;
  // Op-count mode: measured ops still to issue, and measured ops done.
  std::atomic<int64_t> budget{0};
  std::atomic<int64_t> measured_done{0};
  int64_t measured_target = 0;
  std::atomic<int64_t> last_done_ns{0};  // steady clock, last measured op

  std::mutex mu;
  std::condition_variable cv;  // measured_done reached, or a worker idle
};

class Worker {
 public:
  static constexpr size_t kMaxBacklog = 100000;
  static constexpr int kMaxSyncDepth = 64;
  static constexpr int kClientRefused = -9;  // ZooKeeper's ZINVALIDSTATE

  Worker(Session* session, const LoadOptions& options,
         const std::string& run_tag, int index, Control* control)
      : session_(session),
        window_(options.window),
        source_(options, run_tag, index),
        control_(control) {}

  // Closed loop: fills the window.
  void Start() {
    for (int i = 0; i < window_; ++i) {
      if (!TryIssue(Clock::now())) break;
    }
  }

  // Open loop: one op scheduled at `scheduled`.
  void Offer(Clock::time_point scheduled) {
    {
      std::lock_guard lock(mu_);
      if (outstanding_ >= window_) {
        if (backlog_.size() >= kMaxBacklog) {
          ++dropped_;
        } else {
          backlog_.push_back(scheduled);
        }
        return;
      }
    }
    TryIssue(scheduled);
  }

  // Waits until nothing is outstanding (bounded). True when idle.
  bool WaitIdle(std::chrono::seconds bound) {
    std::unique_lock lock(mu_);
    return idle_cv_.wait_for(lock, bound, [&] { return outstanding_ == 0; });
  }

  void set_open_loop(bool open) { open_loop_ = open; }

  // Read after WaitIdle.
  LatencyHistogram latency;
  uint64_t ok = 0;
  uint64_t errors = 0;
  int first_error = 0;
  uint64_t dropped() {
    std::lock_guard lock(mu_);
    return dropped_;
  }

 private:
  // Issues one op unless the run is over; false when it did not.
  bool TryIssue(Clock::time_point start) {
    const int phase = control_->phase.load();
    if (phase == kStopping) return false;
    bool measured = false;
    if (control_->op_count_mode && phase == kMeasuring) {
      if (control_->budget.fetch_sub(1) <= 0) return false;
      measured = true;
    }
    {
      std::lock_guard lock(mu_);
      ++outstanding_;
    }
    // OpSource is used only here; TryIssue runs on the callback thread or,
    // in the open loop, on the pacer thread too. A call the client refuses
    // completes synchronously, re-entering TryIssue on this thread: the
    // mutex is recursive and the depth bounded, so a dead session drains
    // instead of recursing forever.
    thread_local int depth = 0;
    if (depth > kMaxSyncDepth) {
      OnDone(start, measured, kClientRefused, /*may_reissue=*/false);
      return false;
    }
    ++depth;
    {
      std::lock_guard source_lock(source_mu_);
      source_.Issue(*session_, [this, start, measured](int err) {
        OnDone(start, measured, err, /*may_reissue=*/true);
      });
    }
    --depth;
    return true;
  }

  void OnDone(Clock::time_point start, bool measured_by_count, int err,
              bool may_reissue) {
    const auto now = Clock::now();
    const int phase = control_->phase.load();
    const bool measured = control_->op_count_mode ? measured_by_count
                                                  : phase == kMeasuring;
    if (measured) {
      if (err == kOk) {
        ++ok;
        latency.Record(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - start)
                .count());
      } else {
        if (errors++ == 0) first_error = err;
      }
      if (control_->op_count_mode) {
        control_->last_done_ns.store(
            now.time_since_epoch().count());
        if (control_->measured_done.fetch_add(1) + 1 >=
            control_->measured_target) {
          std::lock_guard lock(control_->mu);
          control_->cv.notify_all();
        }
      }
    }
    // The next op: from the backlog (open loop) or right away (closed).
    std::optional<Clock::time_point> next;
    {
      std::lock_guard lock(mu_);
      --outstanding_;
      if (open_loop_) {
        if (!backlog_.empty()) {
          next = backlog_.front();
          backlog_.pop_front();
        }
      } else {
        next = now;
      }
    }
    bool issued = false;
    if (next && may_reissue) issued = TryIssue(*next);
    std::lock_guard lock(mu_);
    if (!issued && outstanding_ == 0) idle_cv_.notify_all();
  }

  Session* session_;
  const int window_;
  OpSource source_;
  std::recursive_mutex source_mu_;
  Control* control_;
  bool open_loop_ = false;

  std::mutex mu_;
  std::condition_variable idle_cv_;
  int outstanding_ = 0;                      // guarded by mu_
  std::deque<Clock::time_point> backlog_;    // guarded by mu_
  uint64_t dropped_ = 0;                     // guarded by mu_
};

}  // namespace

RunResult RunLoad(const LoadOptions& options, const std::string& run_tag,
                  const std::vector<std::unique_ptr<Session>>& sessions) {
  Control control;
  control.op_count_mode = options.ops > 0;
  control.budget = options.ops;
  control.measured_target = options.ops;

  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t i = 0; i < sessions.size(); ++i) {
    workers.push_back(std::make_unique<Worker>(sessions[i].get(), options,
                                               run_tag, int(i), &control));
    workers.back()->set_open_loop(options.rate > 0);
  }

  std::atomic<bool> pacer_stop{false};
  std::thread pacer;
  if (options.rate > 0) {
    pacer = std::thread([&] {
      const auto begin = Clock::now();
      const double interval_ns = 1e9 / options.rate;
      for (uint64_t k = 0; !pacer_stop.load(); ++k) {
        const auto at = begin + std::chrono::nanoseconds(
                                    int64_t(double(k) * interval_ns));
        std::this_thread::sleep_until(at);
        if (control.phase.load() == kStopping) break;
        workers[k % workers.size()]->Offer(at);
      }
    });
  } else {
    for (auto& w : workers) w->Start();
  }

  std::this_thread::sleep_for(std::chrono::duration<double>(options.warmup_s));
  const auto measure_start = Clock::now();
  control.phase = kMeasuring;
  if (!control.op_count_mode) {
    // The run is timed: this wait is the measurement itself.
    std::this_thread::sleep_for(
        std::chrono::duration<double>(options.duration_s));
  } else {
    std::unique_lock lock(control.mu);
    // Bounded: op-count runs stop after 24 hours at most.
    control.cv.wait_for(lock, std::chrono::hours(24), [&] {
      return control.measured_done.load() >= control.measured_target;
    });
  }
  const auto measure_end =
      control.op_count_mode
          ? Clock::time_point(Clock::duration(control.last_done_ns.load()))
          : Clock::now();
  control.phase = kStopping;
  pacer_stop = true;
  if (pacer.joinable()) pacer.join();
  for (auto& w : workers) w->WaitIdle(std::chrono::seconds(60));

  RunResult result;
  result.elapsed_s =
      std::chrono::duration<double>(measure_end - measure_start).count();
  if (result.elapsed_s <= 0) result.elapsed_s = 1e-9;
  for (auto& w : workers) {
    result.latency.Merge(w->latency);
    result.ops += w->ok;
    if (w->errors > 0 && result.errors == 0) result.first_error = w->first_error;
    result.errors += w->errors;
    result.dropped += w->dropped();
  }
  return result;
}

}  // namespace canopy::bench
