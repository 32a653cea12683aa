// Server: one Canopy member in a process. It recovers the state from the
// data directory (newest snapshot; the zab core then applies the committed
// log after it), then runs the client port, the peer links, the pipeline,
// the storage thread and snapshots, on one IO thread that owns the pipeline
// (and so the tree, sessions and zab core).
//
// Snapshots are taken in a forked child: the child serialises the tree as it
// was at the fork (the kernel's copy-on-write keeps that image) while the
// parent goes on applying writes. When the child succeeds, old snapshots are
// purged and the log before the oldest kept snapshot is dropped. The newest
// snapshot is also what a lagging learner is sent (SYNC_SNAP), streamed in
// bounded chunks as its peer link drains.
#ifndef CANOPY_SERVER_NET_SERVER_H_
#define CANOPY_SERVER_NET_SERVER_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <sys/types.h>
#include <unordered_map>

#include "common/status.h"
#include "server/net/admin_http.h"
#include "server/net/client_connection.h"
#include "server/net/connection_throttle.h"
#include "server/net/four_letter.h"
#include "server/net/host_log.h"
#include "server/net/peer_network.h"
#include "server/net/security_options.h"
#include "server/net/server_metrics.h"
#include "server/pipeline/pipeline.h"
#include "server/storage/log.h"
#include "server/storage/log_writer.h"

