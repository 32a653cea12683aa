// canopy-load: runs issue 8's load scenarios, each against a fresh 3-member
// ensemble of real canopy-server processes on loopback that it starts and
// stops itself, and prints the figures as "key: value" lines. Exits non-zero
// when a scenario's behaviour is wrong (sessions not established, a watch
// not delivered exactly once, ephemerals left, requests unanswered, sessions
// not re-attached).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <set>

#include "tests/integration/ensemble.h"
#include "tests/load/driver.h"
#include "tests/load/scenarios.h"

namespace {

using canopy::testing::Ensemble;

std::unique_ptr<Ensemble> StartEnsemble(int tick_ms, const std::string& extra) {
  auto ensemble = Ensemble::Start(3, tick_ms, extra);
  if (!ensemble) std::cerr << "canopy-load: the ensemble did not start\n";
  return ensemble;
}

bool Check(bool ok, const std::string& what) {
  if (!ok) std::cout << "FAILED: " << what << "\n";
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("canopy-load: issue 8 load scenarios against a local 3-member "
               "ensemble");
  std::vector<std::string> scenarios = {"sessions", "watches", "expiry",
                                        "storm"};
  canopy::load::SessionsOptions sessions;
  canopy::load::WatchesOptions watches;
  canopy::load::ExpiryOptions expiry;
  canopy::load::StormOptions storm;
  int tick_ms = 100;
  int64_t max_tokens = 100, fill_time_ms = 10, fill_count = 10;
  app.add_option("--scenario", scenarios,
                 "sessions, watches, expiry, storm (repeatable)")
      ->check(CLI::IsMember({"sessions", "watches", "expiry", "storm"}));
  app.add_option("--sessions", sessions.sessions, "scenario 1 sessions");
  app.add_option("--window-ms", sessions.window_ms,
                 "scenario 1 measurement window");
  app.add_option("--watches", watches.watches, "scenario 2 watches");
  app.add_option("--expiring", expiry.expiring, "scenario 3 sessions");
  app.add_option("--workers", expiry.workers, "scenario 3 working clients");
  app.add_option("--storm-sessions", storm.sessions, "scenario 4 sessions");
  app.add_option("--tick-ms", tick_ms, "tickTime of the ensembles");
  app.add_option("--connection-max-tokens", max_tokens,
                 "scenario 4 connectionMaxTokens (0: no throttling)");
  app.add_option("--connection-token-fill-time", fill_time_ms,
                 "scenario 4 connectionTokenFillTime, ms");
  app.add_option("--connection-token-fill-count", fill_count,
                 "scenario 4 connectionTokenFillCount");
  CLI11_PARSE(app, argc, argv);

  const long fd_limit = canopy::load::RaiseFdLimit();
  std::cout << "fd_limit: " << fd_limit << "\n";
  // Every session is one socket here and one in a member (the members
  // inherit this limit); keep a margin for everything else.
  const int session_cap = int(std::max(0L, fd_limit - 512));
  const std::set<std::string> run(scenarios.begin(), scenarios.end());
  bool ok = true;
  const std::string timeouts = "maxSessionTimeout=30000\n";

  if (run.count("sessions")) {
    sessions.sessions = std::min(sessions.sessions, session_cap);
    sessions.timeout_ms = 10000;
    auto ensemble = StartEnsemble(tick_ms, timeouts);
    if (!ensemble) return 2;
    auto r = canopy::load::RunSessions(*ensemble, sessions);
    canopy::load::PrintSessions(r, std::cout);
    std::cout.flush();
    ok &= Check(r.established == r.requested, "all sessions established");
    ok &= Check(r.connected_at_end == r.requested, "all sessions held");
  }
  if (run.count("watches")) {
    if (watches.watches > session_cap) {
      std::cout << "watches.capped_from: " << watches.watches
                << " (one session per watch; RLIMIT_NOFILE " << fd_limit
                << ")\n";
      watches.watches = session_cap;
    }
    auto ensemble = StartEnsemble(tick_ms, timeouts);
    if (!ensemble) return 2;
    auto r = canopy::load::RunWatches(*ensemble, watches);
    canopy::load::PrintWatches(r, std::cout);
    std::cout.flush();
    ok &= Check(r.watching == r.requested, "every watch set");
    ok &= Check(r.delivered == r.watching && r.duplicates == 0,
                "every watch delivered exactly once");
  }
  if (run.count("expiry")) {
    expiry.expiring = std::min(expiry.expiring, session_cap);
    auto ensemble = StartEnsemble(tick_ms, timeouts);
    if (!ensemble) return 2;
    auto r = canopy::load::RunExpiry(*ensemble, expiry);
    canopy::load::PrintExpiry(r, std::cout);
    std::cout.flush();
    ok &= Check(r.ephemerals_created == r.expiring, "every ephemeral made");
    ok &= Check(r.ephemerals_left == 0, "every expired ephemeral gone");
    ok &= Check(r.worker_failures == 0 && r.worker_unanswered == 0,
                "every worker request answered OK");
  }
  if (run.count("storm")) {
    storm.sessions = std::min(storm.sessions, session_cap);
    const std::string throttle =
        "connectionMaxTokens=" + std::to_string(max_tokens) +
        "\nconnectionTokenFillTime=" + std::to_string(fill_time_ms) +
        "\nconnectionTokenFillCount=" + std::to_string(fill_count) + "\n";
    std::cout << "storm.throttle: maxTokens=" << max_tokens
              << " fillTime=" << fill_time_ms << "ms fillCount=" << fill_count
              << "\n";
    auto ensemble = StartEnsemble(tick_ms, timeouts + throttle);
    if (!ensemble) return 2;
    auto r = canopy::load::RunStorm(*ensemble, storm);
    canopy::load::PrintStorm(r, std::cout);
    std::cout.flush();
    ok &= Check(r.established == r.sessions, "all sessions on the leader");
    ok &= Check(r.reattached == r.established && r.expired == 0,
                "every session re-attached");
    ok &= Check(r.probe_ok_after > 0 && r.probe_unanswered == 0,
                "the probe client is answered");
  }
  std::cout << (ok ? "load: OK\n" : "load: FAILED\n");
  return ok ? 0 : 1;
}
