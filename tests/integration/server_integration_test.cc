// A real canopy-server process, driven over the native protocol.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/server_process.h"

namespace canopy::testing {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()));
    ASSERT_NE(server_, nullptr) << "server did not start";
  }

  std::unique_ptr<RawClient> Connect(int32_t timeout_ms = 4000) {
    auto client = RawClient::Open(server_->port());
    EXPECT_NE(client, nullptr);
    if (!client) return nullptr;
    auto handshake = client->Handshake(timeout_ms);
    EXPECT_TRUE(handshake.has_value());
    if (!handshake) return nullptr;
    EXPECT_EQ(handshake->err(), proto::OK);
    EXPECT_NE(handshake->session_id(), 0);
    session_ = *handshake;
    return client;
  }

  void Restart() {
    const int port = server_->port();
    server_->Kill(SIGTERM);
    server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()), port);
    ASSERT_NE(server_, nullptr);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  proto::ConnectResponse session_;
};

TEST_F(ServerTest, CreateGetSetDeleteRoundTrip) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  auto created = c->Call(CreateReq("/a", "hello"));
  ASSERT_EQ(created.err(), proto::OK);
  EXPECT_EQ(created.create().path(), "/a");

  auto got = c->Call(GetReq("/a"));
  ASSERT_EQ(got.err(), proto::OK);
  EXPECT_EQ(got.get_data().data(), "hello");
  EXPECT_EQ(got.get_data().stat().version(), 0);

  auto set = c->Call(SetReq("/a", "world", 0));
  ASSERT_EQ(set.err(), proto::OK);
  EXPECT_EQ(set.stat().stat().version(), 1);
  EXPECT_EQ(c->Call(SetReq("/a", "x", 0)).err(), proto::BAD_VERSION);

  ASSERT_EQ(c->Call(CreateReq("/a/b", "")).err(), proto::OK);
  auto children = c->Call(ChildrenReq("/a"));
  ASSERT_EQ(children.err(), proto::OK);
  ASSERT_EQ(children.get_children().children_size(), 1);
  EXPECT_EQ(children.get_children().children(0), "b");

  EXPECT_EQ(c->Call(DeleteReq("/a")).err(), proto::NOT_EMPTY);
  EXPECT_EQ(c->Call(DeleteReq("/a/b")).err(), proto::OK);
  EXPECT_EQ(c->Call(DeleteReq("/a", 7)).err(), proto::BAD_VERSION);
  EXPECT_EQ(c->Call(DeleteReq("/a")).err(), proto::OK);
  EXPECT_EQ(c->Call(ExistsReq("/a")).err(), proto::NO_NODE);
  EXPECT_EQ(c->Call(GetReq("/a")).err(), proto::NO_NODE);
  EXPECT_EQ(c->Call(CreateReq("/x/y", "")).err(), proto::NO_NODE);
  EXPECT_EQ(c->Call(CreateReq("bad", "")).err(), proto::BAD_ARGUMENTS);
}

TEST_F(ServerTest, EphemeralVanishesWhenItsSessionCloses) {
  auto owner = Connect();
  auto watcher = Connect();
  ASSERT_NE(owner, nullptr);
  ASSERT_NE(watcher, nullptr);
  ASSERT_EQ(owner->Call(CreateReq("/e", "", proto::EPHEMERAL)).err(),
            proto::OK);
  ASSERT_EQ(watcher->Call(ExistsReq("/e", true)).err(), proto::OK);
  ASSERT_EQ(owner->Call(CloseReq()).err(), proto::OK);
  EXPECT_TRUE(owner->WaitClosed());
  auto event = watcher->NextEvent();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->type(), proto::NODE_DELETED);
  EXPECT_EQ(event->path(), "/e");
  EXPECT_EQ(watcher->Call(ExistsReq("/e")).err(), proto::NO_NODE);
}

