// Preparer: turns a client write into a Txn by validating it against the tree
// as it will be once every in-flight txn commits — the committed DataTree plus
// an overlay of the changes of prepared but not yet applied txns.
//
// Pure and single-threaded, like DataTree. Usage on the leader:
//   auto prepared = preparer.Prepare(session, auth, request, next_zxid, now);
//   if it holds a txn: propose it (the core must assign next_zxid);
//   otherwise answer prepared.error_response at once, in session order.
//   After the tree applies zxid Z: preparer.OnApplied(Z).
//   On losing leadership: preparer.Reset().
#ifndef CANOPY_SERVER_TREE_PREPARE_H_
#define CANOPY_SERVER_TREE_PREPARE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/tree/data_tree.h"

namespace canopy::tree {

struct Prepared {
  // Set when the request becomes a txn.
  std::optional<proto::Txn> txn;
  // Set otherwise: err set; a failed multi carries its per-op results
  // (OK for the ops before the failing one, the error for it,
  // RUNTIME_INCONSISTENCY after it).
  proto::Response error_response;
  // Lines for the log: soft quota limits the write goes over (it goes
  // ahead), or the hard limit that refused it (see quota.h).
  std::vector<std::string> warnings;
};

class Preparer {
 public:
  explicit Preparer(const DataTree& tree);

  // Validates create, delete, set_data, set_acl, check, multi against the
  // future state; stamps the resulting txn with zxid, session, xid and
  // now_ms, and records its changes in the overlay under zxid.
  Prepared Prepare(SessionId session, const AuthIds& auth,
                   const proto::Request& request, Zxid zxid, int64_t now_ms);

  // Session txns. CreateSession always succeeds; CloseSession also marks the
  // session's ephemerals (committed and pending) deleted in the overlay.
  proto::Txn PrepareCreateSession(SessionId session, int32_t timeout_ms,
                                  const std::string& password, Zxid zxid,
                                  int64_t now_ms);
  proto::Txn PrepareCloseSession(SessionId session, Zxid zxid, int64_t now_ms);
  // The deletion of a container that Apply reported empty; nullopt when it
  // is gone or has children in the future state.
  std::optional<proto::Txn> PrepareContainerDelete(const std::string& path,
                                                   Zxid zxid, int64_t now_ms);
  // The deletion (a DeleteTxn from session 0) of a TTL node that
  // DataTree::ExpiredTtlNodes reported; nullopt unless, in the future state,
  // it is still a TTL node without children whose mtime + ttl_ms < now_ms.
  std::optional<proto::Txn> PrepareTtlDelete(const std::string& path,
                                             Zxid zxid, int64_t now_ms);

  // Drops overlay entries of txns up to and including zxid.
  void OnApplied(Zxid zxid);
  // Forgets every pending change (the in-flight txns were abandoned).
  void Reset();
  size_t overlay_size() const;

 private:
  struct PendingNode;  // defined in prepare.cc
  class Batch;         // one request's changes before they join the overlay

  // SESSION_EXPIRED unless the session is open (committed or pending) and
  // not being closed; session 0 (the server itself) always passes.
  Status CheckSession(SessionId session) const;
  // Moves a successful batch into the overlay under zxid.
  void Commit(Batch& batch, Zxid zxid);
  // What prepared, unapplied txns add to the quota on root.
  QuotaUsage PendingQuota(const std::string& root) const;

  const DataTree& tree_;
  std::map<std::string, std::shared_ptr<PendingNode>> overlay_;
  // Overlay paths each pending zxid touched, for OnApplied.
  std::map<Zxid, std::vector<std::string>> touched_;
  // Sessions whose CreateSession / CloseSession txn is not applied yet.
  std::unordered_map<SessionId, Zxid> pending_sessions_;
  std::unordered_map<SessionId, Zxid> closing_sessions_;
  // Quota usage changes of pending txns: summed by root, and by zxid for
  // OnApplied.
  std::map<std::string, QuotaUsage, std::less<>> pending_quota_;
  std::map<Zxid, std::vector<std::pair<std::string, QuotaUsage>>>
      quota_touched_;
};

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_PREPARE_H_
