// TxnLog: the durable, ordered log of txns and the persisted ZAB epochs.
//
// A log holds txns with strictly increasing zxids. Append() writes a whole
// batch as one unit; with sync it returns only once the batch is on disk (one
// sync write per batch: group commit is the caller batching). Not thread-safe:
// one thread (the storage thread) uses it at a time. A failed write or sync
// puts the log in a permanent error state: every later call fails.
#ifndef CANOPY_SERVER_STORAGE_LOG_H_
#define CANOPY_SERVER_STORAGE_LOG_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace leveldb {
class Env;
}

namespace canopy::storage {

class TxnLog {
 public:
  virtual ~TxnLog() = default;

  // Appends txns (zxids increasing, above LastZxid()) as one atomic batch.
  virtual Status Append(const std::vector<proto::Txn>& txns, bool sync) = 0;
  // Calls fn for each txn with zxid > after, in zxid order, until fn returns
  // false.
  virtual Status ReadAfter(Zxid after,
                           const std::function<bool(const proto::Txn&)>& fn) = 0;
  // The highest zxid in the log, or 0 when empty.
  virtual Zxid LastZxid() const = 0;
  // The lowest zxid in the log, or 0 when empty.
  virtual Zxid FirstZxid() const = 0;
  // Drops every txn with zxid <= upto (the log before a kept snapshot).
  virtual Status DropUpTo(Zxid upto) = 0;
  // Drops every txn with zxid > after (ZAB's TRUNC); synced.
  virtual Status TruncateAfter(Zxid after) = 0;

  virtual Status SaveEpochs(const proto::EpochState& epochs) = 0;  // synced
  virtual Result<proto::EpochState> LoadEpochs() = 0;  // zeros when none
};

// A TxnLog on LevelDB in directory dir. env may be null for the default Env;
// tests pass a memory or fault-injecting Env (not owned, must outlive the
// log).
Result<std::unique_ptr<TxnLog>> OpenLevelDbLog(const std::string& dir,
                                               leveldb::Env* env = nullptr);

// A TxnLog in memory, for tests and the simulator.
std::unique_ptr<TxnLog> NewMemoryLog();

}  // namespace canopy::storage

#endif  // CANOPY_SERVER_STORAGE_LOG_H_
