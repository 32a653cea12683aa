#include "server/zab/core.h"

#include <gtest/gtest.h>

#include "tests/unit/zab_test_ensemble.h"

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


TEST(ZabCore, SingleMemberSyncBarrierIsReadyAtOnce) {
  Core core({}, proto::EpochState(), 0);
  core.TakeReady();
  ASSERT_TRUE(core.RequestSyncBarrier(7).ok());
  Ready ready = core.TakeReady();
  ASSERT_EQ(ready.sync_ready.size(), 1u);
  EXPECT_EQ(ready.sync_ready[0], 7u);
}

TEST(ZabCore, ExhaustedCounterRefusesThenMovesToANewEpoch) {
  CoreOptions options;
  options.zxid_counter_limit = 2;
  Core core(options, proto::EpochState(), 0);
  core.TakeReady();
  ASSERT_TRUE(core.CanPropose().ok());
  ASSERT_TRUE(core.Propose(SetTxn("/a")).ok());
  ASSERT_TRUE(core.Propose(SetTxn("/b")).ok());
  // CanPropose tells the refusal in advance, and changes nothing.
  EXPECT_EQ(core.CanPropose().code(), proto::SYSTEM_ERROR);
  EXPECT_EQ(core.NextZxid(), MakeZxid(1, 3));
  EXPECT_FALSE(core.Propose(SetTxn("/c")).ok());
  Ready ready = core.TakeReady();
  for (const Ack& ack : ready.after_sync) core.StepAck(ack);
  EXPECT_EQ(core.last_committed(), MakeZxid(1, 2));
  core.Tick();  // steps down and re-elects itself in epoch 2
  EXPECT_EQ(core.role(), Role::kLeading);
  EXPECT_TRUE(core.serving());
  EXPECT_EQ(core.epoch(), 2);
  EXPECT_TRUE(core.CanPropose().ok());
  auto zxid = core.Propose(SetTxn("/c"));
  ASSERT_TRUE(zxid.ok());
  EXPECT_EQ(*zxid, MakeZxid(2, 1));
}

TEST(ZabCore, SelfAckOfAnOldEpochIsIgnored) {
  Core core({}, proto::EpochState(), 0);
  core.TakeReady();
  ASSERT_TRUE(core.Propose(SetTxn("/a")).ok());
  core.TakeReady();
  core.StepAck(Ack{1, 1, MakeZxid(1, 1), /*epoch=*/0});
  EXPECT_TRUE(core.TakeReady().to_apply.empty());
}

TEST(ZabCore, MessagesNotForThisCoreAreErrors) {
  CoreOptions options;
  options.voters = {1, 2, 3};
  Core core(options, proto::EpochState(), 0);
  proto::PeerMessage message;
  message.set_from(2);
  message.set_to(3);
  message.mutable_ping()->set_epoch(1);
  EXPECT_FALSE(core.Step(message).ok());
  message.set_to(1);
  message.set_from(9);
  EXPECT_FALSE(core.Step(message).ok());
  message.set_from(2);
  message.clear_ping();
  EXPECT_FALSE(core.Step(message).ok());
}

using testing::Ensemble;

TEST(ZabEnsemble, ThreeVotersElectSyncAndCommit) {
  Ensemble ensemble(3, 1);
  ensemble.Tick(5);
  const MemberId leader = ensemble.Leader();
  ASSERT_NE(leader, 0);
  // The best candidate by (epoch, zxid, id) with equal histories: m3.
  EXPECT_EQ(leader, 3);
  auto zxid = ensemble.m(leader).core->Propose(testing::SetTxn("/a", "1"));
  ASSERT_TRUE(zxid.ok());
  ensemble.Pump();
  for (MemberId id = 1; id <= 4; ++id) {
    ASSERT_EQ(ensemble.m(id).applied.size(), 1u) << "m" << id;
    EXPECT_EQ(ensemble.m(id).applied[0].zxid(), *zxid);
    EXPECT_EQ(ensemble.m(id).epochs.current_epoch(), 1) << "m" << id;
  }
  EXPECT_EQ(ensemble.m(4).core->role(), Role::kObserving);
}

TEST(ZabEnsemble, LostLinkToTheLeaderElectsANewOneWithoutWaitingForTicks) {
  Ensemble ensemble(3);
  ensemble.Tick(5);
  const MemberId old_leader = ensemble.Leader();
  ASSERT_NE(old_leader, 0);
  ensemble.Stop(old_leader);
  // The hosts of the others see the leader's connection break: no tick
  // passes before the survivors lead and commit again.
  for (MemberId id = 1; id <= 3; ++id) {
    if (id != old_leader) ensemble.m(id).core->PeerLost(old_leader);
  }
  ensemble.Pump();
  const MemberId leader = ensemble.Leader();
  ASSERT_NE(leader, 0);
  ASSERT_NE(leader, old_leader);
  auto zxid = ensemble.m(leader).core->Propose(testing::SetTxn("/after"));
  ASSERT_TRUE(zxid.ok());
  ensemble.Pump();
  for (MemberId id = 1; id <= 3; ++id) {
    if (id == old_leader) continue;
    ASSERT_FALSE(ensemble.m(id).applied.empty()) << "m" << id;
    EXPECT_EQ(ensemble.m(id).applied.back().zxid(), *zxid) << "m" << id;
  }
}

TEST(ZabEnsemble, ALostFollowerDoesNotDisturbTheLeader) {
  Ensemble ensemble(3);
  ensemble.Tick(5);
  const MemberId leader = ensemble.Leader();
  ASSERT_NE(leader, 0);
  const MemberId follower = leader == 1 ? 2 : 1;
  ensemble.m(leader).core->PeerLost(follower);
  ensemble.Pump();
  EXPECT_EQ(ensemble.Leader(), leader);
  auto zxid = ensemble.m(leader).core->Propose(testing::SetTxn("/a"));
  ASSERT_TRUE(zxid.ok());
  ensemble.Pump();
  EXPECT_EQ(ensemble.m(follower).applied.back().zxid(), *zxid);
}

