// DataTree effects beyond one node: watches, sessions and their ephemerals,
// containers, multi, the "Apply cannot fail" rule, snapshots and the digest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/tree_test_util.h"

namespace canopy::tree {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace ::canopy::tree::testing;  // NOLINT: test builders

class EffectsTest : public TreeTest {
 protected:
  // A txn stamped with the next zxid, for feeding Apply directly.
  proto::Txn RawTxn(SessionId session = kS1) {
    proto::Txn txn;
    txn.set_zxid(NextZxid());
    txn.set_session_id(session);
    txn.set_xid(77);
    txn.set_time_ms(Now());
    return txn;
  }
};

std::string Describe(const FiredWatch& w) {
  return std::to_string(w.session) + " " +
         proto::EventType_Name(w.event.type()) + " " + w.event.path();
}

std::vector<std::string> Describe(const std::vector<FiredWatch>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws) out.push_back(Describe(w));
  return out;
}

std::string S(SessionId session, const char* rest) {
  return std::to_string(session) + " " + rest;
}

// ------------------------------------------------------------------ watches

TEST_F(EffectsTest, DataWatchFiresOnceWithFullEvent) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  EXPECT_TRUE(tree_.watches().Has("/a", WatchKind::kData, kS2));
  WriteResult r = Write(SetDataReq("/a", "x"));
  ASSERT_EQ(r.watches.size(), 1u);
  EXPECT_EQ(r.watches[0].session, kS2);
  EXPECT_EQ(r.watches[0].event.type(), proto::NODE_DATA_CHANGED);
  EXPECT_EQ(r.watches[0].event.state(), proto::STATE_SYNC_CONNECTED);
  EXPECT_EQ(r.watches[0].event.path(), "/a");
  EXPECT_EQ(r.watches[0].event.zxid(), r.txn->zxid());
  EXPECT_THAT(Write(SetDataReq("/a", "y")).watches, IsEmpty());  // one-shot
  EXPECT_EQ(tree_.watches().size(), 0u);
}

TEST_F(EffectsTest, ExistsOnMissingNodeSetsExistsWatchFiredByCreate) {
  proto::Response r = Read(ExistsReq("/a", true), kS2);
  EXPECT_EQ(r.err(), proto::NO_NODE);
  EXPECT_TRUE(tree_.watches().Has("/a", WatchKind::kExists, kS2));
  WriteResult c = Write(CreateReq("/a"));
  EXPECT_THAT(Describe(c.watches), ElementsAre(S(kS2, "NODE_CREATED /a")));
  EXPECT_EQ(tree_.watches().size(), 0u);
}

TEST_F(EffectsTest, ExistsOnExistingNodeIsADataWatch) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(ExistsReq("/a", true), kS2).err(), proto::OK);
  EXPECT_TRUE(tree_.watches().Has("/a", WatchKind::kData, kS2));
  EXPECT_FALSE(tree_.watches().Has("/a", WatchKind::kExists, kS2));
  EXPECT_THAT(Describe(Write(DeleteReq("/a")).watches),
              ElementsAre(S(kS2, "NODE_DELETED /a")));
}

TEST_F(EffectsTest, ChildWatchFiresOnChildCreateAndDeleteOnly) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(Read(GetChildrenReq("/p", true), kS2).err(), proto::OK);
  EXPECT_THAT(Describe(Write(CreateReq("/p/c")).watches),
              ElementsAre(S(kS2, "NODE_CHILDREN_CHANGED /p")));
  ASSERT_EQ(Read(GetChildrenReq("/p", true), kS2).err(), proto::OK);
  // A child's data change and the parent's own data change do not fire it.
  EXPECT_THAT(Write(SetDataReq("/p/c", "x")).watches, IsEmpty());
  EXPECT_THAT(Write(SetDataReq("/p", "x")).watches, IsEmpty());
  EXPECT_TRUE(tree_.watches().Has("/p", WatchKind::kChildren, kS2));
  EXPECT_THAT(Describe(Write(DeleteReq("/p/c")).watches),
              ElementsAre(S(kS2, "NODE_CHILDREN_CHANGED /p")));
}

