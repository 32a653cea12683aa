#include "server/net/server.h"

#include <spdlog/spdlog.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <random>

#include <leveldb/env.h>

#include "server/net/four_letter.h"
#include "server/net/snapshot_io.h"
#include "server/storage/snapshot.h"

namespace canopy::net {

namespace asio = boost::asio;

namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Server::Server(ServerOptions options)
    : options_(std::move(options)), acceptor_(io_), secure_acceptor_(io_),
      tick_timer_(io_),
      pump_timer_(io_),
      signals_(io_, SIGINT, SIGTERM) {
  if (options_.data_log_dir.empty()) options_.data_log_dir = options_.data_dir;
  if (options_.min_session_timeout_ms <= 0) {
    options_.min_session_timeout_ms = int32_t(2 * options_.tick_ms);
  }
  if (options_.max_session_timeout_ms <= 0) {
    options_.max_session_timeout_ms = int32_t(20 * options_.tick_ms);
  }
  four_letter_whitelist_ =
      ParseWhitelist(options_.four_letter_whitelist, nullptr);
  connection_throttle_ = ConnectionThrottle(options_.connection_throttle);
}

Server::~Server() {
  if (peers_) peers_->Stop();
  if (writer_) writer_->Stop();
  for (auto& [to, out] : outgoing_) {
    if (out.file) std::fclose(out.file);
  }
  AbandonIncoming();
  if (snapshot_child_ > 0) {
    int status = 0;
    waitpid(snapshot_child_, &status, 0);
  }
}

std::string Server::SnapshotDir() const {
  return options_.data_dir + "/snapshots";
}

std::string Server::SnapshotPath(Zxid zxid) const {
  return fmt::format("{}/snapshot.{:016x}", SnapshotDir(), uint64_t(zxid));
}

pipeline::Now Server::Clock() const { return {WallMs(), MonoMs()}; }

Result<std::unique_ptr<Server>> Server::Open(ServerOptions options) {
  std::unique_ptr<Server> server(new Server(std::move(options)));
  const auto& opts = server->options_;
  std::error_code fs_error;
  std::filesystem::create_directories(server->SnapshotDir(), fs_error);
  if (fs_error) {
    return Status(proto::SYSTEM_ERROR, "cannot create " +
                                           server->SnapshotDir() + ": " +
                                           fs_error.message());
  }
  auto log = storage::OpenLevelDbLog(opts.data_log_dir + "/log");
  if (!log.ok()) return log.status();
  server->metrics_ = std::make_unique<ServerMetrics>();
  server->log_ = std::make_unique<TimedLog>(std::move(log).value(),
                                            server->metrics_.get());

  auto tree = std::make_unique<tree::DataTree>(
      tree::Limits{opts.max_data_bytes});
  zab::Recovered recovered;
  Status status = server->Recover(&tree, &recovered);
  if (!status.ok()) return status;
  auto host_log = HostLog::Open(server->log_.get(), recovered.applied_zxid);
  if (!host_log.ok()) return host_log.status();
  server->host_log_ = std::move(host_log).value();

  boost::system::error_code ec;
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(opts.address, ec),
                                   opts.port);
  if (ec) {
    return Status(proto::BAD_ARGUMENTS,
                  "bad client address " + opts.address + ": " + ec.message());
  }
  server->acceptor_.open(endpoint.protocol(), ec);
  if (!ec) server->acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) server->acceptor_.bind(endpoint, ec);
  if (!ec) server->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(proto::SYSTEM_ERROR,
                  "cannot listen on " + opts.address + ":" +
                      std::to_string(opts.port) + ": " + ec.message());
  }
  server->port_ = server->acceptor_.local_endpoint().port();
  status = server->OpenSecurePort();
  if (!status.ok()) return status;
  status = server->StartPeers();
  if (!status.ok()) return status;

  pipeline::PipelineOptions pipeline_options;
  pipeline_options.server_id = opts.server_id;
  pipeline_options.tick_ms = opts.tick_ms;
  pipeline_options.min_session_timeout_ms = opts.min_session_timeout_ms;
  pipeline_options.max_session_timeout_ms = opts.max_session_timeout_ms;
  pipeline_options.snap_count = opts.snap_count;
  pipeline_options.seed = std::random_device()() ^ uint64_t(WallMs());
  pipeline_options.standalone = opts.members.size() <= 1;
  pipeline_options.super_digest = opts.security.super_digest;
  for (const auto& [id, member] : opts.members) {
    if (id != opts.server_id) pipeline_options.peers.push_back(id);
  }
  zab::CoreOptions core_options;
  core_options.my_id = opts.server_id;
  core_options.voters.clear();
  for (const auto& [id, member] : opts.members) {
    (member.observer ? core_options.observers : core_options.voters)
        .insert(id);
  }
  if (opts.members.empty()) core_options.voters = {opts.server_id};
  core_options.init_limit_ticks = opts.init_limit_ticks;
  core_options.sync_limit_ticks = opts.sync_limit_ticks;
  core_options.zxid_counter_limit = opts.zxid_counter_limit;
  core_options.incarnation = uint64_t(WallMs());
  core_options.trace = [](std::string_view note) {
    spdlog::info("zab: {}", note);
  };
  auto core = std::make_unique<zab::Core>(core_options, recovered,
                                          server->host_log_.get());
  Server* raw = server.get();
  // The writer exists before the pipeline starts: the first Ready may
  // persist epochs and append.
  server->writer_ = std::make_unique<storage::LogWriter>(
      server->log_.get(), [raw](Zxid durable, Status status) {
        if (!status.ok()) {
          spdlog::critical("log write failed, stopping: {}",
                           status.ToString());
          std::_Exit(70);
        }
        asio::post(raw->io_, [raw, durable] {
          // A durability report from before a pending truncation is stale.
          if (raw->pending_truncations_ > 0) return;
          raw->host_log_->Durable(durable);
          raw->pipeline_->OnLogDurable(durable, raw->Clock());
          raw->metrics_->AppliedUpTo(raw->pipeline_->tree().last_zxid());
        });
      });
  server->pipeline_ = std::make_unique<pipeline::Pipeline>(
      pipeline_options, server.get(), std::move(tree), std::move(core),
      server->Clock());
  server->pipeline_->Start(server->Clock());
  server->RegisterMetrics();  // and the admin endpoint (server_admin.cc)
  spdlog::info("serving on {}:{} with {} znodes, {} sessions, last zxid 0x{:x}",
               opts.address, server->port_, raw->pipeline_->tree().node_count(),
               raw->pipeline_->session_count(),
               raw->pipeline_->tree().last_zxid());
  return server;
}

