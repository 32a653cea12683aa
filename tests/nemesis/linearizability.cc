#include "tests/nemesis/linearizability.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace canopy::nemesis {

const char* OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kRead: return "read";
    case OpKind::kWrite: return "write";
    case OpKind::kCas: return "cas";
  }
  return "?";
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk: return "ok";
    case Outcome::kFail: return "fail";
    case Outcome::kUnknown: return "unknown";
  }
  return "?";
}

const char* VerdictName(CheckResult::Verdict verdict) {
  switch (verdict) {
    case CheckResult::Verdict::kLinearizable: return "linearizable";
    case CheckResult::Verdict::kNotLinearizable: return "NOT-linearizable";
    case CheckResult::Verdict::kGaveUp: return "gave-up";
  }
  return "?";
}

std::string DescribeOp(const RegisterOp& op) {
  std::string s = "p" + std::to_string(op.process) + " " +
                  OpKindName(op.kind) + " " + op.key;
  if (op.kind != OpKind::kRead) s += " '" + op.value + "'";
  if (op.kind == OpKind::kCas) {
    s += " if v" + std::to_string(op.expected_version);
  }
  s += std::string(" -> ") + OutcomeName(op.outcome);
  if (op.outcome == Outcome::kOk) {
    if (op.kind == OpKind::kRead) s += " '" + op.value + "'";
    if (op.version >= 0) s += " v" + std::to_string(op.version);
  }
  s += " [" + std::to_string(op.invoke_time) + ", " +
       (op.outcome == Outcome::kUnknown ? std::string("open")
                                        : std::to_string(op.complete_time)) +
       "]";
  return s;
}

namespace {

// The register state with values interned, so cache entries stay small.
struct State {
  int32_t value = 0;
  int32_t version = 0;
  bool operator==(const State&) const = default;
};

// An op prepared for the search: values interned.
struct Prepared {
  const RegisterOp* op = nullptr;
  int32_t value = 0;
};

// The model: the state after `p` runs in `s`, or nullopt when `p`'s recorded
// outcome is impossible in `s`.
std::optional<State> Step(const State& s, const Prepared& p) {
  const RegisterOp& op = *p.op;
  switch (op.kind) {
    case OpKind::kRead:
      if (s.value == p.value && s.version == op.version) return s;
      return std::nullopt;
    case OpKind::kWrite: {
      const State next{p.value, s.version + 1};
      if (op.outcome == Outcome::kOk && op.version >= 0 &&
          op.version != next.version) {
        return std::nullopt;
      }
      return next;
    }
    case OpKind::kCas: {
      const bool matches = s.version == op.expected_version;
      if (op.outcome == Outcome::kFail) {
        return matches ? std::nullopt : std::optional<State>(s);
      }
      if (op.outcome == Outcome::kUnknown) {
        return matches ? State{p.value, s.version + 1} : s;
      }
      if (!matches) return std::nullopt;
      const State next{p.value, s.version + 1};
      if (op.version >= 0 && op.version != next.version) return std::nullopt;
      return next;
    }
  }
  return std::nullopt;
}

// A bitset of linearized ops plus the state: one memoised search node.
struct CacheKey {
  std::vector<uint64_t> bits;
  State state;
  bool operator==(const CacheKey&) const = default;
};

struct CacheKeyHash {
  size_t operator()(const CacheKey& k) const {
    uint64_t h = 1469598103934665603ull;
    for (uint64_t w : k.bits) h = (h ^ w) * 1099511628211ull;
    h = (h ^ uint64_t(uint32_t(k.state.value))) * 1099511628211ull;
    h = (h ^ uint64_t(uint32_t(k.state.version))) * 1099511628211ull;
    return size_t(h ^ (h >> 29));
  }
};

// One call or return event in the doubly linked list the search walks.
struct Entry {
  int op = -1;
  bool call = false;
  bool open = false;  // the return of an op with an unknown outcome
  int64_t time = 0;
  int match = -1;     // call <-> its return
  int prev = -1;
  int next = -1;
};

class Search {
 public:
  Search(const std::vector<RegisterOp>& ops, const RegisterState& initial,
         const CheckOptions& options)
      : options_(options) {
    std::unordered_map<std::string, int32_t> ids;
    auto intern = [&](const std::string& v) {
      return ids.emplace(v, int32_t(ids.size())).first->second;
    };
    initial_ = State{intern(initial.value), initial.version};
    for (const RegisterOp& op : ops) {
      // Ops that cannot have had an effect and observed nothing are left
      // out: unknown reads, and writes the server refused.
      if (op.kind == OpKind::kRead && op.outcome != Outcome::kOk) continue;
      if (op.kind == OpKind::kWrite && op.outcome == Outcome::kFail) continue;
      prepared_.push_back(Prepared{&op, intern(op.value)});
    }
  }