TEST_F(EffectsTest, CreateDoesNotFireTheParentsDataWatch) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/p", true), kS2).err(), proto::OK);
  EXPECT_THAT(Write(CreateReq("/p/c")).watches, IsEmpty());
  EXPECT_TRUE(tree_.watches().Has("/p", WatchKind::kData, kS2));
}

TEST_F(EffectsTest, DeleteFiresOneNodeDeletedPerSessionThenTheParent) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS1).err(), proto::OK);
  ASSERT_EQ(Read(GetChildrenReq("/a", true), kS1).err(), proto::OK);
  ASSERT_EQ(Read(ExistsReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetChildrenReq("/", true), kS2).err(), proto::OK);
  WriteResult r = Write(DeleteReq("/a"));
  EXPECT_THAT(Describe(r.watches),
              ElementsAre(S(kS1, "NODE_DELETED /a"), S(kS2, "NODE_DELETED /a"),
                          S(kS2, "NODE_CHILDREN_CHANGED /")));
  EXPECT_EQ(tree_.watches().size(), 0u);
}

TEST_F(EffectsTest, FailedOrRefusedReadsSetNoWatch) {
  ASSERT_EQ(WriteErr(CreateReq("/h", "", proto::PERSISTENT,
                               {MakeAcl(proto::WRITE, "world", "anyone")})),
            proto::OK);
  EXPECT_EQ(Read(GetDataReq("/nope", true)).err(), proto::NO_NODE);
  EXPECT_EQ(Read(GetChildrenReq("/nope", true)).err(), proto::NO_NODE);
  EXPECT_EQ(Read(GetDataReq("/h", true)).err(), proto::NO_AUTH);
  EXPECT_EQ(Read(GetChildrenReq("/h", true)).err(), proto::NO_AUTH);
  EXPECT_EQ(Read(ExistsReq("bad", true)).err(), proto::BAD_ARGUMENTS);
  EXPECT_EQ(tree_.watches().size(), 0u);
}

TEST_F(EffectsTest, EverySessionWatchingGetsTheEvent) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS1).err(), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/other", true), kS1).err(), proto::NO_NODE);
  EXPECT_THAT(Describe(Write(SetDataReq("/a", "x")).watches),
              ElementsAre(S(kS1, "NODE_DATA_CHANGED /a"),
                          S(kS2, "NODE_DATA_CHANGED /a")));
}

TEST_F(EffectsTest, RemoveWatchesDropsTheSessionsWatches) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS1).err(), proto::OK);
  ASSERT_EQ(Read(ExistsReq("/b", true), kS1).err(), proto::NO_NODE);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  EXPECT_EQ(tree_.watches().CountFor(kS1), 2u);
  tree_.RemoveWatches(kS1);
  EXPECT_EQ(tree_.watches().CountFor(kS1), 0u);
  EXPECT_THAT(Describe(Write(SetDataReq("/a", "x")).watches),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a")));
}

// ----------------------------------------------------------------- sessions

TEST_F(EffectsTest, CloseSessionDeletesEphemeralsInPathOrderWithEvents) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/e2", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/e1", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/x", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/keep")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/other", "", proto::EPHEMERAL), kS2),
            proto::OK);
  ASSERT_EQ(Read(GetDataReq("/p/e1", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/x", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetChildrenReq("/p", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/x", true), kS1).err(), proto::OK);
  const proto::Stat p_before = StatOf("/p");

  ApplyResult r = CloseSession(kS1);
  EXPECT_EQ(r.response.err(), proto::OK);
  EXPECT_TRUE(r.response.has_empty());
  // The closing session gets nothing; kS2 sees each delete in path order.
  EXPECT_THAT(Describe(r.watches),
              ElementsAre(S(kS2, "NODE_DELETED /p/e1"),
                          S(kS2, "NODE_CHILDREN_CHANGED /p"),
                          S(kS2, "NODE_DELETED /x")));
  for (const auto& w : r.watches) EXPECT_EQ(w.event.zxid(), tree_.last_zxid());
  EXPECT_FALSE(Exists("/p/e1"));
  EXPECT_FALSE(Exists("/p/e2"));
  EXPECT_FALSE(Exists("/x"));
  EXPECT_TRUE(Exists("/keep"));
  EXPECT_TRUE(Exists("/other"));
  EXPECT_TRUE(tree_.EphemeralsOf(kS1).empty());
  EXPECT_EQ(tree_.sessions().count(kS1), 0u);
  EXPECT_EQ(tree_.sessions().count(kS2), 1u);
  EXPECT_EQ(tree_.watches().CountFor(kS1), 0u);
  const proto::Stat p_after = StatOf("/p");
  EXPECT_EQ(p_after.cversion(), p_before.cversion() + 2);
  EXPECT_EQ(p_after.num_children(), 0);
  EXPECT_EQ(p_after.pzxid(), tree_.last_zxid());
}

