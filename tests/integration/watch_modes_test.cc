// Persistent and recursive watches, setWatches catch-up, watch removal,
// TTL nodes and whoAmI against a real server, over the native protocol.
#include <gtest/gtest.h>

#include "tests/integration/server_process.h"

namespace canopy::testing {
namespace {

class WatchModesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()));
    ASSERT_NE(server_, nullptr);
  }
  std::unique_ptr<RawClient> Connect() {
    auto c = RawClient::Open(server_->port());
    if (!c) return nullptr;
    auto hs = c->Handshake();
    if (!hs || hs->err() != proto::OK) return nullptr;
    session_ = *hs;
    return c;
  }
  static proto::Request AddWatch(const std::string& path,
                                 proto::AddWatchMode mode) {
    proto::Request r;
    r.mutable_add_watch()->set_path(path);
    r.mutable_add_watch()->set_mode(mode);
    return r;
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  proto::ConnectResponse session_;
};

TEST_F(WatchModesTest, PersistentWatchFiresEveryTime) {
  auto c = Connect();
  auto w = Connect();
  ASSERT_TRUE(c && w);
  ASSERT_EQ(c->Call(CreateReq("/p", "0")).err(), proto::OK);
  ASSERT_EQ(w->Call(AddWatch("/p", proto::PERSISTENT_WATCH)).err(),
            proto::OK);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(c->Call(SetReq("/p", std::to_string(i))).err(), proto::OK);
  }
  ASSERT_EQ(c->Call(CreateReq("/p/child", "")).err(), proto::OK);
  std::vector<proto::EventType> types;
  for (int i = 0; i < 4; ++i) {
    auto e = w->NextEvent();
    ASSERT_TRUE(e.has_value()) << "event " << i;
    types.push_back(e->type());
  }
  EXPECT_EQ(types, (std::vector<proto::EventType>{
                       proto::NODE_DATA_CHANGED, proto::NODE_DATA_CHANGED,
                       proto::NODE_DATA_CHANGED,
                       proto::NODE_CHILDREN_CHANGED}));
}

TEST_F(WatchModesTest, RecursiveWatchSeesTheWholeSubtree) {
  auto c = Connect();
  auto w = Connect();
  ASSERT_TRUE(c && w);
  ASSERT_EQ(c->Call(CreateReq("/r", "")).err(), proto::OK);
  ASSERT_EQ(w->Call(AddWatch("/r", proto::PERSISTENT_RECURSIVE_WATCH)).err(),
            proto::OK);
  ASSERT_EQ(c->Call(CreateReq("/r/a", "")).err(), proto::OK);
  ASSERT_EQ(c->Call(CreateReq("/r/a/b", "")).err(), proto::OK);
  ASSERT_EQ(c->Call(SetReq("/r/a/b", "x")).err(), proto::OK);
  ASSERT_EQ(c->Call(DeleteReq("/r/a/b")).err(), proto::OK);
  std::vector<std::pair<proto::EventType, std::string>> seen;
  for (int i = 0; i < 4; ++i) {
    auto e = w->NextEvent();
    ASSERT_TRUE(e.has_value());
    seen.emplace_back(e->type(), e->path());
  }
  EXPECT_EQ(seen[0], std::make_pair(proto::NODE_CREATED, std::string("/r/a")));
  EXPECT_EQ(seen[1],
            std::make_pair(proto::NODE_CREATED, std::string("/r/a/b")));
  EXPECT_EQ(seen[2],
            std::make_pair(proto::NODE_DATA_CHANGED, std::string("/r/a/b")));
  EXPECT_EQ(seen[3],
            std::make_pair(proto::NODE_DELETED, std::string("/r/a/b")));
}

TEST_F(WatchModesTest, RemoveWatchesThenCheckSaysNoWatcher) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->Call(CreateReq("/rw", "")).err(), proto::OK);
  ASSERT_EQ(c->Call(GetReq("/rw", true)).err(), proto::OK);
  proto::Request check;
  check.mutable_remove_watches()->set_path("/rw");
  check.mutable_remove_watches()->set_type(proto::WATCHER_DATA);
  check.mutable_remove_watches()->set_remove(false);
  EXPECT_EQ(c->Call(check).err(), proto::OK);
  proto::Request remove = check;
  remove.mutable_remove_watches()->set_remove(true);
  EXPECT_EQ(c->Call(remove).err(), proto::OK);
  EXPECT_EQ(c->Call(check).err(), proto::NO_WATCHER);
  ASSERT_EQ(c->Call(SetReq("/rw", "x")).err(), proto::OK);
  ASSERT_EQ(c->Call(PingReq()).err(), proto::OK);
  EXPECT_TRUE(c->events().empty()) << "a removed watch must not fire";
}

