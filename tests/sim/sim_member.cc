#include "tests/sim/sim_member.h"

#include <algorithm>
#include <utility>

#include "server/zab/messages.h"

namespace canopy::sim {
namespace {

// A Ready loop that does not end is a core bug.
constexpr int kMaxReadiesPerCall = 10000;

}  // namespace

SimMember::SimMember(int id, zab::CoreOptions options, MemberWorld* world)
    : id_(id), options_(std::move(options)), world_(world) {}

void SimMember::Note(const std::string& line) {
  if (world_->tracing()) world_->Note("m" + std::to_string(id_) + " " + line);
}

void SimMember::Start() {
  ++incarnation_;
  const auto& snapshot = disk_.snapshot();
  state_ = snapshot->state;
  applied_count_ = snapshot->applied_count;
  applied_zxid_ = snapshot->zxid;
  held_acks_.clear();
  world_->checker().OnStateReset(id_, applied_count_, applied_zxid_);
  zab::Recovered recovered;
  recovered.epochs = disk_.epochs();
  recovered.last_logged_zxid = std::max(disk_.LastZxid(), snapshot->zxid);
  recovered.applied_zxid = snapshot->zxid;
  options_.incarnation = incarnation_;
  core_ = std::make_unique<zab::Core>(options_, recovered, &disk_);
  Note("starts: epochs " + std::to_string(recovered.epochs.accepted_epoch()) +
       "/" + std::to_string(recovered.epochs.current_epoch()) + ", log to " +
       zab::ZxidString(recovered.last_logged_zxid) + ", snapshot " +
       zab::ZxidString(snapshot->zxid));
  Drain();
}

void SimMember::Crash() {
  core_.reset();
  disk_.Crash();
  held_acks_.clear();
  state_.clear();
  Note("crashes; disk keeps log to " + zab::ZxidString(disk_.LastZxid()));
}

void SimMember::Tick() {
  core_->Tick();
  Drain();
}

void SimMember::PeerLost(int other) {
  core_->PeerLost(other);
  Drain();
}

void SimMember::Deliver(const proto::PeerMessage& message) {
  Status status = core_->Step(message);
  if (!status.ok()) {
    world_->checker().Fail("m" + std::to_string(id_) + " rejected " +
                           zab::Describe(message) + ": " + status.ToString());
  }
  Drain();
}

void SimMember::DeliverSnapshot(int from,
                                std::shared_ptr<const SimSnapshot> snapshot) {
  const auto wanted = core_->pending_install();
  if (!wanted || wanted->from != from || wanted->zxid != snapshot->zxid) {
    Note("drops a snapshot at " + zab::ZxidString(snapshot->zxid) +
         " from m" + std::to_string(from) + " it no longer waits for");
    return;
  }
  // Install: the log and the state become the snapshot's, synced.
  disk_.Install(snapshot);
  state_ = snapshot->state;
  applied_count_ = snapshot->applied_count;
  applied_zxid_ = snapshot->zxid;
  world_->checker().OnStateReset(id_, applied_count_, applied_zxid_);
  Note("installs the snapshot at " + zab::ZxidString(snapshot->zxid));
  core_->SnapshotInstalled(snapshot->zxid);
  Drain();
}

void SimMember::DiskDone() {
  disk_.CompleteWrites(world_->Now());
  ReleaseDurableAcks();
  Drain();
}

void SimMember::TakeSnapshot(bool compact) {
  auto snapshot = std::make_shared<SimSnapshot>();
  snapshot->zxid = applied_zxid_;
  snapshot->state = state_;
  snapshot->applied_count = applied_count_;
  disk_.SetSnapshot(snapshot, compact ? applied_zxid_ : 0);
  Note(std::string(compact ? "snapshots and compacts" : "snapshots") +
       " at " + zab::ZxidString(applied_zxid_) + "; log starts at " +
       zab::ZxidString(disk_.FirstZxid()));
}

Result<Zxid> SimMember::Propose(proto::Txn txn) {
  Result<Zxid> zxid = core_->Propose(std::move(txn));
  Drain();
  return zxid;
}

Status SimMember::RequestSyncBarrier(uint64_t id) {
  Status status = core_->RequestSyncBarrier(id);
  Drain();
  return status;
}

bool SimMember::HistoryHolds(Zxid zxid, const std::string& value) const {
  if (const proto::Txn* txn = disk_.Find(zxid)) {
    return txn->set_data().data() == value;
  }
  const auto& snapshot = disk_.snapshot();
  return zxid <= snapshot->zxid &&
         world_->checker().InPrefix(snapshot->applied_count, zxid, value);
}

void SimMember::Drain() {
  for (int i = 0; core_ && core_->HasReady(); ++i) {
    if (i >= kMaxReadiesPerCall) {
      world_->checker().Fail("m" + std::to_string(id_) +
                             ": the Ready loop does not end");
      return;
    }
    Handle(core_->TakeReady());
  }
}

void SimMember::Handle(zab::Ready ready) {
  InvariantChecker& checker = world_->checker();
  // 1. Epochs, synced, before anything that may promise them.
  if (ready.persist_epochs) {
    checker.OnEpochs(id_, disk_.epochs(), *ready.persist_epochs);
    disk_.SaveEpochs(*ready.persist_epochs);
    Note("persists epochs " +
         std::to_string(ready.persist_epochs->accepted_epoch()) + "/" +
         std::to_string(ready.persist_epochs->current_epoch()));
  }
  // 2. Truncation, synced, before logging.
  if (ready.truncate_after) {
    checker.OnTruncate(id_, *ready.truncate_after, applied_zxid_);
    disk_.TruncateAfter(*ready.truncate_after);
    Note("truncates after " + zab::ZxidString(*ready.truncate_after));
  }
  // 3. A snapshot to expect: DeliverSnapshot checks pending_install().
  if (ready.install_snapshot) {
    Note("expects a snapshot at " +
         zab::ZxidString(ready.install_snapshot->zxid) + " from m" +
         std::to_string(ready.install_snapshot->from));
  }
  // 4. Append; the fsync completes later.
  if (!ready.to_log.empty()) {
    Zxid last = std::max(disk_.LastZxid(), disk_.snapshot()->zxid);
    for (const proto::Txn& txn : ready.to_log) {
      checker.OnLog(id_, last, txn);
      last = txn.zxid();
    }
    const int64_t done =
        disk_.Append(ready.to_log, world_->Now() + world_->SyncDelay());
    world_->ScheduleDiskDone(id_, incarnation_, done);
  }
  // 5. Send; a snapshot stream right after its SyncStart.
  for (const proto::PeerMessage& message : ready.send) {
    world_->Send(message);
    if (message.has_sync_start() &&
        message.sync_start().mode() == proto::SYNC_SNAP) {
      const auto& snapshot = disk_.snapshot();
      bool listed = false;
      for (const auto& send : ready.send_snapshot) {
        listed |= send.to == message.to() && send.zxid == snapshot->zxid;
      }
      if (!listed || message.sync_start().snapshot_zxid() != snapshot->zxid) {
        checker.Fail("m" + std::to_string(id_) +
                     " sends SNAP without a matching send_snapshot at its "
                     "snapshot " + zab::ZxidString(snapshot->zxid));
      }
      world_->SendSnapshot(id_, message.to(), snapshot);
    }
  }
  // 6. Acks wait for the fsync.
  for (const zab::Ack& ack : ready.after_sync) held_acks_.push_back(ack);
  // 7. Apply.
  for (const proto::Txn& txn : ready.to_apply) Apply(txn);
  // 8. Reports.
  if (ready.role) {
    const zab::RoleChange& role = *ready.role;
    Note(std::string("is ") + zab::RoleName(role.role) +
         (role.leader ? " leader=m" + std::to_string(role.leader) : "") +
         (role.epoch ? " epoch=" + std::to_string(role.epoch) : "") +
         (role.serving ? " serving" : ""));
    if (role.role == zab::Role::kLeading && role.serving) {
      checker.OnEstablished(id_, role.epoch, world_->Now(),
                            [this](Zxid zxid, const std::string& value) {
                              return HistoryHolds(zxid, value);
                            });
    }
  }
  for (uint64_t id : ready.sync_ready) world_->OnSyncDone(id_, id, true);
  for (uint64_t id : ready.sync_failed) world_->OnSyncDone(id_, id, false);
  ReleaseDurableAcks();
}

void SimMember::ReleaseDurableAcks() {
  const Zxid durable = disk_.DurableZxid();
  while (core_ && !held_acks_.empty() && held_acks_.front().zxid <= durable) {
    const zab::Ack ack = held_acks_.front();
    held_acks_.pop_front();
    core_->StepAck(ack);
  }
}

void SimMember::Apply(const proto::Txn& txn) {
  world_->checker().OnApply(id_, txn);
  state_[txn.set_data().path()] = {txn.set_data().data(), txn.zxid()};
  applied_zxid_ = txn.zxid();
  ++applied_count_;
  if (world_->tracing()) {
    Note("applies " + zab::ZxidString(txn.zxid()) + " " +
         txn.set_data().path() + "=" + txn.set_data().data());
  }
  world_->OnApplied(id_, txn);
}

}  // namespace canopy::sim