Status Server::Recover(std::unique_ptr<tree::DataTree>* tree,
                       zab::Recovered* recovered) {
  leveldb::Env* env = leveldb::Env::Default();
  Zxid snapshot_zxid = 0;
  for (Zxid zxid : storage::ListSnapshots(env, SnapshotDir())) {
    Status status = LoadSnapshot(env, SnapshotDir(), zxid, tree->get());
    if (status.ok()) {
      (*tree)->FinishLoad(zxid);
      snapshot_zxid = zxid;
      spdlog::info("loaded snapshot 0x{:x} with {} znodes", zxid,
                   (*tree)->node_count());
      break;
    }
    spdlog::error("snapshot 0x{:x} unusable, trying an older one: {}", zxid,
                  status.ToString());
  }
  if (snapshot_zxid == 0) {
    *tree = std::make_unique<tree::DataTree>((*tree)->limits());
  }
  const Zxid first = log_->FirstZxid();
  if (first != 0 && first > snapshot_zxid + 1 &&
      zab::EpochOf(first) == zab::EpochOf(snapshot_zxid) &&
      snapshot_zxid != 0) {
    return Status(proto::DATA_INCONSISTENCY,
                  "the log starts after the newest usable snapshot");
  }
  auto epochs = log_->LoadEpochs();
  if (!epochs.ok()) return epochs.status();
  recovered->epochs = *epochs;
  recovered->applied_zxid = snapshot_zxid;
  recovered->last_logged_zxid = std::max(snapshot_zxid, log_->LastZxid());
  // The zab core applies the committed txns after the snapshot: all of the
  // log for a standalone member, what the leader confirms in an ensemble.
  spdlog::info("recovered snapshot 0x{:x}, log up to 0x{:x}", snapshot_zxid,
               recovered->last_logged_zxid);
  return Status();
}

