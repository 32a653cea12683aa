// HostLog: the zab core's view of this member's log (zab::LogReader).
//
// The log is written by the storage thread (LogWriter), so what the core has
// asked to log may not be in LevelDB yet. HostLog keeps an index of every
// zxid in the log and the txns not yet reported durable, and reads the rest
// from the TxnLog (whose reads are safe while the writer appends). Owned and
// called by the server's IO thread only.
#ifndef CANOPY_SERVER_NET_HOST_LOG_H_
#define CANOPY_SERVER_NET_HOST_LOG_H_

#include <deque>
#include <map>
#include <vector>

#include "server/storage/log.h"
#include "server/zab/log_reader.h"

namespace canopy::net {

class HostLog : public zab::LogReader {
 public:
  // Indexes what log already holds. log is not owned.
  static Result<std::unique_ptr<HostLog>> Open(storage::TxnLog* log,
                                               Zxid snapshot_zxid);

  // Txns handed to the writer, in order.
  void Appended(const std::vector<proto::Txn>& txns);
  // The writer reported everything up to zxid durable.
  void Durable(Zxid zxid);
  // Everything above `after` was cut (ZAB's TRUNC).
  void Truncated(Zxid after);
  // Everything up to `upto` was dropped (after a snapshot).
  void Dropped(Zxid upto);
  void SetSnapshotZxid(Zxid zxid) { snapshot_zxid_ = zxid; }

  Zxid SnapshotZxid() const override { return snapshot_zxid_; }
  Zxid FirstZxid() const override;
  Zxid LastZxid() const override;
  bool Contains(Zxid zxid) const override;
  Zxid Floor(Zxid zxid) const override;
  Status ReadAfter(
      Zxid after, Zxid upto,
      const std::function<bool(const proto::Txn&)>& fn) const override;

 private:
  HostLog(storage::TxnLog* log, Zxid snapshot_zxid)
      : log_(log), snapshot_zxid_(snapshot_zxid) {}

  storage::TxnLog* log_;
  Zxid snapshot_zxid_;
  std::deque<Zxid> zxids_;                // every zxid in the log, in order
  std::map<Zxid, proto::Txn> unwritten_;  // not yet reported durable
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_HOST_LOG_H_
