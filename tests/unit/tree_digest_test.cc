// The running tree digest: after any sequence of writes it equals the digest
// computed from scratch, a tree loaded from a snapshot image has the same
// digest as the tree that was written, and any change to replicated state
// changes it.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/unit/tree_test_util.h"

namespace canopy::tree::testing {
namespace {

class TreeDigestTest : public TreeTest {
 protected:
  // A copy of tree_ made the way a snapshot load makes one.
  std::unique_ptr<DataTree> LoadedCopy() {
    auto copy = std::make_unique<DataTree>();
    copy->Clear();
    bool ok = true;
    tree_.ForEachNode([&](const std::string& path, const Node& node) {
      proto::SnapshotNode loaded;
      loaded.set_path(path);
      loaded.set_data(node.data.str());
      if (node.acl) {
        for (const auto& a : *node.acl) *loaded.add_acl() = a;
      }
      node.stat.ToProto(loaded.mutable_stat());
      loaded.set_container(node.container());
      loaded.set_ttl_ms(node.ttl_ms());
      ok = ok && copy->InsertLoaded(loaded);
    });
    EXPECT_TRUE(ok);
    for (const auto& [id, info] : tree_.sessions()) {
      proto::SnapshotSession s;
      s.set_session_id(id);
      s.set_timeout_ms(info.timeout_ms);
      s.set_password(info.password);
      copy->InsertLoadedSession(s);
    }
    copy->FinishLoad(tree_.last_zxid());
    return copy;
  }

  // One random write among a small set of paths, so that creates, deletes
  // and conflicts all happen often.
  void RandomWrite(std::mt19937_64& rng) {
    static const std::vector<std::string> kPaths = {
        "/a", "/b", "/a/x", "/a/y", "/b/z", "/a/x/deep", "/c"};
    const std::string& path = kPaths[rng() % kPaths.size()];
    const SessionId session = (rng() % 2) ? kS1 : kS2;
    const std::string data = "d" + std::to_string(rng() % 1000);
    switch (rng() % 9) {
      case 0:
      case 1:
        Write(CreateReq(path, data), session);
        break;
      case 2:
        Write(CreateReq(path, data, proto::EPHEMERAL), session);
        break;
      case 3:
        Write(CreateReq(path + "/s-", data, proto::PERSISTENT_SEQUENTIAL),
              session);
        break;
      case 4:
        Write(DeleteReq(path), session);
        break;
      case 5:
        Write(SetDataReq(path, data), session);
        break;
      case 6:
        Write(SetAclReq(path, {MakeAcl(proto::ALL, "world", "anyone"),
                               MakeAcl(proto::READ, "ip", "10.0.0.1")}),
              session);
        break;
      case 7:
        Write(MultiReq({CreateReq(path + "/m", data), SetDataReq(path, data),
                        DeleteReq(path + "/m")}),
              session);
        break;
      default:
        // Sessions come and go (closing one deletes its ephemerals).
        if (rng() % 2) {
          CloseSession(session);
          OpenSession(session);
        } else {
          OpenSession(0x300 + int64_t(rng() % 4));
        }
        break;
    }
  }
};

TEST_F(TreeDigestTest, RunningDigestEqualsRecomputedAfterEveryRandomWrite) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 250; ++i) {
      RandomWrite(rng);
      ASSERT_EQ(tree_.Digest(), tree_.RecomputeDigest())
          << "seed " << seed << " write " << i;
    }
  }
  EXPECT_GT(tree_.node_count(), 4u);
}

TEST_F(TreeDigestTest, SnapshotLoadGivesTheSameDigest) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 500; ++i) RandomWrite(rng);
  auto copy = LoadedCopy();
  EXPECT_EQ(copy->Digest(), tree_.Digest());
  EXPECT_EQ(copy->Digest(), copy->RecomputeDigest());
  // And the loaded copy keeps it up to date as it applies further txns.
  const Zxid zxid = NextZxid();
  Prepared prepared = preparer_.Prepare(kS1, {}, CreateReq("/after", "v"),
                                        zxid, Now());
  ASSERT_TRUE(prepared.txn.has_value());
  Commit(*prepared.txn);
  copy->Apply(*prepared.txn);
  EXPECT_EQ(copy->Digest(), tree_.Digest());
  EXPECT_EQ(copy->Digest(), copy->RecomputeDigest());
}

TEST_F(TreeDigestTest, ClearAndFreshTreesAgree) {
  DataTree fresh;
  EXPECT_EQ(fresh.Digest(), fresh.RecomputeDigest());
  DataTree other;
  EXPECT_EQ(fresh.Digest(), other.Digest());
  other.Clear();
  EXPECT_EQ(other.Digest(), 0u);
  other.FinishLoad(0);  // an empty load sets up the default nodes
  EXPECT_EQ(other.Digest(), fresh.Digest());
}

TEST_F(TreeDigestTest, EveryKindOfChangeMovesTheDigest) {
  ASSERT_EQ(WriteErr(CreateReq("/n", "v")), proto::OK);
  uint64_t before = tree_.Digest();
  ASSERT_EQ(WriteErr(SetDataReq("/n", "w")), proto::OK);
  EXPECT_NE(tree_.Digest(), before);
  before = tree_.Digest();
  ASSERT_EQ(WriteErr(SetAclReq("/n", {MakeAcl(proto::READ, "world",
                                              "anyone")})),
            proto::OK);
  EXPECT_NE(tree_.Digest(), before);
  before = tree_.Digest();
  OpenSession(0x999);
  EXPECT_NE(tree_.Digest(), before);
  before = tree_.Digest();
  ASSERT_EQ(WriteErr(DeleteReq("/n")), proto::OK);
  EXPECT_NE(tree_.Digest(), before);
  EXPECT_EQ(tree_.Digest(), tree_.RecomputeDigest());
}

TEST_F(TreeDigestTest, TreesThatDifferInOneByteDiffer) {
  ASSERT_EQ(WriteErr(CreateReq("/n", "value")), proto::OK);
  auto copy = LoadedCopy();
  ASSERT_EQ(copy->Digest(), tree_.Digest());
  // The same node with one byte of data changed, loaded the same way.
  auto other = std::make_unique<DataTree>();
  other->Clear();
  tree_.ForEachNode([&](const std::string& path, const Node& node) {
    proto::SnapshotNode loaded;
    loaded.set_path(path);
    loaded.set_data(path == "/n" ? std::string("valuf") : node.data.str());
    if (node.acl) {
      for (const auto& a : *node.acl) *loaded.add_acl() = a;
    }
    node.stat.ToProto(loaded.mutable_stat());
    ASSERT_TRUE(other->InsertLoaded(loaded));
  });
  for (const auto& [id, info] : tree_.sessions()) {
    proto::SnapshotSession s;
    s.set_session_id(id);
    s.set_timeout_ms(info.timeout_ms);
    s.set_password(info.password);
    other->InsertLoadedSession(s);
  }
  other->FinishLoad(tree_.last_zxid());
  EXPECT_NE(other->Digest(), tree_.Digest());
}

}  // namespace
}  // namespace canopy::tree::testing
