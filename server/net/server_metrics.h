// ServerMetrics: the figures a Canopy member exports on /metrics, and the
// bookkeeping behind them that the server feeds from its IO thread:
//
// - each client request from arrival to answer (per op latency histograms),
//   which also gives the requests in flight that request throttling bounds;
// - each logged txn from the log append to its application (proposal to
//   commit latency, as seen by this member);
// - learners' acks (follower lag, on the leader);
// - group commits and their fsync latency (TimedLog, on the storage thread).
//
// Threading: everything but the histograms TimedLog observes is used on the
// server's IO thread only.
#ifndef CANOPY_SERVER_NET_SERVER_METRICS_H_
#define CANOPY_SERVER_NET_SERVER_METRICS_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/canopy.pb.h"
#include "proto/member.pb.h"
#include "server/net/metrics.h"
#include "server/storage/log.h"

namespace canopy::net {

class ServerMetrics {
 public:
  ServerMetrics();

  metrics::Registry& registry() { return registry_; }

  // A request (not a handshake) arrived on connection conn.
  void RequestStarted(uint64_t conn, const proto::Request& request);
  // The answer with this xid went out on conn. Requests of conn sent
  // before it that got no answer are forgotten (answers come in order).
  void ResponseSent(uint64_t conn, int32_t xid);
  // conn closed: its unanswered requests are no longer in flight.
  void ConnectionClosed(uint64_t conn);
  // Requests received and not yet answered, over every connection.
  size_t in_flight() const { return in_flight_; }

  // txns were handed to the log writer (proposals on the leader).
  void Appended(const std::vector<proto::Txn>& txns);
  // The tree has applied every txn up to zxid.
  void AppliedUpTo(Zxid zxid);
  // Txns handed to the log writer and not yet written by it.
  uint64_t log_queue() const;

  // Watches learners' acks (on the leader) for follower lag.
  void OnMemberMessage(int64_t from, const proto::MemberMessage& message);
  // Highest zxid each learner acknowledged.
  const std::map<int64_t, Zxid>& learner_acks() const { return acks_; }

  metrics::Counter& connections_refused() { return *refused_; }
  metrics::Counter& throttle_engaged() { return *throttled_; }
  metrics::Counter& snapshots() { return *snapshots_; }
  metrics::Counter& session_events(const std::string& kind);
  metrics::Histogram& fsync_seconds() { return *fsync_; }
  metrics::Histogram& batch_txns() { return *batch_; }
  metrics::Counter& txns_written() { return *written_; }

 private:
  struct Started {
    int32_t xid;
    int op;
    std::chrono::steady_clock::time_point at;
  };
  metrics::Histogram& LatencyOf(int op);

  metrics::Registry registry_;
  std::unordered_map<uint64_t, std::deque<Started>> requests_;
  size_t in_flight_ = 0;
  std::unordered_map<int, metrics::Histogram*> latency_;
  std::deque<std::pair<Zxid, std::chrono::steady_clock::time_point>> appended_;
  uint64_t appended_count_ = 0;
  std::map<int64_t, Zxid> acks_;
  metrics::Counter* refused_;
  metrics::Counter* throttled_;
  metrics::Counter* snapshots_;
  metrics::Counter* written_;
  metrics::Histogram* fsync_;
  metrics::Histogram* batch_;
  metrics::Histogram* commit_;
};

// A TxnLog that times its synced appends (fsync latency) and counts their
// sizes (group commit batches) into metrics; everything else passes
// through. Used by the storage thread as the log it wraps would be.
class TimedLog : public storage::TxnLog {
 public:
  TimedLog(std::unique_ptr<storage::TxnLog> log, ServerMetrics* metrics)
      : log_(std::move(log)), metrics_(metrics) {}

  Status Append(const std::vector<proto::Txn>& txns, bool sync) override;
  Status ReadAfter(
      Zxid after,
      const std::function<bool(const proto::Txn&)>& fn) override {
    return log_->ReadAfter(after, fn);
  }
  Zxid LastZxid() const override { return log_->LastZxid(); }
  Zxid FirstZxid() const override { return log_->FirstZxid(); }
  Status DropUpTo(Zxid upto) override { return log_->DropUpTo(upto); }
  Status TruncateAfter(Zxid after) override {
    return log_->TruncateAfter(after);
  }
  Status SaveEpochs(const proto::EpochState& epochs) override {
    return log_->SaveEpochs(epochs);
  }
  Result<proto::EpochState> LoadEpochs() override {
    return log_->LoadEpochs();
  }

 private:
  std::unique_ptr<storage::TxnLog> log_;
  ServerMetrics* metrics_;
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_SERVER_METRICS_H_
