#include "watch_fanout.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "workloads.h"

namespace canopy::bench {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStepBound = std::chrono::seconds(30);

// One round's shared state; callbacks of every session touch it.
struct Round {
  std::mutex mu;
  std::condition_variable cv;
  int armed = 0;
  int arm_errors = 0;
  int arm_error = 0;
  int fired = 0;
  Clock::time_point last_fired;
  bool set_done = false;
  int set_err = 0;
};

}  // namespace

RunResult RunWatchFanout(const LoadOptions& options,
                         const std::vector<std::unique_ptr<Session>>& watchers,
                         Session& writer) {
  RunResult result;
  result.watchers = int(watchers.size());
  const std::string path = FanoutPath(options);
  const std::string value(size_t(options.value_bytes), 'v');
  const int n = int(watchers.size());

  const auto begin = Clock::now();
  const auto warm_end =
      begin + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(options.warmup_s));
  Clock::time_point measure_start{};
  bool measuring = false;
  uint64_t rounds = 0;
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= warm_end) {
      measuring = true;
      measure_start = now;
    }
    if (measuring) {
      if (options.ops > 0 ? rounds >= uint64_t(options.ops)
                          : now - measure_start >=
                                std::chrono::duration<double>(
                                    options.duration_s)) {
        break;
      }
    }
    // Shared so that a callback arriving after a timed-out wait is harmless.
    auto round = std::make_shared<Round>();
    for (const auto& w : watchers) {
      w->GetWatch(
          path,
          [round, n] {
            std::lock_guard lock(round->mu);
            if (++round->fired == n) {
              round->last_fired = Clock::now();
              round->cv.notify_all();
            }
          },
          [round](int err) {
            std::lock_guard lock(round->mu);
            ++round->armed;
            if (err != kOk && round->arm_errors++ == 0) round->arm_error = err;
            round->cv.notify_all();
          });
    }
    {
      std::unique_lock lock(round->mu);
      if (!round->cv.wait_for(lock, kStepBound,
                              [&] { return round->armed == n; }) ||
          round->arm_errors > 0) {
        ++result.errors;
        result.first_error = round->arm_errors > 0 ? round->arm_error : -7;
        break;
      }
    }
    const auto sent = Clock::now();
    writer.Set(path, value, [round](int err) {
      std::lock_guard lock(round->mu);
      round->set_done = true;
      round->set_err = err;
      round->cv.notify_all();
    });
    std::unique_lock lock(round->mu);
    if (!round->cv.wait_for(lock, kStepBound, [&] {
          return round->fired == n && round->set_done;
        }) ||
        round->set_err != kOk) {
      ++result.errors;
      result.first_error = round->set_err != kOk ? round->set_err : -7;
      break;
    }
    if (measuring) {
      ++rounds;
      result.latency.Record(
          std::chrono::duration_cast<std::chrono::nanoseconds>(
              round->last_fired - sent)
              .count());
    }
  }
  result.ops = rounds;
  result.events = rounds * uint64_t(n);
  result.elapsed_s =
      measuring ? std::chrono::duration<double>(Clock::now() - measure_start)
                      .count()
                : 0;
  if (result.elapsed_s <= 0) result.elapsed_s = 1e-9;
  return result;
}

}  // namespace canopy::bench
