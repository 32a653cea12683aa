// The output of a run: one JSON line (machine-readable, stable keys) and a
// short human table.
#ifndef CANOPY_BENCH_REPORT_H_
#define CANOPY_BENCH_REPORT_H_

#include <string>

#include "load_runner.h"
#include "options.h"

namespace canopy::bench {

// {"label","dialect","workload","sessions","window","value_bytes","rate",
//  "ops","errors","first_error","dropped","elapsed_s","ops_per_s","p50_us",
//  "p90_us","p99_us","p999_us","max_us"[,"watchers","events_per_s"]}
std::string JsonLine(const LoadOptions& options, const RunResult& result);

// A header line and one row.
std::string Table(const LoadOptions& options, const RunResult& result);

}  // namespace canopy::bench

#endif  // CANOPY_BENCH_REPORT_H_
