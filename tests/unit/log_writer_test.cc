// LogWriter: group commit, ordering, back-pressure and failure. Waits are on
// conditions with bounded timeouts, never sleeps.
#include "server/storage/log_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "server/storage/log.h"
#include "tests/unit/fault_env.h"
#include "tests/unit/storage_test_util.h"

namespace canopy::storage {
namespace {

using testutil::MakeTxn;
using testutil::MakeTxns;
using testutil::Range;
using testutil::ReadZxids;

constexpr std::chrono::seconds kTimeout{30};

// What on_synced reported, and a way to wait for it.
class SyncedRecorder {
 public:
  LogWriter::SyncedFn Callback() {
    return [this](Zxid last_durable, Status status) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (status.ok()) {
        durable_.push_back(last_durable);
      } else {
        errors_.push_back(status);
        error_zxids_.push_back(last_durable);
      }
      cv_.notify_all();
    };
  }

  // True once zxid is reported durable.
  bool WaitForDurable(Zxid zxid) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, kTimeout, [&] {
      return !durable_.empty() && durable_.back() >= zxid;
    });
  }

  bool WaitForError() {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, kTimeout, [&] { return !errors_.empty(); });
  }

  std::vector<Zxid> durable() {
    std::lock_guard<std::mutex> lock(mutex_);
    return durable_;
  }
  std::vector<Status> errors() {
    std::lock_guard<std::mutex> lock(mutex_);
    return errors_;
  }
  std::vector<Zxid> error_zxids() {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_zxids_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Zxid> durable_;
  std::vector<Status> errors_;
  std::vector<Zxid> error_zxids_;
};

class LogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenLevelDbLog("/log", &env_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    log_ = std::move(opened).value();
  }

  testutil::FaultEnv env_;
  std::unique_ptr<TxnLog> log_;
  SyncedRecorder recorder_;
};

TEST_F(LogWriterTest, ConcurrentAppendsAreAllDurableInOrder) {
  constexpr int kThreads = 4;
  constexpr int kAppendsPerThread = 250;
  constexpr Zxid kTotal = kThreads * kAppendsPerThread * 2;
  LogWriter writer(log_.get(), recorder_.Callback());
  // Producers take zxids and queue under one lock, as the leader's single
  // strand would; the writer thread batches concurrently with them.
  std::mutex order_mutex;
  Zxid next_zxid = 1;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kAppendsPerThread; ++i) {
        std::lock_guard<std::mutex> lock(order_mutex);
        writer.Append(MakeTxns(next_zxid, next_zxid + 1));
        next_zxid += 2;
      }
    });
  }
  for (std::thread& producer : producers) producer.join();
  ASSERT_TRUE(recorder_.WaitForDurable(kTotal));

  const std::vector<Zxid> durable = recorder_.durable();
  for (size_t i = 1; i < durable.size(); ++i) {
    EXPECT_LT(durable[i - 1], durable[i]);
  }
  EXPECT_EQ(durable.back(), kTotal);
  EXPECT_TRUE(recorder_.errors().empty());
  EXPECT_EQ(writer.txns_written(), static_cast<uint64_t>(kTotal));
  EXPECT_EQ(writer.batches_written(), durable.size());
  EXPECT_LE(writer.batches_written(),
            static_cast<uint64_t>(kThreads * kAppendsPerThread));
  writer.Stop();
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, kTotal));
}

TEST_F(LogWriterTest, AppendsQueuedDuringASyncGoInOneBatch) {
  env_.BlockSyncs();
  LogWriter writer(log_.get(), recorder_.Callback());
  writer.Append({MakeTxn(1)});
  ASSERT_TRUE(env_.WaitForBlockedSyncs(1, kTimeout));
  for (Zxid zxid = 2; zxid <= 51; ++zxid) writer.Append({MakeTxn(zxid)});
  env_.ReleaseSyncs();
  ASSERT_TRUE(recorder_.WaitForDurable(51));
  EXPECT_EQ(recorder_.durable(), (std::vector<Zxid>{1, 51}));
  EXPECT_EQ(writer.batches_written(), 2u);
  EXPECT_EQ(writer.txns_written(), 51u);
}

TEST_F(LogWriterTest, LargeAppendIsSplitAtTheBatchCap) {
  LogWriter::Options options;
  options.max_batch_txns = 100;
  LogWriter writer(log_.get(), recorder_.Callback(), options);
  writer.Append(MakeTxns(1, 1000));
  ASSERT_TRUE(recorder_.WaitForDurable(1000));
  EXPECT_EQ(writer.batches_written(), 10u);
  EXPECT_EQ(recorder_.durable(), (std::vector<Zxid>{100, 200, 300, 400, 500,
                                                    600, 700, 800, 900, 1000}));
}

TEST_F(LogWriterTest, BatchesAreCappedInBytes) {
  LogWriter::Options options;
  options.max_batch_bytes = 4096;
  LogWriter writer(log_.get(), recorder_.Callback(), options);
  writer.Append(MakeTxns(1, 20, /*data_bytes=*/1000));
  ASSERT_TRUE(recorder_.WaitForDurable(20));
  // About 1,050 bytes a txn: three fit under 4,096 bytes.
  EXPECT_EQ(writer.batches_written(), 7u);
}

