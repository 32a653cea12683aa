// Pipeline: request processing on one member, as DESIGN.md's write and read
// paths describe. On the leader it validates a write against the future
// state (Preparer), hands the txn to the zab core and passes on what the core
// wants logged and sent; on a learner it forwards writes, session opens and
// closes, and syncs to the leader. Every member applies committed txns to
// its DataTree, fires watches and answers its own sessions in request order.
//
// Deterministic and IO-free: the host (server/net) delivers connections,
// requests, peer messages, durability notices and ticks with the time, and
// carries out the effects through PipelineHost. Single-threaded: one strand
// calls every method. Standalone is an ensemble of one: the same code.
#ifndef CANOPY_SERVER_PIPELINE_PIPELINE_H_
#define CANOPY_SERVER_PIPELINE_PIPELINE_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"
#include "proto/member.pb.h"
#include "server/pipeline/digest_check.h"
#include "server/session/session_tracker.h"
#include "server/tree/data_tree.h"
#include "server/tree/prepare.h"
#include "server/zab/core.h"

namespace canopy::pipeline {

// A client connection, numbered by the host; 0 is never a connection.
using ConnId = uint64_t;

// The host's clocks: wall time stamps znodes, monotonic time drives expiry.
struct Now {
  int64_t wall_ms = 0;
  int64_t mono_ms = 0;
};

// Effects the pipeline asks of its host.
class PipelineHost {
 public:
  virtual ~PipelineHost() = default;
  virtual void SendConnect(ConnId conn,
                           const proto::ConnectResponse& response) = 0;
  virtual void SendResponse(ConnId conn, const proto::Response& response) = 0;
  virtual void SendEvent(ConnId conn, const proto::WatchEvent& event) = 0;
  // Closes the connection once what was sent to it is flushed.
  virtual void CloseConnection(ConnId conn) = 0;
  // Appends txns to the durable log; the host later calls OnLogDurable.
  virtual void AppendLog(std::vector<proto::Txn> txns) = 0;
  // Drops every logged txn above `after`, in order with the appends; the
  // host reports OnLogDurable(after) once it is done and no durability
  // report from before it in between.
  virtual void TruncateLog(Zxid after) = 0;
  // Persists the epochs durably before returning (a failure stops the
  // server).
  virtual void SaveEpochs(const proto::EpochState& epochs) = 0;
  // Sends to another member of the ensemble.
  virtual void SendToMember(int64_t to,
                            const proto::MemberMessage& message) = 0;
  // Streams this member's snapshot at zxid to learner `to`, before any
  // later message to it.
  virtual void StreamSnapshot(int64_t to, Zxid zxid) = 0;
  // A snapshot at zxid will stream in from the leader `from`: once whole,
  // the host installs it (InstallSnapshot).
  virtual void ExpectSnapshot(int64_t from, Zxid zxid) = 0;
  // snap_count txns were applied since the last snapshot.
  virtual void SnapshotDue() = 0;
  // The member's role changed (for logs and status).
  virtual void RoleChanged(const zab::RoleChange& role) {}
  // A session was opened or closed (applied here), or this leader found it
  // expired and proposed its close at zxid (for logs and metrics).
  enum class SessionChange { kOpened, kClosed, kExpired };
  virtual void SessionChanged(SessionChange change, SessionId session,
                              Zxid zxid) {}
  // This member's tree disagrees with its leader's at the same zxid: the
  // pipeline has dropped its clients and serves no more (for the log).
  virtual void Diverged(const DigestMismatch& mismatch) {}
  // A write went over a soft quota, or a hard one refused it (for the log).
  virtual void QuotaWarning(const std::string& message) {}
};

struct PipelineOptions {
  int64_t server_id = 1;
  int64_t tick_ms = 2000;
  int32_t min_session_timeout_ms = 4000;   // 2 ticks unless configured
  int32_t max_session_timeout_ms = 40000;  // 20 ticks unless configured
  int64_t snap_count = 100000;
  uint64_t seed = 0;  // for session passwords
  bool standalone = true;  // an ensemble of one (for status output)
  // "super:BASE64SHA1" (ZooKeeper's superDigest): a session whose digest
  // auth matches it also gets the "super" id, which passes every ACL check.
  // Empty: no super user.
  std::string super_digest;
  // The other members: a leader announces its tree digest to them.
  std::vector<int64_t> peers;
};

struct PipelineStats {
  uint64_t requests = 0;
  uint64_t responses = 0;
  uint64_t txns_applied = 0;
  uint64_t watch_events = 0;
  uint64_t forwarded = 0;
  // Request-to-answer latency of answered requests, in ms.
  int64_t latency_min_ms = 0;
  int64_t latency_max_ms = 0;
  int64_t latency_total_ms = 0;
  void RecordLatency(int64_t ms) {
    latency_min_ms = responses == 0 ? ms : std::min(latency_min_ms, ms);
    latency_max_ms = std::max(latency_max_ms, ms);
    latency_total_ms += ms;
    ++responses;
  }
};

class Pipeline {
 public:
  // tree holds the recovered state (a snapshot); the core hands out the
  // committed txns after it.
  Pipeline(PipelineOptions options, PipelineHost* host,
           std::unique_ptr<tree::DataTree> tree,
           std::unique_ptr<zab::Core> core, Now now);

