// canopy-bench's settings and their command line (CLI11).
#ifndef CANOPY_BENCH_OPTIONS_H_
#define CANOPY_BENCH_OPTIONS_H_

#include <cstdint>
#include <string>

namespace canopy::bench {

// What each session does in a load run (see workloads.h for the znodes each
// one touches).
enum class Workload {
  kCreate,                     // persistent creates of new nodes
  kCreateEphemeralSequential,  // ephemeral sequential creates
  kSet,                        // setData on the session's own node
  kGet,                        // getData of the session's own node
  kExists,                     // exists on the session's own node
  kGetChildren,                // getChildren of a node with `children` kids
  kMixed,                      // get with probability read_ratio, else set
  kMulti,                      // multi of `multi_ops` setData ops
  kWatchFanout,                // N watchers on one node, time to last event
};

const char* WorkloadName(Workload workload);

// Which client library speaks to the server.
enum class Dialect {
  kNative,     // canopy::Client, Canopy's protobuf protocol
  kZooKeeper,  // libzookeeper-mt, ZooKeeper's jute protocol
};

const char* DialectName(Dialect dialect);

struct LoadOptions {
  std::string hosts = "127.0.0.1:2181";
  Dialect dialect = Dialect::kNative;
  Workload workload = Workload::kSet;
  int sessions = 8;
  int window = 16;  // outstanding requests per session
  int value_bytes = 100;
  double warmup_s = 1.0;
  double duration_s = 5.0;
  // When > 0 the measured part ends after this many ops instead of after
  // duration_s.
  int64_t ops = 0;
  // When > 0: an open-loop load at this many ops/s in total (spread evenly
  // over the sessions, each still bounded by window); latency counts from
  // each op's scheduled time, so a stalled server is not hidden.
  double rate = 0;
  double read_ratio = 0.9;  // mixed
  int multi_ops = 4;        // multi
  int children = 16;        // get-children
  // create: spread the new nodes over this many parents (0: one parent).
  int spread = 0;
  std::string prefix = "/bench";
  int session_timeout_ms = 30000;
  // Free text copied into the JSON line (e.g. "zookeeper standalone").
  std::string label;
  bool table = true;  // print the human table after the JSON line
  uint64_t seed = 1;
};

// `canopy-bench probe`: how long until a server answers.
struct ProbeOptions {
  std::string hosts = "127.0.0.1:2181";
  // read: a new session's exists(path) is answered (any answer when path is
  // "/", OK otherwise); write: a new session's setData(path) succeeds (the
  // node is created first when missing).
  bool write = false;
  std::string path = "/";
  int64_t timeout_ms = 30000;   // give up (exit 1) after this long
  int64_t attempt_ms = 2000;    // one connection attempt's bound
  // The moment to measure from, in ns since the Unix epoch (`date +%s%N`);
  // 0 means when the probe starts.
  int64_t since_ns = 0;
  std::string label;
};

struct Command {
  bool probe = false;
  LoadOptions load;
  ProbeOptions probe_options;
};

// Parses argv. On --help or a bad flag returns nullopt-like false and sets
// *exit_code (0 for help).
bool ParseCommandLine(int argc, char** argv, Command* command, int* exit_code);

}  // namespace canopy::bench

#endif  // CANOPY_BENCH_OPTIONS_H_
