#include "server/net/host_log.h"

#include <algorithm>

namespace canopy::net {

Result<std::unique_ptr<HostLog>> HostLog::Open(storage::TxnLog* log,
                                               Zxid snapshot_zxid) {
  std::unique_ptr<HostLog> host(new HostLog(log, snapshot_zxid));
  Status status = log->ReadAfter(0, [&](const proto::Txn& txn) {
    host->zxids_.push_back(txn.zxid());
    return true;
  });
  if (!status.ok()) return status;
  return host;
}

void HostLog::Appended(const std::vector<proto::Txn>& txns) {
  for (const auto& txn : txns) {
    zxids_.push_back(txn.zxid());
    unwritten_.emplace(txn.zxid(), txn);
  }
}

void HostLog::Durable(Zxid zxid) {
  unwritten_.erase(unwritten_.begin(), unwritten_.upper_bound(zxid));
}

void HostLog::Truncated(Zxid after) {
  while (!zxids_.empty() && zxids_.back() > after) zxids_.pop_back();
  unwritten_.erase(unwritten_.upper_bound(after), unwritten_.end());
}

void HostLog::Dropped(Zxid upto) {
  while (!zxids_.empty() && zxids_.front() <= upto) zxids_.pop_front();
}

Zxid HostLog::FirstZxid() const { return zxids_.empty() ? 0 : zxids_.front(); }

Zxid HostLog::LastZxid() const { return zxids_.empty() ? 0 : zxids_.back(); }

bool HostLog::Contains(Zxid zxid) const {
  return std::binary_search(zxids_.begin(), zxids_.end(), zxid);
}

Zxid HostLog::Floor(Zxid zxid) const {
  auto it = std::upper_bound(zxids_.begin(), zxids_.end(), zxid);
  return it == zxids_.begin() ? 0 : *std::prev(it);
}

Status HostLog::ReadAfter(
    Zxid after, Zxid upto,
    const std::function<bool(const proto::Txn&)>& fn) const {
  // What LevelDB holds first, then what the writer has not written yet.
  const Zxid first_unwritten =
      unwritten_.empty() ? Zxid(INT64_MAX) : unwritten_.begin()->first;
  bool more = true;
  if (after < first_unwritten - 1 || unwritten_.empty()) {
    Status status = log_->ReadAfter(after, [&](const proto::Txn& txn) {
      if (txn.zxid() > upto || txn.zxid() >= first_unwritten) return false;
      // A truncation the writer has not carried out yet leaves cut txns on
      // disk for a moment: the index is the truth.
      if (!Contains(txn.zxid())) return true;
      more = fn(txn);
      return more;
    });
    if (!status.ok()) return status;
  }
  for (auto it = unwritten_.upper_bound(after);
       more && it != unwritten_.end() && it->first <= upto; ++it) {
    more = fn(it->second);
  }
  return Status();
}

}  // namespace canopy::net
