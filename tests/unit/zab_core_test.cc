#include "server/zab/core.h"

#include <gtest/gtest.h>

namespace canopy::zab {
namespace {

proto::Txn SetTxn(const std::string& path) {
  proto::Txn txn;
  txn.mutable_set_data()->set_path(path);
  return txn;
}

TEST(ZabCore, SingleMemberEstablishesInNewEpochAndPersistsItFirst) {
  proto::EpochState epochs;
  epochs.set_accepted_epoch(3);
  epochs.set_current_epoch(3);
  Core core({}, epochs, MakeZxid(3, 17));
  EXPECT_EQ(core.role(), Role::kLeading);
  Ready ready = core.TakeReady();
  ASSERT_TRUE(ready.persist_epochs.has_value());
  EXPECT_EQ(ready.persist_epochs->current_epoch(), 4);
  EXPECT_EQ(ready.persist_epochs->accepted_epoch(), 4);
  EXPECT_EQ(core.last_committed(), MakeZxid(3, 17));
  EXPECT_EQ(core.NextZxid(), MakeZxid(4, 1));
}

TEST(ZabCore, NewEpochIsAboveTheLoggedEpochEvenIfEpochFileIsBehind) {
  Core core({}, proto::EpochState(), MakeZxid(9, 2));
  EXPECT_EQ(core.epoch(), 10);
}

TEST(ZabCore, ProposalCommitsOnlyAfterTheSyncedSelfAck) {
  Core core({}, proto::EpochState(), 0);
  core.TakeReady();
  auto zxid = core.Propose(SetTxn("/a"));
  ASSERT_TRUE(zxid.ok());
  EXPECT_EQ(*zxid, MakeZxid(1, 1));
  Ready ready = core.TakeReady();
  ASSERT_EQ(ready.to_log.size(), 1u);
  EXPECT_EQ(ready.to_log[0].zxid(), *zxid);
  EXPECT_TRUE(ready.to_apply.empty());
  ASSERT_EQ(ready.after_sync.size(), 1u);
  EXPECT_EQ(ready.after_sync[0].zxid, *zxid);

  core.StepAck(ready.after_sync[0]);
  Ready committed = core.TakeReady();
  ASSERT_EQ(committed.to_apply.size(), 1u);
  EXPECT_EQ(committed.to_apply[0].set_data().path(), "/a");
  EXPECT_EQ(core.last_committed(), *zxid);
}

TEST(ZabCore, OneAckCommitsEveryEarlierProposalInOrder) {
  Core core({}, proto::EpochState(), 0);
  core.TakeReady();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(core.Propose(SetTxn("/x")).ok());
  Ready ready = core.TakeReady();
  ASSERT_EQ(ready.after_sync.size(), 5u);
  core.StepAck(ready.after_sync[2]);
  Ready first = core.TakeReady();
  ASSERT_EQ(first.to_apply.size(), 3u);
  core.StepAck(ready.after_sync[4]);
  Ready rest = core.TakeReady();
  ASSERT_EQ(rest.to_apply.size(), 2u);
  EXPECT_EQ(rest.to_apply[0].zxid(), MakeZxid(1, 4));
  EXPECT_EQ(core.in_flight(), 0u);
}

TEST(ZabCore, ThreeVotersNeedTwoAcks) {
  CoreOptions options{1, {1, 2, 3}};
  Core core(options, proto::EpochState(), 0);
  EXPECT_NE(core.role(), Role::kLeading);
  EXPECT_FALSE(core.Propose(SetTxn("/a")).ok());
}

TEST(ZabCore, AcksFromStrangersAreIgnored) {
  Core core({}, proto::EpochState(), 0);
  core.TakeReady();
  auto zxid = core.Propose(SetTxn("/a"));
  core.TakeReady();
  core.StepAck(Ack{99, 1, *zxid});
  EXPECT_TRUE(core.TakeReady().to_apply.empty());
}

}  // namespace
}  // namespace canopy::zab
