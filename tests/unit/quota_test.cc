// Quotas (server/tree/quota.h): the StatsTrack text, usage kept on apply,
// hard limits refused by the Preparer against committed plus in-flight
// state, soft limits warned, nesting, multi, and a snapshot-style reload.
#include <gtest/gtest.h>

#include "common/stats_track.h"
#include "server/tree/quota.h"
#include "tests/unit/tree_test_util.h"

namespace canopy::tree::testing {
namespace {

TEST(StatsTrackTest, WritesZooKeepersText) {
  StatsTrack limits;
  limits.Set(StatsTrack::kCount, -1);
  limits.Set(StatsTrack::kBytes, -1);
  limits.Set(StatsTrack::kCountHardLimit, 10);
  limits.Set(StatsTrack::kByteHardLimit, -1);
  EXPECT_EQ(limits.ToString(),
            "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=10");
  StatsTrack usage;
  usage.Set(StatsTrack::kCount, 4);
  usage.Set(StatsTrack::kBytes, 17);
  EXPECT_EQ(usage.ToString(), "count=4,bytes=17");
  EXPECT_EQ(StatsTrack().ToString(), "count=-1,bytes=-1");
}

TEST(StatsTrackTest, ReadsOldNewAndDamagedText) {
  StatsTrack t = StatsTrack::Parse(
      "count=-1,bytes=-1=;byteHardLimit=100;countHardLimit=10");
  EXPECT_EQ(t.count(), -1);
  EXPECT_EQ(t.bytes(), -1);
  EXPECT_EQ(t.byte_hard_limit(), 100);
  EXPECT_EQ(t.count_hard_limit(), 10);
  StatsTrack old = StatsTrack::Parse("count=5,bytes=20");  // ZooKeeper 3.4
  EXPECT_EQ(old.count(), 5);
  EXPECT_EQ(old.bytes(), 20);
  EXPECT_EQ(old.count_hard_limit(), -1);
  StatsTrack bad = StatsTrack::Parse("count=x,,bytes=,=3;junk;countHardLimit=2");
  EXPECT_EQ(bad.count(), -1);
  EXPECT_EQ(bad.bytes(), -1);
  EXPECT_EQ(bad.count_hard_limit(), 2);
  EXPECT_EQ(StatsTrack::Parse("").count(), -1);
}

TEST(QuotaPathTest, RootsOfQuotaZnodes) {
  EXPECT_EQ(QuotaRootOfLimits("/zookeeper/quota/a/b/zookeeper_limits"), "/a/b");
  EXPECT_EQ(QuotaRootOfStats("/zookeeper/quota/a/zookeeper_stats"), "/a");
  EXPECT_EQ(QuotaRootOfLimits("/zookeeper/quota/a/zookeeper_stats"),
            std::nullopt);
  EXPECT_EQ(QuotaRootOfLimits("/zookeeper/quota/zookeeper_limits"),
            std::nullopt);  // "/" holds no quota
  EXPECT_EQ(QuotaRootOfLimits("/zookeeper/quota/zookeeper/zookeeper_limits"),
            std::nullopt);
  EXPECT_EQ(QuotaRootOfLimits("/a/zookeeper_limits"), std::nullopt);
  EXPECT_EQ(QuotaStatsPath("/a"), "/zookeeper/quota/a/zookeeper_stats");
  EXPECT_TRUE(IsUnderQuotaDir("/zookeeper/quota/a"));
  EXPECT_FALSE(IsUnderQuotaDir("/zookeeper/quota"));
  EXPECT_FALSE(IsUnderQuotaDir("/zookeeper/quotas"));
  EXPECT_TRUE(CountsTowardQuota("/a"));
  EXPECT_FALSE(CountsTowardQuota("/zookeeper/quota/a"));
}

class QuotaTest : public TreeTest {
 protected:
  // Sets a quota on root the way zkCli does: the directories, the limits,
  // then a zeroed stats node.
  void SetQuota(const std::string& root, const std::string& limits) {
    for (size_t slash = root.find('/', 1);; slash = root.find('/', slash + 1)) {
      const std::string dir =
          "/zookeeper/quota" +
          (slash == std::string::npos ? root : root.substr(0, slash));
      const ErrorCode err = WriteErr(CreateReq(dir));
      ASSERT_TRUE(err == proto::OK || err == proto::NODE_EXISTS) << dir;
      if (slash == std::string::npos) break;
    }
    const std::string dir = "/zookeeper/quota" + root;
    ASSERT_EQ(WriteErr(CreateReq(dir + "/zookeeper_limits", limits)),
              proto::OK);
    ASSERT_EQ(WriteErr(CreateReq(dir + "/zookeeper_stats", "count=0,bytes=0")),
              proto::OK);
  }

