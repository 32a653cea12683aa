#include "server/storage/log_writer.h"

#include <algorithm>
#include <utility>

namespace canopy::storage {

LogWriter::LogWriter(TxnLog* log, SyncedFn on_synced)
    : LogWriter(log, std::move(on_synced), Options()) {}

LogWriter::LogWriter(TxnLog* log, SyncedFn on_synced, Options options)
    : log_(log), on_synced_(std::move(on_synced)), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

LogWriter::~LogWriter() { Stop(); }

bool LogWriter::ShouldBlockAppend(size_t count) const {
  return pending_txns_ > 0 && pending_txns_ + count > options_.max_pending_txns;
}

void LogWriter::Append(std::vector<proto::Txn> txns) {
  if (txns.empty()) return;
  std::unique_lock<std::mutex> lock(mutex_);
  // The writer thread only drains the queue, so it must never wait for room
  // (on_synced may queue more work).
  if (std::this_thread::get_id() != writer_id_) {
    // No timeout: the wait ends when the writer makes progress, fails or
    // stops; if a sync never returns, nothing could be accepted anyway.
    space_cv_.wait(lock, [&] {
      return stopping_ || failed_ || !ShouldBlockAppend(txns.size());
    });
  }
  if (stopping_ || failed_) return;
  pending_txns_ += txns.size();
  queue_.push_back(Item{std::move(txns), 0, nullptr});
  work_cv_.notify_one();
}

void LogWriter::DropUpTo(Zxid zxid) {
  RunInOrder([zxid](TxnLog* log) { return log->DropUpTo(zxid); });
}

void LogWriter::RunInOrder(std::function<Status(TxnLog*)> op) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_ || failed_) return;
  queue_.push_back(Item{{}, 0, std::move(op)});
  work_cv_.notify_one();
}

void LogWriter::Stop() {
  std::lock_guard<std::mutex> join_lock(join_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogWriter::TakeWork(std::vector<proto::Txn>* batch,
                         std::function<Status(TxnLog*)>* op) {
  if (queue_.front().txns.empty()) {
    *op = std::move(queue_.front().op);
    queue_.pop_front();
    return;
  }
  size_t batch_bytes = 0;
  while (!queue_.empty() && !queue_.front().txns.empty()) {
    Item& item = queue_.front();
    for (; item.next < item.txns.size(); ++item.next) {
      proto::Txn& txn = item.txns[item.next];
      const size_t txn_bytes = txn.ByteSizeLong();
      if (!batch->empty() &&
          (batch->size() >= options_.max_batch_txns ||
           batch_bytes + txn_bytes > options_.max_batch_bytes)) {
        return;
      }
      batch_bytes += txn_bytes;
      batch->push_back(std::move(txn));
      --pending_txns_;
    }
    queue_.pop_front();
  }
}

void LogWriter::Run() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    writer_id_ = std::this_thread::get_id();
  }
  Zxid last_durable = log_->LastZxid();
  for (;;) {
    std::vector<proto::Txn> batch;
    std::function<Status(TxnLog*)> op;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything is written
      TakeWork(&batch, &op);
    }
    space_cv_.notify_all();

    Status status;
    const bool is_op = batch.empty();
    if (is_op) {
      status = op(log_);
      last_durable = std::min(last_durable, log_->LastZxid());
    } else {
      status = log_->Append(batch, /*sync=*/true);
      if (status.ok()) {
        last_durable = batch.back().zxid();
        batches_written_.fetch_add(1);
        txns_written_.fetch_add(batch.size());
      }
    }
    if (!status.ok()) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        failed_ = true;
        queue_.clear();
        pending_txns_ = 0;
      }
      space_cv_.notify_all();
      on_synced_(last_durable, status);
      return;
    }
    if (!is_op) on_synced_(last_durable, Status::Ok());
  }
}

}  // namespace canopy::storage
