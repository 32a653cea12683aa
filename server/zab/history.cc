#include "server/zab/history.h"

#include <algorithm>

namespace canopy::zab {

History::History(const LogReader* log, Zxid null_snapshot_zxid,
                 const Ready& pending)
    : log_(log), null_snapshot_zxid_(null_snapshot_zxid), pending_(pending) {}

Zxid History::SnapshotZxid() const {
  return log_ ? log_->SnapshotZxid() : null_snapshot_zxid_;
}

Zxid History::LogLast() const {
  Zxid last = log_ ? log_->LastZxid() : 0;
  if (pending_.truncate_after) last = std::min(last, *pending_.truncate_after);
  return last;
}

Zxid History::Last() const {
  if (!pending_.to_log.empty()) return pending_.to_log.back().zxid();
  return std::max(LogLast(), SnapshotZxid());
}

bool History::Contains(Zxid zxid) const {
  if (zxid <= 0) return false;
  const auto& pending = pending_.to_log;
  if (!pending.empty() && zxid >= pending.front().zxid()) {
    auto it = std::lower_bound(
        pending.begin(), pending.end(), zxid,
        [](const proto::Txn& txn, Zxid z) { return txn.zxid() < z; });
    return it != pending.end() && it->zxid() == zxid;
  }
  return log_ != nullptr && zxid <= LogLast() && log_->Contains(zxid);
}

bool History::CanDiffFrom(Zxid zxid) const {
  // The log is contiguous: holding a txn means holding every later one.
  return zxid == SnapshotZxid() || Contains(zxid);
}

Zxid History::Floor(Zxid zxid) const {
  for (auto it = pending_.to_log.rbegin(); it != pending_.to_log.rend();
       ++it) {
    if (it->zxid() <= zxid) return it->zxid();
  }
  if (log_ == nullptr) return 0;
  return log_->Floor(std::min(zxid, LogLast()));
}

Status History::Read(Zxid after, Zxid upto,
                     const std::function<bool(const proto::Txn&)>& fn) const {
  if (upto <= after) return Status::Ok();
  Zxid last_read = after;
  bool stopped = false;
  const Zxid log_upto = std::min(upto, LogLast());
  if (log_ != nullptr && log_upto > after) {
    Status status =
        log_->ReadAfter(after, log_upto, [&](const proto::Txn& txn) {
          last_read = txn.zxid();
          stopped = !fn(txn);
          return !stopped;
        });
    if (!status.ok()) return status;
  }
  if (stopped) return Status::Ok();
  for (const proto::Txn& txn : pending_.to_log) {
    if (txn.zxid() <= last_read) continue;
    if (txn.zxid() > upto) break;
    if (!fn(txn)) break;
  }
  return Status::Ok();
}

namespace {

// The number of txns in (from, upto], counting at most limit + 1.
size_t CountTxns(const History& history, Zxid from, Zxid upto, size_t limit) {
  if (upto <= from) return 0;
  if (EpochOf(from) == EpochOf(upto)) {
    return static_cast<size_t>(CounterOf(upto) - CounterOf(from));
  }
  size_t count = 0;
  Status status = history.Read(from, upto, [&](const proto::Txn&) {
    return ++count <= limit;
  });
  if (!status.ok()) return limit + 1;
  return count;
}

}  // namespace

SyncPlan ChooseSync(const History& history, Zxid learner_zxid, Zxid upto,
                    size_t max_diff_txns) {
  const Zxid snapshot = history.SnapshotZxid();
  SyncPlan plan;
  if (history.CanDiffFrom(learner_zxid)) {
    plan.mode = proto::SYNC_DIFF;
    plan.diff_from = learner_zxid;
  } else {
    // The learner holds txns the history lacks. Histories that share a zxid
    // share everything before it, so the last zxid both hold is the
    // history's last zxid at or below the learner's.
    const Zxid common = history.Floor(learner_zxid);
    if (history.CanDiffFrom(common)) {
      plan.mode = proto::SYNC_TRUNC;
      plan.diff_from = common;
    } else {
      plan.mode = proto::SYNC_SNAP;
      plan.diff_from = snapshot;
    }
  }
  if (plan.mode != proto::SYNC_SNAP && snapshot > plan.diff_from &&
      CountTxns(history, plan.diff_from, upto, max_diff_txns) >
          max_diff_txns) {
    plan.mode = proto::SYNC_SNAP;
    plan.diff_from = snapshot;
  }
  return plan;
}

}  // namespace canopy::zab
