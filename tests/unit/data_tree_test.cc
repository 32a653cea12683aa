// DataTree through the Preparer: every single-node operation, its Stat
// bookkeeping and every error it answers; reads; ACL interning.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/tree_test_util.h"

namespace canopy::tree {
namespace {

using ::testing::ElementsAre;
using namespace ::canopy::tree::testing;  // NOLINT: test builders

class DataTreeTest : public TreeTest {};

// ------------------------------------------------------------ initial state

TEST_F(DataTreeTest, StartsWithRootAndZooKeeperNodes) {
  DataTree fresh;
  EXPECT_EQ(fresh.node_count(), 4u);
  for (const char* path :
       {"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"}) {
    EXPECT_NE(fresh.Find(path), nullptr) << path;
  }
  const Node* root = fresh.Find("/");
  EXPECT_THAT(root->children, ElementsAre("zookeeper"));
  EXPECT_EQ(root->stat.num_children(), 1);
  // ZooKeeper shows 2*creates - numChildren: a fresh "/" has cversion -1.
  EXPECT_EQ(root->stat.cversion(), -1);
  EXPECT_EQ(fresh.Find("/zookeeper")->stat.cversion(), -2);
  EXPECT_EQ(fresh.Find("/zookeeper")->stat.num_children(), 2);
  EXPECT_EQ(fresh.last_zxid(), 0);
  ASSERT_EQ(root->acl->size(), 1u);
  EXPECT_EQ((*root->acl)[0].perms(), proto::ALL);
  EXPECT_EQ((*root->acl)[0].id().scheme(), "world");
  const auto& config_acl = *fresh.Find("/zookeeper/config")->acl;
  ASSERT_EQ(config_acl.size(), 1u);
  EXPECT_EQ(config_acl[0].perms(), proto::READ);
}

TEST_F(DataTreeTest, SessionsComeFromCreateSessionTxns) {
  ASSERT_EQ(tree_.sessions().size(), 2u);
  EXPECT_EQ(tree_.sessions().at(kS1).timeout_ms, 30000);
  EXPECT_EQ(tree_.sessions().at(kS1).password, "secret");
  EXPECT_EQ(tree_.last_zxid(), 2);
}

// ------------------------------------------------------------------ create

TEST_F(DataTreeTest, CreateSetsEveryStatField) {
  WriteResult r = Write(CreateReq("/a", "hello"));
  ASSERT_EQ(r.err(), proto::OK);
  const Zxid zxid = r.txn->zxid();
  const int64_t time = r.txn->time_ms();
  const proto::Stat s = StatOf("/a");
  EXPECT_EQ(s.czxid(), zxid);
  EXPECT_EQ(s.mzxid(), zxid);
  EXPECT_EQ(s.pzxid(), zxid);
  EXPECT_EQ(s.ctime(), time);
  EXPECT_EQ(s.mtime(), time);
  EXPECT_EQ(s.version(), 0);
  EXPECT_EQ(s.cversion(), 0);
  EXPECT_EQ(s.aversion(), 0);
  EXPECT_EQ(s.ephemeral_owner(), 0);
  EXPECT_EQ(s.data_length(), 5);
  EXPECT_EQ(s.num_children(), 0);
  EXPECT_EQ(tree_.Find("/a")->data, "hello");
  EXPECT_EQ(tree_.last_zxid(), zxid);
}

TEST_F(DataTreeTest, CreateAnswersPathAndStat) {
  WriteResult r = Write(CreateReq("/a", "xy"));
  EXPECT_EQ(r.response.xid(), 1);
  EXPECT_EQ(r.response.zxid(), r.txn->zxid());
  ASSERT_TRUE(r.response.has_create());
  EXPECT_EQ(r.response.create().path(), "/a");
  EXPECT_EQ(r.response.create().stat().SerializeAsString(),
            StatOf("/a").SerializeAsString());
}

TEST_F(DataTreeTest, CreateUpdatesOnlyTheParentsChildBookkeeping) {
  ASSERT_EQ(WriteErr(CreateReq("/p", "d")), proto::OK);
  const proto::Stat before = StatOf("/p");
  WriteResult r = Write(CreateReq("/p/c"));
  const proto::Stat after = StatOf("/p");
  EXPECT_EQ(after.cversion(), before.cversion() + 1);
  EXPECT_EQ(after.num_children(), 1);
  EXPECT_EQ(after.pzxid(), r.txn->zxid());
  EXPECT_EQ(after.mzxid(), before.mzxid());
  EXPECT_EQ(after.mtime(), before.mtime());
  EXPECT_EQ(after.version(), before.version());
  EXPECT_EQ(after.czxid(), before.czxid());
  EXPECT_EQ(after.data_length(), 1);
  EXPECT_THAT(tree_.Find("/p")->children, ElementsAre("c"));
}

TEST_F(DataTreeTest, RootCversionFollowsZooKeeper) {
  EXPECT_EQ(StatOf("/").cversion(), -1);
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  EXPECT_EQ(StatOf("/").cversion(), 0);
  EXPECT_EQ(StatOf("/").num_children(), 2);
}

TEST_F(DataTreeTest, CreateErrorNoNodeForMissingParent) {
  EXPECT_EQ(WriteErr(CreateReq("/x/y")), proto::NO_NODE);
  EXPECT_FALSE(Exists("/x/y"));
}

TEST_F(DataTreeTest, CreateErrorNodeExists) {
  ASSERT_EQ(WriteErr(CreateReq("/a", "1")), proto::OK);
  EXPECT_EQ(WriteErr(CreateReq("/a", "2")), proto::NODE_EXISTS);
  EXPECT_EQ(tree_.Find("/a")->data, "1");
  EXPECT_EQ(WriteErr(CreateReq("/")), proto::NODE_EXISTS);
  EXPECT_EQ(WriteErr(CreateReq("/zookeeper")), proto::NODE_EXISTS);
}

TEST_F(DataTreeTest, CreateErrorNoChildrenForEphemerals) {
  ASSERT_EQ(WriteErr(CreateReq("/e", "", proto::EPHEMERAL)), proto::OK);
  EXPECT_EQ(WriteErr(CreateReq("/e/c")), proto::NO_CHILDREN_FOR_EPHEMERALS);
  EXPECT_EQ(WriteErr(CreateReq("/e/c", "", proto::PERSISTENT_SEQUENTIAL)),
            proto::NO_CHILDREN_FOR_EPHEMERALS);
}

TEST_F(DataTreeTest, CreateErrorNoAuthWithoutCreateOnParent) {
  const std::vector<proto::Acl> no_create = {
      MakeAcl(proto::ALL & ~proto::CREATE, "world", "anyone"),
      MakeAcl(proto::CREATE, "digest", "bob:h")};
  ASSERT_EQ(WriteErr(CreateReq("/p", "", proto::PERSISTENT, no_create)),
            proto::OK);
  EXPECT_EQ(WriteErr(CreateReq("/p/c")), proto::NO_AUTH);
  EXPECT_EQ(WriteErr(CreateReq("/p/c"), kS1, {MakeId("digest", "bob:h")}),
            proto::OK);
}

TEST_F(DataTreeTest, CreateErrorInvalidAcl) {
  EXPECT_EQ(WriteErr(CreateReq("/a", "", proto::PERSISTENT, {})),
            proto::INVALID_ACL);
  const std::vector<proto::Acl> auth_acl = {MakeAcl(proto::ALL, "auth", "")};
  EXPECT_EQ(WriteErr(CreateReq("/a", "", proto::PERSISTENT, auth_acl), kS1,
                     {MakeId("ip", "127.0.0.1")}),
            proto::INVALID_ACL);
  EXPECT_EQ(WriteErr(CreateReq("/a", "", proto::PERSISTENT,
                               {MakeAcl(proto::ALL, "digest", "nocolon")})),
            proto::INVALID_ACL);
  // ZooKeeper fixes up the ACL before it looks at the parent.
  EXPECT_EQ(WriteErr(CreateReq("/x/y", "", proto::PERSISTENT, {})),
            proto::INVALID_ACL);
  EXPECT_FALSE(Exists("/a"));
}

TEST_F(DataTreeTest, CreateExpandsAuthAclToSessionIds) {
  const AuthIds auth = {MakeId("ip", "10.0.0.1"), MakeId("digest", "u:h")};
  WriteResult r = Write(
      CreateReq("/a", "", proto::PERSISTENT, {MakeAcl(proto::ALL, "auth", "")}),
      kS1, auth);
  ASSERT_EQ(r.err(), proto::OK);
  const auto& acl = *tree_.Find("/a")->acl;
  ASSERT_EQ(acl.size(), 1u);
  EXPECT_EQ(acl[0].id().scheme(), "digest");
  EXPECT_EQ(acl[0].id().id(), "u:h");
  EXPECT_EQ(r.txn->create().acl(0).id().id(), "u:h");
}

TEST_F(DataTreeTest, CreateErrorBadArguments) {
  for (const char* path : {"a", "/a/", "/a//b", "/a/.", "", "/a/.."}) {
    EXPECT_EQ(WriteErr(CreateReq(path)), proto::BAD_ARGUMENTS) << path;
  }
  // Inside /zookeeper (Canopy refuses every client create there).
  EXPECT_EQ(WriteErr(CreateReq("/zookeeper/x")), proto::BAD_ARGUMENTS);
  // (/zookeeper/quota/... is writable: quota znodes; see quota_test.)
  EXPECT_EQ(
      WriteErr(CreateReq("/zookeeper/", "", proto::PERSISTENT_SEQUENTIAL)),
      proto::BAD_ARGUMENTS);
  // Data above the limit.
  EXPECT_EQ(WriteErr(CreateReq("/big", std::string(1024 * 1024 + 1, 'x'))),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(CreateReq("/big", std::string(1024 * 1024, 'x'))),
            proto::OK);
  // TTLs: > 0 and <= 2^40-1 for the TTL modes, none for the others.
  EXPECT_EQ(
      WriteErr(CreateReq("/t", "", proto::PERSISTENT_WITH_TTL, OpenAcl(), 0)),
      proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(CreateReq("/t", "", proto::PERSISTENT_WITH_TTL, OpenAcl(),
                               int64_t{1} << 40)),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(CreateReq("/t", "", proto::PERSISTENT, OpenAcl(), 5)),
            proto::BAD_ARGUMENTS);
  // An unknown mode.
  EXPECT_EQ(WriteErr(CreateReq("/m", "", static_cast<proto::CreateMode>(99))),
            proto::BAD_ARGUMENTS);
  // An ephemeral needs a session.
  EXPECT_EQ(WriteErr(CreateReq("/e", "", proto::EPHEMERAL), 0),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(CreateReq("/p"), 0), proto::OK);  // persistent is fine
  EXPECT_FALSE(Exists("/t"));
  EXPECT_FALSE(Exists("/e"));
}

TEST_F(DataTreeTest, CreateErrorSessionExpiredForUnknownSession) {
  EXPECT_EQ(WriteErr(CreateReq("/a"), 0x999), proto::SESSION_EXPIRED);
  EXPECT_FALSE(Exists("/a"));
}

TEST_F(DataTreeTest, FailedWritesChangeNothing) {
  const uint64_t digest = tree_.Digest();
  const Zxid last = tree_.last_zxid();
  EXPECT_NE(WriteErr(CreateReq("/x/y")), proto::OK);
  EXPECT_NE(WriteErr(DeleteReq("/nope")), proto::OK);
  EXPECT_NE(WriteErr(SetDataReq("/nope", "d")), proto::OK);
  EXPECT_EQ(tree_.Digest(), digest);
  EXPECT_EQ(tree_.last_zxid(), last);
  EXPECT_EQ(preparer_.overlay_size(), 0u);
}

TEST_F(DataTreeTest, EphemeralOwnerAndEphemeralsOf) {
  ASSERT_EQ(WriteErr(CreateReq("/b", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/a", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c", "", proto::EPHEMERAL), kS2), proto::OK);
  EXPECT_EQ(StatOf("/a").ephemeral_owner(), kS1);
  EXPECT_EQ(StatOf("/c").ephemeral_owner(), kS2);
  EXPECT_THAT(tree_.EphemeralsOf(kS1), ElementsAre("/a", "/b"));
  EXPECT_THAT(tree_.EphemeralsOf(kS2), ElementsAre("/c"));
  EXPECT_TRUE(tree_.EphemeralsOf(0x999).empty());
  ASSERT_EQ(WriteErr(DeleteReq("/a")), proto::OK);
  EXPECT_THAT(tree_.EphemeralsOf(kS1), ElementsAre("/b"));
}

TEST_F(DataTreeTest, ContainerAndTtlNodes) {
  WriteResult c = Write(CreateReq("/c", "", proto::CONTAINER));
  ASSERT_EQ(c.err(), proto::OK);
  EXPECT_TRUE(tree_.Find("/c")->container());
  EXPECT_EQ(StatOf("/c").ephemeral_owner(), 0);  // ZooKeeper shows 0 too
  EXPECT_TRUE(c.txn->create().container());
  WriteResult t =
      Write(CreateReq("/t", "", proto::PERSISTENT_WITH_TTL, OpenAcl(), 5000));
  ASSERT_EQ(t.err(), proto::OK);
  EXPECT_EQ(tree_.Find("/t")->ttl_ms(), 5000);
  EXPECT_FALSE(tree_.Find("/t")->container());
  EXPECT_EQ(t.txn->create().ttl_ms(), 5000);
  WriteResult ts = Write(CreateReq(
      "/ts-", "", proto::PERSISTENT_SEQUENTIAL_WITH_TTL, OpenAcl(), 7));
  ASSERT_EQ(ts.err(), proto::OK);
  EXPECT_EQ(ts.response.create().path(), "/ts-0000000002");
  EXPECT_EQ(tree_.Find("/ts-0000000002")->ttl_ms(), 7);
}

// -------------------------------------------------------------- sequential

TEST_F(DataTreeTest, SequentialSuffixCountsCreatesUnderTheParent) {
  ASSERT_EQ(WriteErr(CreateReq("/s")), proto::OK);
  auto seq = [&] {
    WriteResult r = Write(CreateReq("/s/n-", "", proto::PERSISTENT_SEQUENTIAL));
    EXPECT_EQ(r.err(), proto::OK);
    return r.response.create().path();
  };
  EXPECT_EQ(seq(), "/s/n-0000000000");
  EXPECT_EQ(seq(), "/s/n-0000000001");
  ASSERT_EQ(WriteErr(CreateReq("/s/x")), proto::OK);  // bumps the counter
  EXPECT_EQ(seq(), "/s/n-0000000003");
  ASSERT_EQ(WriteErr(DeleteReq("/s/x")), proto::OK);
  // The delete moved the visible cversion (4 creates + 1 delete) ...
  EXPECT_EQ(StatOf("/s").cversion(), 5);
  EXPECT_EQ(StatOf("/s").num_children(), 3);
  // ... but not ZooKeeper's counter, which counts creates.
  EXPECT_EQ(seq(), "/s/n-0000000004");
  EXPECT_TRUE(Exists("/s/n-0000000004"));
}

TEST_F(DataTreeTest, SequentialAllowsTrailingSlashAndRoot) {
  ASSERT_EQ(WriteErr(CreateReq("/q")), proto::OK);
  WriteResult r = Write(CreateReq("/q/", "", proto::PERSISTENT_SEQUENTIAL));
  ASSERT_EQ(r.err(), proto::OK);
  EXPECT_EQ(r.response.create().path(), "/q/0000000000");
  // "/" already has one create (/q): the next name under it is 1.
  WriteResult root = Write(CreateReq("/", "", proto::PERSISTENT_SEQUENTIAL));
  ASSERT_EQ(root.err(), proto::OK);
  EXPECT_EQ(root.response.create().path(), "/0000000001");
  EXPECT_EQ(WriteErr(CreateReq("/q//", "", proto::PERSISTENT_SEQUENTIAL)),
            proto::BAD_ARGUMENTS);
}

TEST_F(DataTreeTest, SequentialNameTakenIsNodeExists) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/n0000000001")), proto::OK);
  EXPECT_EQ(WriteErr(CreateReq("/p/n", "", proto::PERSISTENT_SEQUENTIAL)),
            proto::NODE_EXISTS);
}

TEST_F(DataTreeTest, EphemeralSequential) {
  WriteResult r = Write(CreateReq("/lock-", "", proto::EPHEMERAL_SEQUENTIAL));
  ASSERT_EQ(r.err(), proto::OK);
  EXPECT_EQ(r.response.create().path(), "/lock-0000000000");
  EXPECT_EQ(StatOf("/lock-0000000000").ephemeral_owner(), kS1);
}

// ------------------------------------------------------------------ delete

TEST_F(DataTreeTest, DeleteUpdatesParentAndAnswersEmpty) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/c")), proto::OK);
  const proto::Stat before = StatOf("/p");
  WriteResult r = Write(DeleteReq("/p/c"));
  ASSERT_EQ(r.err(), proto::OK);
  EXPECT_TRUE(r.response.has_empty());
  EXPECT_EQ(r.response.zxid(), r.txn->zxid());
  EXPECT_FALSE(Exists("/p/c"));
  const proto::Stat after = StatOf("/p");
  EXPECT_EQ(after.cversion(), before.cversion() + 1);
  EXPECT_EQ(after.pzxid(), r.txn->zxid());
  EXPECT_EQ(after.num_children(), 0);
  EXPECT_EQ(after.mzxid(), before.mzxid());
  EXPECT_TRUE(tree_.Find("/p")->children.empty());
}

