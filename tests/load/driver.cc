#include "tests/load/driver.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <sstream>

namespace canopy::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Driver::Driver(std::vector<int> ports, int tick_ms)
    : work_(asio::make_work_guard(io_)),
      tick_timer_(io_),
      tick_(tick_ms) {
  for (int port : ports) {
    hosts_.emplace_back(asio::ip::make_address("127.0.0.1"), uint16_t(port));
  }
  asio::post(io_, [this] { ArmTick(); });
  thread_ = std::thread([this] { io_.run(); });
}

Driver::~Driver() {
  Run([this] {
    for (auto& s : sessions_) {
      s->on_event = nullptr;
      s->on_state = nullptr;
      s->Drop();
    }
    sessions_.clear();
    for (auto& w : waiters_) w->done.set_value();
    waiters_.clear();
    tick_timer_.cancel();
    return 0;
  });
  work_.reset();
  io_.stop();
  thread_.join();
}

void Driver::ArmTick() {
  tick_timer_.expires_after(tick_);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const Clock::time_point now = Clock::now();
    for (auto& s : sessions_) s->Tick(now);
    for (size_t i = 0; i < waiters_.size();) {
      if (waiters_[i]->pred()) {
        waiters_[i]->done.set_value();
        waiters_.erase(waiters_.begin() + long(i));
      } else {
        ++i;
      }
    }
    ArmTick();
  });
}

std::vector<SessionPtr> Driver::Open(
    int n, int32_t timeout_ms, const std::function<size_t(int)>& first_host,
    std::chrono::milliseconds timeout, int max_in_flight) {
  struct Ramp {
    std::deque<SessionPtr> queued;
    int in_flight = 0;
  };
  auto ramp = std::make_shared<Ramp>();
  std::vector<SessionPtr> group = Run([&] {
    std::vector<SessionPtr> out;
    out.reserve(size_t(n));
    for (int i = 0; i < n; ++i) {
      auto s = std::make_shared<NativeSession>(io_, hosts_, first_host(i),
                                               timeout_ms, next_seed_++);
      out.push_back(s);
      sessions_.push_back(s);
      ramp->queued.push_back(s);
    }
    return out;
  });
  // Each session that connects (or ends) for the first time lets the next
  // queued one start.
  Run([&, ramp] {
    auto start_more = std::make_shared<std::function<void()>>();
    *start_more = [ramp, max_in_flight,
                   weak = std::weak_ptr<std::function<void()>>(start_more)] {
      auto self = weak.lock();
      while (self && ramp->in_flight < max_in_flight &&
             !ramp->queued.empty()) {
        SessionPtr s = ramp->queued.front();
        ramp->queued.pop_front();
        ++ramp->in_flight;
        s->on_state = [ramp, self](NativeSession& session,
                                   NativeSession::State state) {
          if (state == NativeSession::State::kConnected ||
              state == NativeSession::State::kExpired ||
              state == NativeSession::State::kClosed) {
            // Clearing on_state destroys this lambda: copy its captures first
            // and touch nothing of it afterwards.
            auto keep_ramp = ramp;
            auto keep_self = self;
            session.on_state = nullptr;
            --keep_ramp->in_flight;
            (*keep_self)();
          }
        };
        s->Connect();
      }
    };
    // The ramp lives as long as a session still holds its on_state.
    auto holder = start_more;
    (*holder)();
    // Keep start_more alive until the ramp drains: the sessions' lambdas
    // hold it through `self`.
    return 0;
  });
  WaitUntil(
      [group] {
        for (const auto& s : group) {
          if (s->state() != NativeSession::State::kConnected) return false;
        }
        return true;
      },
      timeout);
  return group;
}

int Driver::CountConnected(const std::vector<SessionPtr>& group) {
  return Run([&] {
    int connected = 0;
    for (const auto& s : group) {
      if (s->state() == NativeSession::State::kConnected) ++connected;
    }
    return connected;
  });
}

bool Driver::WaitUntil(std::function<bool()> pred,
                       std::chrono::milliseconds timeout) {
  auto waiter = std::make_shared<Waiter>();
  waiter->pred = std::move(pred);
  std::future<void> done = waiter->done.get_future();
  asio::post(io_, [this, waiter] { waiters_.push_back(waiter); });
  if (done.wait_for(timeout) == std::future_status::ready) return true;
  // Withdraw the waiter; it may have been satisfied meanwhile.
  return Run([this, waiter] {
    auto it = std::find(waiters_.begin(), waiters_.end(), waiter);
    if (it == waiters_.end()) return true;
    waiters_.erase(it);
    return false;
  });
}

void Driver::DropAll(const std::vector<SessionPtr>& group) {
  Run([&] {
    for (const auto& s : group) s->Drop();
    return 0;
  });
}

void Driver::CloseAll(const std::vector<SessionPtr>& group,
                      std::chrono::milliseconds timeout) {
  Run([&] {
    for (const auto& s : group) s->Close();
    return 0;
  });
  WaitUntil(
      [group] {
        for (const auto& s : group) {
          if (s->state() == NativeSession::State::kConnected) return false;
        }
        return true;
      },
      timeout);
  DropAll(group);
}

long RaiseFdLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return long(limit.rlim_cur);
}

ProcessUsage ReadProcessUsage(pid_t pid) {
  ProcessUsage usage;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      usage.rss_kb = std::atol(line.c_str() + 6);
    }
  }
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(stat_file, stat);
  // Fields after the command name (which may hold spaces) start at ") ".
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return usage;
  std::istringstream fields(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  // f[0] is field 3 (state); utime is field 14, stime field 15.
  if (f.size() < 13) return usage;
  const double ticks = double(sysconf(_SC_CLK_TCK));
  usage.cpu_s = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  usage.ok = usage.rss_kb > 0;
  return usage;
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t at = std::min(values.size() - 1,
                             size_t(q * double(values.size() - 1) + 0.5));
  return values[at];
}

}  // namespace canopy::load
