// SimMember: the host of one zab::Core in the simulator, doing exactly what
// a real host must do with each Ready (see zab::Ready): persist epochs,
// truncate, append to the simulated disk (the fsync completes later), send,
// stream snapshots, hold after_sync acks until the disk is durable up to
// them and hand them back with StepAck, apply committed txns to a key-value
// state. A crash loses the core, the applied state and whatever the disk had
// not synced; a restart rebuilds the core from the disk alone.
#ifndef CANOPY_TESTS_SIM_SIM_MEMBER_H_
#define CANOPY_TESTS_SIM_SIM_MEMBER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>

#include "proto/peer.pb.h"
#include "server/zab/core.h"
#include "tests/sim/checker.h"
#include "tests/sim/sim_disk.h"

namespace canopy::sim {

// What a member needs from the simulated world.
class MemberWorld {
 public:
  virtual ~MemberWorld() = default;
  virtual int64_t Now() const = 0;
  virtual std::mt19937_64& Rng() = 0;
  // How long the next log write takes to become durable (the fsync).
  virtual int64_t SyncDelay() = 0;
  virtual InvariantChecker& checker() = 0;
  virtual void Send(const proto::PeerMessage& message) = 0;
  virtual void SendSnapshot(int from, int to,
                            std::shared_ptr<const SimSnapshot> snapshot) = 0;
  // Calls the member's DiskDone at `at` (if it is still the same life).
  virtual void ScheduleDiskDone(int member, uint64_t incarnation,
                                int64_t at) = 0;
  virtual void OnApplied(int member, const proto::Txn& txn) = 0;
  virtual void OnSyncDone(int member, uint64_t id, bool ok) = 0;
  // A transcript line, if a transcript is kept.
  virtual bool tracing() const = 0;
  virtual void Note(const std::string& line) = 0;
};

class SimMember {
 public:
  SimMember(int id, zab::CoreOptions options, MemberWorld* world);

  // Builds the core from the disk (first start or restart).
  void Start();
  // Loses the core, the applied state and the unsynced writes.
  void Crash();
  void Tick();
  void Deliver(const proto::PeerMessage& message);
  void DeliverSnapshot(int from, std::shared_ptr<const SimSnapshot> snapshot);
  void DiskDone();
  // The host noticed its link to `other` break (zab::Core::PeerLost).
  void PeerLost(int other);
  // Snapshots the applied state; compacts the log up to it when asked.
  void TakeSnapshot(bool compact);

  Result<Zxid> Propose(proto::Txn txn);
  Status RequestSyncBarrier(uint64_t id);

  int id() const { return id_; }
  bool up() const { return core_ != nullptr; }
  uint64_t incarnation() const { return incarnation_; }
  const zab::Core* core() const { return core_.get(); }
  const SimDisk& disk() const { return disk_; }
  const KvState& state() const { return state_; }
  size_t applied_count() const { return applied_count_; }
  Zxid applied_zxid() const { return applied_zxid_; }
  // Whether the member's history (log, or snapshot) holds zxid = value.
  bool HistoryHolds(Zxid zxid, const std::string& value) const;

 private:
  void Drain();
  void Handle(zab::Ready ready);
  void Apply(const proto::Txn& txn);
  void ReleaseDurableAcks();
  void Note(const std::string& line);

  const int id_;
  zab::CoreOptions options_;
  MemberWorld* world_;
  uint64_t incarnation_ = 0;
  SimDisk disk_;
  std::unique_ptr<zab::Core> core_;
  KvState state_;
  size_t applied_count_ = 0;
  Zxid applied_zxid_ = 0;
  std::deque<zab::Ack> held_acks_;  // after_sync, until durable
};

}  // namespace canopy::sim

#endif  // CANOPY_TESTS_SIM_SIM_MEMBER_H_
