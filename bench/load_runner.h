// RunLoad: the windowed load of every workload but watch-fanout.
//
// Each session keeps up to `window` requests outstanding. Closed loop (rate
// 0): a completion issues the next request at once. Open loop (rate > 0): a
// pacer thread schedules rate ops/s round-robin over the sessions; an op
// whose session's window is full waits in that session's backlog, and its
// latency counts from its scheduled time.
//
// The warm-up is not measured. Duration mode measures the completions within
// duration_s; op-count mode measures `ops` ops issued after the warm-up, from
// the first issue to the last completion.
#ifndef CANOPY_BENCH_LOAD_RUNNER_H_
#define CANOPY_BENCH_LOAD_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "histogram.h"
#include "options.h"
#include "session.h"

namespace canopy::bench {

struct RunResult {
  uint64_t ops = 0;      // measured successful ops
  uint64_t errors = 0;   // measured failed ops
  int first_error = 0;   // the first failure's code
  uint64_t dropped = 0;  // open loop: scheduled ops a full backlog refused
  double elapsed_s = 0;
  LatencyHistogram latency;
  // watch-fanout only: events received, watchers per round.
  uint64_t events = 0;
  int watchers = 0;
};

// Runs the load on sessions (one OpSource each). Returns after every issued
// request has completed or 60 s after the end, whichever is first.
RunResult RunLoad(const LoadOptions& options, const std::string& run_tag,
                  const std::vector<std::unique_ptr<Session>>& sessions);

}  // namespace canopy::bench

#endif  // CANOPY_BENCH_LOAD_RUNNER_H_
