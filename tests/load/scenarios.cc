#include "tests/load/scenarios.h"

#include <algorithm>
#include <atomic>
#include <fmt/format.h>
#include <map>
#include <thread>

#include "tests/integration/server_process.h"
#include "tests/load/driver.h"

namespace canopy::load {

namespace {

using std::chrono::milliseconds;
using State = NativeSession::State;

double MsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::vector<int> Ports(const testing::Ensemble& ensemble) {
  std::vector<int> ports;
  for (int id = 1; id <= ensemble.size(); ++id) {
    ports.push_back(ensemble.client_port(id));
  }
  return ports;
}

// Sends one request on s and waits for its answer (bounded).
std::optional<proto::Response> Call(Driver& driver, const SessionPtr& s,
                                    proto::Request request,
                                    milliseconds timeout = milliseconds(20000)) {
  auto answer = std::make_shared<std::promise<proto::Response>>();
  auto future = answer->get_future();
  driver.Run([&] {
    s->Call(std::move(request),
            [answer](const proto::Response& r) { answer->set_value(r); });
    return 0;
  });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return std::nullopt;
  }
  return future.get();
}

// Sends make(i) on every session of group, at most max_in_flight at a
// time (a burst of thousands at once backs the pipeline up past the short
// session timeouts' silence limit), and waits until all are answered;
// returns how many were answered OK.
int CallAll(Driver& driver, const std::vector<SessionPtr>& group,
            const std::function<proto::Request(size_t)>& make,
            milliseconds timeout, size_t max_in_flight = 256) {
  struct Count {
    size_t next = 0;
    size_t answered = 0;
    int ok = 0;
    std::function<void()> issue;
  };
  auto count = std::make_shared<Count>();
  driver.Run([&, count] {
    std::weak_ptr<Count> weak = count;
    count->issue = [weak, group, make] {
      auto c = weak.lock();
      if (!c || c->next >= group.size()) return;
      const size_t i = c->next++;
      group[i]->Call(make(i), [weak](const proto::Response& r) {
        auto c = weak.lock();
        if (!c) return;
        ++c->answered;
        if (r.err() == proto::OK) ++c->ok;
        c->issue();
      });
    };
    for (size_t k = 0; k < max_in_flight; ++k) count->issue();
    return 0;
  });
  const size_t n = group.size();
  driver.WaitUntil([count, n] { return count->answered >= n; }, timeout);
  return driver.Run([count] {
    count->issue = nullptr;
    return count->ok;
  });
}

void Ensure(Driver& driver, const SessionPtr& s, const std::string& path) {
  Call(driver, s, testing::CreateReq(path, ""));
}

// One request at a time per session, for as long as `running`, recording
// every answer. Restarts by itself after a reconnect.
struct Sample {
  Clock::time_point sent;
  Clock::time_point answered;
  int err = 0;
};
struct Loop {
  bool running = true;
  int64_t outstanding = 0;
  std::vector<Sample> samples;
};

void StartLoop(boost::asio::io_context& io, const std::shared_ptr<Loop>& loop,
               const SessionPtr& s,
               std::function<proto::Request(int64_t)> make) {
  auto issue = std::make_shared<std::function<void()>>();
  auto seq = std::make_shared<int64_t>(0);
  // Paces retries after an error answer (a member not serving yet).
  auto pause = std::make_shared<boost::asio::steady_timer>(io);
  std::weak_ptr<NativeSession> weak = s;
  *issue = [loop, weak, make, seq, pause,
            weak_issue = std::weak_ptr<std::function<void()>>(issue)] {
    auto session = weak.lock();
    auto again = weak_issue.lock();
    if (!session || !again || !loop->running) return;
    if (session->state() != State::kConnected) return;  // on_state resumes
    const Clock::time_point sent = Clock::now();
    ++loop->outstanding;
    session->Call(make((*seq)++), [loop, sent, again,
                                   pause](const proto::Response& r) {
      --loop->outstanding;
      loop->samples.push_back({sent, Clock::now(), int(r.err())});
      if (r.err() == proto::CONNECTION_LOSS) return;  // on_state resumes
      if (r.err() != proto::OK) {
        pause->expires_after(std::chrono::milliseconds(10));
        pause->async_wait([again](const boost::system::error_code& ec) {
          if (!ec) (*again)();
        });
        return;
      }
      (*again)();
    });
  };
  s->on_state = [issue](NativeSession&, State state) {
    if (state == State::kConnected) (*issue)();
  };
  (*issue)();
}

std::vector<double> LatenciesMs(const std::vector<Sample>& samples,
                                const std::function<bool(const Sample&)>& in) {
  std::vector<double> out;
  for (const Sample& s : samples) {
    if (s.err == proto::OK && in(s)) out.push_back(MsBetween(s.sent, s.answered));
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------- (1) sessions

SessionsResult RunSessions(testing::Ensemble& ensemble,
                           const SessionsOptions& options) {
  SessionsResult result;
  result.requested = options.sessions;
  std::map<int, ProcessUsage> idle;
  for (int id = 1; id <= ensemble.size(); ++id) {
    idle[id] = ReadProcessUsage(ensemble.pid(id));
  }
  Driver driver(Ports(ensemble));
  const int members = ensemble.size();
  const auto start = Clock::now();
  auto group = driver.Open(
      options.sessions, options.timeout_ms,
      [members](int i) { return size_t(i % members); },
      milliseconds(options.connect_timeout_ms));
  result.connect_all_ms = MsBetween(start, Clock::now());
  result.established = driver.CountConnected(group);
  auto handshakes = [&] {
    return driver.Run([&] {
      int total = 0;
      for (const auto& s : group) total += s->handshakes();
      return total;
    });
  };
  const int handshakes_before = handshakes();
  std::map<int, ProcessUsage> before;
  for (int id = 1; id <= members; ++id) {
    before[id] = ReadProcessUsage(ensemble.pid(id));
  }
  const auto window_start = Clock::now();
  // A fixed measurement window, not a synchronisation: heartbeats flow
  // meanwhile.
  std::this_thread::sleep_for(milliseconds(options.window_ms));
  result.window_s = MsBetween(window_start, Clock::now()) / 1000;
  for (int id = 1; id <= members; ++id) {
    const ProcessUsage after = ReadProcessUsage(ensemble.pid(id));
    MemberFigures m;
    m.id = id;
    m.rss_idle_kb = idle[id].rss_kb;
    m.rss_loaded_kb = after.rss_kb;
    m.cpu_window_s = after.cpu_s - before[id].cpu_s;
    result.members.push_back(m);
  }
  result.connected_at_end = driver.CountConnected(group);
  result.reconnects = handshakes() - handshakes_before;
  result.expired_at_end = driver.Run([&] {
    int expired = 0;
    for (const auto& s : group) {
      expired += s->state() == State::kExpired ? 1 : 0;
    }
    return expired;
  });
  driver.CloseAll(group, milliseconds(60000));
  return result;
}

void PrintSessions(const SessionsResult& r, std::ostream& out) {
  out << fmt::format(
      "sessions.requested: {}\nsessions.established: {}\n"
      "sessions.connect_all_ms: {:.0f}\nsessions.window_s: {:.1f}\n"
      "sessions.connected_at_end: {}\nsessions.expired_at_end: {}\n"
      "sessions.reconnects_in_window: {}\n",
      r.requested, r.established, r.connect_all_ms, r.window_s,
      r.connected_at_end, r.expired_at_end, r.reconnects);
  for (const auto& m : r.members) {
    out << fmt::format(
        "sessions.member{}: rss_idle_mb={:.1f} rss_loaded_mb={:.1f} "
        "cpu_s={:.2f} cpu_pct={:.1f}\n",
        m.id, m.rss_idle_kb / 1024.0, m.rss_loaded_kb / 1024.0,
        m.cpu_window_s, 100 * m.cpu_window_s / std::max(r.window_s, 1e-9));
  }
}

// -------------------------------------------------------------- (2) watches

WatchesResult RunWatches(testing::Ensemble& ensemble,
                         const WatchesOptions& options) {
  WatchesResult result;
  result.requested = options.watches;
  Driver driver(Ports(ensemble));
  const int members = ensemble.size();
  auto setter = driver.Open(1, options.timeout_ms, [](int) { return 0; },
                            milliseconds(20000));
  Ensure(driver, setter[0], "/hot");
  const auto setup_start = Clock::now();
  auto group = driver.Open(
      options.watches, options.timeout_ms,
      [members](int i) { return size_t(i % members); },
      milliseconds(options.deliver_timeout_ms));

  struct Tally {
    std::vector<int> count;
    int delivered = 0;
    int other = 0;
    Clock::time_point first, last;
  };
  auto tally = std::make_shared<Tally>();
  driver.Run([&] {
    tally->count.assign(group.size(), 0);
    for (size_t i = 0; i < group.size(); ++i) {
      group[i]->on_event = [tally, i](const proto::WatchEvent& e) {
        if (e.path() != "/hot" || e.type() != proto::NODE_DATA_CHANGED) {
          ++tally->other;
          return;
        }
        const auto now = Clock::now();
        if (tally->delivered == 0) tally->first = now;
        tally->last = now;
        if (++tally->count[i] == 1) ++tally->delivered;
      };
    }
    return 0;
  });
  result.watching = CallAll(
      driver, group, [](size_t) { return testing::GetReq("/hot", true); },
      milliseconds(options.deliver_timeout_ms));
  result.setup_ms = MsBetween(setup_start, Clock::now());

  const auto set_at = Clock::now();
  auto set = Call(driver, setter[0], testing::SetReq("/hot", "fired"));
  const int expected = result.watching;
  driver.WaitUntil([tally, expected] { return tally->delivered >= expected; },
                   milliseconds(options.deliver_timeout_ms));
  // A round trip on every session: anything the server sent before the
  // answer (a duplicate event) has arrived by then.
  CallAll(driver, group, [](size_t) { return testing::GetReq("/hot"); },
          milliseconds(options.deliver_timeout_ms));
  driver.Run([&] {
    result.delivered = tally->delivered;
    result.other_events = tally->other;
    for (int c : tally->count) result.duplicates += c > 1 ? 1 : 0;
    if (tally->delivered > 0) {
      result.set_to_first_ms = MsBetween(set_at, tally->first);
      result.set_to_last_ms = MsBetween(set_at, tally->last);
    }
    return 0;
  });
  if (!set || set->err() != proto::OK) result.delivered = -1;
  driver.CloseAll(group, milliseconds(60000));
  return result;
}

void PrintWatches(const WatchesResult& r, std::ostream& out) {
  out << fmt::format(
      "watches.requested: {}\nwatches.watching: {}\nwatches.setup_ms: {:.0f}\n"
      "watches.delivered: {}\nwatches.duplicates: {}\nwatches.other_events: "
      "{}\nwatches.set_to_first_delivery_ms: {:.1f}\n"
      "watches.set_to_last_delivery_ms: {:.1f}\n",
      r.requested, r.watching, r.setup_ms, r.delivered, r.duplicates,
      r.other_events, r.set_to_first_ms, r.set_to_last_ms);
}

// --------------------------------------------------------------- (3) expiry

ExpiryResult RunExpiry(testing::Ensemble& ensemble,
                       const ExpiryOptions& options) {
  ExpiryResult result;
  result.expiring = options.expiring;
  Driver driver(Ports(ensemble));
  const int members = ensemble.size();
  auto spread = [members](int i) { return size_t(i % members); };
  auto observer = driver.Open(1, options.worker_timeout_ms, spread,
                              milliseconds(20000));
  Ensure(driver, observer[0], "/expire");
  Ensure(driver, observer[0], "/work");
  for (int i = 0; i < options.workers; ++i) {
    Ensure(driver, observer[0], "/work/w" + std::to_string(i));
  }
  auto workers = driver.Open(options.workers, options.worker_timeout_ms,
                             spread, milliseconds(20000));
  auto expiring = driver.Open(options.expiring, options.expiring_timeout_ms,
                              spread, milliseconds(120000));
  result.ephemerals_created = CallAll(
      driver, expiring,
      [](size_t i) {
        return testing::CreateReq("/expire/e" + std::to_string(i), "",
                                  proto::EPHEMERAL);
      },
      milliseconds(120000));

  struct Deletions {
    int seen = 0;
    Clock::time_point first, last;
  };
  auto deletions = std::make_shared<Deletions>();
  driver.Run([&] {
    observer[0]->on_event = [deletions](const proto::WatchEvent& e) {
      if (e.type() != proto::NODE_DELETED ||
          e.path().rfind("/expire/", 0) != 0) {
        return;
      }
      const auto now = Clock::now();
      if (deletions->seen++ == 0) deletions->first = now;
      deletions->last = now;
    };
    return 0;
  });
  CallAll(driver, std::vector<SessionPtr>(size_t(options.expiring), observer[0]),
          [](size_t i) {
            return testing::ExistsReq("/expire/e" + std::to_string(i), true);
          },
          milliseconds(120000));

  auto loop = std::make_shared<Loop>();
  driver.Run([&] {
    for (size_t w = 0; w < workers.size(); ++w) {
      const std::string path = "/work/w" + std::to_string(w);
      StartLoop(driver.io(), loop, workers[w], [path](int64_t seq) {
        return seq % 2 ? testing::GetReq(path)
                       : testing::SetReq(path, std::to_string(seq));
      });
    }
    return 0;
  });
  // The baseline: workers alone, for a fixed window.
  std::this_thread::sleep_for(milliseconds(options.baseline_ms));
  const auto baseline_end = Clock::now();
  // One read on every expiring session, so they were all last heard within
  // a moment, then they all go silent together.
  CallAll(driver, expiring, [](size_t) { return testing::ExistsReq("/"); },
          milliseconds(60000));
  driver.DropAll(expiring);
  const int created = result.ephemerals_created;
  driver.WaitUntil([deletions, created] { return deletions->seen >= created; },
                   milliseconds(options.expire_wait_ms));
  // Workers go on a little after the last deletion, then stop.
  std::this_thread::sleep_for(milliseconds(500));
  driver.Run([&] {
    loop->running = false;
    return 0;
  });
  driver.WaitUntil([loop] { return loop->outstanding == 0; },
                   milliseconds(20000));
  auto children = Call(driver, observer[0], testing::ChildrenReq("/expire"));
  if (children && children->err() == proto::OK) {
    result.ephemerals_left = children->get_children().children_size();
  }
  driver.Run([&] {
    result.deletions_seen = deletions->seen;
    result.worker_unanswered = loop->outstanding;
    result.worker_requests = int64_t(loop->samples.size());
    for (const Sample& s : loop->samples) {
      if (s.err != proto::OK) {
        ++result.worker_failures;
        result.worker_errors += " " + proto::ErrorCode_Name(
                                          proto::ErrorCode(s.err));
      }
    }
    auto baseline = LatenciesMs(loop->samples, [&](const Sample& s) {
      return s.answered <= baseline_end;
    });
    result.baseline_p50_ms = Quantile(baseline, 0.5);
    result.baseline_p99_ms = Quantile(baseline, 0.99);
    if (deletions->seen > 0) {
      result.expiry_span_ms = MsBetween(deletions->first, deletions->last);
      const auto from = deletions->first, to = deletions->last;
      auto during = LatenciesMs(loop->samples, [&](const Sample& s) {
        return s.sent <= to && s.answered >= from;
      });
      result.expiry_samples = int64_t(during.size());
      result.expiry_p50_ms = Quantile(during, 0.5);
      result.expiry_p99_ms = Quantile(during, 0.99);
      result.expiry_max_ms = Quantile(during, 1.0);
    }
    return 0;
  });
  driver.CloseAll(workers, milliseconds(20000));
  return result;
}

void PrintExpiry(const ExpiryResult& r, std::ostream& out) {
  out << fmt::format(
      "expiry.sessions: {}\nexpiry.ephemerals_created: {}\n"
      "expiry.deletions_seen: {}\nexpiry.ephemerals_left: {}\n"
      "expiry.first_to_last_deletion_ms: {:.1f}\n"
      "expiry.worker_requests: {}\nexpiry.worker_failures: {}\n"
      "expiry.worker_unanswered: {}\nexpiry.worker_errors:{}\n"
      "expiry.baseline_p50_ms: {:.2f}\nexpiry.baseline_p99_ms: {:.2f}\n"
      "expiry.during_samples: {}\nexpiry.during_p50_ms: {:.2f}\n"
      "expiry.during_p99_ms: {:.2f}\nexpiry.during_max_ms: {:.2f}\n",
      r.expiring, r.ephemerals_created, r.deletions_seen, r.ephemerals_left,
      r.expiry_span_ms, r.worker_requests, r.worker_failures,
      r.worker_unanswered, r.worker_errors.substr(0, 400), r.baseline_p50_ms, r.baseline_p99_ms,
      r.expiry_samples, r.expiry_p50_ms, r.expiry_p99_ms, r.expiry_max_ms);
}

// ---------------------------------------------------------------- (4) storm

StormResult RunStorm(testing::Ensemble& ensemble, const StormOptions& options) {
  StormResult result;
  result.sessions = options.sessions;
  const int leader = ensemble.WaitForLeader();
  if (leader == 0) return result;
  const size_t leader_index = size_t(leader - 1);
  const size_t probe_index = (leader_index + 1) % size_t(ensemble.size());
  Driver driver(Ports(ensemble));
  auto probe = driver.Open(1, options.timeout_ms,
                           [probe_index](int) { return probe_index; },
                           milliseconds(20000));
  Ensure(driver, probe[0], "/probe");
  auto group = driver.Open(
      options.sessions, options.timeout_ms,
      [leader_index](int) { return leader_index; },
      milliseconds(options.reconnect_timeout_ms));
  result.established = driver.CountConnected(group);

  // Each session counts once, at its first re-attach after the kill (a
  // session may re-attach twice: to a follower that then stops serving).
  struct Reattach {
    int count = 0;
    int expired = 0;
    std::vector<bool> done;
    Clock::time_point first, last;
  };
  auto reattach = std::make_shared<Reattach>();
  driver.Run([&] {
    reattach->done.assign(group.size(), false);
    for (size_t i = 0; i < group.size(); ++i) {
      group[i]->on_state = [reattach, i](NativeSession& session, State state) {
        if (state == State::kExpired) ++reattach->expired;
        if (state != State::kConnected || session.handshakes() < 2 ||
            reattach->done[i]) {
          return;
        }
        reattach->done[i] = true;
        const auto now = Clock::now();
        if (reattach->count++ == 0) reattach->first = now;
        reattach->last = now;
      };
    }
    return 0;
  });
  auto loop = std::make_shared<Loop>();
  driver.Run([&] {
    StartLoop(driver.io(), loop, probe[0], [](int64_t seq) {
      return testing::SetReq("/probe", std::to_string(seq));
    });
    return 0;
  });
  const auto [closed_before, failed_before] = driver.Run([&] {
    std::pair<int64_t, int64_t> sums{0, 0};
    for (const auto& s : group) {
      sums.first += s->closed_early();
      sums.second += s->connect_failures();
    }
    return sums;
  });
  const auto kill_at = Clock::now();
  ensemble.Kill(leader, 9);
  const int established = result.established;
  driver.WaitUntil(
      [reattach, established] {
        return reattach->count + reattach->expired >= established;
      },
      milliseconds(options.reconnect_timeout_ms));
  std::this_thread::sleep_for(milliseconds(500));
  driver.Run([&] {
    loop->running = false;
    return 0;
  });
  driver.WaitUntil([loop] { return loop->outstanding == 0; },
                   milliseconds(20000));
  driver.Run([&] {
    result.reattached = reattach->count;
    result.expired = reattach->expired;
    for (const auto& s : group) {
      result.closed_early += s->closed_early();
      result.connect_failures += s->connect_failures();
    }
    result.closed_early -= closed_before;
    result.connect_failures -= failed_before;
    if (reattach->count > 0) {
      result.first_reattach_ms = MsBetween(kill_at, reattach->first);
      result.reconnect_all_ms = MsBetween(kill_at, reattach->last);
    }
    const auto storm_end =
        reattach->count > 0 ? reattach->last : Clock::now();
    bool seen_ok = false;
    Clock::time_point first_ok;
    for (const Sample& s : loop->samples) {
      if (s.sent < kill_at) continue;
      if (s.err == proto::OK && !seen_ok) {
        seen_ok = true;
        first_ok = s.answered;
      }
      if (s.answered <= storm_end) {
        if (s.err == proto::OK) {
          ++result.probe_ok;
        } else {
          ++result.probe_errors;
        }
      } else if (s.err == proto::OK) {
        ++result.probe_ok_after;
      }
    }
    result.probe_unanswered = loop->outstanding;
    if (seen_ok) {
      result.probe_first_ok_ms = MsBetween(kill_at, first_ok);
      auto latencies = LatenciesMs(loop->samples, [&](const Sample& s) {
        return s.sent >= first_ok && s.answered <= storm_end;
      });
      result.probe_p99_ms = Quantile(latencies, 0.99);
      result.probe_max_ms = Quantile(latencies, 1.0);
    }
    return 0;
  });
  driver.CloseAll(group, milliseconds(60000));
  return result;
}

void PrintStorm(const StormResult& r, std::ostream& out) {
  out << fmt::format(
      "storm.sessions: {}\nstorm.established_on_leader: {}\n"
      "storm.reattached: {}\nstorm.expired: {}\n"
      "storm.attempts_closed_early: {}\nstorm.attempts_connect_failed: {}\n"
      "storm.kill_to_first_reattach_ms: {:.0f}\n"
      "storm.kill_to_last_reattach_ms: {:.0f}\n"
      "storm.probe_first_ok_after_kill_ms: {:.0f}\n"
      "storm.probe_ok_during_storm: {}\nstorm.probe_errors_during_storm: {}\n"
      "storm.probe_p99_ms_during_storm: {:.2f}\n"
      "storm.probe_max_ms_during_storm: {:.2f}\n"
      "storm.probe_ok_after_storm: {}\nstorm.probe_unanswered: {}\n",
      r.sessions, r.established, r.reattached, r.expired, r.closed_early,
      r.connect_failures,
      r.first_reattach_ms, r.reconnect_all_ms, r.probe_first_ok_ms,
      r.probe_ok, r.probe_errors, r.probe_p99_ms, r.probe_max_ms,
      r.probe_ok_after, r.probe_unanswered);
}

}  // namespace canopy::load
