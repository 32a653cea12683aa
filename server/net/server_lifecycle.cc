// Request throttling, snapshot retention and the graceful stop.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include <leveldb/env.h>

#include "server/net/server.h"
#include "server/storage/snapshot.h"

namespace canopy::net {

namespace asio = boost::asio;

namespace {
constexpr auto kDrainCheck = std::chrono::milliseconds(20);

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

bool Server::AcceptingRequests() const {
  if (draining_ || stopping_) return false;
  if (throttled_) return false;
  if (options_.max_requests_in_flight > 0 &&
      int64_t(metrics_->in_flight()) >= options_.max_requests_in_flight) {
    throttled_ = true;
    metrics_->throttle_engaged().Inc();
    return false;
  }
  return true;
}

void Server::ResumeInputsIfUnder() {
  if (draining_) return;  // CheckDrained's timer watches the count
  if (!throttled_) return;
  // Resume with room for a quarter of the bound, not at every answer.
  if (int64_t(metrics_->in_flight()) * 4 > options_.max_requests_in_flight * 3) {
    return;
  }
  throttled_ = false;
  for (auto& [id, conn] : conns_) conn->ResumeInput();
}

void Server::PurgeOldSnapshots() {
  leveldb::Env* env = leveldb::Env::Default();
  Status purged = storage::PurgeSnapshots(env, SnapshotDir(),
                                          options_.snap_retain_count);
  if (!purged.ok()) spdlog::warn("purge: {}", purged.ToString());
  auto kept = storage::ListSnapshots(env, SnapshotDir());  // newest first
  if (kept.empty()) return;
  // The log after the oldest kept snapshot stays, so any kept snapshot plus
  // the log recovers; and the newest is what learners are sent.
  host_log_->Dropped(kept.back());
  host_log_->SetSnapshotZxid(kept.front());
  writer_->DropUpTo(kept.back());
  spdlog::info("purged: {} snapshots kept, log kept after zxid 0x{:x}",
               kept.size(), kept.back());
}

void Server::SchedulePurge() {
  if (options_.purge_interval_hours <= 0) return;
  purge_timer_->expires_after(
      std::chrono::hours(options_.purge_interval_hours));
  purge_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    PurgeOldSnapshots();
    SchedulePurge();
  });
}

void Server::CloseConnectionsAfterFlush() {
  // A connection with nothing left to send closes at once and leaves conns_
  // from inside CloseAfterFlush: walk a copy.
  std::vector<std::shared_ptr<ClientConnection>> open;
  open.reserve(conns_.size());
  for (const auto& [id, conn] : conns_) open.push_back(conn);
  for (const auto& conn : open) conn->CloseAfterFlush();
}

void Server::BeginShutdown() {
  draining_ = true;
  drain_deadline_ms_ = NowMs() + options_.drain_timeout_ms;
  // What this leader proposed and has not committed yet must commit first
  // (a learner's own clients' writes are among the requests in flight).
  drain_zxid_ = pipeline_->core().in_flight() > 0
                    ? pipeline_->core().last_proposed()
                    : 0;
  spdlog::info(
      "stopping: answering {} requests in flight, then closing {} client "
      "connections",
      metrics_->in_flight(), conns_.size());
  boost::system::error_code ec;
  acceptor_.close(ec);  // no new clients; connections read no more requests
  secure_acceptor_.close(ec);
  // A second signal stops at once.
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("signal {} while stopping: stopping at once", sig);
    FinishShutdown();
  });
  CheckDrained();
}

void Server::CheckDrained() {
  if (stopping_) return;
  const bool late = NowMs() >= drain_deadline_ms_;
  // Phase 1: every request read is answered, and every txn proposed (on a
  // leader) or logged (on a learner) before the stop is committed and
  // applied, so no client is left guessing about its write.
  // (A member that lost its leader cannot commit: it waits for nothing.)
  const bool answered = metrics_->in_flight() == 0 &&
                        (!pipeline_->core().serving() ||
                         pipeline_->tree().last_zxid() >= drain_zxid_);
  if (!answered && !late) {
    shutdown_timer_->expires_after(kDrainCheck);
    shutdown_timer_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) CheckDrained();
    });
    return;
  }
  if (late && !answered) {
    spdlog::warn("stopping with {} requests unanswered after {} ms",
                 metrics_->in_flight(), options_.drain_timeout_ms);
  }
  // Phase 2: close client connections once their answers are flushed; the
  // sessions live on, and their clients move to another member.
  if (!conns_.empty() && !late) {
    CloseConnectionsAfterFlush();
    drain_deadline_ms_ = std::min(drain_deadline_ms_, NowMs() + 2000);
    shutdown_timer_->expires_after(kDrainCheck);
    shutdown_timer_->async_wait([this](const boost::system::error_code& ec) {
      if (!ec) CheckDrained();
    });
    return;
  }
  spdlog::info("stopped serving: in-flight requests answered, connections "
               "closed; last zxid 0x{:x}",
               pipeline_->tree().last_zxid());
  FinishShutdown();
}

}  // namespace canopy::net