TEST_F(EffectsTest, CloseOfUnknownSessionIsHarmless) {
  const uint64_t digest = tree_.Digest();
  ApplyResult r = CloseSession(0x999);
  EXPECT_EQ(r.response.err(), proto::OK);
  EXPECT_EQ(tree_.Digest(), digest);
  EXPECT_EQ(tree_.sessions().size(), 2u);
}

TEST_F(EffectsTest, CreateSessionTxnAnswersEmptyWithTxnIds) {
  proto::Txn txn =
      preparer_.PrepareCreateSession(0x303, 4000, "pw", NextZxid(), Now());
  EXPECT_EQ(txn.session_id(), 0x303);
  ApplyResult r = Commit(txn);
  EXPECT_EQ(r.response.err(), proto::OK);
  EXPECT_TRUE(r.response.has_empty());
  EXPECT_EQ(r.response.zxid(), txn.zxid());
  EXPECT_EQ(tree_.sessions().at(0x303).timeout_ms, 4000);
  EXPECT_EQ(tree_.sessions().at(0x303).password, "pw");
}

TEST_F(EffectsTest, ApplyTrustsTheLeaderAboutUnknownSessions) {
  proto::Txn txn = RawTxn(0x777);
  auto* c = txn.mutable_create();
  c->set_path("/u");
  *c->add_acl() = OpenAcl()[0];
  c->set_ephemeral_owner(0x777);
  ApplyResult r = tree_.Apply(txn);
  EXPECT_EQ(r.response.err(), proto::OK);
  EXPECT_EQ(r.response.xid(), 77);
  EXPECT_THAT(tree_.EphemeralsOf(0x777), ElementsAre("/u"));
}

// --------------------------------------------------------------- containers

TEST_F(EffectsTest, ContainerLosingItsLastChildIsReportedAndDeletable) {
  ASSERT_EQ(WriteErr(CreateReq("/c", "", proto::CONTAINER)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c/x")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c/y")), proto::OK);
  EXPECT_THAT(Write(DeleteReq("/c/x")).empty_containers, IsEmpty());
  WriteResult r = Write(DeleteReq("/c/y"));
  EXPECT_THAT(r.empty_containers, ElementsAre("/c"));

  std::optional<proto::Txn> del =
      preparer_.PrepareContainerDelete("/c", NextZxid(), Now());
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->session_id(), 0);
  EXPECT_EQ(del->delete_().path(), "/c");
  // While that delete is pending, a second one is not prepared.
  EXPECT_FALSE(preparer_.PrepareContainerDelete("/c", 999, Now()).has_value());
  ApplyResult applied = Commit(*del);
  EXPECT_EQ(applied.response.err(), proto::OK);
  EXPECT_FALSE(Exists("/c"));
}

