// TxnLog contract tests, run against the memory log, the LevelDB log on
// LevelDB's in-memory Env and the LevelDB log on a real directory.
#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <fstream>
#include <memory>
#include <string>

#include "server/storage/log.h"
#include "tests/unit/storage_test_util.h"

namespace canopy::storage {
namespace {

using testutil::MakeTxn;
using testutil::MakeTxns;
using testutil::Range;
using testutil::ReadZxids;

enum class Backend { kMemory, kMemEnv, kDisk };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kMemory:
      return "Memory";
    case Backend::kMemEnv:
      return "LevelDbMemEnv";
    case Backend::kDisk:
      return "LevelDbDisk";
  }
  return "Unknown";
}

// The on-disk key of a log record, as leveldb_log.cc documents it.
std::string LogKey(Zxid zxid) {
  std::string key(1, 'l');
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(
        static_cast<char>((static_cast<uint64_t>(zxid) >> shift) & 0xff));
  }
  return key;
}

class LogTestBase : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemEnv) {
      mem_env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
      dir_ = "/log";
    } else if (GetParam() == Backend::kDisk) {
      dir_ = temp_dir_.path() + "/log";
    }
    Open();
  }

  void TearDown() override { log_.reset(); }

  void Open() {
    log_.reset();
    if (GetParam() == Backend::kMemory) {
      log_ = NewMemoryLog();
      return;
    }
    auto opened = OpenLevelDbLog(dir_, mem_env_.get());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    log_ = std::move(opened).value();
  }

  // The log's database opened directly, with the log closed.
  std::unique_ptr<leveldb::DB> OpenRawDb() {
    log_.reset();
    leveldb::Options options;
    if (mem_env_ != nullptr) options.env = mem_env_.get();
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, dir_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::unique_ptr<leveldb::DB>(db);
  }

  void Append(Zxid first, Zxid last, bool sync = true) {
    Status status = log_->Append(MakeTxns(first, last), sync);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  testutil::TempDir temp_dir_;
  std::unique_ptr<leveldb::Env> mem_env_;
  std::string dir_;
  std::unique_ptr<TxnLog> log_;
};

// ------------------------------------------------ every backend

class LogTest : public LogTestBase {};

INSTANTIATE_TEST_SUITE_P(Backends, LogTest,
                         ::testing::Values(Backend::kMemory, Backend::kMemEnv,
                                           Backend::kDisk),
                         BackendName);

TEST_P(LogTest, EmptyLogHasNoZxidsNoTxnsAndZeroEpochs) {
  EXPECT_EQ(log_->FirstZxid(), 0);
  EXPECT_EQ(log_->LastZxid(), 0);
  EXPECT_TRUE(ReadZxids(log_.get()).empty());
  auto epochs = log_->LoadEpochs();
  ASSERT_TRUE(epochs.ok());
  EXPECT_EQ(epochs->accepted_epoch(), 0);
  EXPECT_EQ(epochs->current_epoch(), 0);
}

TEST_P(LogTest, AppendedTxnsReadBackInOrderAndIntact) {
  Append(1, 3);
  Append(4, 4, /*sync=*/false);
  Append(0x100000001, 0x100000002);
  EXPECT_EQ(log_->FirstZxid(), 1);
  EXPECT_EQ(log_->LastZxid(), 0x100000002);
  std::vector<proto::Txn> read;
  ASSERT_TRUE(log_->ReadAfter(0,
                              [&](const proto::Txn& txn) {
                                read.push_back(txn);
                                return true;
                              })
                  .ok());
  ASSERT_EQ(read.size(), 6u);
  EXPECT_EQ(read[0].SerializeAsString(), MakeTxn(1).SerializeAsString());
  EXPECT_EQ(read[5].SerializeAsString(),
            MakeTxn(0x100000002).SerializeAsString());
  EXPECT_EQ(ReadZxids(log_.get(), 3),
            (std::vector<Zxid>{4, 0x100000001, 0x100000002}));
  EXPECT_EQ(ReadZxids(log_.get(), 0x100000000),
            (std::vector<Zxid>{0x100000001, 0x100000002}));
  EXPECT_TRUE(ReadZxids(log_.get(), 0x100000002).empty());
  EXPECT_EQ(ReadZxids(log_.get(), -5).size(), 6u);
}

