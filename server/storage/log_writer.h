// LogWriter: the storage thread. It owns every write to one TxnLog and does
// group commit: whatever is queued when it wakes goes to the log as one
// Append(..., sync=true), so one sync covers many callers' txns.
//
// Threading: Append and DropUpTo may be called from any thread; on_synced runs
// on the writer's own thread, never concurrently with itself. While the writer
// runs, nobody else may write to the log.
#ifndef CANOPY_SERVER_STORAGE_LOG_WRITER_H_
#define CANOPY_SERVER_STORAGE_LOG_WRITER_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"
#include "server/storage/log.h"

namespace canopy::storage {

class LogWriter {
 public:
  // Called after each group write with the highest zxid now durable and OK;
  // on failure called once with that zxid and the error, after which the
  // writer accepts nothing more.
  using SyncedFn = std::function<void(Zxid last_durable, Status status)>;

  struct Options {
    // Append blocks while more than this many txns are queued (a single call
    // larger than the bound is still accepted once the queue is empty).
    size_t max_pending_txns = 100000;
    // One group write holds at most this many txns or bytes (serialized);
    // more queued work is written in further groups.
    size_t max_batch_txns = 10000;
    size_t max_batch_bytes = 16u << 20;
  };

  // Starts the writer thread. log is not owned and must outlive the writer.
  LogWriter(TxnLog* log, SyncedFn on_synced);
  LogWriter(TxnLog* log, SyncedFn on_synced, Options options);
  ~LogWriter();  // Stop()

  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Queues txns, whose zxids must increase across calls and be above the
  // log's LastZxid() (otherwise the log rejects the group and the writer
  // fails). Blocks only while the queue is over max_pending_txns; never
  // blocks when called from on_synced. Ignored after a failure or Stop().
  void Append(std::vector<proto::Txn> txns);

  // Queues a TxnLog::DropUpTo(zxid) after the earlier appends (for after a
  // snapshot). Ignored after a failure or Stop().
  void DropUpTo(Zxid zxid);
  // Thread-safe. Queues op to run on the writer thread with the log, after
  // the earlier appends and ops (a truncation, an epoch write). A failing op
  // fails the writer as a failed write does. Ignored after a failure or
  // Stop().
  void RunInOrder(std::function<Status(TxnLog*)> op);

  // Writes everything queued so far, then joins the thread. Idempotent. Not
  // from on_synced (the thread cannot join itself).
  void Stop();

  // For metrics and tests: group writes done, and txns they held.
  uint64_t batches_written() const { return batches_written_.load(); }
  uint64_t txns_written() const { return txns_written_.load(); }

 private:
  struct Item {
    std::vector<proto::Txn> txns;  // an Append, or empty for an op
    size_t next = 0;               // txns before it are already taken
    std::function<Status(TxnLog*)> op;
  };

  void Run();
  // Moves up to one group's worth of queued txns into *batch, or the queued
  // op into *op. Called with mutex_ held.
  void TakeWork(std::vector<proto::Txn>* batch,
                std::function<Status(TxnLog*)>* op);
  bool ShouldBlockAppend(size_t count) const;

  TxnLog* const log_;
  const SyncedFn on_synced_;
  const Options options_;

  std::mutex mutex_;
  std::condition_variable work_cv_;   // the writer waits for work
  std::condition_variable space_cv_;  // Append waits for queue space
  std::deque<Item> queue_;            // guarded by mutex_
  size_t pending_txns_ = 0;           // guarded by mutex_
  bool stopping_ = false;             // guarded by mutex_
  bool failed_ = false;               // guarded by mutex_
  std::thread::id writer_id_;         // guarded by mutex_

  std::atomic<uint64_t> batches_written_{0};
  std::atomic<uint64_t> txns_written_{0};
  std::mutex join_mutex_;  // serializes Stop()
  std::thread thread_;
};

}  // namespace canopy::storage

#endif  // CANOPY_SERVER_STORAGE_LOG_WRITER_H_
