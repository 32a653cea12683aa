// Helpers shared by the storage tests: txns to log, reading a log back, and
// a temporary directory on the real disk.
#ifndef CANOPY_TESTS_UNIT_STORAGE_TEST_UTIL_H_
#define CANOPY_TESTS_UNIT_STORAGE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "proto/canopy.pb.h"
#include "server/storage/log.h"

namespace canopy::testutil {

// A txn at zxid that sets /n<zxid> to data_bytes bytes.
inline proto::Txn MakeTxn(Zxid zxid, size_t data_bytes = 8) {
  proto::Txn txn;
  txn.set_zxid(zxid);
  txn.set_session_id(0x1234);
  txn.set_xid(static_cast<int32_t>(zxid & 0x7fffffff));
  txn.set_time_ms(1700000000000 + zxid);
  txn.mutable_set_data()->set_path("/n" + std::to_string(zxid));
  txn.mutable_set_data()->set_data(std::string(data_bytes, 'x'));
  return txn;
}

// Txns for zxids first..last.
inline std::vector<proto::Txn> MakeTxns(Zxid first, Zxid last,
                                        size_t data_bytes = 8) {
  std::vector<proto::Txn> txns;
  for (Zxid zxid = first; zxid <= last; ++zxid) {
    txns.push_back(MakeTxn(zxid, data_bytes));
  }
  return txns;
}

// The zxids ReadAfter(after) hands out; fails the test on an error.
inline std::vector<Zxid> ReadZxids(storage::TxnLog* log, Zxid after = 0) {
  std::vector<Zxid> zxids;
  Status status = log->ReadAfter(after, [&](const proto::Txn& txn) {
    EXPECT_EQ(txn.set_data().path(), "/n" + std::to_string(txn.zxid()));
    zxids.push_back(txn.zxid());
    return true;
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return zxids;
}

inline std::vector<Zxid> Range(Zxid first, Zxid last) {
  std::vector<Zxid> zxids;
  for (Zxid zxid = first; zxid <= last; ++zxid) zxids.push_back(zxid);
  return zxids;
}

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "canopy-storage-XXXXXX")
            .string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace canopy::testutil

#endif  // CANOPY_TESTS_UNIT_STORAGE_TEST_UTIL_H_
