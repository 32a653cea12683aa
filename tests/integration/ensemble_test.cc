// A 3-member ensemble of real processes: failover, catch-up by DIFF and by
// SNAP, a partitioned member, a paused leader; no acknowledged write lost.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "canopy/client.h"
#include "tests/integration/ensemble.h"
#include "tests/integration/write_load.h"

namespace canopy::testing {
namespace {

std::unique_ptr<Client> ConnectTo(const std::string& hosts,
                                  int timeout_ms = 4000,
                                  bool shuffle = true) {
  ClientOptions options;
  options.connect_string = hosts;
  options.session_timeout_ms = timeout_ms;
  options.shuffle_hosts = shuffle;
  auto client = Client::Connect(options);
  return client.ok() ? std::move(client).value() : nullptr;
}

// Every path is on member `id` (read after a sync).
void ExpectAllOn(Ensemble& e, int id, const std::vector<std::string>& paths) {
  auto client = ConnectTo("127.0.0.1:" + std::to_string(e.client_port(id)));
  ASSERT_NE(client, nullptr) << "member " << id;
  ASSERT_TRUE(client->Sync("/load").ok());
  auto children = client->GetChildren("/load");
  ASSERT_TRUE(children.ok());
  std::set<std::string> have(children->begin(), children->end());
  size_t missing = 0;
  for (const auto& path : paths) {
    missing += have.count(path.substr(6)) == 0;
  }
  EXPECT_EQ(missing, 0u) << "member " << id << " lost acknowledged writes";
}

TEST(EnsembleTest, LeaderKillUnderLoadLosesNoAcknowledgedWrite) {
  auto e = Ensemble::Start(3);
  ASSERT_NE(e, nullptr);
  {
    auto c = ConnectTo(e->hosts());
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Create("/load", "").ok());
  }
  WriteLoad load(e->hosts(), 3);
  ASSERT_TRUE(load.WaitForMore(300));
  const int leader = e->WaitForLeader();
  ASSERT_NE(leader, 0);
  e->Kill(leader, SIGKILL);
  // Writes resume under a new leader.
  ASSERT_TRUE(load.WaitForMore(300)) << "writes did not resume";
  load.Stop();
  const int new_leader = e->WaitForLeader();
  ASSERT_NE(new_leader, 0);
  EXPECT_NE(new_leader, leader);
  const auto paths = load.paths();
  for (int id = 1; id <= 3; ++id) {
    if (id != leader) ExpectAllOn(*e, id, paths);
  }
  // The old leader comes back, catches up and agrees.
  ASSERT_TRUE(e->Restart(leader));
  ASSERT_TRUE(e->WaitServing(leader));
  ExpectAllOn(*e, leader, paths);
}

TEST(EnsembleTest, RestartedFollowerCatchesUp) {
  auto e = Ensemble::Start(3);
  ASSERT_NE(e, nullptr);
  const int leader = e->WaitForLeader();
  const int follower = leader == 1 ? 2 : 1;
  auto c = ConnectTo(e->hosts_except(follower));
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Create("/load", "").ok());
  e->Kill(follower, SIGKILL);
  std::vector<std::string> paths;
  for (int i = 0; i < 200; ++i) {
    paths.push_back("/load/n" + std::to_string(i));
    ASSERT_TRUE(c->Create(paths.back(), "x").ok());
  }
  ASSERT_TRUE(e->Restart(follower));
  ASSERT_TRUE(e->WaitServing(follower));
  ExpectAllOn(*e, follower, paths);
}

TEST(EnsembleTest, FollowerBehindTheLeadersLogCatchesUpBySnapshot) {
  // Small snapshots, one kept: the leader's log soon starts after what a
  // stopped follower has, so only a snapshot can bring it back.
  auto e = Ensemble::Start(3, 100, "snapCount=50\nautopurge.snapRetainCount=1\n");
  ASSERT_NE(e, nullptr);
  const int leader = e->WaitForLeader();
  const int follower = leader == 3 ? 2 : 3;
  auto c = ConnectTo(e->hosts_except(follower));
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Create("/load", "").ok());
  e->Kill(follower, SIGKILL);
  std::vector<std::string> paths;
  for (int i = 0; i < 400; ++i) {
    paths.push_back("/load/s" + std::to_string(i));
    ASSERT_TRUE(c->Create(paths.back(), std::string(100, 'd')).ok());
  }
  ASSERT_TRUE(e->Restart(follower));
  ASSERT_TRUE(e->WaitServing(follower));
  ExpectAllOn(*e, follower, paths);
  std::ifstream log(e->dir(follower) + "/server.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("installed snapshot"), std::string::npos)
      << "the follower should have caught up by SNAP";
}