  std::string StatsData(const std::string& root) {
    const Node* node = tree_.Find(QuotaStatsPath(root));
    EXPECT_NE(node, nullptr) << root;
    return node ? node->data.str() : "";
  }

  QuotaUsage Usage(const std::string& root) {
    const Quota* quota = tree_.quotas().Find(root);
    EXPECT_NE(quota, nullptr) << root;
    return quota ? quota->usage : QuotaUsage{};
  }
};

TEST_F(QuotaTest, StatsCountTheSubtreeWhenSetAndFollowEveryChange) {
  ASSERT_EQ(WriteErr(CreateReq("/a", "12345")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/a/b", "xy")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/ab", "not below /a")), proto::OK);
  SetQuota("/a", "count=100,bytes=-1");
  EXPECT_EQ(StatsData("/a"), "count=2,bytes=7");
  ASSERT_EQ(WriteErr(CreateReq("/a/b/c", "abc")), proto::OK);
  EXPECT_EQ(StatsData("/a"), "count=3,bytes=10");
  ASSERT_EQ(WriteErr(SetDataReq("/a", "1")), proto::OK);
  EXPECT_EQ(StatsData("/a"), "count=3,bytes=6");
  ASSERT_EQ(WriteErr(DeleteReq("/a/b/c")), proto::OK);
  EXPECT_EQ(StatsData("/a"), "count=2,bytes=3");
  // The stats znode is the server's: a client's write is overwritten.
  ASSERT_EQ(WriteErr(SetDataReq(QuotaStatsPath("/a"), "count=0,bytes=0")),
            proto::OK);
  EXPECT_EQ(StatsData("/a"), "count=2,bytes=3");
  EXPECT_EQ(StatOf(QuotaStatsPath("/a")).data_length(), 15);
  // Ephemerals count, and their session's close takes them off.
  ASSERT_EQ(WriteErr(CreateReq("/a/e", "eph", proto::EPHEMERAL), kS2),
            proto::OK);
  EXPECT_EQ(StatsData("/a"), "count=3,bytes=6");
  CloseSession(kS2);
  EXPECT_EQ(StatsData("/a"), "count=2,bytes=3");
}

TEST_F(QuotaTest, HardCountLimitRefusesTheCreateThatGoesOver) {
  ASSERT_EQ(WriteErr(CreateReq("/q")), proto::OK);
  SetQuota("/q", "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3");
  ASSERT_EQ(WriteErr(CreateReq("/q/1")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/q/2")), proto::OK);  // count 3 = the limit
  WriteResult refused = Write(CreateReq("/q/3"));
  EXPECT_EQ(refused.err(), proto::QUOTA_EXCEEDED);
  EXPECT_FALSE(refused.txn.has_value());
  EXPECT_FALSE(Exists("/q/3"));
  EXPECT_EQ(StatsData("/q"), "count=3,bytes=0");
  // Sequential creates and creates deeper down count too.
  EXPECT_EQ(WriteErr(CreateReq("/q/1/x-", "", proto::PERSISTENT_SEQUENTIAL)),
            proto::QUOTA_EXCEEDED);
  // Data changes do not add nodes; a delete makes room.
  EXPECT_EQ(WriteErr(SetDataReq("/q/1", "data")), proto::OK);
  ASSERT_EQ(WriteErr(DeleteReq("/q/2")), proto::OK);
  EXPECT_EQ(WriteErr(CreateReq("/q/3")), proto::OK);
  // Outside the subtree nothing is limited.
  EXPECT_EQ(WriteErr(CreateReq("/q2")), proto::OK);
}

TEST_F(QuotaTest, HardByteLimitRefusesCreatesAndGrowingSetData) {
  ASSERT_EQ(WriteErr(CreateReq("/b", "1234")), proto::OK);
  SetQuota("/b", "count=-1,bytes=-1=;byteHardLimit=10");
  EXPECT_EQ(WriteErr(CreateReq("/b/x", "1234567")), proto::QUOTA_EXCEEDED);
  ASSERT_EQ(WriteErr(CreateReq("/b/x", "123456")), proto::OK);  // 10 bytes
  EXPECT_EQ(WriteErr(SetDataReq("/b/x", "1234567")), proto::QUOTA_EXCEEDED);
  EXPECT_EQ(tree_.Find("/b/x")->data, "123456");
  EXPECT_EQ(WriteErr(SetDataReq("/b/x", "12")), proto::OK);  // shrinking
  EXPECT_EQ(WriteErr(SetDataReq("/b", "12345678")), proto::OK);  // 10 again
  // An empty node adds no bytes: the byte limit does not stop it.
  EXPECT_EQ(WriteErr(CreateReq("/b/empty")), proto::OK);
  EXPECT_EQ(StatsData("/b"), "count=3,bytes=10");
}

TEST_F(QuotaTest, SoftLimitsOnlyWarn) {
  ASSERT_EQ(WriteErr(CreateReq("/s")), proto::OK);
  SetQuota("/s", "count=2,bytes=3");
  Prepared fits = PrepareOnly(CreateReq("/s/a", "xyz"));
  ASSERT_TRUE(fits.txn.has_value());
  EXPECT_TRUE(fits.warnings.empty());
  Commit(*fits.txn);
  Prepared over = PrepareOnly(CreateReq("/s/b", "x"));
  ASSERT_TRUE(over.txn.has_value());  // allowed
  ASSERT_FALSE(over.warnings.empty());
  EXPECT_NE(over.warnings[0].find("/s"), std::string::npos);
  EXPECT_NE(over.warnings[0].find("soft"), std::string::npos);
  Commit(*over.txn);
  EXPECT_EQ(StatsData("/s"), "count=3,bytes=4");
  // A refusal by a hard limit carries its line for the log too.
  ASSERT_EQ(WriteErr(SetDataReq(
                "/zookeeper/quota/s/zookeeper_limits",
                "count=2,bytes=3=;countHardLimit=3")),
            proto::OK);
  Prepared refused = PrepareOnly(CreateReq("/s/c"));
  EXPECT_FALSE(refused.txn.has_value());
  EXPECT_EQ(refused.error_response.err(), proto::QUOTA_EXCEEDED);
  ASSERT_FALSE(refused.warnings.empty());
  EXPECT_NE(refused.warnings.back().find("refused"), std::string::npos);
}

TEST_F(QuotaTest, InFlightWritesCountBeforeTheyApply) {
  ASSERT_EQ(WriteErr(CreateReq("/f")), proto::OK);
  SetQuota("/f", "count=-1,bytes=-1=;byteHardLimit=8;countHardLimit=3");
  // Two creates fit; both are prepared before either applies.
  Prepared one = PrepareOnly(CreateReq("/f/1", "1234"));
  Prepared two = PrepareOnly(CreateReq("/f/2", "1234"));
  ASSERT_TRUE(one.txn && two.txn);
  EXPECT_EQ(PrepareOnly(CreateReq("/f/3")).error_response.err(),
            proto::QUOTA_EXCEEDED);
  EXPECT_EQ(PrepareOnly(SetDataReq("/f", "x")).error_response.err(),
            proto::QUOTA_EXCEEDED);  // bytes: 8 pending + 1
  // A pending delete frees its room for the next request.
  Prepared del = PrepareOnly(DeleteReq("/f/1"));
  ASSERT_TRUE(del.txn.has_value());
  Prepared three = PrepareOnly(CreateReq("/f/3", "12"));
  ASSERT_TRUE(three.txn.has_value());
  for (const Prepared* p : {&one, &two, &del, &three}) Commit(*p->txn);
  EXPECT_EQ(StatsData("/f"), "count=3,bytes=6");
  EXPECT_EQ(preparer_.overlay_size(), 0u);
  EXPECT_EQ(WriteErr(CreateReq("/f/4")), proto::QUOTA_EXCEEDED);
}

TEST_F(QuotaTest, ResetForgetsInFlightUsage) {
  ASSERT_EQ(WriteErr(CreateReq("/r")), proto::OK);
  SetQuota("/r", "countHardLimit=2");
  ASSERT_TRUE(PrepareOnly(CreateReq("/r/1")).txn.has_value());
  EXPECT_EQ(PrepareOnly(CreateReq("/r/2")).error_response.err(),
            proto::QUOTA_EXCEEDED);
  preparer_.Reset();  // the in-flight create was abandoned
  next_zxid_ -= 1;
  EXPECT_EQ(WriteErr(CreateReq("/r/2")), proto::OK);
}

TEST_F(QuotaTest, NestedQuotasEachCountAndEachEnforce) {
  ASSERT_EQ(WriteErr(CreateReq("/n")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/n/inner")), proto::OK);
  SetQuota("/n", "countHardLimit=5");
  SetQuota("/n/inner", "countHardLimit=2");
  EXPECT_EQ(StatsData("/n"), "count=2,bytes=0");
  EXPECT_EQ(StatsData("/n/inner"), "count=1,bytes=0");
  ASSERT_EQ(WriteErr(CreateReq("/n/inner/a")), proto::OK);
  EXPECT_EQ(StatsData("/n"), "count=3,bytes=0");
  EXPECT_EQ(StatsData("/n/inner"), "count=2,bytes=0");
  // The inner quota refuses although the outer has room.
  EXPECT_EQ(WriteErr(CreateReq("/n/inner/b")), proto::QUOTA_EXCEEDED);
  ASSERT_EQ(WriteErr(CreateReq("/n/other1")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/n/other2")), proto::OK);
  EXPECT_EQ(StatsData("/n"), "count=5,bytes=0");
  EXPECT_EQ(StatsData("/n/inner"), "count=2,bytes=0");
  // Now the outer one refuses, below the inner quota too.
  EXPECT_EQ(WriteErr(CreateReq("/n/other3")), proto::QUOTA_EXCEEDED);
  ASSERT_EQ(WriteErr(DeleteReq("/n/inner/a")), proto::OK);
  EXPECT_EQ(WriteErr(CreateReq("/n/other3")), proto::OK);
  EXPECT_EQ(WriteErr(CreateReq("/n/inner/b")), proto::QUOTA_EXCEEDED);
}

TEST_F(QuotaTest, AMultiThatWouldGoOverFailsAsAWhole) {
  ASSERT_EQ(WriteErr(CreateReq("/m")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/m/old", "1234")), proto::OK);
  SetQuota("/m", "count=-1,bytes=-1=;byteHardLimit=10;countHardLimit=4");
  WriteResult over = Write(MultiReq(
      {CreateReq("/m/1"), CreateReq("/m/2"), CreateReq("/m/3")}));
  EXPECT_EQ(over.err(), proto::QUOTA_EXCEEDED);
  ASSERT_EQ(over.response.multi().results_size(), 3);
  EXPECT_EQ(over.response.multi().results(0).err(), proto::OK);
  EXPECT_EQ(over.response.multi().results(1).err(), proto::OK);
  EXPECT_EQ(over.response.multi().results(2).err(), proto::QUOTA_EXCEEDED);
  EXPECT_FALSE(Exists("/m/1"));
  EXPECT_EQ(StatsData("/m"), "count=2,bytes=4");
  // Deleting first makes room within the same multi.
  EXPECT_EQ(WriteErr(MultiReq({DeleteReq("/m/old"), CreateReq("/m/1"),
                               CreateReq("/m/2"), CreateReq("/m/3")})),
            proto::OK);
  EXPECT_EQ(StatsData("/m"), "count=4,bytes=0");
  // Bytes across ops of one multi add up.
  EXPECT_EQ(WriteErr(MultiReq({SetDataReq("/m/1", "123456"),
                               SetDataReq("/m/2", "12345")})),
            proto::QUOTA_EXCEEDED);
  EXPECT_EQ(WriteErr(MultiReq({SetDataReq("/m/1", "123456"),
                               SetDataReq("/m/2", "1234")})),
            proto::OK);
}

TEST_F(QuotaTest, DeletingTheLimitsEndsTheQuota) {
  ASSERT_EQ(WriteErr(CreateReq("/d")), proto::OK);
  SetQuota("/d", "countHardLimit=1");
  EXPECT_EQ(WriteErr(CreateReq("/d/x")), proto::QUOTA_EXCEEDED);
  ASSERT_EQ(WriteErr(DeleteReq("/zookeeper/quota/d/zookeeper_limits")),
            proto::OK);
  EXPECT_EQ(tree_.quotas().Find("/d"), nullptr);
  EXPECT_EQ(WriteErr(CreateReq("/d/x")), proto::OK);
  ASSERT_EQ(WriteErr(DeleteReq("/zookeeper/quota/d/zookeeper_stats")),
            proto::OK);
  EXPECT_EQ(WriteErr(DeleteReq("/zookeeper/quota/d")), proto::OK);
  // Raising a limit by setData takes effect at once.
  SetQuota("/d", "countHardLimit=2");
  EXPECT_EQ(WriteErr(CreateReq("/d/y")), proto::QUOTA_EXCEEDED);
  ASSERT_EQ(WriteErr(SetDataReq("/zookeeper/quota/d/zookeeper_limits",
                                "countHardLimit=3")),
            proto::OK);
  EXPECT_EQ(WriteErr(CreateReq("/d/y")), proto::OK);
}

TEST_F(QuotaTest, OnlyTheQuotaDirIsWritableUnderZookeeper) {
  EXPECT_EQ(WriteErr(CreateReq("/zookeeper/x")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(SetDataReq("/zookeeper/config", "x")),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(DeleteReq("/zookeeper/quota")), proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(SetDataReq("/zookeeper/quota", "x")),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(WriteErr(CreateReq("/zookeeper/quota/x")), proto::OK);
  EXPECT_EQ(WriteErr(SetDataReq("/zookeeper/quota/x", "y")), proto::OK);
  EXPECT_EQ(WriteErr(DeleteReq("/zookeeper/quota/x")), proto::OK);
  // A quota on a path that does not exist yet counts from its creation.
  SetQuota("/later", "countHardLimit=1");
  EXPECT_EQ(StatsData("/later"), "count=0,bytes=0");
  ASSERT_EQ(WriteErr(CreateReq("/later", "ab")), proto::OK);
  EXPECT_EQ(StatsData("/later"), "count=1,bytes=2");
  EXPECT_EQ(WriteErr(CreateReq("/later/x")), proto::QUOTA_EXCEEDED);
}

TEST_F(QuotaTest, AReloadedTreeHasTheSameQuotasStatsAndDigest) {
  ASSERT_EQ(WriteErr(CreateReq("/l", "abc")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/l/k", "de")), proto::OK);
  SetQuota("/l", "bytes=100;countHardLimit=3");
  SetQuota("/l/k", "countHardLimit=1");
  ASSERT_EQ(WriteErr(CreateReq("/l/j", "fgh")), proto::OK);
  // What a snapshot carries: the nodes, parents first.
  DataTree loaded;
  loaded.Clear();
  tree_.ForEachNode([&](const std::string& path, const Node& node) {
    proto::SnapshotNode out;
    out.set_path(path);
    out.set_data(node.data.str());
    for (const proto::Acl& a : *node.acl) *out.add_acl() = a;
    node.stat.ToProto(out.mutable_stat());
    ASSERT_TRUE(loaded.InsertLoaded(out)) << path;
  });
  for (const auto& [id, info] : tree_.sessions()) {
    proto::SnapshotSession s;
    s.set_session_id(id);
    s.set_timeout_ms(info.timeout_ms);
    s.set_password(info.password);
    loaded.InsertLoadedSession(s);
  }
  loaded.FinishLoad(tree_.last_zxid());
  ASSERT_EQ(loaded.quotas().size(), 2u);
  EXPECT_EQ(loaded.quotas().Find("/l")->usage.count, 3);
  EXPECT_EQ(loaded.quotas().Find("/l")->usage.bytes, 8);
  EXPECT_EQ(loaded.quotas().Find("/l")->limits.count_hard, 3);
  EXPECT_EQ(loaded.quotas().Find("/l")->limits.bytes, 100);
  EXPECT_EQ(loaded.quotas().Find("/l/k")->usage.count, 1);
  EXPECT_EQ(loaded.Find(QuotaStatsPath("/l"))->data, StatsData("/l"));
  EXPECT_EQ(loaded.Digest(), tree_.Digest());
  EXPECT_EQ(tree_.Digest(), tree_.RecomputeDigest());
  // And it enforces them.
  Preparer preparer(loaded);
  Prepared refused =
      preparer.Prepare(kS1, {}, CreateReq("/l/i"), loaded.last_zxid() + 1, 1);
  EXPECT_EQ(refused.error_response.err(), proto::QUOTA_EXCEEDED);
}

}  // namespace
}  // namespace canopy::tree::testing
