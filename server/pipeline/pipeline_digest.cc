// Tree digests between members: the leader announces its digest after the
// last txn it applied, once per tick when it moved; a learner compares it
// with its own after the same zxid (DigestCheck) and, on a mismatch, stops
// serving rather than answer reads from a tree that is not the leader's.
#include "server/pipeline/pipeline.h"

namespace canopy::pipeline {

void Pipeline::AnnounceDigest() {
  // When the tree moved, and every kReannounceTicks ticks anyway, so that a
  // learner that joined after the last write is checked too.
  constexpr int64_t kReannounceTicks = 10;
  if (options_.peers.empty()) return;
  // Tick comes at least twice per tick_ms, so some call falls in the first
  // half tick of every period (one or two announcements each).
  const bool period_start =
      now_.mono_ms % (kReannounceTicks * options_.tick_ms) <
      options_.tick_ms / 2;
  if (tree_->last_zxid() == announced_zxid_ && !period_start) return;
  announced_zxid_ = tree_->last_zxid();
  proto::MemberMessage message;
  message.mutable_digest()->set_zxid(tree_->last_zxid());
  message.mutable_digest()->set_digest(tree_->Digest());
  for (int64_t peer : options_.peers) host_->SendToMember(peer, message);
}

void Pipeline::OnDigestAnnounced(int64_t from,
                                 const proto::DigestAnnouncement& digest) {
  // Only the leader this member follows speaks for the ensemble's state
  // (also while it syncs us: what we applied so far is a prefix of its).
  if (diverged_ || role_.role == zab::Role::kLooking ||
      from != role_.leader || from == options_.server_id) {
    return;
  }
  if (auto mismatch = digest_check_.Announced(digest.zxid(), digest.digest())) {
    OnDiverged(*mismatch);
  }
}

void Pipeline::OnDiverged(const DigestMismatch& mismatch) {
  if (diverged_) return;
  diverged_ = true;
  DropClients();
  host_->Diverged(mismatch);
}

}  // namespace canopy::pipeline
