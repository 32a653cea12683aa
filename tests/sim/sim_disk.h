// SimDisk: one member's simulated disk — the txn log, the persisted epochs
// and the newest snapshot of the applied state — that loses on a crash
// whatever was not synced yet.
//
// Log writes complete in order, each at a time the simulator picks (the
// fsync); epochs, truncations, snapshots and installs are synced at once.
// It is also the member's zab::LogReader: it shows every appended txn,
// durable or not.
#ifndef CANOPY_TESTS_SIM_SIM_DISK_H_
#define CANOPY_TESTS_SIM_SIM_DISK_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proto/canopy.pb.h"
#include "server/zab/log_reader.h"

namespace canopy::sim {

// The applied state: key -> (value, zxid of the txn that wrote it).
using KvState = std::map<std::string, std::pair<std::string, Zxid>>;

// A snapshot of the applied state at zxid. applied_count (the length of the
// applied txn sequence it stands for) is for the invariant checker only.
struct SimSnapshot {
  Zxid zxid = 0;
  KvState state;
  size_t applied_count = 0;
};

class SimDisk : public zab::LogReader {
 public:
  // zab::LogReader.
  Zxid SnapshotZxid() const override { return snapshot_->zxid; }
  Zxid FirstZxid() const override;
  Zxid LastZxid() const override;
  bool Contains(Zxid zxid) const override;
  Zxid Floor(Zxid zxid) const override;
  Status ReadAfter(
      Zxid after, Zxid upto,
      const std::function<bool(const proto::Txn&)>& fn) const override;

  // Appends txns; they become durable at done_time (or later: writes
  // complete in order). Returns the completion time.
  int64_t Append(const std::vector<proto::Txn>& txns, int64_t done_time);
  // Completes every write due by now.
  void CompleteWrites(int64_t now);
  // The log is durable up to this zxid (the snapshot's when no txn is).
  Zxid DurableZxid() const;
  // Drops every txn above zxid, synced.
  void TruncateAfter(Zxid zxid);
  // Keeps the snapshot (synced); then drops durable txns up to
  // compact_upto (at most the snapshot's zxid) when compact_upto > 0.
  void SetSnapshot(std::shared_ptr<const SimSnapshot> snapshot,
                   Zxid compact_upto);
  // Replaces log and snapshot with a leader's snapshot, synced.
  void Install(std::shared_ptr<const SimSnapshot> snapshot);
  // Loses everything not synced; drops a log the snapshot overtook.
  void Crash();

  const std::shared_ptr<const SimSnapshot>& snapshot() const {
    return snapshot_;
  }
  const proto::EpochState& epochs() const { return epochs_; }
  void SaveEpochs(const proto::EpochState& epochs) { epochs_ = epochs; }
  size_t log_size() const { return log_.size(); }
  // The txn with this zxid, or null.
  const proto::Txn* Find(Zxid zxid) const;

 private:
  struct Write {
    int64_t done_time;
    size_t end;  // log_[0, end) is durable once this write completes
  };
  std::vector<proto::Txn>::const_iterator LowerBound(Zxid zxid) const;

  std::vector<proto::Txn> log_;
  size_t durable_ = 0;  // log_[0, durable_) is synced
  std::deque<Write> writes_;
  int64_t last_done_time_ = 0;
  proto::EpochState epochs_;
  std::shared_ptr<const SimSnapshot> snapshot_ =
      std::make_shared<const SimSnapshot>();
};

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_SIM_DISK_H_
