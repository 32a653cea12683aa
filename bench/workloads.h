// The znodes each workload touches, their set-up, and the op a session
// issues next.
//
// Layout under the prefix P (default /bench):
//   P/c[/dK]/<run>-s<i>-<n>  create: new persistent nodes (spread over dK)
//   P/e/s<i>-<seq>           create-ephemeral-sequential
//   P/n/s<i>                 set, get, exists, mixed: one node per session
//   P/k/k<j>                 get-children: lists P/k (children kids)
//   P/m/s<i>-<j>             multi: multi_ops nodes per session
//   P/w                      watch-fanout
// <run> is unique per run, so create runs can repeat on the same server.
#ifndef CANOPY_BENCH_WORKLOADS_H_
#define CANOPY_BENCH_WORKLOADS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/status.h"
#include "options.h"
#include "session.h"

namespace canopy::bench {

// Creates the parents and nodes the workload needs (those that exist are
// kept), pipelined on one session.
Status SetUp(Session& session, const LoadOptions& options,
             const std::string& run_tag);

// The path of the watch-fanout node.
std::string FanoutPath(const LoadOptions& options);

// Generates one session's ops. Not thread-safe: the caller serialises Issue.
class OpSource {
 public:
  OpSource(const LoadOptions& options, const std::string& run_tag, int index);

  // Starts the session's next op on session; done gets its result.
  void Issue(Session& session, Done done);

 private:
  const LoadOptions& options_;
  const std::string value_;
  std::string own_path_;      // P/n/s<i>
  std::string create_stem_;   // P/c/<run>-s<i>- (or the d-less part)
  std::string ephemeral_stem_;
  std::string children_parent_;
  std::vector<std::string> multi_paths_;
  std::mt19937_64 rng_;
  uint64_t counter_ = 0;
  int index_;
};

}  // namespace canopy::bench

#endif  // CANOPY_BENCH_WORKLOADS_H_
