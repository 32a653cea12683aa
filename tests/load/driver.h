// Driver: many NativeSessions on one io_context run by one thread, with a
// single periodic timer that ticks every session. The scenario code runs on
// another thread and reaches the sessions only through Run() (which executes
// on the IO thread and waits) and WaitUntil().
//
// Also: raising RLIMIT_NOFILE, and reading a process's memory and CPU time
// from /proc for the figures.
#ifndef CANOPY_TESTS_LOAD_DRIVER_H_
#define CANOPY_TESTS_LOAD_DRIVER_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

#include "tests/load/native_session.h"

namespace canopy::load {

using SessionPtr = std::shared_ptr<NativeSession>;

class Driver {
 public:
  // Sessions connect to these 127.0.0.1 ports.
  explicit Driver(std::vector<int> ports, int tick_ms = 20);
  // Drops every session and stops the IO thread.
  ~Driver();

  // Runs fn on the IO thread and returns its result.
  template <typename F>
  auto Run(F fn) -> decltype(fn()) {
    using R = decltype(fn());
    std::packaged_task<R()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // Creates n sessions (session i first tries member first_host(i)), starts
  // at most max_in_flight handshakes at a time, and waits until all are
  // connected or timeout passes. Returns the sessions (some may not be
  // connected when the timeout passed; check with CountConnected).
  std::vector<SessionPtr> Open(int n, int32_t timeout_ms,
                               const std::function<size_t(int)>& first_host,
                               std::chrono::milliseconds timeout,
                               int max_in_flight = 256);
  // Sessions of `group` in state kConnected (IO thread inside).
  int CountConnected(const std::vector<SessionPtr>& group);
  // Waits until pred (run on the IO thread after each tick) is true, at
  // most timeout. True when it became true.
  bool WaitUntil(std::function<bool()> pred, std::chrono::milliseconds timeout);
  // Drops (no closeSession) every session of group.
  void DropAll(const std::vector<SessionPtr>& group);
  // Sends closeSession on every session of group and waits (bounded) until
  // they are closed.
  void CloseAll(const std::vector<SessionPtr>& group,
                std::chrono::milliseconds timeout);

  boost::asio::io_context& io() { return io_; }
  const std::vector<boost::asio::ip::tcp::endpoint>& hosts() const {
    return hosts_;
  }

 private:
  struct Waiter {
    std::function<bool()> pred;
    std::promise<void> done;
  };
  void ArmTick();

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_;
  boost::asio::steady_timer tick_timer_;
  std::chrono::milliseconds tick_;
  std::vector<boost::asio::ip::tcp::endpoint> hosts_;
  std::vector<SessionPtr> sessions_;  // IO thread only
  std::vector<std::shared_ptr<Waiter>> waiters_;  // IO thread only
  uint64_t next_seed_ = 1;
  std::thread thread_;
};

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft
// limit.
long RaiseFdLimit();

// What /proc says of a process.
struct ProcessUsage {
  long rss_kb = 0;       // VmRSS
  double cpu_s = 0;      // user + system time
  bool ok = false;
};
ProcessUsage ReadProcessUsage(pid_t pid);

// The q-th quantile (0..1) of values (copied and sorted); 0 when empty.
double Quantile(std::vector<double> values, double q);

}  // namespace canopy::load

#endif  // CANOPY_TESTS_LOAD_DRIVER_H_
