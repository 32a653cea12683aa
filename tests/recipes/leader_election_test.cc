// LeaderElection against a real server: one leader at a time, hand-over on
// session close and on Resign, leader data readable by all, expiry reported.
#include "canopy/recipes/leader_election.h"

#include <atomic>
#include <thread>
#include <vector>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using LeaderElectionTest = RecipeTest;

struct Candidate {
  HubClient hc;
  std::unique_ptr<LeaderElection> election;
  std::atomic<int> elected{0};
  std::atomic<int> revoked{0};
};

class Candidates {
 public:
  Candidates(RecipeTest* test, int n) {
    for (int i = 0; i < n; ++i) {
      auto c = std::make_unique<Candidate>();
      c->hc = test->Connect();
      Candidate* raw = c.get();
      LeaderElection::Callbacks callbacks;
      callbacks.on_elected = [raw] { ++raw->elected; };
      callbacks.on_revoked = [raw] { ++raw->revoked; };
      c->election = std::make_unique<LeaderElection>(
          *c->hc.client, c->hc.hub.get(), "/election",
          "host-" + std::to_string(i), callbacks);
      all_.push_back(std::move(c));
    }
  }
  Candidate& at(int i) { return *all_[i]; }
  int size() const { return static_cast<int>(all_.size()); }
  // Index of the only candidate believing it leads, -1 if none, -2 if more
  // than one (among those not excluded).
  int Leader(int excluded = -1) const {
    int leader = -1;
    for (int i = 0; i < static_cast<int>(all_.size()); ++i) {
      if (i == excluded || !all_[i]->election->IsLeader()) continue;
      if (leader != -1) return -2;
      leader = i;
    }
    return leader;
  }

 private:
  std::vector<std::unique_ptr<Candidate>> all_;
};

TEST_F(LeaderElectionTest, ExactlyOneLeaderAndHandOverOnClose) {
  Candidates candidates(this, 4);
  for (int i = 0; i < candidates.size(); ++i) {
    ASSERT_TRUE(candidates.at(i).election->Start().ok());
  }
  ASSERT_TRUE(WaitFor([&] { return candidates.Leader() >= 0; }));
  const int first = candidates.Leader();
  EXPECT_EQ(first, 0);  // the earliest candidate leads
  auto data = candidates.at(2).election->LeaderData();
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->value_or(""), "host-0");

  // Observer: at every observation, at most one live candidate leads.
  std::atomic<bool> stop{false};
  std::atomic<int> excluded{first};
  std::atomic<int> violations{0};
  std::thread observer([&] {
    while (!stop) {
      if (candidates.Leader(excluded) == -2) ++violations;
      std::this_thread::yield();
    }
  });
  // Closing the leader's client (no Resign) ends its session: another
  // candidate takes over.
  ASSERT_TRUE(candidates.at(first).hc.client->Close().ok());
  EXPECT_TRUE(WaitFor([&] { return !candidates.at(first).election->IsLeader(); }));
  EXPECT_TRUE(candidates.at(first).election->is_lost());
  EXPECT_TRUE(WaitFor([&] {
    const int leader = candidates.Leader(first);
    return leader >= 0;
  }));
  const int second = candidates.Leader(first);
  EXPECT_EQ(second, 1);
  EXPECT_GE(candidates.at(first).revoked.load(), 1);

  // Resign hands over too.
  excluded = -1;
  ASSERT_TRUE(candidates.at(second).election->Resign().ok());
  EXPECT_FALSE(candidates.at(second).election->IsLeader());
  EXPECT_TRUE(WaitFor([&] { return candidates.Leader() == 2; }));
  data = candidates.at(3).election->LeaderData();
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->value_or(""), "host-2");
  stop = true;
  observer.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(candidates.at(2).elected.load(), 1);
}

TEST_F(LeaderElectionTest, ExpiryRevokesLeadership) {
  HubClient a = Connect(1000);
  std::atomic<int> revoked{0};
  LeaderElection::Callbacks callbacks;
  callbacks.on_revoked = [&] { ++revoked; };
  LeaderElection election(*a.client, a.hub.get(), "/election2", "a",
                          callbacks);
  ASSERT_TRUE(election.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return election.IsLeader(); }));
  ExpireSession(*a.client);
  EXPECT_TRUE(WaitFor([&] { return election.is_lost(); }));
  EXPECT_FALSE(election.IsLeader());
  EXPECT_GE(revoked.load(), 1);

  HubClient b = Connect();
  LeaderElection observer(*b.client, b.hub.get(), "/election2", "");
  auto data = observer.LeaderData();
  ASSERT_TRUE(data.ok());
  EXPECT_FALSE(data->has_value());
}

}  // namespace
}  // namespace canopy::recipes::testing

namespace canopy::recipes::testing {
namespace {

// A leader stops acting on kDisconnected and resumes on kConnected (its
// session, hence its node, survived). Events are fed to the hub directly.
TEST_F(LeaderElectionTest, DisconnectStopsActingUntilReconnected) {
  HubClient a = Connect();
  std::atomic<int> elected{0};
  std::atomic<int> revoked{0};
  LeaderElection::Callbacks callbacks;
  callbacks.on_elected = [&] { ++elected; };
  callbacks.on_revoked = [&] { ++revoked; };
  LeaderElection election(*a.client, a.hub.get(), "/election3", "a",
                          callbacks);
  ASSERT_TRUE(election.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return election.IsLeader(); }));
  ClientOptions feed;
  a.hub->Attach(feed);
  feed.on_session_event(SessionEvent::kDisconnected);
  EXPECT_FALSE(election.IsLeader());
  EXPECT_EQ(revoked.load(), 1);
  feed.on_session_event(SessionEvent::kConnected);
  EXPECT_TRUE(election.IsLeader());
  EXPECT_EQ(elected.load(), 2);
  EXPECT_FALSE(election.is_lost());
}

}  // namespace
}  // namespace canopy::recipes::testing