TEST_P(LogTest, ReadAfterStopsWhenTheCallbackSaysSo) {
  Append(1, 10);
  std::vector<Zxid> seen;
  ASSERT_TRUE(log_->ReadAfter(2,
                              [&](const proto::Txn& txn) {
                                seen.push_back(txn.zxid());
                                return seen.size() < 3;
                              })
                  .ok());
  EXPECT_EQ(seen, (std::vector<Zxid>{3, 4, 5}));
}

TEST_P(LogTest, EmptyAppendIsANoOp) {
  EXPECT_TRUE(log_->Append({}, true).ok());
  EXPECT_EQ(log_->LastZxid(), 0);
}

TEST_P(LogTest, RejectsZxidsNotStrictlyIncreasingAboveLast) {
  Append(5, 6);
  const std::vector<std::vector<Zxid>> bad = {{6},       {3}, {7, 7}, {8, 7},
                                              {7, 9, 8}, {0}, {-1}};
  for (const auto& zxids : bad) {
    std::vector<proto::Txn> txns;
    for (Zxid zxid : zxids) txns.push_back(MakeTxn(zxid));
    Status status = log_->Append(txns, true);
    EXPECT_EQ(status.code(), proto::BAD_ARGUMENTS)
        << "batch starting " << zxids[0] << ": " << status.ToString();
  }
  // Nothing of a rejected batch was written, and the log still works.
  EXPECT_EQ(ReadZxids(log_.get()), (std::vector<Zxid>{5, 6}));
  EXPECT_EQ(log_->LastZxid(), 6);
  Append(7, 7);
  EXPECT_EQ(log_->LastZxid(), 7);
}

TEST_P(LogTest, DropUpToRemovesThePrefix) {
  Append(1, 10);
  ASSERT_TRUE(log_->DropUpTo(0).ok());  // below the first: nothing
  EXPECT_EQ(log_->FirstZxid(), 1);
  ASSERT_TRUE(log_->DropUpTo(4).ok());
  EXPECT_EQ(log_->FirstZxid(), 5);
  EXPECT_EQ(log_->LastZxid(), 10);
  EXPECT_EQ(ReadZxids(log_.get()), Range(5, 10));
  ASSERT_TRUE(log_->DropUpTo(100).ok());  // past the last: empty
  EXPECT_EQ(log_->FirstZxid(), 0);
  EXPECT_EQ(log_->LastZxid(), 0);
  EXPECT_TRUE(ReadZxids(log_.get()).empty());
  Append(101, 102);
  EXPECT_EQ(log_->FirstZxid(), 101);
  EXPECT_EQ(log_->LastZxid(), 102);
}

TEST_P(LogTest, DropUpToBetweenZxidsKeepsTheNextOne) {
  Append(0x100000001, 0x100000003);
  Append(0x200000001, 0x200000002);
  ASSERT_TRUE(log_->DropUpTo(0x1ffffffff).ok());
  EXPECT_EQ(log_->FirstZxid(), 0x200000001);
  EXPECT_EQ(ReadZxids(log_.get()),
            (std::vector<Zxid>{0x200000001, 0x200000002}));
}