TEST_F(DataTreeTest, DeleteErrors) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/c")), proto::OK);
  ASSERT_EQ(WriteErr(SetDataReq("/p/c", "v1")), proto::OK);  // version 1
  EXPECT_EQ(WriteErr(DeleteReq("/nope")), proto::NO_NODE);
  EXPECT_EQ(WriteErr(DeleteReq("/nope/c")), proto::NO_NODE);
  EXPECT_EQ(WriteErr(DeleteReq("/p")), proto::NOT_EMPTY);
  EXPECT_EQ(WriteErr(DeleteReq("/p/c", 0)), proto::BAD_VERSION);
  EXPECT_EQ(WriteErr(DeleteReq("/p/c", 2)), proto::BAD_VERSION);
  EXPECT_EQ(WriteErr(DeleteReq("/")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(DeleteReq("/zookeeper")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(DeleteReq("/zookeeper/config")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(DeleteReq("/zookeeper/quota")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(DeleteReq("/p/")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(DeleteReq("/p/c"), 0x999), proto::SESSION_EXPIRED);
  EXPECT_TRUE(Exists("/p/c"));
  EXPECT_EQ(WriteErr(DeleteReq("/p/c", 1)), proto::OK);
}

TEST_F(DataTreeTest, DeleteNeedsDeleteOnTheParentNotTheNode) {
  const std::vector<proto::Acl> no_delete = {
      MakeAcl(proto::ALL & ~proto::DELETE, "world", "anyone")};
  const std::vector<proto::Acl> nothing = {MakeAcl(0, "world", "anyone")};
  ASSERT_EQ(WriteErr(CreateReq("/p", "", proto::PERSISTENT, no_delete)),
            proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/c")), proto::OK);
  EXPECT_EQ(WriteErr(DeleteReq("/p/c")), proto::NO_AUTH);
  // The parent is checked before the node: a missing child under a locked
  // parent is NO_AUTH, as in ZooKeeper.
  EXPECT_EQ(WriteErr(DeleteReq("/p/missing")), proto::NO_AUTH);
  ASSERT_EQ(WriteErr(CreateReq("/q")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/q/c", "", proto::PERSISTENT, nothing)),
            proto::OK);
  EXPECT_EQ(WriteErr(DeleteReq("/q/c")), proto::OK);
}

// ---------------------------------------------------------------- set_data

TEST_F(DataTreeTest, SetDataMovesVersionMzxidMtimeAndLength) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/p/a", "x")), proto::OK);
  const proto::Stat before = StatOf("/p/a");
  const proto::Stat parent_before = StatOf("/p");
  WriteResult r = Write(SetDataReq("/p/a", "longer"));
  ASSERT_EQ(r.err(), proto::OK);
  const proto::Stat after = StatOf("/p/a");
  EXPECT_EQ(after.version(), 1);
  EXPECT_EQ(after.mzxid(), r.txn->zxid());
  EXPECT_EQ(after.mtime(), r.txn->time_ms());
  EXPECT_EQ(after.data_length(), 6);
  EXPECT_EQ(after.czxid(), before.czxid());
  EXPECT_EQ(after.ctime(), before.ctime());
  EXPECT_EQ(after.pzxid(), before.pzxid());
  EXPECT_EQ(after.cversion(), before.cversion());
  EXPECT_EQ(after.aversion(), before.aversion());
  EXPECT_EQ(tree_.Find("/p/a")->data, "longer");
  ASSERT_TRUE(r.response.has_stat());
  EXPECT_EQ(r.response.stat().stat().SerializeAsString(),
            after.SerializeAsString());
  // ZooKeeper leaves the parent alone on a child's setData.
  EXPECT_EQ(StatOf("/p").SerializeAsString(),
            parent_before.SerializeAsString());
  ASSERT_EQ(WriteErr(SetDataReq("/p/a", "")), proto::OK);
  EXPECT_EQ(StatOf("/p/a").version(), 2);
  EXPECT_EQ(StatOf("/p/a").data_length(), 0);
}

TEST_F(DataTreeTest, SetDataErrors) {
  const std::vector<proto::Acl> read_only = {
      MakeAcl(proto::READ, "world", "anyone"),
      MakeAcl(proto::WRITE, "ip", "10.0.0.0/8")};
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/ro", "", proto::PERSISTENT, read_only)),
            proto::OK);
  EXPECT_EQ(WriteErr(SetDataReq("/nope", "d")), proto::NO_NODE);
  EXPECT_EQ(WriteErr(SetDataReq("/a", "d", 3)), proto::BAD_VERSION);
  EXPECT_EQ(WriteErr(SetDataReq("/a", "d", 0)), proto::OK);
  EXPECT_EQ(WriteErr(SetDataReq("/a", "d", 0)), proto::BAD_VERSION);
  EXPECT_EQ(WriteErr(SetDataReq("/ro", "d")), proto::NO_AUTH);
  EXPECT_EQ(WriteErr(SetDataReq("/ro", "d"), kS1, {MakeId("ip", "10.1.2.3")}),
            proto::OK);
  // NO_AUTH comes before BAD_VERSION, as in ZooKeeper.
  EXPECT_EQ(WriteErr(SetDataReq("/ro", "d", 77)), proto::NO_AUTH);
  EXPECT_EQ(WriteErr(SetDataReq("/a/", "d")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(SetDataReq("/zookeeper", "d")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(SetDataReq("/zookeeper/config", "d")),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(SetDataReq("/a", std::string(1024 * 1024 + 1, 'x'))),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(SetDataReq("/a", "d"), 0x999), proto::SESSION_EXPIRED);
  EXPECT_EQ(StatOf("/a").version(), 1);
}

TEST_F(DataTreeTest, SmallerDataLimitIsHonoured) {
  DataTree small(Limits{4});
  Preparer preparer(small);
  proto::Request ok = CreateReq("/a", "1234");
  proto::Request big = CreateReq("/b", "12345");
  EXPECT_TRUE(preparer.Prepare(0, {}, ok, 1, 0).txn.has_value());
  EXPECT_EQ(preparer.Prepare(0, {}, big, 1, 0).error_response.err(),
            proto::BAD_ARGUMENTS);
}

// ----------------------------------------------------------------- set_acl

TEST_F(DataTreeTest, SetAclMovesOnlyAversion) {
  ASSERT_EQ(WriteErr(CreateReq("/a", "d")), proto::OK);
  const proto::Stat before = StatOf("/a");
  const std::vector<proto::Acl> acl = {MakeAcl(proto::READ, "world", "anyone"),
                                       MakeAcl(proto::ALL, "digest", "u:h")};
  WriteResult r = Write(SetAclReq("/a", acl));
  ASSERT_EQ(r.err(), proto::OK);
  const proto::Stat after = StatOf("/a");
  EXPECT_EQ(after.aversion(), 1);
  EXPECT_EQ(after.version(), before.version());
  EXPECT_EQ(after.mzxid(), before.mzxid());
  EXPECT_EQ(after.mtime(), before.mtime());
  EXPECT_EQ(after.pzxid(), before.pzxid());
  ASSERT_EQ(tree_.Find("/a")->acl->size(), 2u);
  EXPECT_EQ((*tree_.Find("/a")->acl)[1].id().id(), "u:h");
  ASSERT_TRUE(r.response.has_stat());
  EXPECT_EQ(r.response.stat().stat().aversion(), 1);
}

TEST_F(DataTreeTest, SetAclErrors) {
  const std::vector<proto::Acl> no_admin = {
      MakeAcl(proto::ALL & ~proto::ADMIN, "world", "anyone")};
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/na", "", proto::PERSISTENT, no_admin)),
            proto::OK);
  EXPECT_EQ(WriteErr(SetAclReq("/nope", OpenAcl())), proto::NO_NODE);
  EXPECT_EQ(WriteErr(SetAclReq("/a", {})), proto::INVALID_ACL);
  EXPECT_EQ(WriteErr(SetAclReq("/a", {MakeAcl(proto::ALL, "auth", "")})),
            proto::INVALID_ACL);
  EXPECT_EQ(WriteErr(SetAclReq("/na", OpenAcl())), proto::NO_AUTH);
  EXPECT_EQ(WriteErr(SetAclReq("/a/", OpenAcl())), proto::BAD_ARGUMENTS);
  // The version is matched against aversion, not version.
  ASSERT_EQ(WriteErr(SetDataReq("/a", "x")), proto::OK);  // version 1
  EXPECT_EQ(WriteErr(SetAclReq("/a", OpenAcl(), 1)), proto::BAD_VERSION);
  EXPECT_EQ(WriteErr(SetAclReq("/a", OpenAcl(), 0)), proto::OK);
  EXPECT_EQ(WriteErr(SetAclReq("/a", OpenAcl(), 0)), proto::BAD_VERSION);
  EXPECT_EQ(WriteErr(SetAclReq("/a", OpenAcl()), 0x999),
            proto::SESSION_EXPIRED);
  EXPECT_EQ(StatOf("/a").aversion(), 1);
}

TEST_F(DataTreeTest, SetAclExpandsAuthAndWorksOnZooKeeperNode) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(WriteErr(SetAclReq("/a", {MakeAcl(proto::ALL, "auth", "")}), kS1,
                     {MakeId("digest", "me:pw")}),
            proto::OK);
  EXPECT_EQ((*tree_.Find("/a")->acl)[0].id().scheme(), "digest");
  EXPECT_EQ((*tree_.Find("/a")->acl)[0].id().id(), "me:pw");
  // Locking down /zookeeper is allowed, as in ZooKeeper.
  EXPECT_EQ(WriteErr(SetAclReq("/zookeeper",
                               {MakeAcl(proto::READ, "world", "anyone")})),
            proto::OK);
  // /zookeeper/config is read-only for everyone: no ADMIN.
  EXPECT_EQ(WriteErr(SetAclReq("/zookeeper/config", OpenAcl())),
            proto::NO_AUTH);
}

// ------------------------------------------------------------------- check

TEST_F(DataTreeTest, CheckMatchesVersionAndChangesNothing) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  ASSERT_EQ(WriteErr(SetDataReq("/a", "x")), proto::OK);
  const uint64_t digest = tree_.Digest();
  WriteResult r = Write(CheckReq("/a", 1));
  ASSERT_EQ(r.err(), proto::OK);
  EXPECT_TRUE(r.response.has_empty());
  EXPECT_TRUE(r.txn->has_check());
  EXPECT_EQ(tree_.Digest(), digest);
  EXPECT_EQ(WriteErr(CheckReq("/a", -1)), proto::OK);
  EXPECT_EQ(WriteErr(CheckReq("/a", 0)), proto::BAD_VERSION);
  EXPECT_EQ(WriteErr(CheckReq("/nope", -1)), proto::NO_NODE);
  EXPECT_EQ(WriteErr(CheckReq("/a/", -1)), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(CheckReq("/a"), 0x999), proto::SESSION_EXPIRED);
  ASSERT_EQ(WriteErr(CreateReq("/hidden", "", proto::PERSISTENT,
                               {MakeAcl(proto::WRITE, "world", "anyone")})),
            proto::OK);
  EXPECT_EQ(WriteErr(CheckReq("/hidden")), proto::NO_AUTH);  // needs READ
}

TEST_F(DataTreeTest, NonWriteRequestsAreBadArgumentsForPrepare) {
  proto::Request sync;
  sync.mutable_sync()->set_path("/");
  EXPECT_EQ(WriteErr(sync), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(GetDataReq("/")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(proto::Request()), proto::BAD_ARGUMENTS);
}

// ------------------------------------------------------------------- reads

TEST_F(DataTreeTest, ExistsNeedsNoPermission) {
  ASSERT_EQ(WriteErr(CreateReq("/a", "abc", proto::PERSISTENT,
                               {MakeAcl(0, "world", "anyone")})),
            proto::OK);
  proto::Response r = Read(ExistsReq("/a"));
  EXPECT_EQ(r.err(), proto::OK);
  EXPECT_EQ(r.xid(), 6);
  EXPECT_EQ(r.zxid(), tree_.last_zxid());
  EXPECT_EQ(r.stat().stat().data_length(), 3);
  EXPECT_EQ(Read(ExistsReq("/nope")).err(), proto::NO_NODE);
  EXPECT_FALSE(Read(ExistsReq("/nope")).has_stat());
  EXPECT_EQ(Read(ExistsReq("/a/")).err(), proto::BAD_ARGUMENTS);
}

TEST_F(DataTreeTest, GetDataAnswersDataAndStatWithRead) {
  ASSERT_EQ(WriteErr(CreateReq("/a", "abc")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/w", "s", proto::PERSISTENT,
                               {MakeAcl(proto::WRITE, "world", "anyone"),
                                MakeAcl(proto::READ, "digest", "u:h")})),
            proto::OK);
  proto::Response r = Read(GetDataReq("/a"));
  ASSERT_EQ(r.err(), proto::OK);
  EXPECT_EQ(r.get_data().data(), "abc");
  EXPECT_EQ(r.get_data().stat().SerializeAsString(),
            StatOf("/a").SerializeAsString());
  EXPECT_EQ(Read(GetDataReq("/w")).err(), proto::NO_AUTH);
  EXPECT_FALSE(Read(GetDataReq("/w")).has_get_data());
  EXPECT_EQ(Read(GetDataReq("/w"), kS1, {MakeId("digest", "u:h")}).err(),
            proto::OK);
  EXPECT_EQ(Read(GetDataReq("/nope")).err(), proto::NO_NODE);
  EXPECT_EQ(Read(GetDataReq("bad")).err(), proto::BAD_ARGUMENTS);
}

TEST_F(DataTreeTest, GetChildrenAnswersSortedNamesAndStat) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  for (const char* c : {"/p/b", "/p/a", "/p/c10", "/p/c2"}) {
    ASSERT_EQ(WriteErr(CreateReq(c)), proto::OK);
  }
  proto::Response r = Read(GetChildrenReq("/p"));
  ASSERT_EQ(r.err(), proto::OK);
  EXPECT_THAT(r.get_children().children(), ElementsAre("a", "b", "c10", "c2"));
  EXPECT_EQ(r.get_children().stat().num_children(), 4);
  EXPECT_EQ(Read(GetChildrenReq("/nope")).err(), proto::NO_NODE);
  EXPECT_EQ(Read(GetChildrenReq("//")).err(), proto::BAD_ARGUMENTS);
  ASSERT_EQ(WriteErr(CreateReq("/h", "", proto::PERSISTENT,
                               {MakeAcl(proto::WRITE, "world", "anyone")})),
            proto::OK);
  EXPECT_EQ(Read(GetChildrenReq("/h")).err(), proto::NO_AUTH);
}

TEST_F(DataTreeTest, GetAclNeedsReadOrAdminAndMasksDigestsWithoutAdmin) {
  const std::vector<proto::Acl> acl = {
      MakeAcl(proto::READ, "world", "anyone"),
      MakeAcl(proto::ADMIN, "digest", "admin:secret")};
  ASSERT_EQ(WriteErr(CreateReq("/a", "", proto::PERSISTENT, acl)), proto::OK);
  proto::Response reader = Read(GetAclReq("/a"));
  ASSERT_EQ(reader.err(), proto::OK);
  ASSERT_EQ(reader.get_acl().acl_size(), 2);
  EXPECT_EQ(reader.get_acl().acl(1).id().id(), "admin:x");
  EXPECT_EQ(reader.get_acl().stat().SerializeAsString(),
            StatOf("/a").SerializeAsString());
  proto::Response admin =
      Read(GetAclReq("/a"), kS1, {MakeId("digest", "admin:secret")});
  ASSERT_EQ(admin.err(), proto::OK);
  EXPECT_EQ(admin.get_acl().acl(1).id().id(), "admin:secret");

  // ADMIN alone is enough to read the ACL; neither READ nor ADMIN is not.
  ASSERT_EQ(WriteErr(CreateReq("/b", "", proto::PERSISTENT,
                               {MakeAcl(proto::ADMIN, "world", "anyone")})),
            proto::OK);
  EXPECT_EQ(Read(GetAclReq("/b")).err(), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c", "", proto::PERSISTENT,
                               {MakeAcl(proto::WRITE, "world", "anyone")})),
            proto::OK);
  EXPECT_EQ(Read(GetAclReq("/c")).err(), proto::NO_AUTH);
  EXPECT_EQ(Read(GetAclReq("/nope")).err(), proto::NO_NODE);
  EXPECT_EQ(Read(GetAclReq("nope")).err(), proto::BAD_ARGUMENTS);
}