TEST_F(ServerTest, EphemeralVanishesWhenItsSessionExpires) {
  auto owner = Connect(/*timeout_ms=*/400);
  auto watcher = Connect();
  ASSERT_NE(owner, nullptr);
  ASSERT_NE(watcher, nullptr);
  ASSERT_EQ(owner->Call(CreateReq("/gone", "", proto::EPHEMERAL)).err(),
            proto::OK);
  ASSERT_EQ(watcher->Call(ExistsReq("/gone", true)).err(), proto::OK);
  owner->CloseSocket();  // no close request: only expiry can remove it
  auto event = watcher->NextEvent(std::chrono::seconds(15));
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->type(), proto::NODE_DELETED);
  EXPECT_EQ(watcher->Call(ExistsReq("/gone")).err(), proto::NO_NODE);
}

TEST_F(ServerTest, WatchFiresOnceAndBeforeTheResponseThatReflectsIt) {
  auto c = Connect();
  auto writer = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_NE(writer, nullptr);
  ASSERT_EQ(c->Call(CreateReq("/w", "0")).err(), proto::OK);
  ASSERT_EQ(c->Call(GetReq("/w", /*watch=*/true)).err(), proto::OK);
  ASSERT_EQ(writer->Call(SetReq("/w", "1")).err(), proto::OK);
  ASSERT_EQ(writer->Call(SetReq("/w", "2")).err(), proto::OK);
  // The read answering "2" must come after the event of the first set.
  auto got = c->Call(GetReq("/w"));
  ASSERT_EQ(got.err(), proto::OK);
  EXPECT_EQ(got.get_data().data(), "2");
  ASSERT_EQ(c->events().size(), 1u) << "exactly one event, before the read";
  EXPECT_EQ(c->events()[0].type(), proto::NODE_DATA_CHANGED);
  EXPECT_EQ(c->events()[0].path(), "/w");
  // No second event: a later round trip brings none.
  ASSERT_EQ(c->Call(PingReq()).err(), proto::OK);
  EXPECT_EQ(c->events().size(), 1u);
}

TEST_F(ServerTest, ChildWatchFiresOnCreateAndDelete) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->Call(CreateReq("/p", "")).err(), proto::OK);
  ASSERT_EQ(c->Call(ChildrenReq("/p", true)).err(), proto::OK);
  ASSERT_EQ(c->Call(CreateReq("/p/c", "")).err(), proto::OK);
  auto event = c->NextEvent();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->type(), proto::NODE_CHILDREN_CHANGED);
  EXPECT_EQ(event->path(), "/p");
}

TEST_F(ServerTest, ConcurrentSequentialCreatesGetDistinctIncreasingNames) {
  ASSERT_EQ(Connect()->Call(CreateReq("/seq", "")).err(), proto::OK);
  constexpr int kClients = 8;
  constexpr int kEach = 25;
  std::mutex mu;
  std::vector<std::vector<std::string>> names(kClients);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto c = RawClient::Open(server_->port());
      if (!c || !c->Handshake()) {
        ++failures;
        return;
      }
      for (int j = 0; j < kEach; ++j) {
        auto r = c->Call(
            CreateReq("/seq/n-", "", proto::PERSISTENT_SEQUENTIAL));
        if (r.err() != proto::OK) {
          ++failures;
          continue;
        }
        names[i].push_back(r.create().path());
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  std::set<std::string> all;
  for (const auto& list : names) {
    // Each client's own names increase.
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
    all.insert(list.begin(), list.end());
  }
  EXPECT_EQ(all.size(), size_t(kClients * kEach));
  EXPECT_EQ(*all.begin(), "/seq/n-0000000000");
}

TEST_F(ServerTest, ThousandPipelinedRequestsComeBackInOrder) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->Call(CreateReq("/pipe", "")).err(), proto::OK);
  std::vector<int32_t> xids;
  for (int i = 0; i < 1000; ++i) {
    // Mixed reads and writes, so the order is not trivially the same path.
    if (i % 3 == 0) {
      xids.push_back(c->Send(GetReq("/pipe")));
    } else {
      xids.push_back(c->Send(CreateReq("/pipe/c" + std::to_string(i), "")));
    }
  }
  for (int i = 0; i < 1000; ++i) {
    auto message = c->Receive();
    ASSERT_TRUE(message.has_value()) << "response " << i << " missing";
    ASSERT_TRUE(message->has_response());
    ASSERT_EQ(message->response().xid(), xids[i]) << "out of order at " << i;
    ASSERT_EQ(message->response().err(), proto::OK);
  }
}