  // Starts: acts on the core's first Ready (a standalone member commits and
  // applies its log here).
  void Start(Now now);

  // A new connection's handshake. peer_ip is the client's address, for "ip"
  // ACLs; transport_ids are identities the transport proved (an "x509" id
  // for a TLS client certificate), given to the session's connection.
  void OnConnect(ConnId conn, const proto::ConnectRequest& request,
                 const std::string& peer_ip, Now now,
                 const tree::AuthIds& transport_ids = {});
  void OnRequest(ConnId conn, proto::Request request, Now now);
  void OnDisconnect(ConnId conn, Now now);
  // A message from another member (snapshot chunks excepted: the host
  // handles those).
  void OnMemberMessage(int64_t from, const proto::MemberMessage& message,
                       Now now);
  // The link to member `member` broke (see zab::Core::PeerLost).
  void OnPeerLost(int64_t member, Now now);
  // The log holds every txn up to zxid durably (and nothing above it that
  // was truncated).
  void OnLogDurable(Zxid zxid, Now now);
  // Installs a snapshot the host received: load fills the emptied tree,
  // which then stands at zxid. The host has already emptied its log.
  Status InstallSnapshot(
      Zxid zxid, const std::function<Status(tree::DataTree*)>& load, Now now);
  // Drives time: session expiry, TTLs, heartbeats, and the core's tick once
  // per tick_ms. Call at least twice per tick.
  void Tick(Now now);

  const tree::DataTree& tree() const { return *tree_; }
  const zab::Core& core() const { return *core_; }
  const PipelineStats& stats() const { return stats_; }
  size_t session_count() const { return tree_->sessions().size(); }
  size_t connection_count() const { return conns_.size(); }
  // "leader", "follower", "observer", "standalone" or "looking".
  std::string ModeName() const;
  // Resets the count towards the next SnapshotDue.
  void SnapshotStarted() { applied_since_snapshot_ = 0; }
  // True once this member found its tree differs from its leader's at the
  // same zxid: from then on it refuses clients until restarted.
  bool diverged() const { return diverged_; }