TEST_P(LogTest, TruncateAfterRemovesTheSuffix) {
  Append(1, 10);
  ASSERT_TRUE(log_->TruncateAfter(10).ok());  // at the last: nothing
  EXPECT_EQ(log_->LastZxid(), 10);
  ASSERT_TRUE(log_->TruncateAfter(6).ok());
  EXPECT_EQ(log_->FirstZxid(), 1);
  EXPECT_EQ(log_->LastZxid(), 6);
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, 6));
  // The truncated zxids can be logged again (ZAB's TRUNC then a new epoch).
  Append(7, 8);
  EXPECT_EQ(ReadZxids(log_.get()), Range(1, 8));
  ASSERT_TRUE(log_->TruncateAfter(0).ok());
  EXPECT_EQ(log_->FirstZxid(), 0);
  EXPECT_EQ(log_->LastZxid(), 0);
  EXPECT_TRUE(ReadZxids(log_.get()).empty());
}

TEST_P(LogTest, TruncateAfterBetweenZxidsKeepsThePreviousOne) {
  Append(0x100000001, 0x100000003);
  Append(0x200000001, 0x200000002);
  ASSERT_TRUE(log_->TruncateAfter(0x1ffffffff).ok());
  EXPECT_EQ(log_->LastZxid(), 0x100000003);
  Append(0x300000001, 0x300000001);
  EXPECT_EQ(log_->LastZxid(), 0x300000001);
}

TEST_P(LogTest, EpochsAreSavedAndLoaded) {
  proto::EpochState epochs;
  epochs.set_accepted_epoch(3);
  epochs.set_current_epoch(2);
  ASSERT_TRUE(log_->SaveEpochs(epochs).ok());
  epochs.set_current_epoch(3);
  ASSERT_TRUE(log_->SaveEpochs(epochs).ok());
  auto loaded = log_->LoadEpochs();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->accepted_epoch(), 3);
  EXPECT_EQ(loaded->current_epoch(), 3);
  // Epochs live beside the log, not in it.
  EXPECT_EQ(log_->LastZxid(), 0);
  EXPECT_TRUE(ReadZxids(log_.get()).empty());
}

// ------------------------------------------------ LevelDB only

class LevelDbLogTest : public LogTestBase {};

INSTANTIATE_TEST_SUITE_P(Backends, LevelDbLogTest,
                         ::testing::Values(Backend::kMemEnv, Backend::kDisk),
                         BackendName);

TEST_P(LevelDbLogTest, ReopenKeepsTxnsBoundsAndEpochs) {
  Append(1, 20);
  Append(21, 30, /*sync=*/false);
  ASSERT_TRUE(log_->DropUpTo(5).ok());
  ASSERT_TRUE(log_->TruncateAfter(25).ok());
  proto::EpochState epochs;
  epochs.set_accepted_epoch(7);
  epochs.set_current_epoch(6);
  ASSERT_TRUE(log_->SaveEpochs(epochs).ok());
  Open();
  EXPECT_EQ(log_->FirstZxid(), 6);
  EXPECT_EQ(log_->LastZxid(), 25);
  EXPECT_EQ(ReadZxids(log_.get()), Range(6, 25));
  auto loaded = log_->LoadEpochs();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->accepted_epoch(), 7);
  EXPECT_EQ(loaded->current_epoch(), 6);
  // Appends continue above the reopened log's last zxid only.
  EXPECT_EQ(log_->Append({MakeTxn(25)}, true).code(), proto::BAD_ARGUMENTS);
  Append(26, 26);
}

TEST_P(LevelDbLogTest, DropAndTruncateSpanningManyDeleteBatches) {
  constexpr Zxid kCount = 25000;  // more than two 10,000-key delete batches
  for (Zxid first = 1; first <= kCount; first += 5000) {
    Append(first, first + 4999, /*sync=*/false);
  }
  ASSERT_TRUE(log_->DropUpTo(21000).ok());
  EXPECT_EQ(log_->FirstZxid(), 21001);
  ASSERT_TRUE(log_->TruncateAfter(21002).ok());
  EXPECT_EQ(log_->LastZxid(), 21002);
  Open();
  EXPECT_EQ(log_->FirstZxid(), 21001);
  EXPECT_EQ(log_->LastZxid(), 21002);
  EXPECT_EQ(ReadZxids(log_.get()), Range(21001, 21002));

  // And a truncation of more than one batch down to an empty log.
  Append(21003, 45000, /*sync=*/false);
  ASSERT_TRUE(log_->TruncateAfter(0).ok());
  EXPECT_EQ(log_->FirstZxid(), 0);
  EXPECT_EQ(log_->LastZxid(), 0);
  Open();
  EXPECT_EQ(log_->LastZxid(), 0);
}

