#include "tests/sim/checker.h"

#include <algorithm>

#include "server/zab/messages.h"

namespace canopy::sim {
namespace {

std::string M(int member) { return "m" + std::to_string(member); }

std::string Z(Zxid zxid) { return zab::ZxidString(zxid); }

}  // namespace

void InvariantChecker::Fail(std::string message) {
  if (failure_.empty()) failure_ = std::move(message);
}

size_t InvariantChecker::applied_count(int member) const {
  auto it = applied_.find(member);
  return it == applied_.end() ? 0 : it->second;
}

int64_t InvariantChecker::IndexOf(Zxid zxid) const {
  auto it = std::lower_bound(
      sequence_.begin(), sequence_.end(), zxid,
      [](const Entry& e, Zxid z) { return e.zxid < z; });
  if (it == sequence_.end() || it->zxid != zxid) return -1;
  return it - sequence_.begin();
}

bool InvariantChecker::InPrefix(size_t count, Zxid zxid,
                                const std::string& value) const {
  const int64_t index = IndexOf(zxid);
  return index >= 0 && static_cast<size_t>(index) < count &&
         sequence_[index].value == value;
}

void InvariantChecker::OnEpochs(int member, const proto::EpochState& before,
                                const proto::EpochState& after) {
  if (after.accepted_epoch() < before.accepted_epoch() ||
      after.current_epoch() < before.current_epoch()) {
    Fail(M(member) + " epochs went back");
  }
  if (after.current_epoch() > after.accepted_epoch()) {
    Fail(M(member) + " current epoch " +
         std::to_string(after.current_epoch()) + " above accepted " +
         std::to_string(after.accepted_epoch()));
  }
}

void InvariantChecker::OnLog(int member, Zxid log_last,
                             const proto::Txn& txn) {
  if (txn.zxid() <= log_last) {
    Fail(M(member) + " logged " + Z(txn.zxid()) + " after " + Z(log_last));
  }
}

void InvariantChecker::OnTruncate(int member, Zxid to, Zxid applied) {
  if (to < applied) {
    Fail(M(member) + " truncated to " + Z(to) + " below its applied " +
         Z(applied));
  }
}

void InvariantChecker::OnApply(int member, const proto::Txn& txn) {
  Entry entry{txn.zxid(), txn.set_data().path(), txn.set_data().data()};
  size_t& index = applied_[member];
  if (index < sequence_.size()) {
    const Entry& expected = sequence_[index];
    if (expected.zxid != entry.zxid || expected.key != entry.key ||
        expected.value != entry.value) {
      Fail(M(member) + " applied " + Z(entry.zxid) + " " + entry.key + "=" +
           entry.value + " as txn #" + std::to_string(index) +
           ", which others applied as " + Z(expected.zxid) + " " +
           expected.key + "=" + expected.value);
      return;
    }
  } else {
    if (!sequence_.empty() && sequence_.back().zxid >= entry.zxid) {
      Fail(M(member) + " applied " + Z(entry.zxid) + " after " +
           Z(sequence_.back().zxid));
      return;
    }
    sequence_.push_back(entry);
  }
  ++index;
}

void InvariantChecker::OnStateReset(int member, size_t applied_count,
                                    Zxid zxid) {
  if (applied_count > sequence_.size() ||
      (applied_count > 0 && sequence_[applied_count - 1].zxid != zxid) ||
      (applied_count == 0 && zxid != 0)) {
    Fail(M(member) + " restored a state at " + Z(zxid) +
         " that is not a prefix of the applied sequence");
    return;
  }
  applied_[member] = applied_count;
}

void InvariantChecker::OnEstablished(int member, int64_t epoch, int64_t now,
                                     const HistoryHolds& holds) {
  auto [it, inserted] = leaders_.emplace(epoch, member);
  if (!inserted) {
    Fail("epoch " + std::to_string(epoch) + " established twice: by " +
         M(it->second) + " and " + M(member));
    return;
  }
  for (const auto& [zxid, acked] : acked_) {
    if (acked.epoch_bound < epoch && !holds(zxid, acked.value)) {
      Fail(M(member) + " established epoch " + std::to_string(epoch) +
           " without the acknowledged " + Z(zxid));
      return;
    }
  }
}

void InvariantChecker::OnWriteProposed(Zxid zxid, const std::string& key,
                                       const std::string& value, int64_t now) {
  registers_.OnWrite(key, zxid, now);
}

void InvariantChecker::OnClientAck(Zxid zxid, int64_t now) {
  const int64_t index = IndexOf(zxid);
  if (index < 0) {
    Fail("client acknowledged " + Z(zxid) + ", which nobody applied");
    return;
  }
  const int64_t bound = leaders_.empty() ? 0 : leaders_.rbegin()->first;
  acked_.emplace(zxid, Acked{zxid, sequence_[index].value, now, bound});
  registers_.OnAck(zxid, now);
}

void InvariantChecker::OnRead(const std::string& key, Zxid read_zxid,
                              int64_t start, int64_t end) {
  std::string problem = registers_.OnRead(key, read_zxid, start, end);
  if (!problem.empty()) Fail("not linearizable: " + problem);
}

void InvariantChecker::CheckAllApplied(const std::vector<int>& members) {
  if (acked_.empty()) return;
  const int64_t last = IndexOf(acked_.rbegin()->first);
  for (int member : members) {
    if (static_cast<int64_t>(applied_count(member)) <= last) {
      Fail(M(member) + " applied " + std::to_string(applied_count(member)) +
           " txns, missing the acknowledged " + Z(acked_.rbegin()->first));
      return;
    }
  }
}

}  // namespace canopy::sim
