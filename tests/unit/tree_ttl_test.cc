// TTL nodes: DataTree::ExpiredTtlNodes finds the candidates and
// Preparer::PrepareTtlDelete re-checks them against the future state.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/unit/tree_test_util.h"

namespace canopy::tree {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace ::canopy::tree::testing;  // NOLINT: test builders

constexpr size_t kAll = 1000;

class TtlTest : public TreeTest {
 protected:
  // Creates a TTL node; returns its mtime.
  int64_t CreateTtl(const std::string& path, int64_t ttl_ms,
                    proto::CreateMode mode = proto::PERSISTENT_WITH_TTL) {
    WriteResult r = Write(CreateReq(path, "", mode, OpenAcl(), ttl_ms));
    EXPECT_EQ(r.err(), proto::OK) << path;
    return StatOf(r.response.create().path()).mtime();
  }

  std::optional<proto::Txn> TtlDelete(const std::string& path, int64_t now) {
    const Zxid zxid = NextZxid();
    std::optional<proto::Txn> txn =
        preparer_.PrepareTtlDelete(path, zxid, now);
    if (!txn) --next_zxid_;
    return txn;
  }
};

TEST_F(TtlTest, NoTtlNodesNoCandidates) {
  ASSERT_EQ(WriteErr(CreateReq("/p")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c", "", proto::CONTAINER)), proto::OK);
  EXPECT_THAT(tree_.ttl_nodes(), IsEmpty());
  EXPECT_THAT(tree_.ExpiredTtlNodes(INT64_MAX / 2, kAll), IsEmpty());
}

TEST_F(TtlTest, ExpiredWhenChildlessAndNotModifiedWithinTheTtl) {
  const int64_t t = CreateTtl("/t", 100);
  EXPECT_EQ(tree_.Find("/t")->ttl_ms(), 100);
  EXPECT_THAT(tree_.ttl_nodes(), ElementsAre("/t"));
  EXPECT_THAT(tree_.ExpiredTtlNodes(t + 50, kAll), IsEmpty());
  // ZooKeeper: expired once now - mtime > ttl.
  EXPECT_THAT(tree_.ExpiredTtlNodes(t + 100, kAll), IsEmpty());
  EXPECT_THAT(tree_.ExpiredTtlNodes(t + 101, kAll), ElementsAre("/t"));
}

TEST_F(TtlTest, SetDataRestartsTheTtlAndChildrenKeepItAlive) {
  const int64_t t = CreateTtl("/t", 100);
  ASSERT_EQ(WriteErr(SetDataReq("/t", "x")), proto::OK);
  const int64_t m = StatOf("/t").mtime();
  ASSERT_GT(m, t);
  EXPECT_THAT(tree_.ExpiredTtlNodes(t + 101, kAll), IsEmpty());
  EXPECT_THAT(tree_.ExpiredTtlNodes(m + 101, kAll), ElementsAre("/t"));
  ASSERT_EQ(WriteErr(CreateReq("/t/child")), proto::OK);
  EXPECT_THAT(tree_.ExpiredTtlNodes(m + 10'000, kAll), IsEmpty());
  // A child's create does not move mtime: once it goes, the node is due.
  ASSERT_EQ(WriteErr(DeleteReq("/t/child")), proto::OK);
  EXPECT_THAT(tree_.ExpiredTtlNodes(m + 101, kAll), ElementsAre("/t"));
}

TEST_F(TtlTest, CandidatesComeInPathOrderUpToMax) {
  const int64_t t = CreateTtl("/b", 10);
  CreateTtl("/a", 10);
  CreateTtl("/c", 1'000'000);
  CreateTtl("/d", 10);
  const std::string seq = "/s-";
  CreateTtl(seq, 10, proto::PERSISTENT_SEQUENTIAL_WITH_TTL);
  EXPECT_THAT(tree_.ttl_nodes(),
              ElementsAre("/a", "/b", "/c", "/d", "/s-0000000004"));
  EXPECT_THAT(tree_.ExpiredTtlNodes(t + 1000, kAll),
              ElementsAre("/a", "/b", "/d", "/s-0000000004"));
  EXPECT_THAT(tree_.ExpiredTtlNodes(t + 1000, 2), ElementsAre("/a", "/b"));
  EXPECT_THAT(tree_.ExpiredTtlNodes(t + 1000, 0), IsEmpty());
}

TEST_F(TtlTest, TtlSetFollowsDeletesSnapshotsAndClear) {
  CreateTtl("/t", 10);
  CreateTtl("/u", 10);
  ASSERT_EQ(WriteErr(DeleteReq("/u")), proto::OK);
  EXPECT_THAT(tree_.ttl_nodes(), ElementsAre("/t"));

  DataTree loaded;
  loaded.Clear();
  tree_.ForEachNode([&](const std::string& path, const Node& node) {
    proto::SnapshotNode s;
    s.set_path(path);
    for (const auto& a : *node.acl) *s.add_acl() = a;
    node.stat.ToProto(s.mutable_stat());
    s.set_ttl_ms(node.ttl_ms());
    ASSERT_TRUE(loaded.InsertLoaded(s)) << path;
  });
  loaded.FinishLoad(tree_.last_zxid());
  EXPECT_THAT(loaded.ttl_nodes(), ElementsAre("/t"));
  loaded.Clear();
  loaded.FinishLoad(0);
  EXPECT_THAT(loaded.ttl_nodes(), IsEmpty());
}

TEST_F(TtlTest, PrepareTtlDeleteGivesAServerDeleteThatApplies) {
  const int64_t t = CreateTtl("/t", 100);
  ASSERT_EQ(Read(GetDataReq("/t", true), kS2).err(), proto::OK);
  std::optional<proto::Txn> del = TtlDelete("/t", t + 101);
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->session_id(), 0);
  EXPECT_EQ(del->time_ms(), t + 101);
  EXPECT_EQ(del->delete_().path(), "/t");
  // While it is pending, no second one.
  EXPECT_FALSE(TtlDelete("/t", t + 500).has_value());
  ApplyResult applied = Commit(*del);
  EXPECT_EQ(applied.response.err(), proto::OK);
  EXPECT_FALSE(Exists("/t"));
  ASSERT_EQ(applied.watches.size(), 1u);
  EXPECT_EQ(applied.watches[0].event.type(), proto::NODE_DELETED);
  EXPECT_THAT(tree_.ttl_nodes(), IsEmpty());
  EXPECT_EQ(preparer_.overlay_size(), 0u);
}

TEST_F(TtlTest, PrepareTtlDeleteRefusesWhatIsNotAnExpiredTtlNode) {
  const int64_t t = CreateTtl("/t", 100);
  ASSERT_EQ(WriteErr(CreateReq("/plain")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/c", "", proto::CONTAINER)), proto::OK);
  const int64_t later = t + 10'000;
  EXPECT_FALSE(TtlDelete("/t", t + 100).has_value());  // not expired yet
  EXPECT_FALSE(TtlDelete("/plain", later).has_value());
  EXPECT_FALSE(TtlDelete("/c", later).has_value());
  EXPECT_FALSE(TtlDelete("/gone", later).has_value());
  EXPECT_FALSE(TtlDelete("/", later).has_value());
  EXPECT_FALSE(TtlDelete("bad", later).has_value());
  ASSERT_EQ(WriteErr(CreateReq("/t/child")), proto::OK);  // committed child
  EXPECT_FALSE(TtlDelete("/t", later).has_value());
  EXPECT_EQ(preparer_.overlay_size(), 0u);
}

TEST_F(TtlTest, PrepareTtlDeleteSeesPendingChanges) {
  const int64_t t = CreateTtl("/t", 100);
  const int64_t due = t + 101;
  ASSERT_THAT(tree_.ExpiredTtlNodes(due, kAll), ElementsAre("/t"));

  // A pending child create: not childless in the future state.
  Prepared child = PrepareOnly(CreateReq("/t/child"));
  ASSERT_TRUE(child.txn.has_value());
  EXPECT_FALSE(TtlDelete("/t", due).has_value());
  Commit(*child.txn);
  ASSERT_EQ(WriteErr(DeleteReq("/t/child")), proto::OK);
  ASSERT_THAT(tree_.ExpiredTtlNodes(due, kAll), ElementsAre("/t"));

  // A pending set_data: its (future) mtime restarts the TTL.
  preparer_.Reset();
  now_ = due + 1000;
  Prepared set = PrepareOnly(SetDataReq("/t", "x"));
  ASSERT_TRUE(set.txn.has_value());
  const int64_t future_mtime = set.txn->time_ms();
  EXPECT_THAT(tree_.ExpiredTtlNodes(future_mtime, kAll), ElementsAre("/t"));
  EXPECT_FALSE(TtlDelete("/t", future_mtime + 50).has_value());
  EXPECT_TRUE(TtlDelete("/t", future_mtime + 101).has_value());
  preparer_.Reset();

  // A pending delete and re-create as a plain node.
  Prepared recreate =
      PrepareOnly(MultiReq({DeleteReq("/t"), CreateReq("/t")}));
  ASSERT_TRUE(recreate.txn.has_value());
  EXPECT_FALSE(TtlDelete("/t", due + 10'000).has_value());
  preparer_.Reset();

  // A pending create of a TTL node is already a candidate of the future.
  Prepared fresh = PrepareOnly(
      CreateReq("/fresh", "", proto::PERSISTENT_WITH_TTL, OpenAcl(), 5));
  ASSERT_TRUE(fresh.txn.has_value());
  EXPECT_TRUE(TtlDelete("/fresh", fresh.txn->time_ms() + 6).has_value());
}

}  // namespace
}  // namespace canopy::tree