TEST(EnsembleTest, CutOffMemberStopsServingAndItsClientMoves) {
  auto e = Ensemble::Start(3, 100, "", /*proxies=*/true);
  ASSERT_NE(e, nullptr);
  const int leader = e->WaitForLeader();
  const int cut = leader == 1 ? 2 : 1;
  // A client whose first choice is the member to be cut off.
  auto c = ConnectTo("127.0.0.1:" + std::to_string(e->client_port(cut)) +
                         "," + e->hosts_except(cut),
                     3000, /*shuffle=*/false);
  ASSERT_NE(c, nullptr);
  const int64_t session = c->session_id();
  ASSERT_TRUE(c->Create("/mine", "", proto::EPHEMERAL).ok());
  e->Isolate(cut);
  // The majority goes on committing; the client ends up on it with its
  // session (and its ephemeral) intact.
  auto other = ConnectTo(e->hosts_except(cut));
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->Create("/during", "x").ok());
  // The cut member may answer reads from its stale state until it notices;
  // a sync needs the leader, so it fails there and succeeds once the client
  // has moved (bounded retries, each bounded by the session timeout).
  Result<std::optional<proto::Stat>> exists = Status(proto::CONNECTION_LOSS);
  for (int i = 0; i < 50; ++i) {
    if (!c->Sync("/").ok()) continue;
    exists = c->Exists("/during");
    if (exists.ok() && exists->has_value()) break;
  }
  ASSERT_TRUE(exists.ok()) << exists.status().ToString();
  ASSERT_TRUE(exists->has_value());
  EXPECT_EQ(c->session_id(), session);
  auto mine = other->Exists("/mine");
  ASSERT_TRUE(mine.ok() && mine->has_value());
  EXPECT_EQ((*mine)->ephemeral_owner(), session);
  // It stops serving within the sync limit (5 ticks); by now the client
  // has moved, which needed that.
  EXPECT_NE(e->Mode(cut), "leader");
  EXPECT_NE(e->Mode(cut), "follower") << "a cut-off member must not serve";
  if (::testing::Test::HasFailure()) {
    std::ifstream log(e->dir(cut) + "/server.log");
    std::stringstream text;
    text << log.rdbuf();
    std::cerr << "member " << cut << " log:\n" << text.str();
  }
  e->Reconnect(cut);
  const bool rejoined = e->WaitServing(cut);
  if (!rejoined) {
    for (int id = 1; id <= 3; ++id) {
      std::ifstream log(e->dir(id) + "/server.log");
      std::stringstream text;
      text << log.rdbuf();
      std::cerr << "member " << id << " log:\n" << text.str();
      std::ifstream cfg(e->dir(id) + "/zoo.cfg");
      std::stringstream c;
      c << cfg.rdbuf();
      std::cerr << "member " << id << " cfg:\n" << c.str();
    }
  }
  ASSERT_TRUE(rejoined);
  auto back = ConnectTo("127.0.0.1:" + std::to_string(e->client_port(cut)));
  ASSERT_NE(back, nullptr);
  ASSERT_TRUE(back->Sync("/").ok());
  auto during = back->Exists("/during");
  ASSERT_TRUE(during.ok() && during->has_value());
}

TEST(EnsembleTest, PausedLeaderCausesNoSplitBrainAndLosesNoWrite) {
  auto e = Ensemble::Start(3);
  ASSERT_NE(e, nullptr);
  const int leader = e->WaitForLeader();
  {
    auto c = ConnectTo(e->hosts());
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Create("/load", "").ok());
  }
  WriteLoad load(e->hosts_except(leader), 2);
  ASSERT_TRUE(load.WaitForMore(100));
  e->Signal(leader, SIGSTOP);
  // Longer than the sync limit: the others elect a new leader and go on.
  ASSERT_TRUE(load.WaitForMore(200)) << "writes did not resume";
  int new_leader = 0;
  for (int id = 1; id <= 3 && !new_leader; ++id) {
    if (id != leader && e->Mode(id) == "leader") new_leader = id;
  }
  EXPECT_NE(new_leader, 0);
  e->Signal(leader, SIGCONT);
  ASSERT_TRUE(load.WaitForMore(100));
  load.Stop();
  // The old leader steps down and follows; all three agree.
  ASSERT_TRUE(e->WaitServing(leader));
  EXPECT_EQ(e->WaitForLeader(), new_leader);
  EXPECT_EQ(e->Mode(leader), "follower");
  const auto paths = load.paths();
  for (int id = 1; id <= 3; ++id) ExpectAllOn(*e, id, paths);
}

}  // namespace
}  // namespace canopy::testing