TEST_F(EffectsTest, ContainerRefilledInTheSameMultiIsNotReported) {
  ASSERT_EQ(WriteErr(CreateReq("/c", "", proto::CONTAINER)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c/x")), proto::OK);
  WriteResult r = Write(MultiReq({DeleteReq("/c/x"), CreateReq("/c/y")}));
  ASSERT_EQ(r.err(), proto::OK);
  EXPECT_THAT(r.empty_containers, IsEmpty());
  // A plain parent is never reported.
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/x")), proto::OK);
  EXPECT_THAT(Write(DeleteReq("/p/x")).empty_containers, IsEmpty());
}

TEST_F(EffectsTest, ContainerEmptiedBySessionCloseIsReported) {
  ASSERT_EQ(WriteErr(CreateReq("/c", "", proto::CONTAINER), kS2), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c/lock", "", proto::EPHEMERAL)), proto::OK);
  EXPECT_THAT(CloseSession(kS1).empty_containers, ElementsAre("/c"));
}

TEST_F(EffectsTest, PrepareContainerDeleteRefusesWhatNoLongerQualifies) {
  ASSERT_EQ(WriteErr(CreateReq("/never", "", proto::CONTAINER)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/full", "", proto::CONTAINER)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/full/x")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/plain")), proto::OK);
  // Never had a child (cversion 0): ZooKeeper keeps it.
  EXPECT_FALSE(preparer_.PrepareContainerDelete("/never", 50, 0).has_value());
  EXPECT_FALSE(preparer_.PrepareContainerDelete("/full", 50, 0).has_value());
  EXPECT_FALSE(preparer_.PrepareContainerDelete("/plain", 50, 0).has_value());
  EXPECT_FALSE(preparer_.PrepareContainerDelete("/gone", 50, 0).has_value());
  EXPECT_FALSE(preparer_.PrepareContainerDelete("/", 50, 0).has_value());
  EXPECT_EQ(preparer_.overlay_size(), 0u);
}

// -------------------------------------------------------------------- multi

TEST_F(EffectsTest, MultiSuccessAppliesEveryOpWithOneResultEach) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  WriteResult r = Write(MultiReq({CreateReq("/m", "d"), CreateReq("/m/c"),
                                  SetDataReq("/a", "x", 0), CheckReq("/a", 1),
                                  DeleteReq("/m/c")}));
  ASSERT_EQ(r.err(), proto::OK);
  ASSERT_TRUE(r.txn->has_multi());
  EXPECT_EQ(r.txn->multi().ops_size(), 5);
  EXPECT_EQ(r.txn->multi().ops(0).zxid(), 0);  // sub-txns carry no header
  const auto& results = r.response.multi().results();
  ASSERT_EQ(results.size(), 5);
  for (const auto& res : results) EXPECT_EQ(res.err(), proto::OK);
  EXPECT_EQ(results[0].create().path(), "/m");
  EXPECT_EQ(results[0].create().stat().czxid(), r.txn->zxid());
  EXPECT_EQ(results[1].create().path(), "/m/c");
  EXPECT_EQ(results[2].stat().stat().version(), 1);
  EXPECT_EQ(results[2].stat().stat().mzxid(), r.txn->zxid());
  EXPECT_EQ(results[3].result_case(), proto::MultiOpResult::RESULT_NOT_SET);
  EXPECT_EQ(results[4].result_case(), proto::MultiOpResult::RESULT_NOT_SET);
  EXPECT_TRUE(Exists("/m"));
  EXPECT_FALSE(Exists("/m/c"));
  EXPECT_EQ(tree_.Find("/a")->data, "x");
  EXPECT_EQ(StatOf("/m").cversion(), 2);
  EXPECT_EQ(StatOf("/m").num_children(), 0);
  EXPECT_EQ(StatOf("/m").pzxid(), r.txn->zxid());
}

TEST_F(EffectsTest, MultiFailureRollsBackWithPerOpResults) {
  const uint64_t digest = tree_.Digest();
  WriteResult r = Write(
      MultiReq({CreateReq("/m"), SetDataReq("/nope", "x"), CreateReq("/z")}));
  EXPECT_FALSE(r.txn.has_value());
  EXPECT_EQ(r.err(), proto::NO_NODE);
  EXPECT_EQ(r.response.xid(), 10);
  const auto& results = r.response.multi().results();
  ASSERT_EQ(results.size(), 3);
  EXPECT_EQ(results[0].err(), proto::OK);
  EXPECT_EQ(results[1].err(), proto::NO_NODE);
  EXPECT_EQ(results[2].err(), proto::RUNTIME_INCONSISTENCY);
  EXPECT_FALSE(Exists("/m"));
  EXPECT_EQ(tree_.Digest(), digest);
  EXPECT_EQ(preparer_.overlay_size(), 0u);
  // Nothing of it lingers: the same create now succeeds.
  EXPECT_EQ(WriteErr(CreateReq("/m")), proto::OK);
}

TEST_F(EffectsTest, MultiOpsSeeTheEarlierOpsOfTheSameMulti) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/s")), proto::OK);
  WriteResult dup = Write(MultiReq({CreateReq("/m"), CreateReq("/m")}));
  EXPECT_EQ(dup.err(), proto::NODE_EXISTS);
  EXPECT_EQ(dup.response.multi().results(1).err(), proto::NODE_EXISTS);
  WriteResult gone = Write(MultiReq({DeleteReq("/a"), CheckReq("/a")}));
  EXPECT_EQ(gone.err(), proto::NO_NODE);
  EXPECT_TRUE(Exists("/a"));
  WriteResult bumped =
      Write(MultiReq({SetDataReq("/a", "1", 0), SetDataReq("/a", "2", 1)}));
  EXPECT_EQ(bumped.err(), proto::OK);
  EXPECT_EQ(StatOf("/a").version(), 2);
  WriteResult seq =
      Write(MultiReq({CreateReq("/s/n-", "", proto::PERSISTENT_SEQUENTIAL),
                      CreateReq("/s/n-", "", proto::PERSISTENT_SEQUENTIAL)}));
  ASSERT_EQ(seq.err(), proto::OK);
  EXPECT_EQ(seq.response.multi().results(0).create().path(), "/s/n-0000000000");
  EXPECT_EQ(seq.response.multi().results(1).create().path(), "/s/n-0000000001");
}

TEST_F(EffectsTest, EmptyMultiIsOk) {
  WriteResult r = Write(MultiReq({}));
  ASSERT_TRUE(r.txn.has_value());
  EXPECT_EQ(r.err(), proto::OK);
  EXPECT_TRUE(r.response.has_multi());
  EXPECT_EQ(r.response.multi().results_size(), 0);
}

TEST_F(EffectsTest, MultiFromExpiredSessionFailsOnItsFirstOp) {
  WriteResult r = Write(MultiReq({CreateReq("/a"), CreateReq("/b")}), 0x999);
  EXPECT_EQ(r.err(), proto::SESSION_EXPIRED);
  ASSERT_EQ(r.response.multi().results_size(), 2);
  EXPECT_EQ(r.response.multi().results(0).err(), proto::SESSION_EXPIRED);
  EXPECT_EQ(r.response.multi().results(1).err(), proto::RUNTIME_INCONSISTENCY);
  EXPECT_EQ(Write(MultiReq({}), 0x999).err(), proto::SESSION_EXPIRED);
}

TEST_F(EffectsTest, MultiWithAnEmptyOpIsBadArguments) {
  proto::Request r = MultiReq({CreateReq("/a")});
  r.mutable_multi()->add_ops();  // no op set
  WriteResult w = Write(r);
  EXPECT_EQ(w.err(), proto::BAD_ARGUMENTS);
  EXPECT_EQ(w.response.multi().results(0).err(), proto::OK);
  EXPECT_EQ(w.response.multi().results(1).err(), proto::BAD_ARGUMENTS);
}

TEST_F(EffectsTest, MultiFiresTheEventsOfEveryOpInOrder) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(ExistsReq("/m", true), kS2).err(), proto::NO_NODE);
  ASSERT_EQ(Read(GetChildrenReq("/", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  WriteResult r = Write(MultiReq({CreateReq("/m"), SetDataReq("/a", "x")}));
  EXPECT_THAT(
      Describe(r.watches),
      ElementsAre(S(kS2, "NODE_CREATED /m"), S(kS2, "NODE_CHILDREN_CHANGED /"),
                  S(kS2, "NODE_DATA_CHANGED /a")));
  for (const auto& w : r.watches) EXPECT_EQ(w.event.zxid(), r.txn->zxid());
}

// ------------------------------------------------------ Apply cannot fail

TEST_F(EffectsTest, ApplyOfATxnThatNoLongerFitsChangesNothing) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/a/c")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/e", "", proto::EPHEMERAL)), proto::OK);
  const uint64_t digest = tree_.Digest();
  struct Case {
    std::function<void(proto::Txn*)> fill;
    ErrorCode want;
  };
  const std::vector<Case> cases = {
      {[](proto::Txn* t) { t->mutable_create()->set_path("/a"); },
       proto::NODE_EXISTS},
      {[](proto::Txn* t) { t->mutable_create()->set_path("/x/y"); },
       proto::NO_NODE},
      {[](proto::Txn* t) { t->mutable_create()->set_path("/e/c"); },
       proto::NO_CHILDREN_FOR_EPHEMERALS},
      {[](proto::Txn* t) { t->mutable_create()->set_path("/"); },
       proto::BAD_ARGUMENTS},
      {[](proto::Txn* t) { t->mutable_delete_()->set_path("/a"); },
       proto::NOT_EMPTY},
      {[](proto::Txn* t) { t->mutable_delete_()->set_path("/nope"); },
       proto::NO_NODE},
      {[](proto::Txn* t) { t->mutable_delete_()->set_path("/"); },
       proto::BAD_ARGUMENTS},
      {[](proto::Txn* t) { t->mutable_set_data()->set_path("/nope"); },
       proto::NO_NODE},
      {[](proto::Txn* t) { t->mutable_set_acl()->set_path("/nope"); },
       proto::NO_NODE},
      {[](proto::Txn* t) { t->mutable_check()->set_path("/nope"); },
       proto::NO_NODE},
      {[](proto::Txn*) {}, proto::BAD_ARGUMENTS},  // no body
  };
  for (const Case& c : cases) {
    proto::Txn txn = RawTxn();
    c.fill(&txn);
    ApplyResult r = tree_.Apply(txn);
    EXPECT_EQ(r.response.err(), c.want) << txn.ShortDebugString();
    EXPECT_EQ(r.response.body_case(), proto::Response::BODY_NOT_SET);
    EXPECT_EQ(r.response.zxid(), txn.zxid());
    EXPECT_EQ(tree_.last_zxid(), txn.zxid());  // an error txn is a txn too
  }
  EXPECT_EQ(tree_.Digest(), digest);
}

