// ZooKeeper 3.6+ watches on DataTree: persistent and persistent-recursive
// watches (addWatch), removeWatches / checkWatches, setWatches catch-up, and
// how they count and go with their session.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/tree_test_util.h"

namespace canopy::tree {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace ::canopy::tree::testing;  // NOLINT: test builders

constexpr int kChildren = proto::WATCHER_CHILDREN;
constexpr int kData = proto::WATCHER_DATA;
constexpr int kAny = proto::WATCHER_ANY;
constexpr int kPersistentType = 4;           // ZooKeeper 3.9 WatcherType
constexpr int kPersistentRecursiveType = 5;  // ZooKeeper 3.9 WatcherType
constexpr auto kRecursive = proto::PERSISTENT_RECURSIVE_WATCH;

std::string Describe(const FiredWatch& w) {
  return std::to_string(w.session) + " " +
         proto::EventType_Name(w.event.type()) + " " + w.event.path();
}

std::vector<std::string> Describe(const std::vector<FiredWatch>& ws) {
  std::vector<std::string> out;
  for (const auto& w : ws) out.push_back(Describe(w));
  return out;
}

std::vector<std::string> Describe(const std::vector<proto::WatchEvent>& es) {
  std::vector<std::string> out;
  for (const auto& e : es) {
    out.push_back(proto::EventType_Name(e.type()) + " " + e.path());
  }
  return out;
}

std::string S(SessionId session, const char* rest) {
  return std::to_string(session) + " " + rest;
}

class WatchesTest : public TreeTest {
 protected:
  ErrorCode AddWatch(const std::string& path,
                     proto::AddWatchMode mode = proto::PERSISTENT_WATCH,
                     SessionId session = kS2) {
    return tree_.AddWatch(session, AddWatchReq(path, mode));
  }
  ErrorCode RemoveWatches(const std::string& path, int type,
                          SessionId session = kS2) {
    return tree_.RemoveWatches(session, RemoveWatchesReq(path, type, true));
  }
  ErrorCode CheckWatches(const std::string& path, int type,
                         SessionId session = kS2) {
    return tree_.RemoveWatches(session, RemoveWatchesReq(path, type, false));
  }
  std::vector<std::string> Events(const proto::Request& write) {
    WriteResult r = Write(write);
    EXPECT_EQ(r.err(), proto::OK) << write.ShortDebugString();
    return Describe(r.watches);
  }
  bool HasPersistent(const std::string& path, SessionId session = kS2) {
    return tree_.watches().Has(path, WatchKind::kPersistent, session);
  }
  bool HasRecursive(const std::string& path, SessionId session = kS2) {
    return tree_.watches().Has(path, WatchKind::kPersistentRecursive, session);
  }
};

// ------------------------------------------------------------------ addWatch

TEST_F(WatchesTest, AddWatchValidatesPathAndModeButNotTheNode) {
  EXPECT_EQ(AddWatch("a"), proto::BAD_ARGUMENTS);
  EXPECT_EQ(AddWatch("/a/"), proto::BAD_ARGUMENTS);
  EXPECT_EQ(AddWatch("/a", static_cast<proto::AddWatchMode>(7)),
            proto::MARSHALLING_ERROR);
  EXPECT_EQ(tree_.watches().size(), 0u);
  EXPECT_EQ(AddWatch("/missing"), proto::OK);  // need not exist
  EXPECT_EQ(AddWatch("/missing"), proto::OK);  // idempotent
  EXPECT_EQ(AddWatch("/", kRecursive), proto::OK);
  EXPECT_TRUE(HasPersistent("/missing"));
  EXPECT_TRUE(HasRecursive("/"));
  EXPECT_FALSE(HasRecursive("/missing"));
  EXPECT_EQ(tree_.watches().size(), 2u);
  EXPECT_EQ(tree_.watches().CountFor(kS2), 2u);
}

TEST_F(WatchesTest, PersistentWatchFiresRepeatedlyForItsPathAndChildren) {
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  EXPECT_THAT(Events(CreateReq("/a")), ElementsAre(S(kS2, "NODE_CREATED /a")));
  EXPECT_THAT(Events(SetDataReq("/a", "1")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a")));
  EXPECT_THAT(Events(SetDataReq("/a", "2")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a")));
  // A child: NodeChildrenChanged of /a, nothing for the child itself.
  EXPECT_THAT(Events(CreateReq("/a/b")),
              ElementsAre(S(kS2, "NODE_CHILDREN_CHANGED /a")));
  EXPECT_THAT(Events(SetDataReq("/a/b", "x")), IsEmpty());
  EXPECT_THAT(Events(CreateReq("/a/b/c")), IsEmpty());
  EXPECT_THAT(Events(DeleteReq("/a/b/c")), IsEmpty());
  EXPECT_THAT(Events(DeleteReq("/a/b")),
              ElementsAre(S(kS2, "NODE_CHILDREN_CHANGED /a")));
  EXPECT_THAT(Events(DeleteReq("/a")), ElementsAre(S(kS2, "NODE_DELETED /a")));
  // It outlives the node and fires again when the node comes back.
  EXPECT_TRUE(HasPersistent("/a"));
  EXPECT_THAT(Events(CreateReq("/a")), ElementsAre(S(kS2, "NODE_CREATED /a")));
  EXPECT_EQ(tree_.watches().size(), 1u);
}

TEST_F(WatchesTest, PersistentEventsCarryZxidStateAndTheNodesAcl) {
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  const std::vector<proto::Acl> acl = {MakeAcl(proto::ALL, "world", "anyone"),
                                       MakeAcl(proto::READ, "ip", "10.0.0.1")};
  WriteResult r = Write(CreateReq("/a", "", proto::PERSISTENT, acl));
  ASSERT_EQ(r.watches.size(), 1u);
  EXPECT_EQ(r.watches[0].event.zxid(), r.txn->zxid());
  EXPECT_EQ(r.watches[0].event.state(), proto::STATE_SYNC_CONNECTED);
  ASSERT_NE(r.watches[0].acl, nullptr);
  EXPECT_EQ(r.watches[0].acl->size(), 2u);
  // NodeDeleted carries the deleted node's ACL.
  r = Write(DeleteReq("/a"));
  ASSERT_EQ(r.watches.size(), 1u);
  ASSERT_NE(r.watches[0].acl, nullptr);
  EXPECT_EQ(r.watches[0].acl->size(), 2u);
}

TEST_F(WatchesTest, RecursiveWatchFiresForEveryDescendantButNotChildEvents) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(AddWatch("/a", kRecursive), proto::OK);
  EXPECT_THAT(Events(CreateReq("/a/b")),
              ElementsAre(S(kS2, "NODE_CREATED /a/b")));
  EXPECT_THAT(Events(CreateReq("/a/b/c")),
              ElementsAre(S(kS2, "NODE_CREATED /a/b/c")));
  EXPECT_THAT(Events(SetDataReq("/a/b/c", "x")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a/b/c")));
  EXPECT_THAT(Events(SetDataReq("/a/b/c", "y")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a/b/c")));
  EXPECT_THAT(Events(SetDataReq("/a", "x")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a")));
  EXPECT_THAT(Events(DeleteReq("/a/b/c")),
              ElementsAre(S(kS2, "NODE_DELETED /a/b/c")));
  // Not a descendant: a sibling sharing the prefix, another subtree.
  EXPECT_THAT(Events(CreateReq("/ab")), IsEmpty());
  EXPECT_THAT(Events(CreateReq("/x")), IsEmpty());
  EXPECT_THAT(Events(DeleteReq("/a/b")),
              ElementsAre(S(kS2, "NODE_DELETED /a/b")));
  EXPECT_THAT(Events(DeleteReq("/a")), ElementsAre(S(kS2, "NODE_DELETED /a")));
  EXPECT_TRUE(HasRecursive("/a"));
}

TEST_F(WatchesTest, RecursiveWatchOnRootSeesEveryNode) {
  ASSERT_EQ(AddWatch("/", kRecursive), proto::OK);
  EXPECT_THAT(Events(CreateReq("/x")), ElementsAre(S(kS2, "NODE_CREATED /x")));
  EXPECT_THAT(Events(CreateReq("/x/y")),
              ElementsAre(S(kS2, "NODE_CREATED /x/y")));
}

TEST_F(WatchesTest, PersistentAndRecursiveOnOnePathBothHold) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  ASSERT_EQ(AddWatch("/a", kRecursive), proto::OK);
  EXPECT_EQ(tree_.watches().size(), 2u);
  // The child create: NodeCreated from the recursive watch first, then the
  // parent's NodeChildrenChanged from the persistent one.
  EXPECT_THAT(Events(CreateReq("/a/b")),
              ElementsAre(S(kS2, "NODE_CREATED /a/b"),
                          S(kS2, "NODE_CHILDREN_CHANGED /a")));
  // Both match /a itself: still one event.
  EXPECT_THAT(Events(SetDataReq("/a", "x")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a")));
}

TEST_F(WatchesTest, OneEventPerSessionWhenOneShotAndPersistentOverlap) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetChildrenReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  ASSERT_EQ(AddWatch("/", kRecursive), proto::OK);
  ASSERT_EQ(AddWatch("/a", kRecursive), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS1).err(), proto::OK);
  EXPECT_EQ(tree_.watches().size(), 6u);
  // kS1's one-shot and kS2's five watches: one event each, session order.
  EXPECT_THAT(Events(SetDataReq("/a", "x")),
              ElementsAre(S(kS1, "NODE_DATA_CHANGED /a"),
                          S(kS2, "NODE_DATA_CHANGED /a")));
  // kS2's one-shot data watch was used up; the persistent ones stay.
  EXPECT_FALSE(tree_.watches().Has("/a", WatchKind::kData, kS2));
  EXPECT_TRUE(tree_.watches().Has("/a", WatchKind::kChildren, kS2));
  EXPECT_EQ(tree_.watches().size(), 4u);
  EXPECT_THAT(Events(SetDataReq("/a", "y")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a")));
  // The delete: one NodeDeleted though the child, persistent and both
  // recursive watches all match; then NodeChildrenChanged of "/" (nobody).
  EXPECT_THAT(Events(DeleteReq("/a")), ElementsAre(S(kS2, "NODE_DELETED /a")));
  EXPECT_FALSE(tree_.watches().Has("/a", WatchKind::kChildren, kS2));
  EXPECT_EQ(tree_.watches().size(), 3u);
}

TEST_F(WatchesTest, ExistsWatchAndPersistentOnACreateGiveOneEvent) {
  ASSERT_EQ(Read(ExistsReq("/a", true), kS2).err(), proto::NO_NODE);
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  EXPECT_THAT(Events(CreateReq("/a")), ElementsAre(S(kS2, "NODE_CREATED /a")));
  EXPECT_FALSE(tree_.watches().Has("/a", WatchKind::kExists, kS2));
  EXPECT_TRUE(HasPersistent("/a"));
}

// As ZooKeeper, where each op of a multi triggers on its own: a persistent
// watcher sees every op's events, in op order.
TEST_F(WatchesTest, MultiFiresPersistentEventsOfEveryOpInOrder) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(AddWatch("/a", kRecursive), proto::OK);
  EXPECT_THAT(Events(MultiReq({CreateReq("/a/b"), SetDataReq("/a/b", "1"),
                               SetDataReq("/a/b", "2"), DeleteReq("/a/b")})),
              ElementsAre(S(kS2, "NODE_CREATED /a/b"),
                          S(kS2, "NODE_DATA_CHANGED /a/b"),
                          S(kS2, "NODE_DATA_CHANGED /a/b"),
                          S(kS2, "NODE_DELETED /a/b")));
}

TEST_F(WatchesTest, EphemeralsOfAClosingSessionFirePersistentWatches) {
  ASSERT_EQ(WriteErr(CreateReq("/e", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(AddWatch("/", kRecursive), proto::OK);
  EXPECT_THAT(Describe(CloseSession(kS1).watches),
              ElementsAre(S(kS2, "NODE_DELETED /e")));
}

// --------------------------------------------------- counts and session end

TEST_F(WatchesTest, CountsIncludePersistentWatches) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  ASSERT_EQ(AddWatch("/b", kRecursive), proto::OK);
  ASSERT_EQ(AddWatch("/a", proto::PERSISTENT_WATCH, kS1), proto::OK);
  EXPECT_EQ(tree_.watches().size(), 4u);
  EXPECT_EQ(tree_.watches().CountFor(kS2), 3u);
  EXPECT_EQ(tree_.watches().CountFor(kS1), 1u);
}

TEST_F(WatchesTest, RemoveWatchesOfASessionDropsPersistentOnes) {
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  ASSERT_EQ(AddWatch("/", kRecursive), proto::OK);
  ASSERT_EQ(AddWatch("/a", proto::PERSISTENT_WATCH, kS1), proto::OK);
  tree_.RemoveWatches(kS2);
  EXPECT_EQ(tree_.watches().size(), 1u);
  EXPECT_EQ(tree_.watches().CountFor(kS2), 0u);
  EXPECT_THAT(Events(CreateReq("/a")), ElementsAre(S(kS1, "NODE_CREATED /a")));
}

TEST_F(WatchesTest, ClosingTheSessionDropsItsPersistentWatches) {
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  ASSERT_EQ(AddWatch("/", kRecursive), proto::OK);
  ASSERT_EQ(AddWatch("/", kRecursive, kS1), proto::OK);
  CloseSession(kS2);
  EXPECT_EQ(tree_.watches().size(), 1u);
  EXPECT_EQ(tree_.watches().CountFor(kS2), 0u);
  EXPECT_THAT(Events(CreateReq("/a")), ElementsAre(S(kS1, "NODE_CREATED /a")));
}

TEST_F(WatchesTest, WatchesAreNotPartOfTheDigest) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  const uint64_t before = tree_.Digest();
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  ASSERT_EQ(AddWatch("/", kRecursive), proto::OK);
  tree_.SetWatches(kS1, proto::SetWatchesRequest());
  EXPECT_EQ(tree_.Digest(), before);
}

// ---------------------------------------------- removeWatches / checkWatches

TEST_F(WatchesTest, NothingToRemoveOrCheckIsNoWatcher) {
  for (int type : {kChildren, kData, kAny, kPersistentType,
                   kPersistentRecursiveType}) {
    EXPECT_EQ(RemoveWatches("/a", type), proto::NO_WATCHER) << type;
    EXPECT_EQ(CheckWatches("/a", type), proto::NO_WATCHER) << type;
  }
  // Another session's watch is not this session's.
  ASSERT_EQ(AddWatch("/a", proto::PERSISTENT_WATCH, kS1), proto::OK);
  EXPECT_EQ(RemoveWatches("/a", kAny), proto::NO_WATCHER);
  // An invalid path holds no watch (ZooKeeper checks paths client-side).
  EXPECT_EQ(RemoveWatches("bad", kAny), proto::NO_WATCHER);
  EXPECT_EQ(tree_.watches().size(), 1u);
}

TEST_F(WatchesTest, UnknownWatcherTypeIsMarshallingError) {
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  EXPECT_EQ(RemoveWatches("/a", proto::WATCHER_TYPE_NONE),
            proto::MARSHALLING_ERROR);
  EXPECT_EQ(CheckWatches("/a", 6), proto::MARSHALLING_ERROR);
  EXPECT_TRUE(HasPersistent("/a"));
}

TEST_F(WatchesTest, ChildrenRemovesOnlyTheOneShotChildWatch) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(GetChildrenReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  EXPECT_EQ(CheckWatches("/a", kChildren), proto::OK);
  EXPECT_EQ(RemoveWatches("/a", kChildren), proto::OK);
  EXPECT_FALSE(tree_.watches().Has("/a", WatchKind::kChildren, kS2));
  EXPECT_TRUE(tree_.watches().Has("/a", WatchKind::kData, kS2));
  EXPECT_TRUE(HasPersistent("/a"));
  // ZooKeeper 3.9: CHILDREN names one-shot watches only; the persistent
  // watch (which also sees child events) is not one.
  EXPECT_EQ(CheckWatches("/a", kChildren), proto::NO_WATCHER);
  EXPECT_EQ(RemoveWatches("/a", kChildren), proto::NO_WATCHER);
  // The persistent watch still gets NodeChildrenChanged.
  EXPECT_THAT(Events(CreateReq("/a/b")),
              ElementsAre(S(kS2, "NODE_CHILDREN_CHANGED /a")));
}

TEST_F(WatchesTest, DataRemovesDataAndExistsWatches) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetChildrenReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(ExistsReq("/gone", true), kS2).err(), proto::NO_NODE);
  ASSERT_EQ(AddWatch("/a", kRecursive), proto::OK);
  EXPECT_EQ(RemoveWatches("/a", kData), proto::OK);
  EXPECT_EQ(RemoveWatches("/a", kData), proto::NO_WATCHER);
  EXPECT_EQ(RemoveWatches("/gone", kData), proto::OK);  // the exists watch
  EXPECT_TRUE(tree_.watches().Has("/a", WatchKind::kChildren, kS2));
  EXPECT_TRUE(HasRecursive("/a"));
  EXPECT_EQ(tree_.watches().size(), 2u);
  // The recursive watch still reports the data change.
  EXPECT_THAT(Events(SetDataReq("/a", "x")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /a")));
}

TEST_F(WatchesTest, AnyRemovesEveryKindOnExactlyThatPath) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/a/b")), proto::OK);
  ASSERT_EQ(Read(GetDataReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(Read(GetChildrenReq("/a", true), kS2).err(), proto::OK);
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  ASSERT_EQ(AddWatch("/a", kRecursive), proto::OK);
  ASSERT_EQ(AddWatch("/", kRecursive), proto::OK);
  ASSERT_EQ(AddWatch("/a/b"), proto::OK);
  EXPECT_EQ(CheckWatches("/a", kAny), proto::OK);
  EXPECT_EQ(tree_.watches().size(), 6u);  // checking removes nothing
  EXPECT_EQ(RemoveWatches("/a", kAny), proto::OK);
  EXPECT_EQ(tree_.watches().size(), 2u);
  EXPECT_TRUE(HasRecursive("/"));
  EXPECT_TRUE(HasPersistent("/a/b"));
  EXPECT_EQ(CheckWatches("/a", kAny), proto::NO_WATCHER);
  EXPECT_EQ(RemoveWatches("/a", kAny), proto::NO_WATCHER);
}

TEST_F(WatchesTest, PersistentTypesRemoveOnlyThatPersistentWatch) {
  ASSERT_EQ(AddWatch("/a"), proto::OK);
  ASSERT_EQ(AddWatch("/a", kRecursive), proto::OK);
  EXPECT_EQ(CheckWatches("/a", kPersistentType), proto::OK);
  EXPECT_EQ(RemoveWatches("/a", kPersistentType), proto::OK);
  EXPECT_FALSE(HasPersistent("/a"));
  EXPECT_TRUE(HasRecursive("/a"));
  EXPECT_EQ(RemoveWatches("/a", kPersistentType), proto::NO_WATCHER);
  EXPECT_EQ(RemoveWatches("/a", kPersistentRecursiveType), proto::OK);
  EXPECT_EQ(tree_.watches().size(), 0u);
  EXPECT_THAT(Events(CreateReq("/a")), IsEmpty());
}

// --------------------------------------------------------------- setWatches

class SetWatchesTest : public WatchesTest {
 protected:
  // /d (data set at z_set), /c with a child created at z_child, /same
  // untouched since z_base.
  void SetUp() override {
    WatchesTest::SetUp();
    ASSERT_EQ(WriteErr(CreateReq("/d")), proto::OK);
    ASSERT_EQ(WriteErr(CreateReq("/c")), proto::OK);
    ASSERT_EQ(WriteErr(CreateReq("/same")), proto::OK);
    z_base_ = tree_.last_zxid();
    ASSERT_EQ(WriteErr(SetDataReq("/d", "x")), proto::OK);
    z_set_ = tree_.last_zxid();
    ASSERT_EQ(WriteErr(CreateReq("/c/k")), proto::OK);
    z_child_ = tree_.last_zxid();
  }

  std::vector<std::string> Set(const proto::SetWatchesRequest& request) {
    return Describe(tree_.SetWatches(kS2, request));
  }

  Zxid z_base_ = 0, z_set_ = 0, z_child_ = 0;
};

TEST_F(SetWatchesTest, DataWatchCatchesUpOrRegisters) {
  proto::SetWatchesRequest r;
  r.set_relative_zxid(z_base_);  // the client saw the tree before the set
  r.add_data_watches("/d");
  r.add_data_watches("/gone");
  r.add_data_watches("/same");
  EXPECT_THAT(Set(r), ElementsAre("NODE_DATA_CHANGED /d", "NODE_DELETED /gone"));
  EXPECT_FALSE(tree_.watches().Has("/d", WatchKind::kData, kS2));
  EXPECT_FALSE(tree_.watches().Has("/gone", WatchKind::kData, kS2));
  EXPECT_TRUE(tree_.watches().Has("/same", WatchKind::kData, kS2));
  EXPECT_EQ(tree_.watches().size(), 1u);

  // Having seen the set, the client's watch on /d is simply re-registered.
  r.Clear();
  r.set_relative_zxid(z_set_);
  r.add_data_watches("/d");
  EXPECT_THAT(Set(r), IsEmpty());
  EXPECT_TRUE(tree_.watches().Has("/d", WatchKind::kData, kS2));
  EXPECT_THAT(Events(SetDataReq("/d", "y")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /d")));
}

TEST_F(SetWatchesTest, ExistWatchFiresWhenTheNodeIsThereElseRegisters) {
  proto::SetWatchesRequest r;
  r.set_relative_zxid(z_child_);  // even with nothing newer: it exists now
  r.add_exist_watches("/d");
  r.add_exist_watches("/later");
  EXPECT_THAT(Set(r), ElementsAre("NODE_CREATED /d"));
  EXPECT_FALSE(tree_.watches().Has("/d", WatchKind::kExists, kS2));
  EXPECT_TRUE(tree_.watches().Has("/later", WatchKind::kExists, kS2));
  EXPECT_THAT(Events(CreateReq("/later")),
              ElementsAre(S(kS2, "NODE_CREATED /later")));
}

TEST_F(SetWatchesTest, ChildWatchCatchesUpOrRegisters) {
  proto::SetWatchesRequest r;
  r.set_relative_zxid(z_base_);
  r.add_child_watches("/c");
  r.add_child_watches("/gone");
  r.add_child_watches("/same");
  EXPECT_THAT(Set(r),
              ElementsAre("NODE_CHILDREN_CHANGED /c", "NODE_DELETED /gone"));
  EXPECT_FALSE(tree_.watches().Has("/c", WatchKind::kChildren, kS2));
  EXPECT_TRUE(tree_.watches().Has("/same", WatchKind::kChildren, kS2));

  r.Clear();
  r.set_relative_zxid(z_child_);
  r.add_child_watches("/c");
  EXPECT_THAT(Set(r), IsEmpty());
  EXPECT_TRUE(tree_.watches().Has("/c", WatchKind::kChildren, kS2));
  // A data change is not a child change.
  EXPECT_THAT(Events(SetDataReq("/c", "x")), IsEmpty());
  EXPECT_THAT(Events(DeleteReq("/c/k")),
              ElementsAre(S(kS2, "NODE_CHILDREN_CHANGED /c")));
}

TEST_F(SetWatchesTest, PersistentWatchesAreRegisteredWithoutCatchUp) {
  proto::SetWatchesRequest r;
  r.set_relative_zxid(0);  // everything happened after it
  r.add_persistent_watches("/d");
  r.add_persistent_watches("/gone");
  r.add_persistent_recursive_watches("/c");
  EXPECT_THAT(Set(r), IsEmpty());
  EXPECT_TRUE(HasPersistent("/d"));
  EXPECT_TRUE(HasPersistent("/gone"));
  EXPECT_TRUE(HasRecursive("/c"));
  EXPECT_THAT(Events(SetDataReq("/c/k", "x")),
              ElementsAre(S(kS2, "NODE_DATA_CHANGED /c/k")));
  EXPECT_THAT(Events(CreateReq("/gone")),
              ElementsAre(S(kS2, "NODE_CREATED /gone")));
}

TEST_F(SetWatchesTest, EventsCarryTheTreesLastZxidInRequestOrder) {
  proto::SetWatchesRequest r;
  r.set_relative_zxid(z_base_);
  r.add_child_watches("/c");
  r.add_exist_watches("/same");
  r.add_data_watches("/d");
  std::vector<proto::WatchEvent> events = tree_.SetWatches(kS2, r);
  EXPECT_THAT(Describe(events),
              ElementsAre("NODE_DATA_CHANGED /d", "NODE_CREATED /same",
                          "NODE_CHILDREN_CHANGED /c"));
  for (const auto& e : events) {
    EXPECT_EQ(e.zxid(), tree_.last_zxid());
    EXPECT_EQ(e.state(), proto::STATE_SYNC_CONNECTED);
  }
  EXPECT_EQ(tree_.watches().size(), 0u);
}

}  // namespace
}  // namespace canopy::tree