namespace canopy::net {

// One member of the ensemble, from a zoo.cfg "server.N" line.
struct MemberAddress {
  std::string host;
  uint16_t peer_port = 0;
  bool observer = false;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 2181;          // 0 picks a free port
  std::string data_dir = "data";
  std::string data_log_dir;      // empty: data_dir
  int64_t server_id = 1;         // myid
  // Every member, this one included; empty for a standalone server.
  std::map<int64_t, MemberAddress> members;
  // Overrides this member's own peer port from `members` (tests put a proxy
  // at the advertised address); 0 keeps it.
  uint16_t peer_listen_port = 0;
  int64_t tick_ms = 2000;
  int init_limit_ticks = 10;
  int sync_limit_ticks = 5;
  int32_t min_session_timeout_ms = 0;  // 0: 2 ticks
  int32_t max_session_timeout_ms = 0;  // 0: 20 ticks
  int64_t snap_count = 100000;
  int snap_retain_count = 3;
  uint32_t max_frame_bytes = 4 * 1024 * 1024;
  int64_t max_data_bytes = 1024 * 1024;
  // The zxid counter past which the leader moves to a new epoch (zoo.cfg
  // canopy.zxidCounterLimit, a test knob; the default is the 32-bit end).
  int64_t zxid_counter_limit = 0xffffffffLL;
  size_t max_output_bytes = 64 * 1024 * 1024;
  int max_client_connections = 0;  // per IP; 0 means no limit
  // New connections over this token bucket are closed at once (zoo.cfg
  // connectionMaxTokens, connectionTokenFillTime, connectionTokenFillCount);
  // max_tokens 0 disables it.
  ConnectionThrottleOptions connection_throttle;
  // 4lw.commands.whitelist: "*" or a comma-separated list of words.
  std::string four_letter_whitelist = "*";
  // The admin HTTP endpoint (admin.*).
  AdminOptions admin;
  // globalOutstandingLimit: client requests in flight (received, not yet
  // answered) over all connections; at the bound the server stops reading
  // from clients until it has answered a quarter of them.
  int64_t max_requests_in_flight = 10000;
  // autopurge.purgeInterval in hours; 0 purges after every snapshot.
  int64_t purge_interval_hours = 0;
  // A graceful stop (SIGTERM) waits this long for requests in flight.
  int64_t drain_timeout_ms = 10000;
  // TLS client port, peer TLS, quorum secret, super user (security_options.h).
  SecurityOptions security;
};

class Server : public ConnectionOwner,
               public pipeline::PipelineHost,
               public AdminSource {
 public:
  // Recovers state and binds the ports; errors name what failed.
  static Result<std::unique_ptr<Server>> Open(ServerOptions options);
  ~Server() override;

  uint16_t port() const { return port_; }
  // The TLS client port (secureClientPort), 0 when there is none.
  uint16_t secure_port() const { return secure_port_; }
  uint16_t peer_port() const { return peers_ ? peers_->port() : 0; }
  // The admin HTTP port, 0 when the endpoint is off.
  uint16_t admin_port() const { return admin_ ? admin_->port() : 0; }
  // Serves until Stop(), SIGINT or SIGTERM. Returns once the log writer has
  // drained.
  void Run();
  // Thread-safe: a graceful stop (server_lifecycle.cc): stop reading
  // requests, answer those in flight (bounded by drain_timeout_ms), close
  // the client connections after their answers are flushed, then leave. A
  // second Stop (or signal) stops at once.
  void Stop();

 private:
  // A snapshot file going out to a learner.
  struct OutgoingSnapshot {
    Zxid zxid = 0;
    FILE* file = nullptr;
    int64_t offset = 0;
    std::deque<proto::MemberMessage> held;  // sent once the stream is done
  };
  // A snapshot file coming in from the leader.
  struct IncomingSnapshot {
    int64_t from = 0;
    Zxid zxid = 0;
    FILE* file = nullptr;
    int64_t offset = 0;
  };

  explicit Server(ServerOptions options);
  Status Recover(std::unique_ptr<tree::DataTree>* tree,
                 zab::Recovered* recovered);
  Status StartPeers();
  void Accept();
  // Accepts client connections on `acceptor`, TLS when tls is set.
  void AcceptOn(boost::asio::ip::tcp::acceptor& acceptor,
                tls::ContextPtr tls);
  // Security (server_tls.cc): opens secureClientPort and fills the TLS and
  // secret parts of the peer options, from options_.security.
  Status OpenSecurePort();
  Status SecurePeerOptions(PeerNetworkOptions* peer_options) const;
  // The identities a connection's transport proved (an x509 id).
  tree::AuthIds TransportIds(const ClientConnection& conn) const;
  void ScheduleTick();
  void CheckSnapshotChild();
  pipeline::Now Clock() const;
  std::string SnapshotDir() const;
  std::string SnapshotPath(Zxid zxid) const;

  // Snapshots to and from learners (server_members.cc).
  void OnPeerBytes(int64_t from, std::string bytes);
  void PumpSnapshots();
  void OnChunk(int64_t from, const proto::SnapshotChunk& chunk);
  void FinishIncoming();
  void AbandonIncoming();

  // Admin, metrics and status (server_admin.cc).
  FourLetterContext StatusContext() const;
  void RegisterMetrics();
  void FinishSnapshotWaiters(bool ok);
  std::optional<std::string> AdminCommand(const std::string& name) override;
  bool AdminReady(std::string* json) override;
  std::string AdminMetrics() override;
  void AdminSnapshot(
      bool take,
      std::function<void(Result<std::pair<std::string, Zxid>>)> done) override;

  // Throttling, purging and the graceful stop (server_lifecycle.cc).
  bool AcceptingRequests() const override;
  void ResumeInputsIfUnder();
  void PurgeOldSnapshots();
  void SchedulePurge();
  void BeginShutdown();
  void CheckDrained();
  void FinishShutdown();
  // Asks every client connection to close once its answers are sent.
  void CloseConnectionsAfterFlush();

  // ConnectionOwner
  void OnClientMessage(uint64_t conn, proto::ClientMessage message) override;
  std::string OnFourLetterWord(const std::string& word) override;
  void OnConnectionClosed(uint64_t conn) override;

  // PipelineHost
  void SendConnect(pipeline::ConnId conn,
                   const proto::ConnectResponse& response) override;
  void SendResponse(pipeline::ConnId conn,
                    const proto::Response& response) override;
  void SendEvent(pipeline::ConnId conn,
                 const proto::WatchEvent& event) override;
  void CloseConnection(pipeline::ConnId conn) override;
  void AppendLog(std::vector<proto::Txn> txns) override;
  void TruncateLog(Zxid after) override;
  void SaveEpochs(const proto::EpochState& epochs) override;
  void SendToMember(int64_t to, const proto::MemberMessage& message) override;
  void StreamSnapshot(int64_t to, Zxid zxid) override;
  void ExpectSnapshot(int64_t from, Zxid zxid) override;
  void SnapshotDue() override;
  void RoleChanged(const zab::RoleChange& role) override;
  void SessionChanged(SessionChange change, SessionId session,
                      Zxid zxid) override;
  void Diverged(const pipeline::DigestMismatch& mismatch) override;
  void QuotaWarning(const std::string& message) override;

  ServerOptions options_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::acceptor secure_acceptor_;  // secureClientPort
  tls::ContextPtr client_tls_;
  uint16_t secure_port_ = 0;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer pump_timer_;
  boost::asio::signal_set signals_;
  uint16_t port_ = 0;
  std::unique_ptr<storage::TxnLog> log_;
  std::unique_ptr<HostLog> host_log_;
  std::unique_ptr<storage::LogWriter> writer_;
  std::unique_ptr<PeerNetwork> peers_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unordered_map<uint64_t, std::shared_ptr<ClientConnection>> conns_;
  std::unordered_map<std::string, int> conns_per_ip_;
  ConnectionThrottle connection_throttle_;
  uint64_t next_conn_id_ = 1;
  int pending_truncations_ = 0;
  std::map<int64_t, OutgoingSnapshot> outgoing_;
  std::optional<IncomingSnapshot> incoming_;
  bool pump_scheduled_ = false;
  pid_t snapshot_child_ = -1;
  Zxid snapshot_child_zxid_ = 0;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<AdminHttp> admin_;
  mutable bool throttled_ = false;  // reading paused: too many in flight
  bool draining_ = false;      // a graceful stop is under way
  std::unique_ptr<boost::asio::steady_timer> shutdown_timer_;
  std::unique_ptr<boost::asio::steady_timer> purge_timer_;
  int64_t drain_deadline_ms_ = 0;
  Zxid drain_zxid_ = 0;  // proposed, uncommitted when the stop began
  std::vector<std::function<void(bool)>> snapshot_waiters_;
  std::set<std::string> four_letter_whitelist_;
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_SERVER_H_
