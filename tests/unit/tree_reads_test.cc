// The reads of ZooKeeper 3.6+ on DataTree::Read: multiRead, getEphemerals
// and getAllChildrenNumber.
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

class ReadsTest : public TreeTest {
 protected:
  std::vector<std::string> Ephemerals(const std::string& prefix,
                                      SessionId session = kS1) {
    proto::Response r = Read(GetEphemeralsReq(prefix), session);
    EXPECT_EQ(r.err(), proto::OK);
    EXPECT_TRUE(r.has_get_ephemerals());
    return {r.get_ephemerals().paths().begin(),
            r.get_ephemerals().paths().end()};
  }

  // total, or -1 with the error in *err.
  int32_t AllChildren(const std::string& path, ErrorCode* err = nullptr,
                      const AuthIds& auth = {}) {
    proto::Response r = Read(GetAllChildrenNumberReq(path), kS1, auth);
    if (err != nullptr) *err = r.err();
    if (r.err() != proto::OK) {
      EXPECT_FALSE(r.has_get_all_children_number());
      return -1;
    }
    return r.get_all_children_number().total();
  }
};

// ---------------------------------------------------------------- multiRead

TEST_F(ReadsTest, MultiReadAnswersEachOpOnItsOwn) {
  ASSERT_EQ(WriteErr(CreateReq("/a", "data-a")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/a/x")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/a/y")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/secret", "s", proto::PERSISTENT,
                               {MakeAcl(proto::ALL, "ip", "10.1.1.1")})),
            proto::OK);
  proto::Response r = Read(MultiReadReq(
      {GetDataReq("/a"), GetChildrenReq("/missing"), GetChildrenReq("/a"),
       GetDataReq("/missing"), GetDataReq("bad"), GetDataReq("/secret"),
       GetDataReq("/a/x")}));
  EXPECT_EQ(r.err(), proto::OK);
  EXPECT_EQ(r.xid(), 11);
  EXPECT_EQ(r.zxid(), tree_.last_zxid());
  ASSERT_TRUE(r.has_multi_read());
  const auto& res = r.multi_read().results();
  ASSERT_EQ(res.size(), 7);
  EXPECT_EQ(res[0].err(), proto::OK);
  EXPECT_EQ(res[0].get_data().data(), "data-a");
  EXPECT_EQ(res[0].get_data().stat().num_children(), 2);
  EXPECT_EQ(res[1].err(), proto::NO_NODE);
  EXPECT_EQ(res[1].result_case(), proto::MultiReadResult::RESULT_NOT_SET);
  EXPECT_EQ(res[2].err(), proto::OK);
  EXPECT_THAT(res[2].get_children().children(), ElementsAre("x", "y"));
  EXPECT_EQ(res[3].err(), proto::NO_NODE);
  EXPECT_EQ(res[4].err(), proto::BAD_ARGUMENTS);
  EXPECT_EQ(res[5].err(), proto::NO_AUTH);
  EXPECT_EQ(res[5].result_case(), proto::MultiReadResult::RESULT_NOT_SET);
  EXPECT_EQ(res[6].err(), proto::OK);
  EXPECT_TRUE(res[6].has_get_data());
}

TEST_F(ReadsTest, MultiReadOpsUseTheCallersAuth) {
  ASSERT_EQ(WriteErr(CreateReq("/secret", "s", proto::PERSISTENT,
                               {MakeAcl(proto::ALL, "ip", "10.1.1.1")})),
            proto::OK);
  proto::Response r = Read(MultiReadReq({GetDataReq("/secret")}), kS1,
                           {MakeId("ip", "10.1.1.1")});
  ASSERT_EQ(r.multi_read().results_size(), 1);
  EXPECT_EQ(r.multi_read().results(0).err(), proto::OK);
  EXPECT_EQ(r.multi_read().results(0).get_data().data(), "s");
}

TEST_F(ReadsTest, MultiReadSetsAWatchOnlyWhereTheOpAsks) {
  ASSERT_EQ(WriteErr(CreateReq("/a")), proto::OK);
  // The Java client always sends watch=false: no watch.
  ASSERT_EQ(Read(MultiReadReq({GetDataReq("/a"), GetChildrenReq("/a")}), kS2)
                .err(),
            proto::OK);
  EXPECT_EQ(tree_.watches().size(), 0u);
  // ZooKeeper's server honours an op's own flag, as for a plain read; a
  // failed op sets none.
  ASSERT_EQ(Read(MultiReadReq({GetDataReq("/a", true),
                               GetChildrenReq("/missing", true)}),
                 kS2)
                .err(),
            proto::OK);
  EXPECT_TRUE(tree_.watches().Has("/a", WatchKind::kData, kS2));
  EXPECT_EQ(tree_.watches().size(), 1u);
}

