// Preparer: validation against the committed tree plus the overlay of
// prepared but not yet applied txns; sessions being opened and closed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/tree_test_util.h"

namespace canopy::tree {
namespace {

using namespace ::canopy::tree::testing;  // NOLINT: test builders

class PrepareTest : public TreeTest {
 protected:
  // Prepares and expects a txn.
  proto::Txn Pending(const proto::Request& request, SessionId session = kS1,
                     const AuthIds& auth = {}) {
    Prepared p = PrepareOnly(request, session, auth);
    EXPECT_TRUE(p.txn.has_value()) << request.ShortDebugString() << " -> "
                                   << ErrorName(p.error_response.err());
    return p.txn.value_or(proto::Txn());
  }

  ErrorCode PrepareErr(const proto::Request& request, SessionId session = kS1,
                       const AuthIds& auth = {}) {
    Prepared p = PrepareOnly(request, session, auth);
    return p.txn ? proto::OK : p.error_response.err();
  }
};

TEST_F(PrepareTest, TxnIsStampedWithZxidSessionXidAndTime) {
  const Zxid zxid = next_zxid_;
  proto::Txn txn = Pending(CreateReq("/a", "d", proto::EPHEMERAL));
  EXPECT_EQ(txn.zxid(), zxid);
  EXPECT_EQ(txn.session_id(), kS1);
  EXPECT_EQ(txn.xid(), 1);
  EXPECT_EQ(txn.time_ms(), now_);
  EXPECT_EQ(txn.create().path(), "/a");
  EXPECT_EQ(txn.create().data(), "d");
  EXPECT_EQ(txn.create().ephemeral_owner(), kS1);
  EXPECT_EQ(txn.create().acl_size(), 1);
  EXPECT_FALSE(txn.create().container());
}

TEST_F(PrepareTest, ErrorResponseCarriesXidAndLastAppliedZxid) {
  Prepared p = PrepareOnly(DeleteReq("/nope"));
  ASSERT_FALSE(p.txn.has_value());
  EXPECT_EQ(p.error_response.err(), proto::NO_NODE);
  EXPECT_EQ(p.error_response.xid(), 2);
  EXPECT_EQ(p.error_response.zxid(), tree_.last_zxid());
  EXPECT_EQ(p.error_response.body_case(), proto::Response::BODY_NOT_SET);
}

TEST_F(PrepareTest, SecondPendingCreateOfAPathIsNodeExists) {
  proto::Txn first = Pending(CreateReq("/a", "1"));
  EXPECT_EQ(PrepareErr(CreateReq("/a", "2"), kS2), proto::NODE_EXISTS);
  EXPECT_FALSE(Exists("/a"));  // nothing applied yet
  EXPECT_EQ(Commit(first).response.err(), proto::OK);
  EXPECT_EQ(tree_.Find("/a")->data, "1");
  EXPECT_EQ(PrepareErr(CreateReq("/a", "2"), kS2), proto::NODE_EXISTS);
}

TEST_F(PrepareTest, PendingSequentialCreatesGetDistinctNames) {
  ASSERT_EQ(WriteErr(CreateReq("/s")), proto::OK);
  std::vector<proto::Txn> txns;
  for (int i = 0; i < 3; ++i) {
    txns.push_back(Pending(CreateReq("/s/n-", "", proto::EPHEMERAL_SEQUENTIAL),
                           i % 2 ? kS2 : kS1));
  }
  EXPECT_EQ(txns[0].create().path(), "/s/n-0000000000");
  EXPECT_EQ(txns[1].create().path(), "/s/n-0000000001");
  EXPECT_EQ(txns[2].create().path(), "/s/n-0000000002");
  for (const auto& txn : txns) {
    ApplyResult r = Commit(txn);
    EXPECT_EQ(r.response.err(), proto::OK);
    EXPECT_EQ(r.response.create().path(), txn.create().path());
  }
  EXPECT_EQ(preparer_.overlay_size(), 0u);
}

TEST_F(PrepareTest, DeleteAfterPendingCreateSucceeds) {
  proto::Txn create = Pending(CreateReq("/a"));
  proto::Txn del = Pending(DeleteReq("/a", 0));
  EXPECT_EQ(PrepareErr(DeleteReq("/a")), proto::NO_NODE);  // already pending
  EXPECT_EQ(Commit(create).response.err(), proto::OK);
  EXPECT_EQ(Commit(del).response.err(), proto::OK);
  EXPECT_FALSE(Exists("/a"));
  EXPECT_EQ(preparer_.overlay_size(), 0u);
}

TEST_F(PrepareTest, ChildrenSeePendingParents) {
  ASSERT_EQ(WriteErr(CreateReq("/q")), proto::OK);
  proto::Txn parent = Pending(CreateReq("/p"));
  proto::Txn child = Pending(CreateReq("/p/c"));
  EXPECT_EQ(PrepareErr(DeleteReq("/p")), proto::NOT_EMPTY);
  proto::Txn del_q = Pending(DeleteReq("/q"));
  EXPECT_EQ(PrepareErr(CreateReq("/q/c")), proto::NO_NODE);
  proto::Txn eph = Pending(CreateReq("/e", "", proto::EPHEMERAL));
  EXPECT_EQ(PrepareErr(CreateReq("/e/c")), proto::NO_CHILDREN_FOR_EPHEMERALS);
  for (const auto& txn : {parent, child, del_q, eph}) {
    EXPECT_EQ(Commit(txn).response.err(), proto::OK);
  }
  EXPECT_TRUE(Exists("/p/c"));
  EXPECT_FALSE(Exists("/q"));
}

TEST_F(PrepareTest, PendingVersionsAndAclsAreSeen) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  proto::Txn v1 = Pending(SetDataReq("/a", "1", 0));
  EXPECT_EQ(PrepareErr(SetDataReq("/a", "x", 0)), proto::BAD_VERSION);
  EXPECT_EQ(PrepareErr(CheckReq("/a", 0)), proto::BAD_VERSION);
  EXPECT_EQ(PrepareErr(CheckReq("/a", 1)), proto::OK);
  proto::Txn v2 = Pending(SetDataReq("/a", "2", 1));
  proto::Txn acl =
      Pending(SetAclReq("/a", {MakeAcl(proto::READ, "world", "anyone")}, 0));
  EXPECT_EQ(PrepareErr(SetAclReq("/a", OpenAcl(), 0)), proto::NO_AUTH);
  EXPECT_EQ(PrepareErr(SetDataReq("/a", "3")), proto::NO_AUTH);
  for (const auto& txn : {v1, v2, acl}) Commit(txn);
  EXPECT_EQ(StatOf("/a").version(), 2);
  EXPECT_EQ(StatOf("/a").aversion(), 1);
  EXPECT_EQ(tree_.Find("/a")->data, "2");
}

TEST_F(PrepareTest, OnAppliedDropsOnlyEntriesUpToTheZxid) {
  proto::Txn a = Pending(CreateReq("/a"));  // touches "/" and "/a"
  proto::Txn b = Pending(CreateReq("/b"));  // touches "/" and "/b"
  EXPECT_EQ(preparer_.overlay_size(), 3u);
  tree_.Apply(a);
  preparer_.OnApplied(a.zxid());
  // "/a" is gone; "/" stays: the pending create of /b touched it last.
  EXPECT_EQ(preparer_.overlay_size(), 2u);
  EXPECT_EQ(PrepareErr(CreateReq("/b")), proto::NODE_EXISTS);
  tree_.Apply(b);
  preparer_.OnApplied(b.zxid());
  EXPECT_EQ(preparer_.overlay_size(), 0u);
  // Without the overlay the tree answers the same.
  EXPECT_EQ(PrepareErr(CreateReq("/b")), proto::NODE_EXISTS);
  preparer_.OnApplied(1000);  // nothing pending: harmless
  EXPECT_EQ(preparer_.overlay_size(), 0u);
}

TEST_F(PrepareTest, ResetForgetsEveryPendingChange) {
  Pending(CreateReq("/a"));
  Pending(CreateReq("/s", "", proto::PERSISTENT_SEQUENTIAL));
  preparer_.PrepareCloseSession(kS2, NextZxid(), Now());
  EXPECT_GT(preparer_.overlay_size(), 0u);
  preparer_.Reset();
  EXPECT_EQ(preparer_.overlay_size(), 0u);
  EXPECT_EQ(PrepareErr(CreateReq("/a")), proto::OK);
  EXPECT_EQ(PrepareErr(CreateReq("/b"), kS2), proto::OK);  // not closing now
}

TEST_F(PrepareTest, FailedRequestsLeaveTheOverlayAlone) {
  Pending(CreateReq("/a"));
  const size_t size = preparer_.overlay_size();
  Prepared multi = PrepareOnly(MultiReq({CreateReq("/b"), CreateReq("/a")}));
  ASSERT_FALSE(multi.txn.has_value());
  EXPECT_EQ(multi.error_response.err(), proto::NODE_EXISTS);
  EXPECT_EQ(PrepareErr(SetDataReq("/a", "x", 5)), proto::BAD_VERSION);
  EXPECT_EQ(preparer_.overlay_size(), size);
  EXPECT_EQ(PrepareErr(CreateReq("/b")), proto::OK);
}

TEST_F(PrepareTest, PendingMultiChangesAreSeenByLaterRequests) {
  Pending(MultiReq({CreateReq("/m"), CreateReq("/m/c")}));
  EXPECT_EQ(PrepareErr(CreateReq("/m/c")), proto::NODE_EXISTS);
  EXPECT_EQ(PrepareErr(DeleteReq("/m")), proto::NOT_EMPTY);
  EXPECT_EQ(PrepareErr(DeleteReq("/m/c")), proto::OK);
}

// ----------------------------------------------------------------- sessions

TEST_F(PrepareTest, UnknownSessionsAreExpiredExceptTheServersOwn) {
  EXPECT_EQ(PrepareErr(CreateReq("/a"), 0x999), proto::SESSION_EXPIRED);
  EXPECT_EQ(PrepareErr(SetAclReq("/", OpenAcl()), 0x999),
            proto::SESSION_EXPIRED);
  EXPECT_EQ(PrepareErr(CreateReq("/a"), 0), proto::OK);
}

TEST_F(PrepareTest, PendingCreateSessionIsAlreadyUsable) {
  proto::Txn open =
      preparer_.PrepareCreateSession(0x303, 5000, "pw", NextZxid(), Now());
  EXPECT_TRUE(open.has_create_session());
  EXPECT_EQ(open.create_session().timeout_ms(), 5000);
  proto::Txn eph = Pending(CreateReq("/e", "", proto::EPHEMERAL), 0x303);
  Commit(open);
  EXPECT_EQ(Commit(eph).response.err(), proto::OK);
  EXPECT_EQ(StatOf("/e").ephemeral_owner(), 0x303);
  EXPECT_EQ(PrepareErr(CreateReq("/f"), 0x303), proto::OK);
}

TEST_F(PrepareTest, ClosingSessionIsExpiredBeforeAndAfterTheCloseApplies) {
  proto::Txn close = preparer_.PrepareCloseSession(kS1, NextZxid(), Now());
  EXPECT_TRUE(close.has_close_session());
  EXPECT_EQ(close.session_id(), kS1);
  EXPECT_EQ(PrepareErr(CreateReq("/a")), proto::SESSION_EXPIRED);
  Prepared multi = PrepareOnly(MultiReq({CheckReq("/")}));
  EXPECT_EQ(multi.error_response.err(), proto::SESSION_EXPIRED);
  EXPECT_EQ(PrepareErr(CreateReq("/a"), kS2), proto::OK);
  Commit(close);
  EXPECT_EQ(PrepareErr(CreateReq("/b")), proto::SESSION_EXPIRED);
}

TEST_F(PrepareTest, CloseSessionDeletesCommittedAndPendingEphemeralsAhead) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/e1", "", proto::EPHEMERAL)), proto::OK);
  proto::Txn e2 = Pending(CreateReq("/p/e2", "", proto::EPHEMERAL));
  proto::Txn close = preparer_.PrepareCloseSession(kS1, NextZxid(), Now());
  // In the future state /p is empty and its old names are free.
  proto::Txn again = Pending(CreateReq("/p/e1"), kS2);
  EXPECT_EQ(PrepareErr(DeleteReq("/p"), kS2), proto::NOT_EMPTY);
  proto::Txn del_again = Pending(DeleteReq("/p/e1"), kS2);
  proto::Txn del_p = Pending(DeleteReq("/p"), kS2);
  for (const auto& txn : {e2, close, again, del_again, del_p}) {
    EXPECT_EQ(Commit(txn).response.err(), proto::OK) << txn.ShortDebugString();
  }
  EXPECT_FALSE(Exists("/p"));
  EXPECT_EQ(preparer_.overlay_size(), 0u);
}