Status Server::StartPeers() {
  if (options_.members.size() <= 1) return Status();
  auto self = options_.members.find(options_.server_id);
  if (self == options_.members.end()) {
    return Status(proto::BAD_ARGUMENTS,
                  fmt::format("myid {} has no server.{} line",
                              options_.server_id, options_.server_id));
  }
  PeerNetworkOptions peer_options;
  peer_options.my_id = options_.server_id;
  peer_options.listen_host = self->second.host;
  peer_options.listen_port = options_.peer_listen_port != 0
                                 ? options_.peer_listen_port
                                 : self->second.peer_port;
  for (const auto& [id, member] : options_.members) {
    if (id == options_.server_id) continue;
    peer_options.peers.push_back({id, member.host, member.peer_port});
  }
  if (Status secured = SecurePeerOptions(&peer_options); !secured.ok()) {
    return secured;
  }
  peers_ = std::make_unique<PeerNetwork>(
      io_, peer_options, [this](int64_t from, std::string bytes) {
        OnPeerBytes(from, std::move(bytes));
      });
  peers_->set_on_link_lost([this](int64_t member) {
    if (pipeline_) pipeline_->OnPeerLost(member, Clock());
  });
  return peers_->Start();
}

void Server::Run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) Stop();
  });
  Accept();
  ScheduleTick();
  io_.run();
  boost::system::error_code ec;
  acceptor_.close(ec);
  writer_->Stop();
}

void Server::Stop() {
  asio::post(io_, [this] {
    if (!draining_ && !stopping_) {
      BeginShutdown();  // server_lifecycle.cc; ends in FinishShutdown
      return;
    }
    FinishShutdown();
  });
}

void Server::FinishShutdown() {
  if (stopping_.exchange(true)) return;
  {
    if (admin_) admin_->Stop();
    if (shutdown_timer_) shutdown_timer_->cancel();
    if (purge_timer_) purge_timer_->cancel();
    boost::system::error_code ec;
    acceptor_.close(ec);
    secure_acceptor_.close(ec);
    tick_timer_.cancel();
    signals_.cancel();
    pump_timer_.cancel();
    if (peers_) peers_->Stop();
    CloseConnectionsAfterFlush();
    io_.stop();
  }
}

void Server::Accept() {
  AcceptOn(acceptor_, nullptr);
  if (secure_acceptor_.is_open()) AcceptOn(secure_acceptor_, client_tls_);
}

void Server::AcceptOn(asio::ip::tcp::acceptor& acceptor,
                      tls::ContextPtr tls) {
  acceptor.async_accept([this, &acceptor, tls](
                            const boost::system::error_code& ec,
                            asio::ip::tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted) AcceptOn(acceptor, tls);
      return;
    }
    if (!connection_throttle_.Admit(MonoMs())) {
      // Over the connection token bucket: refused before any byte is read.
      const uint64_t refused = connection_throttle_.refused();
      if ((refused & (refused - 1)) == 0) {  // 1, 2, 4, ...: bounded logging
        spdlog::warn("connection throttled ({} refused so far)", refused);
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      AcceptOn(acceptor, tls);
      return;
    }
    const uint64_t id = next_conn_id_++;
    auto conn = std::make_shared<ClientConnection>(
        tls::Stream(std::move(socket), tls), id, this,
        options_.max_frame_bytes,
        options_.max_output_bytes);
    int& count = conns_per_ip_[conn->peer_ip()];
    if (options_.max_client_connections > 0 &&
        count >= options_.max_client_connections) {
      spdlog::warn("too many connections from {}", conn->peer_ip());
      metrics_->connections_refused().Inc();
      conn->Abort();
    } else {
      ++count;
      conns_[id] = conn;
      conn->Start();
    }
    AcceptOn(acceptor, tls);
  });
}