TEST_F(DataTreeTest, ReadOfAWriteKindIsBadArguments) {
  EXPECT_EQ(Read(CreateReq("/a")).err(), proto::BAD_ARGUMENTS);
  EXPECT_EQ(Read(proto::Request()).err(), proto::BAD_ARGUMENTS);
}

// ------------------------------------------------------------ ACL interning

TEST_F(DataTreeTest, EqualAclsShareOneObject) {
  const std::vector<proto::Acl> acl = {MakeAcl(proto::ALL, "digest", "u:h")};
  ASSERT_EQ(WriteErr(CreateReq("/a", "", proto::PERSISTENT, acl)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/b", "", proto::PERSISTENT, acl)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c")), proto::OK);
  EXPECT_EQ(tree_.Find("/a")->acl.get(), tree_.Find("/b")->acl.get());
  EXPECT_NE(tree_.Find("/a")->acl.get(), tree_.Find("/c")->acl.get());
  EXPECT_EQ(tree_.Find("/c")->acl.get(), tree_.Find("/")->acl.get());
  ASSERT_EQ(WriteErr(SetAclReq("/c", acl)), proto::OK);
  EXPECT_EQ(tree_.Find("/c")->acl.get(), tree_.Find("/a")->acl.get());
}

TEST_F(DataTreeTest, ManyDistinctAclsStayCorrectAcrossSweeps) {
  for (int i = 0; i < 300; ++i) {
    const std::string id = "u" + std::to_string(i) + ":h";
    const std::string path = "/n" + std::to_string(i);
    ASSERT_EQ(WriteErr(CreateReq(path, "", proto::PERSISTENT,
                                 {MakeAcl(proto::ALL, "digest", id)})),
              proto::OK);
    if (i % 2 == 0) {
      ASSERT_EQ(WriteErr(DeleteReq(path)), proto::OK);
    }
  }
  EXPECT_EQ((*tree_.Find("/n299")->acl)[0].id().id(), "u299:h");
  ASSERT_EQ(WriteErr(CreateReq("/again", "", proto::PERSISTENT,
                               {MakeAcl(proto::ALL, "digest", "u299:h")})),
            proto::OK);
  EXPECT_EQ(tree_.Find("/again")->acl.get(), tree_.Find("/n299")->acl.get());
}

}  // namespace
}  // namespace canopy::tree
