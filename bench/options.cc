#include "options.h"

#include <CLI/CLI.hpp>

#include <map>

namespace canopy::bench {

namespace {

const std::map<std::string, Workload>& WorkloadNames() {
  static const std::map<std::string, Workload> names = {
      {"create", Workload::kCreate},
      {"create-ephemeral-sequential", Workload::kCreateEphemeralSequential},
      {"set", Workload::kSet},
      {"get", Workload::kGet},
      {"exists", Workload::kExists},
      {"get-children", Workload::kGetChildren},
      {"mixed", Workload::kMixed},
      {"multi", Workload::kMulti},
      {"watch-fanout", Workload::kWatchFanout},
  };
  return names;
}

}  // namespace

const char* WorkloadName(Workload workload) {
  for (const auto& [name, w] : WorkloadNames()) {
    if (w == workload) return name.c_str();
  }
  return "?";
}

const char* DialectName(Dialect dialect) {
  return dialect == Dialect::kNative ? "native" : "zookeeper";
}

bool ParseCommandLine(int argc, char** argv, Command* command,
                      int* exit_code) {
  LoadOptions& o = command->load;
  CLI::App app{
      "canopy-bench: throughput and latency of a Canopy or ZooKeeper server.\n"
      "N sessions each keep a window of async requests outstanding; after a\n"
      "warm-up, the run lasts --duration seconds or --ops ops, then prints\n"
      "one JSON line and a table."};
  // A flag given twice takes the last value (scripts append overrides).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("-s,--hosts", o.hosts, "connection string host:port,...");
  const std::map<std::string, Dialect> dialects = {
      {"native", Dialect::kNative}, {"zookeeper", Dialect::kZooKeeper},
      {"zk", Dialect::kZooKeeper}};
  app.add_option("-d,--dialect", o.dialect,
                 "native (canopy::Client) or zookeeper (libzookeeper-mt)")
      ->transform(CLI::CheckedTransformer(dialects))
      ->option_text("native|zookeeper");
  app.add_option("-w,--workload", o.workload, "what each session does")
      ->transform(CLI::CheckedTransformer(WorkloadNames()))
      ->option_text(
          "create|create-ephemeral-sequential|set|get|exists|get-children|"
          "mixed|multi|watch-fanout");
  app.add_option("-n,--sessions", o.sessions,
                 "sessions (watch-fanout: watchers)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--window", o.window, "outstanding requests per session")
      ->check(CLI::Range(1, 10000));
  app.add_option("--value-bytes", o.value_bytes, "value size")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--warmup", o.warmup_s, "warm-up seconds (not measured)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--duration", o.duration_s, "measured seconds")
      ->check(CLI::Range(0.01, 36000.0));
  app.add_option("--ops", o.ops,
                 "measured op count (instead of --duration; watch-fanout: "
                 "rounds)")
      ->check(CLI::Range(int64_t(0), int64_t(1) << 40));
  app.add_option("--rate", o.rate,
                 "open-loop total ops/s (0: as fast as the windows allow)")
      ->check(CLI::Range(0.0, 1e8));
  app.add_option("--read-ratio", o.read_ratio, "mixed: share of gets")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--multi-ops", o.multi_ops, "multi: setData ops per multi")
      ->check(CLI::Range(1, 1000));
  app.add_option("--children", o.children, "get-children: children listed")
      ->check(CLI::Range(0, 100000));
  app.add_option("--spread", o.spread,
                 "create: parents the new nodes are spread over (0: one)")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--prefix", o.prefix, "parent znode of everything touched");
  app.add_option("--session-timeout", o.session_timeout_ms, "milliseconds")
      ->check(CLI::Range(1000, 600000));
  app.add_option("--label", o.label, "text copied into the JSON line");
  app.add_flag("!--no-table", o.table, "print only the JSON line");
  app.add_option("--seed", o.seed, "mixed: random seed");

  ProbeOptions& p = command->probe_options;
  CLI::App* probe = app.add_subcommand(
      "probe",
      "time until a new ZooKeeper-protocol session gets an answer (read) or a "
      "successful setData (write); one thread per host; prints one JSON line");
  probe->add_option("-s,--hosts", p.hosts, "host:port,...");
  probe->add_flag("--write", p.write, "wait for a successful setData");
  probe->add_option("--path", p.path, "node read or written");
  probe->add_option("--timeout-ms", p.timeout_ms, "give up after")
      ->check(CLI::Range(int64_t(1), int64_t(3600000)));
  probe->add_option("--attempt-ms", p.attempt_ms, "one attempt's bound")
      ->check(CLI::Range(int64_t(1), int64_t(600000)));
  probe->add_option("--since-ns", p.since_ns,
                    "measure from this time (ns since the epoch, date +%s%N)");
  probe->add_option("--label", p.label, "text copied into the JSON line");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    *exit_code = app.exit(e);
    return false;
  }
  command->probe = probe->parsed();
  return true;
}

}  // namespace canopy::bench
