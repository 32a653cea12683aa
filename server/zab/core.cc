#include "server/zab/core.h"

#include <algorithm>
#include <cassert>

namespace canopy::zab {

Core::Core(CoreOptions options, proto::EpochState epochs,
           Zxid last_logged_zxid)
    : options_(std::move(options)), epochs_(std::move(epochs)) {
  assert(options_.voters.count(options_.my_id) == 1);
  last_proposed_ = last_logged_zxid;
  last_committed_ = last_logged_zxid;
  if (options_.voters.size() == 1) EstablishSingleMember(last_logged_zxid);
}

void Core::EstablishSingleMember(Zxid last_logged_zxid) {
  // An ensemble of one elects itself. Its new epoch is above every epoch it
  // has accepted or logged, and is persisted before any proposal of it.
  const int64_t new_epoch =
      std::max({epochs_.accepted_epoch(), epochs_.current_epoch(),
                EpochOf(last_logged_zxid)}) +
      1;
  epochs_.set_accepted_epoch(new_epoch);
  epochs_.set_current_epoch(new_epoch);
  ready_.persist_epochs = epochs_;
  // Everything in the log was durable before this start, so it is
  // committed: a quorum of one acked it.
  last_proposed_ = MakeZxid(new_epoch, 0);
  last_committed_ = last_logged_zxid;
  role_ = Role::kLeading;
  ready_.role = role_;
}

Zxid Core::NextZxid() const { return last_proposed_ + 1; }

Result<Zxid> Core::Propose(proto::Txn txn) {
  if (role_ != Role::kLeading) {
    return Result<Zxid>(proto::SYSTEM_ERROR, "not the leader");
  }
  if (CounterOf(last_proposed_) == 0xffffffffLL) {
    return Result<Zxid>(proto::SYSTEM_ERROR, "zxid counter exhausted");
  }
  const Zxid zxid = last_proposed_ + 1;
  assert(EpochOf(zxid) == epochs_.current_epoch());
  last_proposed_ = zxid;
  txn.set_zxid(zxid);
  ready_.to_log.push_back(txn);
  ready_.after_sync.push_back(
      Ack{options_.my_id, options_.my_id, zxid});
  proposals_.push_back(Proposal{std::move(txn), {}});
  return zxid;
}

void Core::StepAck(const Ack& ack) {
  if (role_ != Role::kLeading || ack.to != options_.my_id) return;
  if (options_.voters.count(ack.from) == 0) return;
  // An ack for zxid covers every proposal up to it: logs are appended in
  // order.
  for (auto& proposal : proposals_) {
    if (proposal.txn.zxid() > ack.zxid) break;
    proposal.acks.insert(ack.from);
  }
  CommitReady();
}

bool Core::HasQuorum(const std::set<MemberId>& acks) const {
  return acks.size() * 2 > options_.voters.size();
}

void Core::CommitReady() {
  while (!proposals_.empty() && HasQuorum(proposals_.front().acks)) {
    assert(proposals_.front().txn.zxid() > last_committed_);
    last_committed_ = proposals_.front().txn.zxid();
    ready_.to_apply.push_back(std::move(proposals_.front().txn));
    proposals_.pop_front();
  }
}

void Core::Tick() {}

Ready Core::TakeReady() {
  Ready out = std::move(ready_);
  ready_ = Ready{};
  return out;
}

}  // namespace canopy::zab
