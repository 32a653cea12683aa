#include "tests/sim/sim_disk.h"

#include <algorithm>

namespace canopy::sim {

std::vector<proto::Txn>::const_iterator SimDisk::LowerBound(Zxid zxid) const {
  return std::lower_bound(
      log_.begin(), log_.end(), zxid,
      [](const proto::Txn& txn, Zxid z) { return txn.zxid() < z; });
}

Zxid SimDisk::FirstZxid() const {
  return log_.empty() ? 0 : log_.front().zxid();
}

Zxid SimDisk::LastZxid() const { return log_.empty() ? 0 : log_.back().zxid(); }

bool SimDisk::Contains(Zxid zxid) const { return Find(zxid) != nullptr; }

const proto::Txn* SimDisk::Find(Zxid zxid) const {
  auto it = LowerBound(zxid);
  return it != log_.end() && it->zxid() == zxid ? &*it : nullptr;
}

Zxid SimDisk::Floor(Zxid zxid) const {
  auto it = LowerBound(zxid + 1);
  return it == log_.begin() ? 0 : std::prev(it)->zxid();
}

Status SimDisk::ReadAfter(
    Zxid after, Zxid upto,
    const std::function<bool(const proto::Txn&)>& fn) const {
  for (auto it = LowerBound(after + 1); it != log_.end() && it->zxid() <= upto;
       ++it) {
    if (!fn(*it)) break;
  }
  return Status::Ok();
}

int64_t SimDisk::Append(const std::vector<proto::Txn>& txns,
                        int64_t done_time) {
  log_.insert(log_.end(), txns.begin(), txns.end());
  last_done_time_ = std::max(last_done_time_, done_time);
  writes_.push_back(Write{last_done_time_, log_.size()});
  return last_done_time_;
}

void SimDisk::CompleteWrites(int64_t now) {
  while (!writes_.empty() && writes_.front().done_time <= now) {
    durable_ = std::max(durable_, std::min(writes_.front().end, log_.size()));
    writes_.pop_front();
  }
}

Zxid SimDisk::DurableZxid() const {
  return durable_ > 0 ? log_[durable_ - 1].zxid() : snapshot_->zxid;
}

void SimDisk::TruncateAfter(Zxid zxid) {
  log_.erase(LowerBound(zxid + 1), log_.end());
  durable_ = std::min(durable_, log_.size());
  for (Write& write : writes_) write.end = std::min(write.end, log_.size());
}

void SimDisk::SetSnapshot(std::shared_ptr<const SimSnapshot> snapshot,
                          Zxid compact_upto) {
  snapshot_ = std::move(snapshot);
  compact_upto = std::min(compact_upto, snapshot_->zxid);
  if (compact_upto <= 0) return;
  size_t drop = 0;
  while (drop < durable_ && log_[drop].zxid() <= compact_upto) ++drop;
  log_.erase(log_.begin(), log_.begin() + drop);
  durable_ -= drop;
  for (Write& write : writes_) write.end -= std::min(write.end, drop);
}

void SimDisk::Install(std::shared_ptr<const SimSnapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  log_.clear();
  durable_ = 0;
  writes_.clear();
}

void SimDisk::Crash() {
  log_.resize(durable_);
  writes_.clear();
  if (!log_.empty() && log_.back().zxid() < snapshot_->zxid) log_.clear();
  durable_ = log_.size();
}

}  // namespace canopy::sim