TEST_P(LevelDbLogTest, RecordThatDoesNotParseIsDataInconsistency) {
  Append(1, 3);
  {
    auto db = OpenRawDb();
    ASSERT_TRUE(db->Put({}, LogKey(2), "\xff\xff\xff garbage").ok());
  }
  Open();
  std::vector<Zxid> seen;
  Status status = log_->ReadAfter(0, [&](const proto::Txn& txn) {
    seen.push_back(txn.zxid());
    return true;
  });
  EXPECT_EQ(status.code(), proto::DATA_INCONSISTENCY);
  EXPECT_NE(status.message().find("0x2"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(seen, (std::vector<Zxid>{1}));
}

TEST_P(LevelDbLogTest, RecordUnderTheWrongKeyIsDataInconsistency) {
  Append(1, 3);
  {
    auto db = OpenRawDb();
    ASSERT_TRUE(db->Put({}, LogKey(2), MakeTxn(9).SerializeAsString()).ok());
  }
  Open();
  Status status = log_->ReadAfter(1, [](const proto::Txn&) { return true; });
  EXPECT_EQ(status.code(), proto::DATA_INCONSISTENCY);
  EXPECT_NE(status.message().find("0x2"), std::string::npos)
      << status.ToString();
  EXPECT_NE(status.message().find("0x9"), std::string::npos)
      << status.ToString();
}

TEST_P(LevelDbLogTest, CorruptLastRecordFailsOpen) {
  Append(1, 3);
  {
    auto db = OpenRawDb();
    ASSERT_TRUE(db->Put({}, LogKey(3), MakeTxn(4).SerializeAsString()).ok());
  }
  auto reopened = OpenLevelDbLog(dir_, mem_env_.get());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), proto::DATA_INCONSISTENCY);
}

TEST_P(LevelDbLogTest, MalformedLogKeyIsDataInconsistency) {
  Append(1, 3);
  {
    auto db = OpenRawDb();
    ASSERT_TRUE(
        db->Put({}, LogKey(2) + "x", MakeTxn(2).SerializeAsString()).ok());
  }
  Open();
  Status status = log_->ReadAfter(0, [](const proto::Txn&) { return true; });
  EXPECT_EQ(status.code(), proto::DATA_INCONSISTENCY) << status.ToString();
}

TEST_P(LevelDbLogTest, EpochsThatDoNotParseAreDataInconsistency) {
  {
    auto db = OpenRawDb();
    ASSERT_TRUE(db->Put({}, "e", "\xff\xff\xff").ok());
  }
  Open();
  EXPECT_EQ(log_->LoadEpochs().status().code(), proto::DATA_INCONSISTENCY);
}

TEST(LevelDbLogOpenTest, UnusableDirectoryIsSystemError) {
  testutil::TempDir temp_dir;
  const std::string file = temp_dir.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  auto opened = OpenLevelDbLog(file + "/log");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), proto::SYSTEM_ERROR);
  EXPECT_FALSE(opened.status().message().empty());
}

TEST(LevelDbLogOpenTest, SecondOpenOfTheSameDirectoryIsRefused) {
  testutil::TempDir temp_dir;
  auto first = OpenLevelDbLog(temp_dir.path() + "/log");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OpenLevelDbLog(temp_dir.path() + "/log");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), proto::SYSTEM_ERROR);
}

}  // namespace
}  // namespace canopy::storage
