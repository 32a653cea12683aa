// Test helpers for zab::Core: an in-memory log reader, and an ensemble of
// cores whose messages arrive at once, in order, and whose log writes are
// durable when the test says so (at once by default). For the random,
// faulty version see tests/sim.
#ifndef CANOPY_TESTS_UNIT_ZAB_TEST_ENSEMBLE_H_
#define CANOPY_TESTS_UNIT_ZAB_TEST_ENSEMBLE_H_

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "server/zab/core.h"

namespace canopy::zab::testing {

// A log in a vector, as a LogReader.
class VectorLog : public LogReader {
 public:
  Zxid SnapshotZxid() const override { return snapshot_zxid; }
  Zxid FirstZxid() const override {
    return txns.empty() ? 0 : txns.front().zxid();
  }
  Zxid LastZxid() const override {
    return txns.empty() ? 0 : txns.back().zxid();
  }
  bool Contains(Zxid zxid) const override {
    return std::any_of(txns.begin(), txns.end(),
                       [&](const proto::Txn& t) { return t.zxid() == zxid; });
  }
  Zxid Floor(Zxid zxid) const override {
    Zxid floor = 0;
    for (const auto& t : txns) {
      if (t.zxid() <= zxid) floor = t.zxid();
    }
    return floor;
  }
  Status ReadAfter(
      Zxid after, Zxid upto,
      const std::function<bool(const proto::Txn&)>& fn) const override {
    for (const auto& t : txns) {
      if (t.zxid() > after && t.zxid() <= upto && !fn(t)) break;
    }
    return Status::Ok();
  }
  void Append(const std::vector<proto::Txn>& more) {
    txns.insert(txns.end(), more.begin(), more.end());
  }
  void TruncateAfter(Zxid zxid) {
    txns.erase(std::remove_if(txns.begin(), txns.end(),
                              [&](const proto::Txn& t) {
                                return t.zxid() > zxid;
                              }),
               txns.end());
  }

  std::vector<proto::Txn> txns;
  Zxid snapshot_zxid = 0;
};

inline proto::Txn SetTxn(const std::string& path, const std::string& data = "") {
  proto::Txn txn;
  txn.mutable_set_data()->set_path(path);
  txn.mutable_set_data()->set_data(data);
  return txn;
}

// Voters 1..voters and observers after them; messages delivered at once.
class Ensemble {
 public:
  struct Member {
    std::unique_ptr<Core> core;
    VectorLog log;
    proto::EpochState epochs;
    std::vector<proto::Txn> applied;
    std::vector<uint64_t> sync_ready;
    std::vector<uint64_t> sync_failed;
    std::deque<Ack> held;     // after_sync acks not yet durable
    bool hold_acks = false;   // the log's fsync is stuck
    bool up = true;
  };

  Ensemble(int voters, int observers = 0) {
    for (int i = 1; i <= voters; ++i) options_.voters.insert(i);
    for (int i = 1; i <= observers; ++i) options_.observers.insert(voters + i);
    for (int id = 1; id <= voters + observers; ++id) members_[id].up = false;
    for (int id = 1; id <= voters + observers; ++id) Start(id);
  }

  Member& m(MemberId id) { return members_.at(id); }

  void Start(MemberId id) {
    Member& member = members_[id];
    CoreOptions options = options_;
    options.my_id = id;
    options.incarnation = ++incarnations_;
    Recovered recovered;
    recovered.epochs = member.epochs;
    recovered.last_logged_zxid = member.log.LastZxid();
    recovered.applied_zxid =
        member.applied.empty() ? 0 : member.applied.back().zxid();
    member.held.clear();
    member.up = true;
    member.core = std::make_unique<Core>(options, recovered, &member.log);
    Pump();
  }

  // Stops a member; its log and epochs stay (everything was durable).
  void Stop(MemberId id) {
    m(id).up = false;
    m(id).core.reset();
  }

  // Ticks every member that is up, n times, delivering all messages.
  void Tick(int n = 1) {
    for (int i = 0; i < n; ++i) {
      for (auto& [id, member] : members_) {
        if (member.up) member.core->Tick();
      }
      Pump();
    }
  }

  // Releases the held acks of a member whose fsync completes.
  void Sync(MemberId id) {
    Member& member = m(id);
    member.hold_acks = false;
    while (!member.held.empty()) {
      Ack ack = member.held.front();
      member.held.pop_front();
      member.core->StepAck(ack);
    }
    Pump();
  }

  MemberId Leader() const {
    for (const auto& [id, member] : members_) {
      if (member.up && member.core->role() == Role::kLeading &&
          member.core->serving()) {
        return id;
      }
    }
    return 0;
  }

  // Delivers everything pending, in order, until quiet (bounded).
  void Pump() {
    for (int round = 0; round < 10000; ++round) {
      bool any = false;
      for (auto& [id, member] : members_) {
        if (!member.up || !member.core) continue;
        while (member.core->HasReady()) {
          any = true;
          Handle(id, member, member.core->TakeReady());
        }
      }
      while (!wire_.empty()) {
        any = true;
        proto::PeerMessage message = std::move(wire_.front());
        wire_.pop_front();
        if (cut_.count(message.from()) || cut_.count(message.to())) continue;
        Member& to = m(message.to());
        if (to.up && to.core) (void)to.core->Step(message);
      }
      if (!any) return;
    }
  }

  // Messages from or to a cut-off member are lost.
  void CutOff(MemberId id) { cut_.insert(id); }
  void Reconnect(MemberId id) { cut_.erase(id); }

 private:
  void Handle(MemberId id, Member& member, Ready ready) {
    if (ready.persist_epochs) member.epochs = *ready.persist_epochs;
    if (ready.truncate_after) member.log.TruncateAfter(*ready.truncate_after);
    member.log.Append(ready.to_log);
    for (auto& message : ready.send) wire_.push_back(std::move(message));
    for (const Ack& ack : ready.after_sync) member.held.push_back(ack);
    for (const auto& txn : ready.to_apply) member.applied.push_back(txn);
    for (uint64_t id : ready.sync_ready) member.sync_ready.push_back(id);
    for (uint64_t id : ready.sync_failed) member.sync_failed.push_back(id);
    if (!member.hold_acks) {
      while (!member.held.empty()) {
        Ack ack = member.held.front();
        member.held.pop_front();
        member.core->StepAck(ack);
      }
    }
  }

  CoreOptions options_;
  std::map<MemberId, Member> members_;
  std::deque<proto::PeerMessage> wire_;
  std::set<MemberId> cut_;
  uint64_t incarnations_ = 0;
};

}  // namespace canopy::zab::testing

#endif  // CANOPY_TESTS_UNIT_ZAB_TEST_ENSEMBLE_H_
