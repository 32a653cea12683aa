// RunWatchFanout: N watcher sessions hold a data watch on one node; a writer
// session sets it; one op is one such round, and its latency is the time
// from sending the set to the last watcher's event. Watchers re-arm between
// rounds (the arming is not timed). Warm-up, duration and op count as for
// RunLoad (ops counts rounds).
#ifndef CANOPY_BENCH_WATCH_FANOUT_H_
#define CANOPY_BENCH_WATCH_FANOUT_H_

#include <memory>
#include <vector>

#include "load_runner.h"
#include "options.h"
#include "session.h"

namespace canopy::bench {

RunResult RunWatchFanout(const LoadOptions& options,
                         const std::vector<std::unique_ptr<Session>>& watchers,
                         Session& writer);

}  // namespace canopy::bench

#endif  // CANOPY_BENCH_WATCH_FANOUT_H_
