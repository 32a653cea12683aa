// A linearizability checker for histories of read/write/compare-and-set
// registers, one register per key (a znode's data and version).
//
// The search is Wing & Gong's, with Lowe's memoisation: walk the history's
// call and return events in time order, try to linearize each pending call
// against the register model, backtrack on a return whose call could not be
// placed, and never revisit a (set of linearized ops, register state) pair.
// Keys are independent registers (P-compositionality), so each key's
// sub-history is checked on its own, which keeps the search small.
//
// The model is ZooKeeper's setData on one znode: the state is (value,
// version); a write sets the value and bumps the version; a compare-and-set
// by version does the same only when the version matches, and otherwise
// fails without effect; a read (sync, then getData) returns the state.
//
// Indeterminate ops (timeouts, connection loss): an op with an unknown
// outcome may have taken effect at any moment after its invocation, or
// never. It is given an open-ended return: it may be linearized anywhere
// after its call, and need not be linearized at all (leaving it out is the
// same as placing it after every other op, where nothing observes it).
//
// Pure: no IO, no clock, no threads. Times are whatever monotonic unit the
// recorder used (nanoseconds in the nemesis suite).
#ifndef CANOPY_TESTS_NEMESIS_LINEARIZABILITY_H_
#define CANOPY_TESTS_NEMESIS_LINEARIZABILITY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace canopy::nemesis {

enum class OpKind {
  kRead,   // sync then getData: observes (value, version)
  kWrite,  // setData with version -1: always takes effect
  kCas,    // setData with an expected version: takes effect iff it matches
};

enum class Outcome {
  kOk,       // the server acknowledged: the op took effect (or read) once
  kFail,     // the server definitely refused it: no effect (a CAS's
             // BAD_VERSION is a fail that still observed a version)
  kUnknown,  // timeout, connection loss, expiry: may or may not have happened
};

const char* OpKindName(OpKind kind);
const char* OutcomeName(Outcome outcome);

// One operation on one key's register.
struct RegisterOp {
  int process = 0;  // the client that ran it (for messages only)
  OpKind kind = OpKind::kRead;
  std::string key;
  // kWrite/kCas: the value written. kRead with kOk: the value read.
  std::string value;
  // kCas: the version the caller expected.
  int32_t expected_version = -1;
  // kRead with kOk: the version read. kWrite/kCas with kOk: the version the
  // server returned for the new state, or -1 when not recorded.
  int32_t version = -1;
  Outcome outcome = Outcome::kUnknown;
  int64_t invoke_time = 0;
  int64_t complete_time = 0;  // ignored for kUnknown
};

// "p3 cas k1 'v' if v2 -> ok v3 [10, 20]"
std::string DescribeOp(const RegisterOp& op);

struct RegisterState {
  std::string value;
  int32_t version = 0;
};

struct CheckResult {
  enum class Verdict {
    kLinearizable,
    kNotLinearizable,
    kGaveUp,  // the search hit its step or memory bound: no verdict
  };
  Verdict verdict = Verdict::kLinearizable;
  std::string key;          // the first key that is not linearizable
  std::string explanation;  // why, for a person reading a test log
  size_t ops = 0;           // ops checked (all keys)
  size_t indeterminate = 0; // of which with an unknown outcome
  uint64_t steps = 0;       // search steps taken (all keys)

  bool ok() const { return verdict == Verdict::kLinearizable; }
};

const char* VerdictName(CheckResult::Verdict verdict);

struct CheckOptions {
  // Bounds per key, so a pathological history ends with kGaveUp.
  uint64_t max_steps = 20'000'000;
  uint64_t max_cache_entries = 4'000'000;
};

// Checks one key's history from `initial` (ops of other keys are an error
// of the caller and are ignored).
CheckResult CheckRegister(const std::vector<RegisterOp>& ops,
                          const RegisterState& initial,
                          const CheckOptions& options = {});

// Splits the history by key and checks every key from its initial state
// (a key missing from `initial` starts as ("", 0)). Not linearizable if
// any key is not; gave up if any key gave up and none failed.
CheckResult CheckRegisters(const std::vector<RegisterOp>& history,
                           const std::map<std::string, RegisterState>& initial,
                           const CheckOptions& options = {});

}  // namespace canopy::nemesis

#endif  // CANOPY_TESTS_NEMESIS_LINEARIZABILITY_H_