TEST_F(PrepareTest, CloseSessionAfterAPendingDeleteOfItsEphemeral) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/e", "", proto::EPHEMERAL)), proto::OK);
  proto::Txn del = Pending(DeleteReq("/p/e"));
  proto::Txn close = preparer_.PrepareCloseSession(kS1, NextZxid(), Now());
  proto::Txn del_p = Pending(DeleteReq("/p"), kS2);
  for (const auto& txn : {del, close, del_p}) {
    EXPECT_EQ(Commit(txn).response.err(), proto::OK) << txn.ShortDebugString();
  }
  EXPECT_FALSE(Exists("/p"));
}

TEST_F(PrepareTest, CloseSessionLeavesOtherSessionsAndPersistentNodes) {
  ASSERT_EQ(WriteErr(CreateReq("/mine", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/theirs", "", proto::EPHEMERAL), kS2),
            proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/kept")), proto::OK);
  preparer_.PrepareCloseSession(kS1, NextZxid(), Now());
  EXPECT_EQ(PrepareErr(CreateReq("/mine"), kS2), proto::OK);
  EXPECT_EQ(PrepareErr(CreateReq("/theirs"), kS2), proto::NODE_EXISTS);
  EXPECT_EQ(PrepareErr(CreateReq("/kept"), kS2), proto::NODE_EXISTS);
}

}  // namespace
}  // namespace canopy::tree