void Server::ScheduleTick() {
  const int64_t interval_ms = std::max<int64_t>(10, options_.tick_ms / 2);
  tick_timer_.expires_after(std::chrono::milliseconds(interval_ms));
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    pipeline_->Tick(Clock());
    CheckSnapshotChild();
    ScheduleTick();
  });
}

void Server::OnClientMessage(uint64_t conn, proto::ClientMessage message) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  if (message.has_connect()) {
    pipeline_->OnConnect(conn, message.connect(), it->second->peer_ip(),
                         Clock(), TransportIds(*it->second));
  } else {
    metrics_->RequestStarted(conn, message.request());
    pipeline_->OnRequest(conn, std::move(*message.mutable_request()),
                         Clock());
  }
}

std::string Server::OnFourLetterWord(const std::string& word) {
  return AnswerFourLetterWord(word, four_letter_whitelist_, StatusContext());
}

void Server::OnConnectionClosed(uint64_t conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  metrics_->ConnectionClosed(conn);
  ResumeInputsIfUnder();
  auto ip = conns_per_ip_.find(it->second->peer_ip());
  if (ip != conns_per_ip_.end() && --ip->second <= 0) conns_per_ip_.erase(ip);
  // The pipeline hears of it after the current handler returns, never from
  // inside one of its own calls.
  asio::post(io_, [this, conn, keep = it->second] {
    pipeline_->OnDisconnect(conn, Clock());
  });
  conns_.erase(it);
}

void Server::SendConnect(pipeline::ConnId conn,
                         const proto::ConnectResponse& response) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  proto::ServerMessage message;
  *message.mutable_connect() = response;
  it->second->Send(message);
}

void Server::SendResponse(pipeline::ConnId conn,
                          const proto::Response& response) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  proto::ServerMessage message;
  *message.mutable_response() = response;
  it->second->Send(message);
  metrics_->ResponseSent(conn, response.xid());
  ResumeInputsIfUnder();
}

void Server::SendEvent(pipeline::ConnId conn, const proto::WatchEvent& event) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  proto::ServerMessage message;
  *message.mutable_event() = event;
  it->second->Send(message);
}

void Server::CloseConnection(pipeline::ConnId conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  auto keep = it->second;
  asio::post(io_, [keep] { keep->CloseAfterFlush(); });
}

void Server::AppendLog(std::vector<proto::Txn> txns) {
  metrics_->Appended(txns);
  host_log_->Appended(txns);
  writer_->Append(std::move(txns));
}

void Server::TruncateLog(Zxid after) {
  host_log_->Truncated(after);
  ++pending_truncations_;
  writer_->RunInOrder([this, after](storage::TxnLog* log) {
    Status status = log->TruncateAfter(after);
    const Zxid last = log->LastZxid();
    asio::post(io_, [this, last] {
      --pending_truncations_;
      if (pending_truncations_ > 0) return;
      host_log_->Durable(last);
      pipeline_->OnLogDurable(last, Clock());
    });
    return status;
  });
}

void Server::SaveEpochs(const proto::EpochState& epochs) {
  // Synchronous by contract: the caller sends messages that promise these
  // epochs right after. The writer thread never waits for this thread.
  std::promise<Status> done;
  auto saved = done.get_future();
  writer_->RunInOrder([&done, epochs](storage::TxnLog* log) {
    Status status = log->SaveEpochs(epochs);
    done.set_value(status);
    return status;
  });
  if (saved.wait_for(std::chrono::seconds(60)) != std::future_status::ready ||
      !saved.get().ok()) {
    spdlog::critical("cannot persist epochs: stopping");
    std::_Exit(70);
  }
}

