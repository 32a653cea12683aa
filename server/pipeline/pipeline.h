// Pipeline: request processing on one member, as DESIGN.md's write and read
// paths describe. It validates a write against the future state (Preparer),
// hands the txn to the zab core, passes what the core wants logged to the
// host, steps the acks the host reports durable, applies committed txns to
// the DataTree, fires watches and answers every session in request order.
//
// Deterministic and IO-free: the host (server/net and main) delivers
// connections, requests, durability notices and ticks with the time, and
// carries out the effects through PipelineHost. Single-threaded: one strand
// calls every method.
#ifndef CANOPY_SERVER_PIPELINE_PIPELINE_H_
#define CANOPY_SERVER_PIPELINE_PIPELINE_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"
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
  // Persists the epochs durably before returning (a failure stops the
  // server).
  virtual void SaveEpochs(const proto::EpochState& epochs) = 0;
  // snap_count txns were applied since the last snapshot.
  virtual void SnapshotDue() = 0;
};

struct PipelineOptions {
  int64_t server_id = 1;
  int64_t tick_ms = 2000;
  int32_t min_session_timeout_ms = 4000;   // 2 ticks unless configured
  int32_t max_session_timeout_ms = 40000;  // 20 ticks unless configured
  int64_t snap_count = 100000;
  uint64_t seed = 0;  // for session passwords
};

struct PipelineStats {
  uint64_t requests = 0;
  uint64_t responses = 0;
  uint64_t txns_applied = 0;
  uint64_t watch_events = 0;
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
  // tree holds the recovered state; core is established (or will be).
  Pipeline(PipelineOptions options, PipelineHost* host,
           std::unique_ptr<tree::DataTree> tree,
           std::unique_ptr<zab::Core> core, Now now);

  // Starts: persists the core's first Ready and tracks the recovered
  // sessions, each with its full timeout from now.
  void Start(Now now);

  // A new connection's handshake. peer_ip is the client's address, for "ip"
  // ACLs.
  void OnConnect(ConnId conn, const proto::ConnectRequest& request,
                 const std::string& peer_ip, Now now);
  void OnRequest(ConnId conn, proto::Request request, Now now);
  void OnDisconnect(ConnId conn, Now now);
  // The log holds every txn up to zxid durably.
  void OnLogDurable(Zxid zxid, Now now);
  // Expires sessions; call at least once per tick.
  void Tick(Now now);

  const tree::DataTree& tree() const { return *tree_; }
  const zab::Core& core() const { return *core_; }
  const PipelineStats& stats() const { return stats_; }
  size_t session_count() const { return tree_->sessions().size(); }
  size_t connection_count() const { return conns_.size(); }
  // Resets the count towards the next SnapshotDue.
  void SnapshotStarted() { applied_since_snapshot_ = 0; }

 private:
  // One request waiting for its answer, in a session's queue.
  struct Pending {
    int32_t xid = 0;
    int64_t start_ms = 0;                   // monotonic arrival time
    Zxid zxid = 0;                          // a write awaiting this apply
    std::optional<proto::Request> read;     // served when at the head
    std::optional<proto::Response> response;  // ready to send
    bool close_after = false;               // close the connection after
  };
  struct Conn {
    SessionId session = 0;
    tree::AuthIds auth;
  };
  struct LocalSession {
    ConnId conn = 0;
    std::deque<Pending> queue;
  };

  void HandleAuth(ConnId conn, Conn& state, const proto::Request& request,
                  Pending* pending);
  void HandleWrite(SessionId session, const Conn& state,
                   proto::Request request);
  void HandleClose(SessionId session, int32_t xid);
  void ProposeOrDie(proto::Txn txn);
  void Drain();
  void Apply(const proto::Txn& txn);
  void ApplySessionTxn(const proto::Txn& txn, const tree::ApplyResult& result);
  void Flush(SessionId session);
  // Serves a request that waited for its turn: a read, or a change to this
  // member's watches.
  proto::Response ServeAtHead(SessionId session, ConnId conn,
                              const proto::Request& request);
  void Bind(ConnId conn, SessionId session);
  proto::Response ErrorResponse(int32_t xid, ErrorCode err) const;
  int32_t NegotiateTimeout(int32_t requested_ms) const;
  SessionId NextSessionId();
  std::string NewPassword();

  PipelineOptions options_;
  PipelineHost* host_;
  std::unique_ptr<tree::DataTree> tree_;
  tree::Preparer preparer_;
  std::unique_ptr<zab::Core> core_;
  session::SessionTracker tracker_;
  Now now_;
  std::mt19937_64 rng_;
  SessionId next_session_id_;

  std::unordered_map<ConnId, Conn> conns_;
  std::unordered_map<SessionId, LocalSession> local_;
  std::unordered_map<Zxid, ConnId> pending_connects_;
  std::deque<zab::Ack> unsynced_acks_;
  int64_t applied_since_snapshot_ = 0;
  PipelineStats stats_;
};

// ZooKeeper's digest id for "user:password": "user:" + base64(sha1(...)).
std::string DigestId(const std::string& user_colon_password);

}  // namespace canopy::pipeline

#endif  // CANOPY_SERVER_PIPELINE_PIPELINE_H_
