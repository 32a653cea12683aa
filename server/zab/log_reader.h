// LogReader: the core's read-only view of its host's log, used to build
// diffs for learners (leader) and to find committed txns to apply.
//
// The host owns the log; the reader must show every txn of every Ready the
// host has acted on (appended, durable or not) and no truncated one. It is
// called only from inside core calls, on the core's strand.
#ifndef CANOPY_SERVER_ZAB_LOG_READER_H_
#define CANOPY_SERVER_ZAB_LOG_READER_H_

#include <functional>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::zab {

class LogReader {
 public:
  virtual ~LogReader() = default;
  // The zxid of the newest snapshot the host can stream to a learner; every
  // txn after it is in the log. 0 for the empty state (no snapshot).
  virtual Zxid SnapshotZxid() const = 0;
  // The lowest zxid in the log, or 0 when it is empty.
  virtual Zxid FirstZxid() const = 0;
  // The highest zxid in the log, or 0 when it is empty.
  virtual Zxid LastZxid() const = 0;
  // Whether the log holds a txn with this zxid.
  virtual bool Contains(Zxid zxid) const = 0;
  // The highest zxid in the log that is <= zxid, or 0 when there is none.
  virtual Zxid Floor(Zxid zxid) const = 0;
  // Calls fn for each txn with after < zxid <= upto, in zxid order, until fn
  // returns false. An error when the log cannot be read.
  virtual Status ReadAfter(
      Zxid after, Zxid upto,
      const std::function<bool(const proto::Txn&)>& fn) const = 0;
};

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_LOG_READER_H_
