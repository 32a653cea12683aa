#include "server/zab/history.h"

#include <gtest/gtest.h>

#include "tests/unit/zab_test_ensemble.h"

namespace canopy::zab {
namespace {

using testing::VectorLog;

// A log with the given zxids (epoch, counter), after a snapshot.
VectorLog MakeLog(std::vector<std::pair<int, int>> zxids,
                  Zxid snapshot = 0) {
  VectorLog log;
  for (auto [epoch, counter] : zxids) {
    proto::Txn txn;
    txn.set_zxid(MakeZxid(epoch, counter));
    log.txns.push_back(txn);
  }
  log.snapshot_zxid = snapshot;
  return log;
}

SyncPlan Choose(const VectorLog& log, Zxid learner, size_t max_diff = 1000) {
  Ready pending;
  History history(&log, 0, pending);
  return ChooseSync(history, learner, history.Last(), max_diff);
}

TEST(ZabChooseSync, DiffWhenTheLearnersLastZxidIsInTheHistory) {
  VectorLog log = MakeLog({{1, 1}, {1, 2}, {2, 1}});
  SyncPlan plan = Choose(log, MakeZxid(1, 2));
  EXPECT_EQ(plan.mode, proto::SYNC_DIFF);
  EXPECT_EQ(plan.diff_from, MakeZxid(1, 2));
  EXPECT_EQ(Choose(log, 0).mode, proto::SYNC_DIFF);  // empty learner, no snap
  EXPECT_EQ(Choose(log, MakeZxid(2, 1)).mode, proto::SYNC_DIFF);  // up to date
}

TEST(ZabChooseSync, TruncWhenTheLearnerHasAnOldEpochsExtraTxns) {
  // The learner logged 1:3 and 1:4, which the leader never committed.
  VectorLog log = MakeLog({{1, 1}, {1, 2}, {3, 1}});
  SyncPlan plan = Choose(log, MakeZxid(1, 4));
  EXPECT_EQ(plan.mode, proto::SYNC_TRUNC);
  EXPECT_EQ(plan.diff_from, MakeZxid(1, 2));
}

TEST(ZabChooseSync, TruncWhenTheLearnerIsAheadOfTheHistory) {
  VectorLog log = MakeLog({{1, 1}, {1, 2}});
  SyncPlan plan = Choose(log, MakeZxid(1, 5));
  EXPECT_EQ(plan.mode, proto::SYNC_TRUNC);
  EXPECT_EQ(plan.diff_from, MakeZxid(1, 2));
}

TEST(ZabChooseSync, DiffFromTheSnapshotWhenTheLearnerIsExactlyThere) {
  VectorLog log = MakeLog({{1, 6}, {1, 7}}, MakeZxid(1, 5));
  SyncPlan plan = Choose(log, MakeZxid(1, 5));
  EXPECT_EQ(plan.mode, proto::SYNC_DIFF);
  EXPECT_EQ(plan.diff_from, MakeZxid(1, 5));
}

TEST(ZabChooseSync, SnapWhenTheLearnerIsBehindTheLog) {
  VectorLog log = MakeLog({{1, 6}, {1, 7}}, MakeZxid(1, 5));
  SyncPlan plan = Choose(log, MakeZxid(1, 2));
  EXPECT_EQ(plan.mode, proto::SYNC_SNAP);
  EXPECT_EQ(plan.diff_from, MakeZxid(1, 5));
  EXPECT_EQ(Choose(log, 0).mode, proto::SYNC_SNAP);
}

TEST(ZabChooseSync, SnapWhenTheCommonPointIsBeforeTheSnapshot) {
  // The learner ends with a txn of epoch 2 that the history lacks; the
  // last zxid both hold is somewhere before the snapshot at 3:2.
  VectorLog log = MakeLog({{3, 3}, {3, 4}}, MakeZxid(3, 2));
  SyncPlan plan = Choose(log, MakeZxid(2, 9));
  EXPECT_EQ(plan.mode, proto::SYNC_SNAP);
  EXPECT_EQ(plan.diff_from, MakeZxid(3, 2));
}

TEST(ZabChooseSync, SnapWhenTheDiffIsTooLong) {
  VectorLog log = MakeLog({{1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}},
                          MakeZxid(1, 4));
  EXPECT_EQ(Choose(log, MakeZxid(1, 1), /*max_diff=*/2).mode, proto::SYNC_SNAP);
  EXPECT_EQ(Choose(log, MakeZxid(1, 1), /*max_diff=*/10).mode,
            proto::SYNC_DIFF);
}

TEST(ZabHistory, PendingTxnsAndTruncationAreSeen) {
  VectorLog log = MakeLog({{1, 1}, {1, 2}, {1, 3}});
  Ready pending;
  pending.truncate_after = MakeZxid(1, 1);
  proto::Txn txn;
  txn.set_zxid(MakeZxid(2, 1));
  pending.to_log.push_back(txn);
  History history(&log, 0, pending);
  EXPECT_EQ(history.Last(), MakeZxid(2, 1));
  EXPECT_TRUE(history.Contains(MakeZxid(1, 1)));
  EXPECT_FALSE(history.Contains(MakeZxid(1, 2)));  // being truncated
  EXPECT_TRUE(history.Contains(MakeZxid(2, 1)));
  EXPECT_EQ(history.Floor(MakeZxid(1, 9)), MakeZxid(1, 1));
  std::vector<Zxid> read;
  ASSERT_TRUE(history
                  .Read(0, MakeZxid(2, 1),
                        [&](const proto::Txn& t) {
                          read.push_back(t.zxid());
                          return true;
                        })
                  .ok());
  EXPECT_EQ(read, (std::vector<Zxid>{MakeZxid(1, 1), MakeZxid(2, 1)}));
}

}  // namespace
}  // namespace canopy::zab
