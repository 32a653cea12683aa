// `canopy-bench probe`: the time until a server answers a new session.
//
// Speaks ZooKeeper's jute protocol over a plain socket (Canopy's client port
// speaks it too), so the same probe times both servers without any client
// library's reconnect back-off in the way. One thread per host retries
// (connect, ConnectRequest, then exists or setData; the session is closed
// after) until one succeeds or the timeout passes; retries after a refused
// connection are 2 ms apart. Used by scripts/bench.sh to wait for a port
// with a bound, to time start-up and restart, and writes after a leader is
// killed.
#ifndef CANOPY_BENCH_PROBE_H_
#define CANOPY_BENCH_PROBE_H_

#include <string>

#include "options.h"

namespace canopy::bench {

struct ProbeResult {
  bool ok = false;
  double ms = 0;         // from since_ns (or the probe's start) to success
  std::string host;      // the host that answered
  int attempts = 0;      // over all hosts
  std::string last_error;
};

ProbeResult RunProbe(const ProbeOptions& options);

// {"probe":"read"|"write","label":..,"ok":..,"ms":..,"host":..,
//  "attempts":..,"last_error":..}
std::string ProbeJson(const ProbeOptions& options, const ProbeResult& result);

}  // namespace canopy::bench

#endif  // CANOPY_BENCH_PROBE_H_