TEST_F(EffectsTest, ApplyOfAMultiThatNoLongerFitsChangesNothing) {
  const uint64_t digest = tree_.Digest();
  proto::Txn txn = RawTxn();
  txn.mutable_multi()->add_ops()->mutable_create()->set_path("/q");
  txn.mutable_multi()->add_ops()->mutable_delete_()->set_path("/nope");
  txn.mutable_multi()->add_ops()->mutable_create()->set_path("/r");
  ApplyResult r = tree_.Apply(txn);
  EXPECT_EQ(r.response.err(), proto::NO_NODE);
  ASSERT_EQ(r.response.multi().results_size(), 3);
  EXPECT_EQ(r.response.multi().results(0).err(), proto::OK);
  EXPECT_EQ(r.response.multi().results(1).err(), proto::NO_NODE);
  EXPECT_EQ(r.response.multi().results(2).err(), proto::RUNTIME_INCONSISTENCY);
  EXPECT_FALSE(Exists("/q"));
  EXPECT_EQ(tree_.Digest(), digest);
}

// ------------------------------------------------------ snapshots, digest

// A tree with every kind of node and a history of changes, written by
// sessions 0x101 and 0x202.
void BuildVariedTree(const std::function<void(const proto::Request&, SessionId,
                                              const AuthIds&)>& write) {
  write(CreateReq("/a", "alpha"), 0x101, {});
  write(CreateReq("/a/b", "eph", proto::EPHEMERAL), 0x101, {});
  write(CreateReq("/a/s-", "", proto::PERSISTENT_SEQUENTIAL), 0x101, {});
  write(CreateReq("/a/s-", "", proto::PERSISTENT_SEQUENTIAL), 0x101, {});
  write(CreateReq("/c", "", proto::CONTAINER), 0x101, {});
  write(CreateReq("/c/k"), 0x101, {});
  write(CreateReq("/t", "ttl", proto::PERSISTENT_WITH_TTL, OpenAcl(), 60000),
        0x101, {});
  write(CreateReq("/acl", "x", proto::PERSISTENT,
                  {MakeAcl(proto::ALL, "auth", "")}),
        0x101, {MakeId("digest", "u:h")});
  write(SetDataReq("/a", "beta"), 0x101, {});
  write(SetAclReq("/t", {MakeAcl(proto::READ, "ip", "10.0.0.0/8"),
                         MakeAcl(proto::ALL, "world", "anyone")}),
        0x101, {});
  write(CreateReq("/gone"), 0x101, {});
  write(DeleteReq("/gone"), 0x101, {});
  write(CreateReq("/z", "", proto::EPHEMERAL), 0x202, {});
}