  CheckResult Run() {
    CheckResult result;
    result.ops = prepared_.size();
    for (const auto& p : prepared_) {
      if (p.op->outcome == Outcome::kUnknown) ++result.indeterminate;
    }
    BuildList();
    const size_t words = (prepared_.size() + 63) / 64;
    std::vector<uint64_t> linearized(words, 0);
    State state = initial_;
    struct Frame {
      int call_entry;
      State before;
    };
    std::vector<Frame> stack;
    std::unordered_set<CacheKey, CacheKeyHash> cache;
    size_t deepest = 0;
    std::string deepest_note;
    int entry = head_next();
    while (entry >= 0) {
      if (++result.steps > options_.max_steps ||
          cache.size() > options_.max_cache_entries) {
        result.verdict = CheckResult::Verdict::kGaveUp;
        result.explanation = "search bound reached after " +
                             std::to_string(result.steps) + " steps";
        return result;
      }
      const Entry& e = entries_[size_t(entry)];
      if (e.call) {
        const Prepared& p = prepared_[size_t(e.op)];
        if (auto next = Step(state, p)) {
          CacheKey key{linearized, *next};
          key.bits[size_t(e.op) / 64] |= uint64_t(1) << (e.op % 64);
          if (cache.insert(key).second) {
            stack.push_back(Frame{entry, state});
            state = *next;
            linearized = std::move(key.bits);
            Lift(entry);
            entry = head_next();
            continue;
          }
        }
        entry = e.next;
        continue;
      }
      if (e.open) {
        // Only returns of unknown ops are left past this point: every op
        // with a known outcome is linearized; the rest may go last.
        return result;
      }
      // A return whose call could not be placed: back up.
      if (stack.size() >= deepest) {
        deepest = stack.size();
        deepest_note = DescribeOp(*prepared_[size_t(e.op)].op);
      }
      if (stack.empty()) break;
      const Frame top = stack.back();
      stack.pop_back();
      const int op = entries_[size_t(top.call_entry)].op;
      linearized[size_t(op) / 64] &= ~(uint64_t(1) << (op % 64));
      state = top.before;
      Unlift(top.call_entry);
      entry = entries_[size_t(top.call_entry)].next;
    }
    if (entry < 0 && head_next() < 0) return result;
    result.verdict = CheckResult::Verdict::kNotLinearizable;
    result.explanation =
        "at most " + std::to_string(deepest) + " of " +
        std::to_string(prepared_.size()) +
        " ops linearize; no order places the op ending first after that: " +
        deepest_note;
    return result;
  }

 private:
  void BuildList() {
    entries_.clear();
    entries_.push_back(Entry{});  // [0]: the head sentinel
    constexpr int64_t kOpen = std::numeric_limits<int64_t>::max();
    std::vector<int> order;
    for (size_t i = 0; i < prepared_.size(); ++i) {
      const RegisterOp& op = *prepared_[i].op;
      const bool open = op.outcome == Outcome::kUnknown;
      Entry call{int(i), true, false, op.invoke_time};
      Entry ret{int(i), false, open, open ? kOpen : op.complete_time};
      call.match = int(entries_.size()) + 1;
      ret.match = int(entries_.size());
      entries_.push_back(call);
      entries_.push_back(ret);
      order.push_back(int(entries_.size()) - 2);
      order.push_back(int(entries_.size()) - 1);
    }
    // Time order; at equal times calls first, so touching ops count as
    // concurrent (the permissive reading).
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      const Entry& x = entries_[size_t(a)];
      const Entry& y = entries_[size_t(b)];
      if (x.time != y.time) return x.time < y.time;
      return x.call && !y.call;
    });
    int prev = 0;
    for (int idx : order) {
      entries_[size_t(prev)].next = idx;
      entries_[size_t(idx)].prev = prev;
      prev = idx;
    }
    entries_[size_t(prev)].next = -1;
  }

  int head_next() const { return entries_[0].next; }

  void Unlink(int i) {
    Entry& e = entries_[size_t(i)];
    entries_[size_t(e.prev)].next = e.next;
    if (e.next >= 0) entries_[size_t(e.next)].prev = e.prev;
  }
  void Relink(int i) {
    Entry& e = entries_[size_t(i)];
    entries_[size_t(e.prev)].next = i;
    if (e.next >= 0) entries_[size_t(e.next)].prev = i;
  }
  // Removes a call and its return from the list.
  void Lift(int call) {
    Unlink(call);
    Unlink(entries_[size_t(call)].match);
  }
  // Undoes the matching Lift (calls come back in reverse order).
  void Unlift(int call) {
    Relink(entries_[size_t(call)].match);
    Relink(call);
  }

  CheckOptions options_;
  State initial_;
  std::vector<Prepared> prepared_;
  std::vector<Entry> entries_;
};

}  // namespace

CheckResult CheckRegister(const std::vector<RegisterOp>& ops,
                          const RegisterState& initial,
                          const CheckOptions& options) {
  Search search(ops, initial, options);
  return search.Run();
}

CheckResult CheckRegisters(const std::vector<RegisterOp>& history,
                           const std::map<std::string, RegisterState>& initial,
                           const CheckOptions& options) {
  std::map<std::string, std::vector<RegisterOp>> by_key;
  for (const RegisterOp& op : history) by_key[op.key].push_back(op);
  CheckResult total;
  bool gave_up = false;
  for (const auto& [key, ops] : by_key) {
    const auto it = initial.find(key);
    const RegisterState start =
        it == initial.end() ? RegisterState{} : it->second;
    CheckResult r = CheckRegister(ops, start, options);
    total.ops += r.ops;
    total.indeterminate += r.indeterminate;
    total.steps += r.steps;
    if (r.verdict == CheckResult::Verdict::kNotLinearizable &&
        total.verdict != CheckResult::Verdict::kNotLinearizable) {
      total.verdict = r.verdict;
      total.key = key;
      total.explanation = "key " + key + ": " + r.explanation;
    } else if (r.verdict == CheckResult::Verdict::kGaveUp && !gave_up &&
               total.verdict == CheckResult::Verdict::kLinearizable) {
      gave_up = true;
      total.key = key;
      total.explanation = "key " + key + ": " + r.explanation;
    }
  }
  if (gave_up && total.verdict == CheckResult::Verdict::kLinearizable) {
    total.verdict = CheckResult::Verdict::kGaveUp;
  }
  return total;
}

}  // namespace canopy::nemesis
