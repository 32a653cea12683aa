// The client's pure parts: connect strings, chroot, the watch table, the
// pending table and the conversion of answers.
#include <gtest/gtest.h>

#include "client/chroot.h"
#include "client/connect_string.h"
#include "client/pending_table.h"
#include "client/response_convert.h"
#include "client/watch_table.h"

namespace canopy::client_internal {
namespace {

TEST(ConnectStringTest, HostsPortsAndChroot) {
  Result<ConnectString> c =
      ParseConnectString("h1:2182, h2 ,[::1]:3000,10.0.0.1/app/x");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->hosts.size(), 4u);
  EXPECT_EQ(c->hosts[0], (HostPort{"h1", 2182}));
  EXPECT_EQ(c->hosts[1], (HostPort{"h2", 2181}));
  EXPECT_EQ(c->hosts[2], (HostPort{"::1", 3000}));
  EXPECT_EQ(c->hosts[3], (HostPort{"10.0.0.1", 2181}));
  EXPECT_EQ(c->chroot, "/app/x");
  EXPECT_EQ(c->hosts[2].ToString(), "[::1]:3000");
}

TEST(ConnectStringTest, RootChrootIsNone) {
  Result<ConnectString> c = ParseConnectString("h:1/");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->chroot, "");
}

TEST(ConnectStringTest, Malformed) {
  for (const char* bad : {"", "/app", "h:", "h:0", "h:70000", "h:x", "[::1",
                          "h:1/app/", "h:1/a//b", ":2181"}) {
    Result<ConnectString> c = ParseConnectString(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), proto::BAD_ARGUMENTS) << bad;
    }
  }
}

TEST(ChrootTest, AddAndStrip) {
  EXPECT_EQ(AddChroot("", "/a"), "/a");
  EXPECT_EQ(AddChroot("/app", "/"), "/app");
  EXPECT_EQ(AddChroot("/app", "/a/b"), "/app/a/b");
  EXPECT_EQ(StripChroot("/app", "/app"), "/");
  EXPECT_EQ(StripChroot("/app", "/app/a"), "/a");
  EXPECT_EQ(StripChroot("/app", "/apple"), "/apple");
  EXPECT_EQ(StripChroot("", "/a"), "/a");
}

TEST(ChrootTest, CheckPath) {
  EXPECT_TRUE(CheckPath("/").ok());
  EXPECT_TRUE(CheckPath("/a/b").ok());
  EXPECT_FALSE(CheckPath("").ok());
  EXPECT_FALSE(CheckPath("a").ok());
  EXPECT_FALSE(CheckPath("/a/").ok());
  EXPECT_TRUE(CheckPath("/a/", /*sequential=*/true).ok());
  EXPECT_FALSE(CheckPath("/a//b").ok());
}

TEST(ChrootTest, PrepareRequestRewritesMultiOps) {
  proto::Request r;
  r.mutable_multi()->add_ops()->mutable_create()->set_path("/x");
  r.mutable_multi()->add_ops()->mutable_check()->set_path("/");
  ASSERT_TRUE(PrepareRequest("/app", &r).ok());
  EXPECT_EQ(r.multi().ops(0).create().path(), "/app/x");
  EXPECT_EQ(r.multi().ops(1).check().path(), "/app");
  proto::Request bad;
  bad.mutable_get_data()->set_path("nope");
  EXPECT_EQ(PrepareRequest("/app", &bad).code(), proto::BAD_ARGUMENTS);
}

TEST(ChrootTest, NewerOpsArePrefixedAndStripped) {
  proto::Request w;
  w.mutable_set_watches()->add_data_watches("/a");
  w.mutable_set_watches()->add_child_watches("/");
  ASSERT_TRUE(PrepareRequest("/app", &w).ok());
  EXPECT_EQ(w.set_watches().data_watches(0), "/app/a");
  EXPECT_EQ(w.set_watches().child_watches(0), "/app");
  proto::Request reads;
  reads.mutable_multi_read()->add_ops()->mutable_get_children()->set_path("/b");
  ASSERT_TRUE(PrepareRequest("/app", &reads).ok());
  EXPECT_EQ(reads.multi_read().ops(0).get_children().path(), "/app/b");
  proto::Request eph;
  eph.mutable_get_ephemerals()->set_prefix("/job-");
  ASSERT_TRUE(PrepareRequest("/app", &eph).ok());
  EXPECT_EQ(eph.get_ephemerals().prefix(), "/app/job-");
  proto::Response answer;
  answer.mutable_get_ephemerals()->add_paths("/app/job-1");
  StripResponse("/app", &answer);
  EXPECT_EQ(answer.get_ephemerals().paths(0), "/job-1");
}