TEST_F(WatchModesTest, SetWatchesFiresWhatWasMissed) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->Call(CreateReq("/sw", "0")).err(), proto::OK);
  auto seen = c->Call(GetReq("/sw"));
  const int64_t seen_zxid = seen.zxid();
  ASSERT_EQ(c->Call(SetReq("/sw", "1")).err(), proto::OK);
  // As a client that reconnects with the zxid it had seen before the set.
  proto::Request set_watches;
  auto* sw = set_watches.mutable_set_watches();
  sw->set_relative_zxid(seen_zxid);
  sw->add_data_watches("/sw");
  sw->add_exist_watches("/not-yet");
  ASSERT_EQ(c->Call(set_watches).err(), proto::OK);
  ASSERT_EQ(c->events().size(), 1u);
  EXPECT_EQ(c->events()[0].type(), proto::NODE_DATA_CHANGED);
  c->events().clear();
  ASSERT_EQ(c->Call(CreateReq("/not-yet", "")).err(), proto::OK);
  auto e = c->NextEvent();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type(), proto::NODE_CREATED);
}

TEST_F(WatchModesTest, TtlNodeIsRemovedAfterItsTtl) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  auto create = CreateReq("/ttl", "", proto::PERSISTENT_WITH_TTL);
  create.mutable_create()->set_ttl_ms(300);
  ASSERT_EQ(c->Call(create).err(), proto::OK);
  ASSERT_EQ(c->Call(ExistsReq("/ttl", true)).err(), proto::OK);
  auto e = c->NextEvent(std::chrono::seconds(15));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->type(), proto::NODE_DELETED);
  EXPECT_EQ(c->Call(ExistsReq("/ttl")).err(), proto::NO_NODE);
}

TEST_F(WatchModesTest, WhoAmIListsTheConnectionsIdentities) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  proto::Request auth;
  auth.mutable_auth()->set_scheme("digest");
  auth.mutable_auth()->set_auth("ann:pw");
  ASSERT_EQ(c->Call(auth).err(), proto::OK);
  proto::Request who;
  who.mutable_who_am_i();
  auto r = c->Call(who);
  ASSERT_EQ(r.err(), proto::OK);
  bool ip = false, digest = false;
  for (const auto& info : r.who_am_i().client_info()) {
    ip |= info.auth_scheme() == "ip" && info.user() == "127.0.0.1";
    digest |= info.auth_scheme() == "digest" &&
              info.user().rfind("ann:", 0) == 0;
  }
  EXPECT_TRUE(ip);
  EXPECT_TRUE(digest);
}

TEST_F(WatchModesTest, EventsSkipSessionsThatCannotReadTheNode) {
  auto owner = Connect();
  auto stranger = Connect();
  ASSERT_TRUE(owner && stranger);
  ASSERT_EQ(stranger->Call(AddWatch("/", proto::PERSISTENT_RECURSIVE_WATCH))
                .err(),
            proto::OK);
  proto::Request auth;
  auth.mutable_auth()->set_scheme("digest");
  auth.mutable_auth()->set_auth("own:pw");
  ASSERT_EQ(owner->Call(auth).err(), proto::OK);
  auto secret = CreateReq("/secret", "s");
  auto* acl = secret.mutable_create()->mutable_acl(0);
  acl->mutable_id()->set_scheme("auth");
  acl->mutable_id()->set_id("");
  ASSERT_EQ(owner->Call(secret).err(), proto::OK);
  ASSERT_EQ(owner->Call(CreateReq("/public", "p")).err(), proto::OK);
  auto e = stranger->NextEvent();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->path(), "/public") << "no event about the unreadable node";
}

}  // namespace
}  // namespace canopy::testing