TEST_F(LogWriterTest, AppendBlocksWhileTheQueueIsFull) {
  LogWriter::Options options;
  options.max_pending_txns = 10;
  env_.BlockSyncs();
  LogWriter writer(log_.get(), recorder_.Callback(), options);
  writer.Append({MakeTxn(1)});  // taken by the writer, which then blocks
  ASSERT_TRUE(env_.WaitForBlockedSyncs(1, kTimeout));
  writer.Append(MakeTxns(2, 11));  // fills the queue without blocking
  auto blocked =
      std::async(std::launch::async, [&] { writer.Append({MakeTxn(12)}); });
  // Not a synchronisation: only checks that the call has not returned yet.
  EXPECT_EQ(blocked.wait_for(std::chrono::milliseconds(100)),
            std::future_status::timeout);
  env_.ReleaseSyncs();
  ASSERT_EQ(blocked.wait_for(kTimeout), std::future_status::ready);
  ASSERT_TRUE(recorder_.WaitForDurable(12));
  writer.Stop();
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, 12));
}

TEST_F(LogWriterTest, DropUpToRunsAfterTheEarlierAppends) {
  {
    LogWriter writer(log_.get(), recorder_.Callback());
    writer.Append(MakeTxns(1, 10));
    writer.DropUpTo(5);
    writer.Append(MakeTxns(11, 12));
  }  // the destructor drains the queue
  EXPECT_EQ(log_->FirstZxid(), 6);
  EXPECT_EQ(log_->LastZxid(), 12);
  EXPECT_EQ(recorder_.durable().back(), 12);
}

TEST_F(LogWriterTest, StopWritesEverythingQueued) {
  LogWriter writer(log_.get(), recorder_.Callback());
  for (Zxid zxid = 1; zxid <= 500; ++zxid) writer.Append({MakeTxn(zxid)});
  writer.Stop();
  writer.Stop();  // idempotent
  EXPECT_EQ(log_->LastZxid(), 500);
  EXPECT_EQ(recorder_.durable().back(), 500);
  writer.Append({MakeTxn(501)});  // ignored after Stop
  EXPECT_EQ(log_->LastZxid(), 500);
}

TEST_F(LogWriterTest, FailingSyncIsReportedOnceAndTheWriterStops) {
  LogWriter writer(log_.get(), recorder_.Callback());
  writer.Append(MakeTxns(1, 3));
  ASSERT_TRUE(recorder_.WaitForDurable(3));
  env_.SetFailSync(true);
  writer.Append(MakeTxns(4, 5));
  ASSERT_TRUE(recorder_.WaitForError());
  env_.SetFailSync(false);
  writer.Append(MakeTxns(6, 7));
  writer.DropUpTo(2);
  writer.Stop();
  ASSERT_EQ(recorder_.errors().size(), 1u);
  EXPECT_EQ(recorder_.errors()[0].code(), proto::SYSTEM_ERROR);
  EXPECT_EQ(recorder_.error_zxids(), (std::vector<Zxid>{3}));
  EXPECT_EQ(recorder_.durable(), (std::vector<Zxid>{3}));
  EXPECT_EQ(writer.txns_written(), 3u);
}

TEST(LogWriterMemoryTest, ZxidsOutOfOrderFailTheWriter) {
  std::unique_ptr<TxnLog> log = NewMemoryLog();
  SyncedRecorder recorder;
  LogWriter writer(log.get(), recorder.Callback());
  writer.Append({MakeTxn(5)});
  writer.Append({MakeTxn(3)});
  ASSERT_TRUE(recorder.WaitForError());
  writer.Stop();
  ASSERT_EQ(recorder.errors().size(), 1u);
  EXPECT_EQ(recorder.errors()[0].code(), proto::BAD_ARGUMENTS);
}

TEST(LogWriterMemoryTest, OnSyncedMayQueueMoreWithoutDeadlock) {
  std::unique_ptr<TxnLog> log = NewMemoryLog();
  LogWriter::Options options;
  options.max_pending_txns = 1;
  std::mutex mutex;
  std::condition_variable cv;
  Zxid last = 0;
  std::unique_ptr<LogWriter> writer;
  writer = std::make_unique<LogWriter>(
      log.get(),
      [&](Zxid durable, Status status) {
        // Chains appends from the writer thread, past the queue bound.
        if (durable < 20) writer->Append(MakeTxns(durable + 1, durable + 2));
        std::lock_guard<std::mutex> lock(mutex);
        last = durable;
        cv.notify_all();
      },
      options);
  writer->Append({MakeTxn(1)});
  std::unique_lock<std::mutex> lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, kTimeout, [&] { return last >= 21; }));
  lock.unlock();
  writer->Stop();
  EXPECT_EQ(log->LastZxid(), 21);
}

}  // namespace
}  // namespace canopy::storage