proto::WatchEvent Event(proto::EventType type, const std::string& path) {
  proto::WatchEvent e;
  e.set_type(type);
  e.set_path(path);
  return e;
}

TEST(WatchTableTest, EventKindsFireTheRightWatchers) {
  WatchTable t;
  std::vector<std::string> fired;
  auto w = [&fired](std::string name) {
    return [&fired, name](const proto::WatchEvent&) { fired.push_back(name); };
  };
  t.Add(WatchKind::kChild, "/a", w("child"));
  t.Add(WatchKind::kData, "/a", w("data"));
  t.Add(WatchKind::kExists, "/b", w("exists"));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_TRUE(t.Take(Event(proto::NODE_CREATED, "/a/x")).empty());
  EXPECT_TRUE(t.Take(Event(proto::NODE_CHILDREN_CHANGED, "/b")).empty());
  for (auto& f : t.Take(Event(proto::NODE_DATA_CHANGED, "/a"))) f({});
  EXPECT_EQ(fired, (std::vector<std::string>{"data"}));
  for (auto& f : t.Take(Event(proto::NODE_DELETED, "/a"))) f({});
  EXPECT_EQ(fired, (std::vector<std::string>{"data", "child"}));
  for (auto& f : t.Take(Event(proto::NODE_CREATED, "/b"))) f({});
  EXPECT_EQ(fired, (std::vector<std::string>{"data", "child", "exists"}));
  EXPECT_EQ(t.size(), 0u);
}

TEST(WatchTableTest, KindForAnswer) {
  proto::Request exists;
  exists.mutable_exists();
  EXPECT_EQ(WatchKindFor(exists, proto::OK), WatchKind::kData);
  EXPECT_EQ(WatchKindFor(exists, proto::NO_NODE), WatchKind::kExists);
  proto::Request get;
  get.mutable_get_data();
  EXPECT_EQ(WatchKindFor(get, proto::NO_NODE), std::nullopt);
  proto::Request children;
  children.mutable_get_children();
  EXPECT_EQ(WatchKindFor(children, proto::OK), WatchKind::kChild);
}

TEST(PendingTableTest, TakeByXidAndByDeadline) {
  PendingTable t;
  const Clock::time_point now = Clock::now();
  for (int i = 1; i <= 3; ++i) {
    PendingRequest p;
    p.xid = i;
    p.deadline = now + std::chrono::milliseconds(i * 10);
    t.Push(std::move(p));
  }
  EXPECT_FALSE(t.Take(9));
  ASSERT_TRUE(t.Take(2));
  EXPECT_TRUE(t.TakeExpired(now).empty());
  EXPECT_EQ(t.size(), 2u);
  std::vector<PendingRequest> expired =
      t.TakeExpired(now + std::chrono::milliseconds(15));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].xid, 1);
  EXPECT_EQ(t.TakeAll().size(), 1u);
  EXPECT_TRUE(t.empty());
}

TEST(ResponseConvertTest, ErrorsCarryThePath) {
  proto::Response r;
  r.set_err(proto::NO_NODE);
  EXPECT_EQ(ToData(r, "/a").status().ToString(), "NoNode: /a");
  Result<std::optional<proto::Stat>> e = ToExists(r, "/a");
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_value());
}

TEST(ResponseConvertTest, MissingBodyIsDefaultsButWrongBodyIsAnError) {
  proto::Response empty_ok;
  EXPECT_EQ(ToCreated(empty_ok, "/a").status().code(),
            proto::MARSHALLING_ERROR);
  Result<std::vector<std::string>> children = ToChildren(empty_ok, "/a", nullptr);
  ASSERT_TRUE(children.ok());
  EXPECT_TRUE(children->empty());
  proto::Response wrong;
  wrong.mutable_get_data()->set_data("x");
  EXPECT_EQ(ToStat(wrong, "/a").status().code(), proto::MARSHALLING_ERROR);
}

}  // namespace
}  // namespace canopy::client_internal
