// The load scenarios of issue 8, each against a running Ensemble (which the
// caller starts with the config the scenario's comment asks for). Each
// returns its figures and the behavioural facts a test asserts; Print*
// writes the figures as "key: value" lines.
#ifndef CANOPY_TESTS_LOAD_SCENARIOS_H_
#define CANOPY_TESTS_LOAD_SCENARIOS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "tests/integration/ensemble.h"

namespace canopy::load {

// (1) `sessions` sessions spread evenly over the members, held with
// heartbeats for window_ms; every member's RSS and CPU time are read from
// /proc before and after the window.
struct SessionsOptions {
  int sessions = 10000;
  int32_t timeout_ms = 4000;
  int window_ms = 10000;
  int connect_timeout_ms = 120000;
};
struct MemberFigures {
  int id = 0;
  long rss_idle_kb = 0;     // before any session
  long rss_loaded_kb = 0;   // at the end of the window
  double cpu_window_s = 0;  // CPU time spent during the window
};
struct SessionsResult {
  int requested = 0;
  int established = 0;       // connected once the ramp finished
  int connected_at_end = 0;  // still connected after the window
  int reconnects = 0;        // handshakes beyond the first, in the window
  int expired_at_end = 0;    // sessions the ensemble expired meanwhile
  double connect_all_ms = 0;
  double window_s = 0;
  std::vector<MemberFigures> members;
};
SessionsResult RunSessions(testing::Ensemble& ensemble,
                           const SessionsOptions& options);
void PrintSessions(const SessionsResult& r, std::ostream& out);

// (2) `watches` sessions each hold a data watch on /hot (a session holds at
// most one data watch per node, so watches == watching sessions); one set
// fires them all.
struct WatchesOptions {
  int watches = 100000;
  int32_t timeout_ms = 10000;
  int deliver_timeout_ms = 120000;
};
struct WatchesResult {
  int requested = 0;
  int watching = 0;      // sessions whose getData(watch) succeeded
  int delivered = 0;     // sessions that received the NodeDataChanged
  int duplicates = 0;    // sessions that received it more than once
  int other_events = 0;  // any other event on /hot
  double set_to_first_ms = 0;
  double set_to_last_ms = 0;
  double setup_ms = 0;
};
WatchesResult RunWatches(testing::Ensemble& ensemble,
                         const WatchesOptions& options);
void PrintWatches(const WatchesResult& r, std::ostream& out);

// (3) `expiring` sessions, each owning an ephemeral under /expire, stop
// heartbeating at once; `workers` other sessions keep doing set/get on their
// own nodes. Latency percentiles are for the baseline (before) and for the
// expiry (requests overlapping the span from the first to the last
// ephemeral's deletion, as seen by an observer's exists watches).
struct ExpiryOptions {
  int expiring = 5000;
  int workers = 16;
  int32_t expiring_timeout_ms = 1000;
  int32_t worker_timeout_ms = 10000;
  int baseline_ms = 3000;
  int expire_wait_ms = 60000;
};
struct ExpiryResult {
  int expiring = 0;
  int ephemerals_created = 0;
  int deletions_seen = 0;
  int ephemerals_left = -1;   // children of /expire at the end
  int64_t worker_requests = 0;
  int64_t worker_failures = 0;  // answered with an error
  int64_t worker_unanswered = 0;
  std::string worker_errors;  // the error names, in order
  double expiry_span_ms = 0;   // first to last deletion
  double baseline_p50_ms = 0, baseline_p99_ms = 0;
  double expiry_p50_ms = 0, expiry_p99_ms = 0, expiry_max_ms = 0;
  int64_t expiry_samples = 0;
};
ExpiryResult RunExpiry(testing::Ensemble& ensemble,
                       const ExpiryOptions& options);
void PrintExpiry(const ExpiryResult& r, std::ostream& out);

// (4) `sessions` sessions all connected to the leader; the leader is
// SIGKILLed; they re-attach to the others (which should run with connection
// throttling), while a probe session on a follower keeps sending requests.
struct StormOptions {
  int sessions = 2000;
  int32_t timeout_ms = 15000;
  int reconnect_timeout_ms = 60000;
};
struct StormResult {
  int sessions = 0;
  int established = 0;
  int reattached = 0;   // sessions connected again after the kill
  int expired = 0;
  // After the kill: attempts a member closed before answering the handshake
  // (throttled, or not serving yet), and TCP connects that failed.
  int64_t closed_early = 0;
  int64_t connect_failures = 0;
  double reconnect_all_ms = 0;  // kill to the last re-attach
  double first_reattach_ms = 0;
  // The probe, during [kill, last re-attach]:
  int64_t probe_ok = 0;
  int64_t probe_errors = 0;
  int64_t probe_ok_after = 0;  // answered OK after the storm
  int64_t probe_unanswered = 0;
  double probe_first_ok_ms = 0;  // kill to the probe's first OK answer
  double probe_p99_ms = 0;       // latency of OK answers after first OK
  double probe_max_ms = 0;
};
StormResult RunStorm(testing::Ensemble& ensemble, const StormOptions& options);
void PrintStorm(const StormResult& r, std::ostream& out);

}  // namespace canopy::load

#endif  // CANOPY_TESTS_LOAD_SCENARIOS_H_