class SnapshotTest : public EffectsTest {
 protected:
  void Build() {
    BuildVariedTree(
        [&](const proto::Request& r, SessionId s, const AuthIds& auth) {
          ASSERT_EQ(WriteErr(r, s, auth), proto::OK) << r.ShortDebugString();
        });
  }

  static void Load(const DataTree& from, DataTree* to) {
    to->Clear();
    from.ForEachNode([&](const std::string& path, const Node& node) {
      proto::SnapshotNode s;
      s.set_path(path);
      s.set_data(node.data.str());
      for (const auto& a : *node.acl) *s.add_acl() = a;
      node.stat.ToProto(s.mutable_stat());
      s.set_container(node.container());
      s.set_ttl_ms(node.ttl_ms());
      ASSERT_TRUE(to->InsertLoaded(s)) << path;
    });
    for (const auto& [id, info] : from.sessions()) {
      proto::SnapshotSession s;
      s.set_session_id(id);
      s.set_timeout_ms(info.timeout_ms);
      s.set_password(info.password);
      to->InsertLoadedSession(s);
    }
    to->FinishLoad(from.last_zxid());
  }
};

TEST_F(SnapshotTest, ForEachNodeVisitsParentsFirstAndEveryNodeOnce) {
  Build();
  std::set<std::string> seen;
  tree_.ForEachNode([&](const std::string& path, const Node&) {
    if (path != "/") {
      EXPECT_EQ(seen.count(ParentPath(path)), 1u) << path;
    }
    EXPECT_TRUE(seen.insert(path).second) << path;
  });
  EXPECT_EQ(seen.size(), tree_.node_count());
}

