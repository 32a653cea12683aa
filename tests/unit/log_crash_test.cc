// The LevelDB log on a FaultEnv: after a crash that drops everything not
// synced, every txn appended with sync=true is still there; a failed sync is
// final.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/storage/log.h"
#include "tests/unit/fault_env.h"
#include "tests/unit/storage_test_util.h"

namespace canopy::storage {
namespace {

using testutil::MakeTxn;
using testutil::MakeTxns;
using testutil::Range;
using testutil::ReadZxids;

constexpr char kDir[] = "/log";

class LogCrashTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    log_.reset();
    auto opened = OpenLevelDbLog(kDir, &env_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    log_ = std::move(opened).value();
  }

  // Crash with the log open, drop what was not synced, reopen.
  void CrashAndReopen() {
    env_.Crash();
    log_.reset();
    leveldb::Status s = env_.Recover();
    ASSERT_TRUE(s.ok()) << s.ToString();
    Open();
  }

  void Append(Zxid first, Zxid last, bool sync, size_t data_bytes = 8) {
    Status status = log_->Append(MakeTxns(first, last, data_bytes), sync);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  testutil::FaultEnv env_;
  std::unique_ptr<TxnLog> log_;
};

TEST_F(LogCrashTest, FaultEnvDropsUnsyncedBytes) {
  leveldb::WritableFile* raw = nullptr;
  ASSERT_TRUE(env_.NewWritableFile("/f", &raw).ok());
  std::unique_ptr<leveldb::WritableFile> file(raw);
  ASSERT_TRUE(file->Append("synced").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append(" lost").ok());
  EXPECT_EQ(env_.SyncedBytes("/f"), 6);
  leveldb::WritableFile* never = nullptr;
  ASSERT_TRUE(env_.NewWritableFile("/never-synced", &never).ok());
  ASSERT_TRUE(never->Append("gone").ok());
  delete never;
  env_.Crash();
  EXPECT_FALSE(file->Append("x").ok());
  EXPECT_FALSE(file->Sync().ok());
  file.reset();
  ASSERT_TRUE(env_.Recover().ok());
  std::string data;
  ASSERT_TRUE(leveldb::ReadFileToString(&env_, "/f", &data).ok());
  EXPECT_EQ(data, "synced");
  EXPECT_FALSE(env_.FileExists("/never-synced"));
}

TEST_F(LogCrashTest, SyncedAppendsSurviveAndUnsyncedTailIsLost) {
  for (Zxid first = 1; first <= 50; first += 5) Append(first, first + 4, true);
  Append(51, 60, /*sync=*/false);
  CrashAndReopen();
  EXPECT_EQ(log_->FirstZxid(), 1);
  EXPECT_EQ(log_->LastZxid(), 50);
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, 50));
  // The log goes on from what survived.
  Append(51, 52, true);
  EXPECT_EQ(log_->LastZxid(), 52);
}

TEST_F(LogCrashTest, ALaterSyncMakesEarlierUnsyncedAppendsDurable) {
  Append(1, 5, /*sync=*/false);
  Append(6, 6, /*sync=*/true);
  CrashAndReopen();
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, 6));
}

TEST_F(LogCrashTest, RepeatedCrashesRightAfterOpenLoseNothingSynced) {
  // Each open writes a new MANIFEST and CURRENT; crashing at once after it
  // must leave a database LevelDB can recover.
  for (Zxid round = 1; round <= 5; ++round) {
    CrashAndReopen();
    EXPECT_EQ(log_->LastZxid(), round - 1);
    Append(round, round, true);
  }
  CrashAndReopen();
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, 5));
}

TEST_F(LogCrashTest, SyncedAppendsSurviveACrashAroundAMemtableFlush) {
  // About 6 MiB, past LevelDB's 4 MiB write buffer, so it writes a table file
  // and a new MANIFEST in the background while the crash may land.
  constexpr Zxid kCount = 6000;
  for (Zxid first = 1; first <= kCount; first += 100) {
    Append(first, first + 99, true, /*data_bytes=*/1024);
  }
  CrashAndReopen();
  EXPECT_EQ(log_->FirstZxid(), 1);
  EXPECT_EQ(log_->LastZxid(), kCount);
  Zxid expected = 1;
  Status status = log_->ReadAfter(0, [&](const proto::Txn& txn) {
    EXPECT_EQ(txn.zxid(), expected);
    EXPECT_EQ(txn.set_data().data().size(), 1024u);
    ++expected;
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(expected, kCount + 1);
}

TEST_F(LogCrashTest, TruncateAfterAndEpochsAreDurable) {
  Append(1, 10, true);
  ASSERT_TRUE(log_->TruncateAfter(4).ok());
  proto::EpochState epochs;
  epochs.set_accepted_epoch(2);
  epochs.set_current_epoch(1);
  ASSERT_TRUE(log_->SaveEpochs(epochs).ok());
  CrashAndReopen();
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, 4));
  auto loaded = log_->LoadEpochs();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->accepted_epoch(), 2);
  EXPECT_EQ(loaded->current_epoch(), 1);
}

TEST_F(LogCrashTest, AnUnsyncedDropMayComeBackButLeavesAContiguousLog) {
  Append(1, 30000, /*sync=*/false);
  Append(30001, 30001, true);
  ASSERT_TRUE(log_->DropUpTo(25000).ok());
  CrashAndReopen();
  // The drop was not synced: any prefix of it may have survived, but what is
  // left is every zxid from some point up to the last.
  const Zxid first = log_->FirstZxid();
  EXPECT_GE(first, 1);
  EXPECT_LE(first, 25001);
  EXPECT_EQ(log_->LastZxid(), 30001);
  EXPECT_EQ(ReadZxids(log_.get()), Range(first, 30001));
}

TEST_F(LogCrashTest, FailedSyncPutsTheLogInAPermanentErrorState) {
  Append(1, 10, true);
  env_.SetFailSync(true);
  Status failed = log_->Append(MakeTxns(11, 12), true);
  EXPECT_EQ(failed.code(), proto::SYSTEM_ERROR);
  EXPECT_NE(failed.message().find("injected failure"), std::string::npos)
      << failed.ToString();

  // The disk works again, but the log does not guess what reached it.
  env_.SetFailSync(false);
  EXPECT_EQ(log_->Append(MakeTxns(13, 13), false).code(), proto::SYSTEM_ERROR);
  EXPECT_EQ(log_->ReadAfter(0, [](const proto::Txn&) { return true; }).code(),
            proto::SYSTEM_ERROR);
  EXPECT_EQ(log_->DropUpTo(5).code(), proto::SYSTEM_ERROR);
  EXPECT_EQ(log_->TruncateAfter(5).code(), proto::SYSTEM_ERROR);
  EXPECT_EQ(log_->SaveEpochs(proto::EpochState()).code(), proto::SYSTEM_ERROR);
  EXPECT_EQ(log_->LoadEpochs().status().code(), proto::SYSTEM_ERROR);
  EXPECT_EQ(log_->LastZxid(), 10);

  // A restart recovers what was synced; the failed batch was never synced.
  CrashAndReopen();
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, 10));
}

TEST_F(LogCrashTest, FailedSyncOfEpochsIsPermanentToo) {
  env_.SetFailSync(true);
  EXPECT_EQ(log_->SaveEpochs(proto::EpochState()).code(), proto::SYSTEM_ERROR);
  env_.SetFailSync(false);
  EXPECT_EQ(log_->Append(MakeTxns(1, 1), true).code(), proto::SYSTEM_ERROR);
}

}  // namespace
}  // namespace canopy::storage
