// The server's status for the four-letter words and the admin endpoint, and
// its Prometheus metrics.
#include <spdlog/spdlog.h>

#include <leveldb/env.h>

#include "server/net/admin_commands.h"
#include "server/net/server.h"
#include "server/storage/snapshot.h"

namespace canopy::net {

namespace asio = boost::asio;

FourLetterContext Server::StatusContext() const {
  FourLetterContext context;
  context.pipeline = pipeline_.get();
  context.mode = pipeline_->ModeName();
  context.outstanding = int64_t(metrics_->in_flight());
  for (const auto& [id, conn] : conns_) {
    ConnectionInfo info;
    info.ip = conn->peer_ip();
    info.port = conn->peer_port();
    info.received = conn->received();
    info.sent = conn->sent();
    context.connections.push_back(info);
  }
  const auto& o = options_;
  context.config = {
      {"clientPort", std::to_string(port_)},
      {"clientPortAddress", o.address},
      {"dataDir", o.data_dir},
      {"dataLogDir", o.data_log_dir},
      {"tickTime", std::to_string(o.tick_ms)},
      {"initLimit", std::to_string(o.init_limit_ticks)},
      {"syncLimit", std::to_string(o.sync_limit_ticks)},
      {"maxClientCnxns", std::to_string(o.max_client_connections)},
      {"minSessionTimeout", std::to_string(o.min_session_timeout_ms)},
      {"maxSessionTimeout", std::to_string(o.max_session_timeout_ms)},
      {"snapCount", std::to_string(o.snap_count)},
      {"autopurge.snapRetainCount", std::to_string(o.snap_retain_count)},
      {"autopurge.purgeInterval", std::to_string(o.purge_interval_hours)},
      {"jute.maxbuffer", std::to_string(o.max_frame_bytes)},
      {"globalOutstandingLimit", std::to_string(o.max_requests_in_flight)},
      {"admin.enableServer", o.admin.enabled ? "true" : "false"},
      {"admin.serverAddress", o.admin.address},
      {"admin.serverPort", std::to_string(admin_port())},
      {"serverId", std::to_string(o.server_id)},
  };
  for (const auto& [id, member] : o.members) {
    context.config.emplace_back(
        "server." + std::to_string(id),
        member.host + ":" + std::to_string(member.peer_port) +
            (member.observer ? ":observer" : ""));
  }
  return context;
}

void Server::RegisterMetrics() {
  auto& r = metrics_->registry();
  const pipeline::Pipeline* p = pipeline_.get();
  r.AddGaugeFn("canopy_znodes", "Znodes in the tree", {},
               [p] { return double(p->tree().node_count()); });
  r.AddGaugeFn("canopy_watches", "Watches registered", {},
               [p] { return double(p->tree().watches().size()); });
  r.AddGaugeFn("canopy_sessions", "Sessions in the ensemble", {},
               [p] { return double(p->session_count()); });
  r.AddGaugeFn("canopy_ephemerals", "Ephemeral znodes", {},
               [p] { return double(EphemeralCount(p->tree())); });
  r.AddGaugeFn("canopy_client_connections", "Open client connections", {},
               [this] { return double(conns_.size()); });
  for (auto role : {zab::Role::kLooking, zab::Role::kFollowing,
                    zab::Role::kLeading, zab::Role::kObserving}) {
    r.AddGaugeFn("canopy_role", "1 for this member's current ZAB role",
                 {{"role", RoleLabel(role)}},
                 [p, role] { return p->core().role() == role ? 1.0 : 0.0; });
  }
  r.AddGaugeFn("canopy_serving", "1 when this member serves clients", {},
               [p] { return p->core().serving() ? 1.0 : 0.0; });
  r.AddGaugeFn("canopy_epoch", "The epoch led or followed", {},
               [p] { return double(p->core().epoch()); });
  r.AddGaugeFn("canopy_last_zxid", "The last zxid applied to the tree", {},
               [p] { return double(p->tree().last_zxid()); });
  r.AddGaugeFn("canopy_last_committed_zxid", "The last zxid committed", {},
               [p] { return double(p->core().last_committed()); });
  r.AddGaugeFn("canopy_proposals_in_flight",
               "Proposals of this leader waiting for a quorum", {},
               [p] { return double(p->core().in_flight()); });
  r.AddCounterFn("canopy_requests_total", "Client requests received", {},
                 [p] { return double(p->stats().requests); });
  r.AddCounterFn("canopy_responses_total", "Client requests answered", {},
                 [p] { return double(p->stats().responses); });
  r.AddCounterFn("canopy_txns_applied_total", "Txns applied to the tree", {},
                 [p] { return double(p->stats().txns_applied); });
  r.AddCounterFn("canopy_watch_events_total", "Watch events sent", {},
                 [p] { return double(p->stats().watch_events); });
  r.AddCounterFn("canopy_requests_forwarded_total",
                 "Requests forwarded to the leader", {},
                 [p] { return double(p->stats().forwarded); });

  // The admin endpoint and the purge timer start with the metrics.
  shutdown_timer_ = std::make_unique<asio::steady_timer>(io_);
  purge_timer_ = std::make_unique<asio::steady_timer>(io_);
  SchedulePurge();
  if (!options_.admin.enabled) return;
  auto admin = AdminHttp::Start(io_, options_.admin, this);
  if (!admin.ok()) {
    // As ZooKeeper: a member without its admin endpoint still serves.
    spdlog::error("admin endpoint off: {}", admin.status().ToString());
    return;
  }
  admin_ = std::move(admin).value();
  spdlog::info("admin HTTP on {}:{}", options_.admin.address, admin_->port());
}

std::optional<std::string> Server::AdminCommand(const std::string& name) {
  AdminContext context;
  context.status = StatusContext();
  context.my_id = options_.server_id;
  for (const auto& [id, member] : options_.members) {
    context.member_hosts[id] = member.host;
  }
  if (pipeline_->core().role() == zab::Role::kLeading) {
    context.learner_acks = metrics_->learner_acks();
  }
  context.shutting_down = draining_ || stopping_;
  return AdminCommandJson(name, context);
}

bool Server::AdminReady(std::string* json) {
  AdminContext context;
  context.status = StatusContext();
  context.shutting_down = draining_ || stopping_;
  return IsReady(context, json);
}

std::string Server::AdminMetrics() {
  auto& r = metrics_->registry();
  const pipeline::Pipeline* p = pipeline_.get();
  // Follower lag, on the leader: how far each learner's acks trail the
  // leader's proposals (in txns of the current epoch).
  for (const auto& [id, acked_zxid] : metrics_->learner_acks()) {
    r.AddGaugeFn(
        "canopy_follower_lag_txns",
        "Leader only: proposals a learner has not acknowledged yet",
        {{"member", std::to_string(id)}},
        [p, metrics = metrics_.get(), id = id] {
          if (p->core().role() != zab::Role::kLeading) return 0.0;
          const Zxid last = p->core().last_proposed();
          const Zxid acked = metrics->learner_acks().at(id);
          if (acked >= last) return 0.0;
          if (zab::EpochOf(acked) != zab::EpochOf(last)) {
            return double(last & 0xffffffffLL);
          }
          return double(last - acked);
        });
  }
  return r.Render();
}

void Server::SessionChanged(SessionChange change, SessionId session,
                            Zxid zxid) {
  const char* what = change == SessionChange::kOpened   ? "opened"
                     : change == SessionChange::kClosed ? "closed"
                                                        : "expired";
  metrics_->session_events(what).Inc();
  spdlog::info("session 0x{:x} {}, zxid 0x{:x}", uint64_t(session), what,
               uint64_t(zxid));
}

void Server::FinishSnapshotWaiters(bool ok) {
  auto waiters = std::move(snapshot_waiters_);
  snapshot_waiters_.clear();
  for (auto& waiter : waiters) waiter(ok);
}

void Server::AdminSnapshot(
    bool take,
    std::function<void(Result<std::pair<std::string, Zxid>>)> done) {
  auto newest = [this]() -> Result<std::pair<std::string, Zxid>> {
    auto list = storage::ListSnapshots(leveldb::Env::Default(), SnapshotDir());
    if (list.empty()) {
      return Status(proto::SYSTEM_ERROR, "no snapshot on this member");
    }
    return std::make_pair(SnapshotPath(list.front()), list.front());
  };
  if (!take) {
    auto found = newest();
    if (found.ok()) {
      done(std::move(found));
      return;
    }
  }
  snapshot_waiters_.push_back([newest, done](bool ok) {
    if (!ok) {
      done(Status(proto::SYSTEM_ERROR, "the snapshot failed"));
      return;
    }
    done(newest());
  });
  if (snapshot_child_ <= 0) {
    spdlog::info("snapshot asked for by the admin endpoint");
    SnapshotDue();
    if (snapshot_child_ <= 0) FinishSnapshotWaiters(false);
  }
}

}  // namespace canopy::net