TEST_F(SnapshotTest, RoundTripKeepsDigestStatsSessionsAndEphemerals) {
  Build();
  DataTree loaded;
  Load(tree_, &loaded);
  EXPECT_EQ(loaded.Digest(), tree_.Digest());
  EXPECT_EQ(loaded.node_count(), tree_.node_count());
  EXPECT_EQ(loaded.last_zxid(), tree_.last_zxid());
  EXPECT_EQ(loaded.sessions().size(), 2u);
  EXPECT_EQ(loaded.sessions().at(kS2).password, "secret");
  EXPECT_THAT(loaded.EphemeralsOf(kS1), ElementsAre("/a/b"));
  EXPECT_THAT(loaded.EphemeralsOf(kS2), ElementsAre("/z"));
  tree_.ForEachNode([&](const std::string& path, const Node& node) {
    const Node* other = loaded.Find(path);
    ASSERT_NE(other, nullptr) << path;
    EXPECT_EQ(other->stat.ToProto().SerializeAsString(),
              node.stat.ToProto().SerializeAsString())
        << path;
    EXPECT_EQ(other->children, node.children) << path;
    EXPECT_EQ(other->ttl_ms(), node.ttl_ms());
    EXPECT_EQ(other->container(), node.container());
  });
  // Both go on identically: the same txn names the same sequential node.
  Prepared p = preparer_.Prepare(
      kS1, {}, CreateReq("/a/s-", "", proto::PERSISTENT_SEQUENTIAL), NextZxid(),
      Now());
  ASSERT_TRUE(p.txn.has_value());
  ApplyResult a = tree_.Apply(*p.txn);
  ApplyResult b = loaded.Apply(*p.txn);
  EXPECT_EQ(a.response.create().path(), "/a/s-0000000003");
  EXPECT_EQ(b.response.create().path(), "/a/s-0000000003");
  EXPECT_EQ(loaded.Digest(), tree_.Digest());
  // And the loaded tree closes a session the same way.
  ApplyResult close =
      loaded.Apply(preparer_.PrepareCloseSession(kS1, NextZxid(), Now()));
  EXPECT_FALSE(loaded.Find("/a/b"));
  EXPECT_EQ(close.response.err(), proto::OK);
}

