// The LevelDB log on damaged files: a byte changed inside LevelDB's
// write-ahead file must fail the open with a clear Status rather than
// silently drop the damaged record and keep the ones after it (a log with a
// hole); a file cut inside its last record recovers to the last whole one.
// Found by tests/fuzz/fuzz_log.
#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>
#include <string>
#include <vector>

#include "server/storage/log.h"
#include "tests/unit/storage_test_util.h"

namespace canopy::storage {
namespace {

using testutil::MakeTxns;
using testutil::Range;
using testutil::ReadZxids;

constexpr char kDir[] = "/log";

class LogCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    auto log = OpenLevelDbLog(kDir, env_.get());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    // Three batches, each one LevelDB write-ahead record; closing leaves
    // them all in the write-ahead file (LevelDB does not flush on close).
    for (Zxid first : {1, 11, 21}) {
      Status status = (*log)->Append(MakeTxns(first, first + 9, 40), true);
      ASSERT_TRUE(status.ok()) << status.ToString();
    }
  }

  std::string WalPath() {
    std::vector<std::string> names;
    EXPECT_TRUE(env_->GetChildren(kDir, &names).ok());
    for (const std::string& name : names) {
      if (name.size() > 4 && name.substr(name.size() - 4) == ".log") {
        return std::string(kDir) + "/" + name;
      }
    }
    ADD_FAILURE() << "no write-ahead file";
    return "";
  }

  std::string ReadWal() {
    std::string bytes;
    EXPECT_TRUE(leveldb::ReadFileToString(env_.get(), WalPath(), &bytes).ok());
    return bytes;
  }

  void WriteWal(const std::string& bytes) {
    ASSERT_TRUE(
        leveldb::WriteStringToFile(env_.get(), bytes, WalPath()).ok());
  }

  std::unique_ptr<leveldb::Env> env_;
};

TEST_F(LogCorruptionTest, FlippedByteInMiddleRecordFailsTheOpen) {
  std::string wal = ReadWal();
  ASSERT_GT(wal.size(), 300u);
  wal[wal.size() / 2] ^= 0x04;  // inside the second batch's record
  WriteWal(wal);
  auto log = OpenLevelDbLog(kDir, env_.get());
  ASSERT_FALSE(log.ok()) << "opened with " << (*log)->FirstZxid() << ".."
                         << (*log)->LastZxid()
                         << ": a damaged record was dropped silently";
  EXPECT_NE(log.status().message().find("orruption"), std::string::npos)
      << log.status().ToString();
}

TEST_F(LogCorruptionTest, CutInsideLastRecordRecoversToLastWholeRecord) {
  std::string wal = ReadWal();
  wal.resize(wal.size() - 5);
  WriteWal(wal);
  auto log = OpenLevelDbLog(kDir, env_.get());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(ReadZxids(log->get()), Range(1, 20));
}

}  // namespace
}  // namespace canopy::storage
