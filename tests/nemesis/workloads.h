// The nemesis suite's client workloads against an ensemble, and the checks
// run on what they recorded.
//
// Several client threads, each with its own canopy::Client session over
// every member, run at once until Stop():
//   * registers: read (sync, then getData), write (setData -1) and
//     compare-and-set (setData with the version last seen) on a few keys;
//   * sequential creates: PERSISTENT_SEQUENTIAL children carrying a unique
//     token;
//   * a set: uniquely named children added one by one;
//   * a lock (recipes/ Lock) protecting a counter: a holder reads the
//     counter after sync and writes counter+1 by compare-and-set on the
//     version it read (the version is the fencing token).
// Every op is recorded with its invoke and complete times (steady clock, ns)
// and an outcome: ok, fail (the server refused it: no effect) or unknown
// (timeout, connection loss, expiry: it may or may not have happened). A
// thread whose session expires opens a new one.
//
// Check() runs after the faults are healed: final synced reads on a fresh
// session, then the register history through the linearizability checker,
// no acknowledged create lost, no duplicate sequential name, sequential
// names in real-time order, no two clean lock holders at once, the counter
// between the acknowledged increments and those plus the unknown ones, and
// every member holding the same final state.
#ifndef CANOPY_TESTS_NEMESIS_WORKLOADS_H_
#define CANOPY_TESTS_NEMESIS_WORKLOADS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/ensemble.h"
#include "tests/nemesis/linearizability.h"

namespace canopy::nemesis {

// Nanoseconds on the steady clock.
int64_t NowNs();

struct WorkloadOptions {
  int register_clients = 4;
  int register_keys = 6;
  int lock_clients = 2;
  int session_timeout_ms = 4000;
  uint64_t seed = 1;
};

// A create recorded by the sequential or set workload.
struct CreateOp {
  int process = 0;
  std::string token;  // the data written (unique per op)
  std::string name;   // the node name the server returned (kOk only)
  Outcome outcome = Outcome::kUnknown;
  int64_t invoke_time = 0;
  int64_t complete_time = 0;
};

// One time a lock client held the lock.
struct LockHold {
  int process = 0;
  int64_t enter_time = 0;  // Acquire returned OK
  int64_t exit_time = 0;   // just before Release
  // No disconnect was seen and the lock stayed held from enter to exit: the
  // client had every reason to believe it was the only holder.
  bool clean = false;
};

// What Check() found. ok() when nothing is wrong.
struct WorkloadVerdict {
  CheckResult linearizability;
  std::vector<std::string> problems;  // each a sentence naming what broke
  size_t register_ops = 0, register_unknown = 0;
  size_t creates = 0, creates_unknown = 0;
  size_t lock_holds = 0;
  int64_t counter = 0, counter_acked = 0, counter_unknown = 0;

  bool ok() const { return linearizability.ok() && problems.empty(); }
};

class Workloads {
 public:
  // Creates the nodes the workloads use (through a fresh session; retries
  // until the ensemble answers, at most 30 s). Null on failure.
  static std::unique_ptr<Workloads> Setup(testing::Ensemble& ensemble,
                                          WorkloadOptions options,
                                          std::function<void(std::string)> log);
  ~Workloads();

  // Starts every client thread.
  void Start();
  // Stops the threads; each finishes its current op (bounded by the
  // session timeout) first.
  void Stop();
  // Acknowledged ops so far (progress, for waits).
  int64_t acked() const { return acked_.load(); }
  // Final reads and every check; call after Stop() with the faults healed.
  WorkloadVerdict Check();

 private:
  Workloads(testing::Ensemble& ensemble, WorkloadOptions options,
            std::function<void(std::string)> log);
  void RegisterLoop(int process);
  void SequentialLoop(int process);
  void SetLoop(int process);
  void LockLoop(int process);
  void Record(RegisterOp op);

  testing::Ensemble& ensemble_;
  WorkloadOptions options_;
  std::function<void(std::string)> log_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> acked_{0};
  std::vector<std::thread> threads_;

  std::mutex mu_;
  std::vector<RegisterOp> registers_;
  std::vector<CreateOp> sequential_;
  std::vector<CreateOp> set_;
  std::vector<LockHold> holds_;
  int64_t counter_acked_ = 0;
  int64_t counter_unknown_ = 0;
};

}  // namespace canopy::nemesis

#endif  // CANOPY_TESTS_NEMESIS_WORKLOADS_H_
