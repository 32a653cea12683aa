// Server: one Canopy member in a process. It recovers the state from the
// data directory (newest snapshot + log replay), then runs the client port,
// the pipeline, the storage thread and snapshots, on one IO thread that owns
// the pipeline (and so the tree, sessions and zab core).
//
// Snapshots are taken in a forked child: the child serialises the tree as it
// was at the fork (the kernel's copy-on-write keeps that image) while the
// parent goes on applying writes. When the child succeeds, old snapshots are
// purged and the log before the oldest kept snapshot is dropped.
#ifndef CANOPY_SERVER_NET_SERVER_H_
#define CANOPY_SERVER_NET_SERVER_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <sys/types.h>
#include <set>
#include <unordered_map>

#include "common/status.h"
#include "server/net/client_connection.h"
#include "server/pipeline/pipeline.h"
#include "server/storage/log.h"
#include "server/storage/log_writer.h"

namespace canopy::net {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 2181;          // 0 picks a free port
  std::string data_dir = "data";
  std::string data_log_dir;      // empty: data_dir
  int64_t server_id = 1;
  int64_t tick_ms = 2000;
  int32_t min_session_timeout_ms = 0;  // 0: 2 ticks
  int32_t max_session_timeout_ms = 0;  // 0: 20 ticks
  int64_t snap_count = 100000;
  int snap_retain_count = 3;
  uint32_t max_frame_bytes = 4 * 1024 * 1024;
  int64_t max_data_bytes = 1024 * 1024;
  size_t max_output_bytes = 64 * 1024 * 1024;
  int max_client_connections = 0;  // per IP; 0 means no limit
  // 4lw.commands.whitelist: "*" or a comma-separated list of words.
  std::string four_letter_whitelist = "*";
};

class Server : public ConnectionOwner, public pipeline::PipelineHost {
 public:
  // Recovers state and binds the client port; errors name what failed.
  static Result<std::unique_ptr<Server>> Open(ServerOptions options);
  ~Server() override;

  uint16_t port() const { return port_; }
  // Serves until Stop(), SIGINT or SIGTERM. Returns once the log writer has
  // drained.
  void Run();
  // Thread-safe: stops serving.
  void Stop();

 private:
  explicit Server(ServerOptions options);
  Status Recover(std::unique_ptr<tree::DataTree>* tree, Zxid* last_zxid,
                 proto::EpochState* epochs);
  void Accept();
  void ScheduleTick();
  void CheckSnapshotChild();
  pipeline::Now Clock() const;
  std::string SnapshotDir() const;

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
  void SaveEpochs(const proto::EpochState& epochs) override;
  void SnapshotDue() override;

  ServerOptions options_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::signal_set signals_;
  uint16_t port_ = 0;
  std::unique_ptr<storage::TxnLog> log_;
  std::unique_ptr<storage::LogWriter> writer_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  std::unordered_map<uint64_t, std::shared_ptr<ClientConnection>> conns_;
  std::unordered_map<std::string, int> conns_per_ip_;
  uint64_t next_conn_id_ = 1;
  pid_t snapshot_child_ = -1;
  Zxid snapshot_child_zxid_ = 0;
  std::atomic<bool> stopping_{false};
  std::set<std::string> four_letter_whitelist_;
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_SERVER_H_