TEST_F(ServerTest, ReadAfterPipelinedWriteSeesIt) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  c->Send(CreateReq("/rw", "v1"));
  const int32_t get_xid = c->Send(GetReq("/rw"));
  auto first = c->Receive();
  auto second = c->Receive();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->response().xid(), get_xid);
  EXPECT_EQ(second->response().err(), proto::OK);
  EXPECT_EQ(second->response().get_data().data(), "v1");
}

TEST_F(ServerTest, RestartKeepsData) {
  {
    auto c = Connect();
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->Call(CreateReq("/keep", "me")).err(), proto::OK);
    ASSERT_EQ(c->Call(SetReq("/keep", "me2")).err(), proto::OK);
  }
  Restart();
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  auto got = c->Call(GetReq("/keep"));
  ASSERT_EQ(got.err(), proto::OK);
  EXPECT_EQ(got.get_data().data(), "me2");
  EXPECT_EQ(got.get_data().stat().version(), 1);
  // New writes after restart carry a higher epoch.
  auto created = c->Call(CreateReq("/after", ""));
  ASSERT_EQ(created.err(), proto::OK);
  EXPECT_GT(created.zxid() >> 32, got.get_data().stat().mzxid() >> 32);
}

TEST_F(ServerTest, SessionSurvivesADroppedConnection) {
  auto first = Connect(/*timeout_ms=*/4000);
  ASSERT_NE(first, nullptr);
  const auto session = session_;
  ASSERT_EQ(first->Call(CreateReq("/mine", "", proto::EPHEMERAL)).err(),
            proto::OK);
  first->CloseSocket();
  auto second = RawClient::Open(server_->port());
  ASSERT_NE(second, nullptr);
  auto handshake = second->Handshake(4000, session.session_id(),
                                     session.password());
  ASSERT_TRUE(handshake.has_value());
  EXPECT_EQ(handshake->err(), proto::OK);
  EXPECT_EQ(handshake->session_id(), session.session_id());
  auto exists = second->Call(ExistsReq("/mine"));
  ASSERT_EQ(exists.err(), proto::OK);
  EXPECT_EQ(exists.stat().stat().ephemeral_owner(), session.session_id());

  // A wrong password is refused as an expired session.
  auto intruder = RawClient::Open(server_->port());
  auto refused = intruder->Handshake(4000, session.session_id(), "wrong");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->err(), proto::SESSION_EXPIRED);
}

TEST_F(ServerTest, MalformedFrameClosesOnlyThatConnection) {
  auto good = Connect();
  ASSERT_NE(good, nullptr);
  auto bad = RawClient::Open(server_->port());
  ASSERT_NE(bad, nullptr);
  ASSERT_TRUE(bad->SendBytes(std::string("\x00\x00\x00\x05garbage", 11)));
  EXPECT_TRUE(bad->WaitClosed());
  auto huge = RawClient::Open(server_->port());
  ASSERT_NE(huge, nullptr);
  ASSERT_TRUE(huge->SendBytes(std::string("\x7f\xff\xff\xff", 4)));
  EXPECT_TRUE(huge->WaitClosed());
  auto junk = RawClient::Open(server_->port());  // magic, then no handshake
  ASSERT_NE(junk, nullptr);
  junk->Send(GetReq("/"));
  EXPECT_TRUE(junk->WaitClosed());
  EXPECT_EQ(good->Call(CreateReq("/still", "ok")).err(), proto::OK);
}

TEST_F(ServerTest, OversizeValueIsRefused) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  const std::string big(1024 * 1024 + 1, 'x');
  EXPECT_EQ(c->Call(CreateReq("/big", big)).err(), proto::BAD_ARGUMENTS);
  EXPECT_EQ(c->Call(CreateReq("/ok", std::string(1024 * 1024, 'x'))).err(),
            proto::OK);
}

TEST_F(ServerTest, RuokAnswersImok) {
  EXPECT_EQ(FourLetterWord(server_->port(), "ruok"), "imok");
}

