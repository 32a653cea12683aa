// DigestCheck: compares this member's tree digest with the digests its
// leader announces, zxid by zxid, to catch a member whose tree has diverged.
//
// The leader announces (zxid, digest of its tree right after applying zxid)
// now and then; a learner records its own digest after each txn it applies
// (the last kMaxApplied of them) and compares an announcement with the entry
// for the same zxid: at once when it has applied that zxid already, or when
// it gets there. Announcements older than what it remembers are skipped.
// Pure: no IO, no clock; one strand calls it.
#ifndef CANOPY_SERVER_PIPELINE_DIGEST_CHECK_H_
#define CANOPY_SERVER_PIPELINE_DIGEST_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "common/status.h"

namespace canopy::pipeline {

// A disagreement: at zxid, this member's digest was mine, the leader's was
// leaders.
struct DigestMismatch {
  Zxid zxid = 0;
  uint64_t mine = 0;
  uint64_t leaders = 0;
};

class DigestCheck {
 public:
  // How many applied (zxid, digest) pairs and pending announcements are
  // kept; older ones are dropped.
  static constexpr size_t kMaxApplied = 4096;
  static constexpr size_t kMaxPending = 64;

  // This member applied zxid and its tree's digest is now digest. zxids
  // must increase (a lower one forgets what came before: the tree was
  // replaced). Returns a mismatch with a pending announcement for zxid.
  std::optional<DigestMismatch> Applied(Zxid zxid, uint64_t digest);
  // The leader says its digest after zxid was digest. Returns a mismatch
  // when this member's digest after zxid is known and differs.
  std::optional<DigestMismatch> Announced(Zxid zxid, uint64_t digest);
  // Forgets everything (the tree was replaced by a snapshot, or the leader
  // changed).
  void Reset();

  // For status output and tests: announcements compared and found equal.
  uint64_t matched() const { return matched_; }

 private:
  std::deque<std::pair<Zxid, uint64_t>> applied_;  // increasing zxids
  std::deque<std::pair<Zxid, uint64_t>> pending_;  // increasing zxids
  uint64_t matched_ = 0;
};

}  // namespace canopy::pipeline

#endif  // CANOPY_SERVER_PIPELINE_DIGEST_CHECK_H_
