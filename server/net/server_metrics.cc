#include "server/net/server_metrics.h"

#include <algorithm>

namespace canopy::net {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// 100 us to ~13 s.
std::vector<double> LatencyBuckets() {
  return metrics::ExponentialBuckets(0.0001, 2, 18);
}

// Bound on the txns remembered for proposal-to-commit latency.
constexpr size_t kMaxTimedTxns = 1 << 20;

}  // namespace

ServerMetrics::ServerMetrics() {
  refused_ = &registry_.AddCounter(
      "canopy_connections_refused_total",
      "Client connections refused by maxClientCnxns (per IP)");
  throttled_ = &registry_.AddCounter(
      "canopy_request_throttle_engaged_total",
      "Times the bound on requests in flight stopped reading from clients");
  snapshots_ = &registry_.AddCounter("canopy_snapshots_total",
                                     "Snapshots written by this member");
  written_ = &registry_.AddCounter("canopy_log_txns_written_total",
                                   "Txns written to the log by group commits");
  fsync_ = &registry_.AddHistogram(
      "canopy_fsync_seconds", "Time of one synced group write to the log",
      LatencyBuckets());
  batch_ = &registry_.AddHistogram(
      "canopy_log_batch_txns", "Txns per group commit (one sync)",
      metrics::ExponentialBuckets(1, 2, 15));
  commit_ = &registry_.AddHistogram(
      "canopy_proposal_commit_seconds",
      "From handing a txn to the log to applying it as committed",
      LatencyBuckets());
  registry_.AddGaugeFn("canopy_requests_in_flight",
                       "Client requests received and not yet answered", {},
                       [this] { return double(in_flight_); });
  registry_.AddGaugeFn("canopy_log_queue_txns",
                       "Txns waiting for the log writer", {},
                       [this] { return double(log_queue()); });
}

metrics::Counter& ServerMetrics::session_events(const std::string& kind) {
  return registry_.AddCounter("canopy_session_events_total",
                              "Sessions opened, closed and expired",
                              {{"event", kind}});
}

metrics::Histogram& ServerMetrics::LatencyOf(int op) {
  auto& slot = latency_[op];
  if (!slot) {
    const auto* field = proto::Request::descriptor()->FindFieldByNumber(op);
    slot = &registry_.AddHistogram(
        "canopy_request_seconds",
        "Client request latency from arrival to answer, by op",
        LatencyBuckets(), {{"op", field ? field->name() : "unknown"}});
  }
  return *slot;
}

void ServerMetrics::RequestStarted(uint64_t conn,
                                   const proto::Request& request) {
  requests_[conn].push_back(
      Started{request.xid(), int(request.op_case()), Clock::now()});
  ++in_flight_;
}

void ServerMetrics::ResponseSent(uint64_t conn, int32_t xid) {
  auto it = requests_.find(conn);
  if (it == requests_.end()) return;
  auto& queue = it->second;
  while (!queue.empty()) {
    const Started started = queue.front();
    queue.pop_front();
    --in_flight_;
    if (started.xid == xid) {
      LatencyOf(started.op).Observe(SecondsSince(started.at));
      break;
    }
  }
  if (queue.empty()) requests_.erase(it);
}

void ServerMetrics::ConnectionClosed(uint64_t conn) {
  auto it = requests_.find(conn);
  if (it == requests_.end()) return;
  in_flight_ -= it->second.size();
  requests_.erase(it);
}

void ServerMetrics::Appended(const std::vector<proto::Txn>& txns) {
  const auto now = Clock::now();
  for (const auto& txn : txns) {
    if (appended_.size() >= kMaxTimedTxns) appended_.pop_front();
    appended_.emplace_back(txn.zxid(), now);
  }
  appended_count_ += txns.size();
}

void ServerMetrics::AppliedUpTo(Zxid zxid) {
  while (!appended_.empty() && appended_.front().first <= zxid) {
    commit_->Observe(SecondsSince(appended_.front().second));
    appended_.pop_front();
  }
}

uint64_t ServerMetrics::log_queue() const {
  const uint64_t written = written_->value();
  return appended_count_ > written ? appended_count_ - written : 0;
}

void ServerMetrics::OnMemberMessage(int64_t from,
                                    const proto::MemberMessage& message) {
  if (!message.has_zab()) return;
  const auto& zab = message.zab();
  Zxid acked = 0;
  if (zab.has_ack()) {
    acked = zab.ack().zxid();
  } else if (zab.has_ping_ack()) {
    acked = zab.ping_ack().acked_zxid();
  } else {
    return;
  }
  Zxid& known = acks_[from];
  known = std::max(known, acked);
}

Status TimedLog::Append(const std::vector<proto::Txn>& txns, bool sync) {
  const auto start = Clock::now();
  Status status = log_->Append(txns, sync);
  if (status.ok()) {
    if (sync) metrics_->fsync_seconds().Observe(SecondsSince(start));
    metrics_->batch_txns().Observe(double(txns.size()));
    metrics_->txns_written().Inc(txns.size());
  }
  return status;
}

}  // namespace canopy::net