TEST_F(ServerTest, AcknowledgedCreatesSurviveSigkill) {
  ASSERT_EQ(Connect()->Call(CreateReq("/load", "")).err(), proto::OK);
  constexpr int kClients = 4;
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::string>> acked(kClients);
  std::vector<std::thread> threads;
  std::atomic<int> total{0};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto c = RawClient::Open(server_->port());
      if (!c || !c->Handshake()) return;
      for (int j = 0; !stop; ++j) {
        const std::string path =
            "/load/c" + std::to_string(i) + "-" + std::to_string(j);
        auto r = c->Call(CreateReq(path, "v"));
        if (r.err() != proto::OK) return;  // the server died
        acked[i].push_back(path);
        ++total;
      }
    });
  }
  // Kill once a good number of creates were acknowledged (bounded wait).
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (total.load() < 400 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  server_->Kill(SIGKILL);
  stop = true;
  for (auto& t : threads) t.join();
  ASSERT_GE(total.load(), 400);

  server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()));
  ASSERT_NE(server_, nullptr);
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  size_t checked = 0;
  for (const auto& list : acked) {
    for (const auto& path : list) {
      ASSERT_EQ(c->Call(ExistsReq(path)).err(), proto::OK)
          << path << " was acknowledged but is lost";
      ++checked;
    }
  }
  EXPECT_EQ(checked, size_t(total.load()));
}

}  // namespace
}  // namespace canopy::testing

namespace canopy::testing {
namespace {

TEST(ServerSnapshotTest, SnapshotsTruncateTheLogAndRecoveryUsesThem) {
  TempDir dir;
  const std::string config = TestConfig(dir.path()) +
                             "snapCount=100\nautopurge.snapRetainCount=2\n";
  auto server = ServerProcess::Start(dir.path(), config);
  ASSERT_NE(server, nullptr);
  auto c = RawClient::Open(server->port());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Handshake().has_value());
  ASSERT_EQ(c->Call(CreateReq("/s", "")).err(), proto::OK);
  constexpr int kNodes = 1000;
  for (int i = 0; i < kNodes; ++i) {
    c->Send(CreateReq("/s/n" + std::to_string(i), std::to_string(i)));
  }
  for (int i = 0; i < kNodes; ++i) {
    auto m = c->Receive();
    ASSERT_TRUE(m && m->has_response());
    ASSERT_EQ(m->response().err(), proto::OK);
  }
  // Snapshots are written by a child process in the background; wait (a
  // bounded number of round trips, each a tick apart) until at least one
  // exists, then kill without warning.
  namespace fs = std::filesystem;
  const fs::path snaps = fs::path(dir.path()) / "snapshots";
  auto count_snapshots = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(snaps)) {
      const auto name = e.path().filename().string();
      n += name.rfind("snapshot.", 0) == 0 &&
           name.find("tmp") == std::string::npos;
    }
    return n;
  };
  for (int i = 0; i < 200 && count_snapshots() < 2; ++i) {
    ASSERT_EQ(c->Call(SetReq("/s", std::to_string(i))).err(), proto::OK);
  }
  EXPECT_GE(count_snapshots(), 1);
  EXPECT_LE(count_snapshots(), 2) << "purge keeps snapRetainCount";
  c.reset();
  server->Kill(SIGKILL);

  server = ServerProcess::Start(dir.path(), config);
  ASSERT_NE(server, nullptr);
  c = RawClient::Open(server->port());
  ASSERT_TRUE(c->Handshake().has_value());
  auto children = c->Call(ChildrenReq("/s"));
  ASSERT_EQ(children.err(), proto::OK);
  EXPECT_EQ(children.get_children().children_size(), kNodes);
  auto got = c->Call(GetReq("/s/n777"));
  ASSERT_EQ(got.err(), proto::OK);
  EXPECT_EQ(got.get_data().data(), "777");
  // The restart loaded a snapshot rather than replaying the whole log.
  std::ifstream log(dir.path() + "/server.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("loaded snapshot"), std::string::npos);
}

}  // namespace
}  // namespace canopy::testing