TEST_F(SnapshotTest, DigestSeesEveryKindOfChange) {
  Build();
  DataTree twin;
  Load(tree_, &twin);
  const uint64_t base = tree_.Digest();
  const auto changed = [&](const proto::Request& r) {
    DataTree copy;
    Load(twin, &copy);
    Preparer p(copy);
    auto prepared = p.Prepare(kS1, {}, r, copy.last_zxid() + 1, 5);
    EXPECT_TRUE(prepared.txn.has_value()) << r.ShortDebugString();
    if (prepared.txn) copy.Apply(*prepared.txn);
    return copy.Digest() != base;
  };
  EXPECT_TRUE(changed(SetDataReq("/a", "gamma")));
  EXPECT_TRUE(changed(SetDataReq("/a", "beta")));  // same data, new stat
  EXPECT_TRUE(changed(SetAclReq("/a", {MakeAcl(31, "ip", "1.2.3.4")})));
  EXPECT_TRUE(changed(CreateReq("/new")));
  EXPECT_TRUE(changed(DeleteReq("/a/s-0000000001")));
  EXPECT_EQ(twin.Digest(), base);
}

TEST_F(SnapshotTest, DigestOfAFreshTreeIsStable) {
  // Pinned: the digest must not depend on the process, the platform's
  // std::hash or the unordered_map's order.
  DataTree a, b;
  EXPECT_EQ(a.Digest(), b.Digest());
  EXPECT_EQ(a.Digest(), 0xd77ce0f1f8a407a9ull) << std::hex << a.Digest();
}

TEST_F(SnapshotTest, InsertLoadedRefusesOrphansDuplicatesAndBadPaths) {
  DataTree t;
  t.Clear();
  EXPECT_EQ(t.node_count(), 0u);
  proto::SnapshotNode n;
  n.set_path("/a/b");
  EXPECT_FALSE(t.InsertLoaded(n));  // no parent
  n.set_path("/");
  EXPECT_TRUE(t.InsertLoaded(n));
  EXPECT_FALSE(t.InsertLoaded(n));  // duplicate
  n.set_path("/a/");
  EXPECT_FALSE(t.InsertLoaded(n));
  n.set_path("/a");
  n.set_data("xyz");
  n.mutable_stat()->set_num_children(9);  // recounted from the children
  n.mutable_stat()->set_data_length(1);   // recomputed from the data
  EXPECT_TRUE(t.InsertLoaded(n));
  t.FinishLoad(42);
  EXPECT_EQ(t.last_zxid(), 42);
  EXPECT_EQ(t.Find("/a")->stat.num_children(), 0);
  EXPECT_EQ(t.Find("/a")->stat.data_length(), 3);
  EXPECT_EQ(t.Find("/")->stat.num_children(), 1);
  EXPECT_THAT(t.Find("/")->children, ElementsAre("a"));
}

TEST_F(SnapshotTest, ClearDropsEverythingAndAnEmptyLoadRestoresDefaults) {
  Build();
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  tree_.Clear();
  EXPECT_EQ(tree_.node_count(), 0u);
  EXPECT_EQ(tree_.sessions().size(), 0u);
  EXPECT_EQ(tree_.watches().size(), 0u);
  EXPECT_TRUE(tree_.EphemeralsOf(kS1).empty());
  tree_.FinishLoad(7);
  EXPECT_EQ(tree_.node_count(), 4u);
  EXPECT_EQ(tree_.Digest(), DataTree().Digest());
}

TEST_F(SnapshotTest, ForEachNodeHandlesADeepTree) {
  std::string path;
  for (int i = 0; i < 3000; ++i) {
    path += "/d";
    ASSERT_EQ(WriteErr(CreateReq(path)), proto::OK);
  }
  size_t visited = 0;
  tree_.ForEachNode([&](const std::string&, const Node&) { ++visited; });
  EXPECT_EQ(visited, tree_.node_count());
  DataTree loaded;
  Load(tree_, &loaded);
  EXPECT_EQ(loaded.Digest(), tree_.Digest());
}

}  // namespace
}  // namespace canopy::tree