TEST(ZabEnsemble, ObserversNeverMakeAQuorum) {
  Ensemble ensemble(3, 2);
  ensemble.Tick(5);
  const MemberId leader = ensemble.Leader();
  ASSERT_NE(leader, 0);
  for (MemberId id = 1; id <= 3; ++id) {
    if (id != leader) ensemble.CutOff(id);
  }
  auto zxid = ensemble.m(leader).core->Propose(testing::SetTxn("/a"));
  ASSERT_TRUE(zxid.ok());
  ensemble.Pump();
  EXPECT_TRUE(ensemble.m(leader).applied.empty());
  ensemble.Tick(6);  // sync_limit: two observers are no quorum
  EXPECT_NE(ensemble.m(leader).core->role(), Role::kLeading);
  EXPECT_TRUE(ensemble.m(4).applied.empty());
}

TEST(ZabEnsemble, SyncBarrierNeedsAQuorumOfPingAnswers) {
  Ensemble ensemble(3);
  ensemble.Tick(5);
  const MemberId leader = ensemble.Leader();
  ASSERT_NE(leader, 0);
  Core& core = *ensemble.m(leader).core;
  // Answered by the ping round the request triggers.
  ASSERT_TRUE(core.RequestSyncBarrier(1).ok());
  ensemble.Pump();
  EXPECT_EQ(ensemble.m(leader).sync_ready, std::vector<uint64_t>{1});
  // Cut off, it never completes, and fails when the leader steps down.
  for (MemberId id = 1; id <= 3; ++id) {
    if (id != leader) ensemble.CutOff(id);
  }
  ASSERT_TRUE(core.RequestSyncBarrier(2).ok());
  ensemble.Pump();
  EXPECT_EQ(ensemble.m(leader).sync_ready, std::vector<uint64_t>{1});
  ensemble.Tick(7);
  EXPECT_EQ(ensemble.m(leader).sync_failed, std::vector<uint64_t>{2});
  EXPECT_NE(ensemble.m(leader).core->role(), Role::kLeading);
}

// Found by tests/sim seeds 739 and 152 (20000 steps): a follower persisted
// current_epoch when NewLeader arrived, before the synced txns were durable.
// It crashed with current_epoch = e and a shorter log, then won an election
// on (e, shorter zxid) against members holding committed txns in epoch e-1,
// and became a leader without them (ZOOKEEPER-4646 is the same bug).
TEST(ZabEnsemble, Regression_CurrentEpochOnlyAfterTheSyncIsDurable) {
  Ensemble ensemble(3);
  ensemble.Tick(5);
  const MemberId leader = ensemble.Leader();
  ASSERT_NE(leader, 0);
  const MemberId late = leader == 1 ? 2 : 1;
  ensemble.Stop(late);
  auto zxid = ensemble.m(leader).core->Propose(testing::SetTxn("/a"));
  ASSERT_TRUE(zxid.ok());
  ensemble.Pump();
  // A restart of the leader makes the two others move to epoch 2.
  ensemble.Stop(leader);
  ensemble.Start(leader);
  ensemble.Tick(8);
  ASSERT_NE(ensemble.Leader(), 0);
  ASSERT_EQ(ensemble.m(ensemble.Leader()).core->epoch(), 2);
  // The late member comes back and gets the diff; its fsync hangs.
  ensemble.m(late).hold_acks = true;
  ensemble.Start(late);
  ensemble.Tick(3);
  ASSERT_EQ(ensemble.m(late).log.LastZxid(), *zxid);  // not durable yet
  EXPECT_EQ(ensemble.m(late).epochs.accepted_epoch(), 2);
  EXPECT_EQ(ensemble.m(late).epochs.current_epoch(), 1);
  ensemble.Sync(late);
  EXPECT_EQ(ensemble.m(late).epochs.current_epoch(), 2);
  ensemble.Tick(2);
  EXPECT_TRUE(ensemble.m(late).core->serving());
}

// Found by tests/sim seed 2209: members answered LOOKING votes with the vote
// they had decided on, and a follower that decided on a stale vote of the
// leader's (an older epoch) answered differently from the leader; a
// restarted member never saw a quorum agree and stayed LOOKING for good.
// Answers now name the leader and the epoch being led.
TEST(ZabEnsemble, Regression_AnswersNameTheLeaderAndTheLedEpoch) {
  Ensemble ensemble(3);
  ensemble.Tick(5);
  const MemberId leader = ensemble.Leader();
  ASSERT_NE(leader, 0);
  proto::PeerMessage looking;
  looking.mutable_vote()->set_state(proto::PEER_LOOKING);
  looking.mutable_vote()->set_round(1);
  looking.mutable_vote()->set_leader(1);
  for (MemberId id = 1; id <= 3; ++id) {
    const MemberId asker = id == 1 ? 2 : 1;
    looking.set_from(asker);
    looking.set_to(id);
    Core& core = *ensemble.m(id).core;
    ASSERT_TRUE(core.Step(looking).ok());
    Ready ready = core.TakeReady();
    ASSERT_EQ(ready.send.size(), 1u);
    const proto::Vote& answer = ready.send[0].vote();
    EXPECT_EQ(answer.leader(), leader) << "m" << id;
    EXPECT_EQ(answer.epoch(), 1) << "m" << id;
    EXPECT_EQ(answer.state(), id == leader ? proto::PEER_LEADING
                                           : proto::PEER_FOLLOWING);
  }
}

}  // namespace
}  // namespace canopy::zab
