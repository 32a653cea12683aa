// canopy-bench: throughput and latency of a Canopy or ZooKeeper server
// through either dialect, and `canopy-bench probe` for start-up and
// fail-over times. See options.cc for the flags and workloads.h for what
// each workload touches.
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "load_runner.h"
#include "options.h"
#include "probe.h"
#include "report.h"
#include "session.h"
#include "watch_fanout.h"
#include "workloads.h"

namespace {

using canopy::bench::LoadOptions;
using canopy::bench::Session;

int RunLoadCommand(const LoadOptions& o) {
  using namespace canopy::bench;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const std::string run_tag = fmt::format(
      "r{:x}{:x}",
      std::chrono::duration_cast<std::chrono::milliseconds>(now).count() &
          0xffffffff,
      getpid());

  const int count = o.sessions;
  std::vector<std::unique_ptr<Session>> sessions;
  for (int i = 0; i < count; ++i) {
    auto s = Connect(o.dialect, o.hosts, i, o.session_timeout_ms);
    if (!s.ok()) {
      fmt::print(stderr, "canopy-bench: session {}: {}\n", i,
                 s.status().ToString());
      return 1;
    }
    sessions.push_back(std::move(s).value());
  }
  canopy::Status setup = SetUp(*sessions.front(), o, run_tag);
  if (!setup.ok()) {
    fmt::print(stderr, "canopy-bench: {}\n", setup.ToString());
    return 1;
  }

  RunResult result;
  if (o.workload == Workload::kWatchFanout) {
    auto writer = Connect(o.dialect, o.hosts, count, o.session_timeout_ms);
    if (!writer.ok()) {
      fmt::print(stderr, "canopy-bench: writer: {}\n",
                 writer.status().ToString());
      return 1;
    }
    result = RunWatchFanout(o, sessions, *writer.value());
  } else {
    result = RunLoad(o, run_tag, sessions);
  }
  fmt::print("{}\n", JsonLine(o, result));
  if (o.table) fmt::print("{}", Table(o, result));
  std::fflush(stdout);
  sessions.clear();  // closes every session
  return result.ops > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  canopy::bench::Command command;
  int exit_code = 0;
  if (!canopy::bench::ParseCommandLine(argc, argv, &command, &exit_code)) {
    return exit_code;
  }
  if (command.probe) {
    const auto result = canopy::bench::RunProbe(command.probe_options);
    fmt::print("{}\n", canopy::bench::ProbeJson(command.probe_options, result));
    return result.ok ? 0 : 1;
  }
  return RunLoadCommand(command.load);
}