void Server::Diverged(const pipeline::DigestMismatch& mismatch) {
  spdlog::error(
      "TREE DIVERGED from the leader at zxid 0x{:x}: my digest {:016x}, "
      "leader's {:016x}; this member stops serving clients (restart it to "
      "recover from its snapshot and log, or from the leader)",
      mismatch.zxid, mismatch.mine, mismatch.leaders);
}

void Server::QuotaWarning(const std::string& message) {
  // At most one line a second for refusals and one for soft warnings (the
  // io thread's only): a subtree kept over its limit would otherwise log on
  // every write.
  static int64_t last_ms_by_kind[2] = {-1000, -1000};
  static uint64_t suppressed_by_kind[2] = {0, 0};
  const int kind = message.ends_with(": refused") ? 1 : 0;
  int64_t& last_ms = last_ms_by_kind[kind];
  uint64_t& suppressed = suppressed_by_kind[kind];
  const int64_t now = MonoMs();
  if (now - last_ms < 1000) {
    ++suppressed;
    return;
  }
  last_ms = now;
  if (suppressed > 0) {
    spdlog::warn("{} ({} more quota warnings in the last second)", message,
                 suppressed);
  } else {
    spdlog::warn("{}", message);
  }
  suppressed = 0;
}

void Server::RoleChanged(const zab::RoleChange& role) {
  spdlog::info("role {} (leader {}, epoch {}, {}), last zxid 0x{:x}",
               zab::RoleName(role.role), role.leader, role.epoch,
               role.serving ? "serving" : "not serving",
               pipeline_ ? pipeline_->tree().last_zxid() : Zxid(0));
}

void Server::SnapshotDue() {
  if (snapshot_child_ > 0) return;  // one at a time; the next is due later
  pipeline_->SnapshotStarted();
  const Zxid zxid = pipeline_->tree().last_zxid();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    spdlog::error("cannot fork for a snapshot: {}", strerror(errno));
    return;
  }
  if (pid == 0) {
    // The writer dies with its server (this thread forked it and lives as
    // long as the process): a server SIGKILLed and restarted must not find
    // a snapshot appearing under it from a writer it no longer knows of.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
      std::_Exit(1);
    }
    Status status = WriteSnapshot(pipeline_->tree(), SnapshotDir());
    if (!status.ok()) {
      const std::string line = "snapshot failed: " + status.ToString() + "\n";
      (void)!write(2, line.data(), line.size());
    }
    std::_Exit(status.ok() ? 0 : 1);
  }
  snapshot_child_ = pid;
  snapshot_child_zxid_ = zxid;
  spdlog::info("snapshot 0x{:x} started in process {}", zxid, pid);
}

void Server::CheckSnapshotChild() {
  if (snapshot_child_ <= 0) return;
  int status = 0;
  const pid_t done = waitpid(snapshot_child_, &status, WNOHANG);
  if (done == 0) return;
  snapshot_child_ = -1;
  if (done < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    spdlog::error("snapshot zxid 0x{:x} failed", snapshot_child_zxid_);
    FinishSnapshotWaiters(false);
    return;
  }
  metrics_->snapshots().Inc();
  spdlog::info("snapshot zxid 0x{:x} done", snapshot_child_zxid_);
  if (options_.purge_interval_hours == 0) {
    PurgeOldSnapshots();  // server_lifecycle.cc
  } else {
    // The newest snapshot is what learners are sent; the purge timer
    // drops old ones and the log before them.
    host_log_->SetSnapshotZxid(snapshot_child_zxid_);
  }
  FinishSnapshotWaiters(true);
}

}  // namespace canopy::net