TEST_F(ReadsTest, EmptyMultiReadAndEmptyOp) {
  proto::Response r = Read(MultiReadReq({}));
  EXPECT_EQ(r.err(), proto::OK);
  EXPECT_TRUE(r.has_multi_read());
  EXPECT_EQ(r.multi_read().results_size(), 0);
  proto::Request req = MultiReadReq({GetDataReq("/")});
  req.mutable_multi_read()->add_ops();  // no op set
  r = Read(req);
  ASSERT_EQ(r.multi_read().results_size(), 2);
  EXPECT_EQ(r.multi_read().results(0).err(), proto::OK);
  EXPECT_EQ(r.multi_read().results(1).err(), proto::BAD_ARGUMENTS);
}

// ------------------------------------------------------------ getEphemerals

TEST_F(ReadsTest, GetEphemeralsListsTheCallersByStringPrefix) {
  ASSERT_EQ(WriteErr(CreateReq("/app")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/other")), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/app/e2", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/app/e1", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/apple", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/other/e3", "", proto::EPHEMERAL)), proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/app/s2", "", proto::EPHEMERAL), kS2),
            proto::OK);
  ASSERT_EQ(WriteErr(CreateReq("/app/p")), proto::OK);  // not ephemeral

  // ZooKeeper matches the prefix as a string: "/app" takes "/apple" too.
  EXPECT_THAT(Ephemerals("/app"), ElementsAre("/app/e1", "/app/e2", "/apple"));
  EXPECT_THAT(Ephemerals("/app/"), ElementsAre("/app/e1", "/app/e2"));
  EXPECT_THAT(Ephemerals("/app/e1"), ElementsAre("/app/e1"));
  // "/" or blank: all of them, sorted.
  const auto all = ElementsAre("/app/e1", "/app/e2", "/apple", "/other/e3");
  EXPECT_THAT(Ephemerals("/"), all);
  EXPECT_THAT(Ephemerals(""), all);
  EXPECT_THAT(Ephemerals(" / "), all);
  EXPECT_THAT(Ephemerals("/", kS2), ElementsAre("/app/s2"));
  EXPECT_THAT(Ephemerals("/nothing"), IsEmpty());
  EXPECT_THAT(Ephemerals("/", 0x999), IsEmpty());  // owns none
}

// ----------------------------------------------------- getAllChildrenNumber

TEST_F(ReadsTest, GetAllChildrenNumberCountsEveryDescendant) {
  for (const char* path : {"/a", "/a/b", "/a/b/c", "/a/b/c/d", "/a/e", "/ab",
                           "/ab/x"}) {
    ASSERT_EQ(WriteErr(CreateReq(path)), proto::OK) << path;
  }
  EXPECT_EQ(AllChildren("/a"), 4);
  EXPECT_EQ(AllChildren("/a/b"), 2);
  EXPECT_EQ(AllChildren("/a/b/c/d"), 0);
  EXPECT_EQ(AllChildren("/ab"), 1);
  // "/": every node but the root, /zookeeper's included (as ZooKeeper).
  EXPECT_EQ(AllChildren("/"), static_cast<int32_t>(tree_.node_count() - 1));
  EXPECT_EQ(AllChildren("/"), 3 + 7);
  EXPECT_EQ(AllChildren("/zookeeper"), 2);
}

TEST_F(ReadsTest, GetAllChildrenNumberErrors) {
  ErrorCode err = proto::OK;
  EXPECT_EQ(AllChildren("/missing", &err), -1);
  EXPECT_EQ(err, proto::NO_NODE);
  EXPECT_EQ(AllChildren("no-slash", &err), -1);
  EXPECT_EQ(err, proto::BAD_ARGUMENTS);
  // READ on the node is needed, as ZooKeeper checks.
  ASSERT_EQ(WriteErr(CreateReq("/s", "", proto::PERSISTENT,
                               {MakeAcl(proto::WRITE, "world", "anyone"),
                                MakeAcl(proto::READ, "ip", "10.1.1.1")})),
            proto::OK);
  EXPECT_EQ(AllChildren("/s", &err), -1);
  EXPECT_EQ(err, proto::NO_AUTH);
  EXPECT_EQ(AllChildren("/s", &err, {MakeId("ip", "10.1.1.1")}), 0);
  EXPECT_EQ(err, proto::OK);
}

TEST_F(ReadsTest, OtherRequestsAreStillBadArgumentsForRead) {
  proto::Request r;
  r.set_xid(3);
  r.mutable_add_watch()->set_path("/a");
  EXPECT_EQ(Read(r).err(), proto::BAD_ARGUMENTS);
  EXPECT_EQ(Read(CreateReq("/a")).err(), proto::BAD_ARGUMENTS);
}

}  // namespace
}  // namespace canopy::tree