 private:
  // One request waiting for its answer, in a session's queue.
  struct Pending {
    int32_t xid = 0;
    int64_t start_ms = 0;                     // monotonic arrival time
    bool awaiting = false;                    // a write, close or sync
    std::optional<proto::Request> read;       // served when at the head
    std::optional<proto::Response> response;  // ready to send
    bool close_after = false;                 // close the connection after
  };
  struct Conn {
    SessionId session = 0;
    tree::AuthIds auth;
  };
  struct LocalSession {
    ConnId conn = 0;
    std::deque<Pending> queue;
  };
  // A sync the leader confirms once a quorum proves it still leads.
  struct Barrier {
    int64_t origin = 0;
    SessionId session = 0;
    int32_t xid = 0;
    std::string path;
  };

  // Client side (pipeline.cc).
  void HandleAuth(Conn& state, const proto::Request& request,
                  Pending* pending);
  void Submit(SessionId session, const Conn& state, proto::Request request);
  void DeliverLocal(SessionId session, proto::Response response);
  void Flush(SessionId session);
  proto::Response ServeAtHead(SessionId session, ConnId conn,
                              const proto::Request& request);
  void Bind(ConnId conn, SessionId session);
  void DropClients();
  proto::Response ErrorResponse(int32_t xid, ErrorCode err) const;
  int32_t NegotiateTimeout(int32_t requested_ms) const;
  SessionId NextSessionId();
  std::string NewPassword();

  // Leader side (pipeline_leader.cc).
  bool IsServingLeader() const;
  void LeaderSubmit(int64_t origin, SessionId session,
                    const tree::AuthIds& auth, const proto::Request& request);
  void LeaderCreateSession(SessionId session, int32_t timeout_ms,
                           const std::string& password);
  void Reply(int64_t origin, SessionId session, proto::Response response);
  bool Propose(proto::Txn txn);
  void ExpireAndCollect();
  void SendHeartbeats();

  // Acting on the core (pipeline_apply.cc).
  void Drain();
  void ActOn(zab::Ready ready);
  void ReleaseAcks();
  void OnRole(const zab::RoleChange& role);
  void Apply(const proto::Txn& txn);
  void ApplySessionTxn(const proto::Txn& txn, const tree::ApplyResult& result);
  // Tree digests (pipeline_digest.cc): the leader announces its own, a
  // learner compares and stops serving on a mismatch.
  void AnnounceDigest();
  void OnDigestAnnounced(int64_t from, const proto::DigestAnnouncement& digest);
  void OnDiverged(const DigestMismatch& mismatch);

  PipelineOptions options_;
  PipelineHost* host_;
  std::unique_ptr<tree::DataTree> tree_;
  tree::Preparer preparer_;
  std::unique_ptr<zab::Core> core_;
  session::SessionTracker tracker_;
  Now now_;
  int64_t last_core_tick_ms_ = 0;
  std::mt19937_64 rng_;
  SessionId next_session_id_;

  std::unordered_map<ConnId, Conn> conns_;
  std::unordered_map<SessionId, LocalSession> local_;
  std::unordered_map<SessionId, ConnId> pending_connects_;
  std::set<SessionId> heard_from_;  // learner: for the next heartbeat
  std::map<uint64_t, Barrier> barriers_;
  uint64_t next_barrier_id_ = 1;
  // Leader: refusals judged against txns still in flight, keyed by the
  // last of those txns; answered once it is applied (pipeline_leader.cc).
  struct DeferredReply {
    int64_t origin = 0;
    SessionId session = 0;
    proto::Response response;
  };
  std::multimap<Zxid, DeferredReply> deferred_replies_;
  std::deque<zab::Ack> unsynced_acks_;
  Zxid durable_zxid_ = 0;
  zab::RoleChange role_;
  int64_t applied_since_snapshot_ = 0;
  PipelineStats stats_;
  DigestCheck digest_check_;
  Zxid announced_zxid_ = 0;  // the leader's last announced digest's zxid
  bool diverged_ = false;
};

// ZooKeeper's digest id for "user:password": "user:" + base64(sha1(...)).
std::string DigestId(const std::string& user_colon_password);

}  // namespace canopy::pipeline

#endif  // CANOPY_SERVER_PIPELINE_PIPELINE_H_
