// Real connection loss and session expiry through a TCP proxy: a lock and
// a leader suspend on kDisconnected, resume when the session survives, and
// report the loss when it expires.
#include <atomic>

#include "canopy/recipes/leader_election.h"
#include "canopy/recipes/lock.h"
#include "tests/recipes/recipe_test_util.h"
#include "tests/recipes/tcp_proxy.h"

namespace canopy::recipes::testing {
namespace {

class SessionLossTest : public RecipeTest {
 public:
  HubClient ConnectThroughProxy(int session_timeout_ms) {
    HubClient out;
    ClientOptions options;
    options.connect_string = "127.0.0.1:" + std::to_string(proxy_->port());
    options.session_timeout_ms = session_timeout_ms;
    auto client = ConnectWithHub(std::move(options), *out.hub);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (client.ok()) out.client = std::move(client).value();
    return out;
  }
  void SetUp() override {
    RecipeTest::SetUp();
    proxy_ = std::make_unique<TcpProxy>(server_->port());
  }
  std::unique_ptr<TcpProxy> proxy_;
};

TEST_F(SessionLossTest, LockSuspendsOnDisconnectAndIsLostOnExpiry) {
  HubClient a = ConnectThroughProxy(1000);
  ASSERT_NE(a.client, nullptr);
  std::atomic<bool> lost{false};
  Lock::Options options;
  options.on_lost = [&] { lost = true; };
  Lock lock(*a.client, "/locks/proxy", a.hub.get(), options);
  ASSERT_TRUE(lock.Acquire(5000).ok());

  // A short cut: suspended, then held again (the session survived).
  proxy_->Cut();
  EXPECT_TRUE(WaitFor([&] { return lock.state() == LockState::kSuspended; }));
  proxy_->Restore();
  EXPECT_TRUE(WaitFor([&] { return lock.state() == LockState::kHeld; }));
  EXPECT_FALSE(lost.load());

  // A long cut: the server expires the session and deletes the node.
  HubClient observer = Connect();
  proxy_->Cut();
  EXPECT_TRUE(WaitFor([&] {
    auto children = observer.client->GetChildren("/locks/proxy");
    return children.ok() && children->empty();
  }));
  EXPECT_FALSE(lock.IsHeld());  // suspended meanwhile, never "held"
  proxy_->Restore();
  EXPECT_TRUE(WaitFor([&] { return lost.load(); }));
  EXPECT_EQ(lock.state(), LockState::kNotHeld);
}

TEST_F(SessionLossTest, LeaderStopsOnDisconnectAndLosesOnExpiry) {
  HubClient a = ConnectThroughProxy(1000);
  ASSERT_NE(a.client, nullptr);
  std::atomic<int> elected{0};
  std::atomic<int> revoked{0};
  LeaderElection::Callbacks callbacks;
  callbacks.on_elected = [&] { ++elected; };
  callbacks.on_revoked = [&] { ++revoked; };
  LeaderElection leader(*a.client, a.hub.get(), "/election-proxy", "a",
                        callbacks);
  ASSERT_TRUE(leader.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return leader.IsLeader(); }));

  proxy_->Cut();
  EXPECT_TRUE(WaitFor([&] { return !leader.IsLeader(); }));
  EXPECT_EQ(revoked.load(), 1);
  proxy_->Restore();
  EXPECT_TRUE(WaitFor([&] { return leader.IsLeader(); }));
  EXPECT_EQ(elected.load(), 2);

  // While cut off long enough, another candidate takes over.
  HubClient b = Connect();
  LeaderElection other(*b.client, b.hub.get(), "/election-proxy", "b");
  ASSERT_TRUE(other.Start().ok());
  proxy_->Cut();
  EXPECT_TRUE(WaitFor([&] { return other.IsLeader(); }));
  EXPECT_FALSE(leader.IsLeader());
  proxy_->Restore();
  EXPECT_TRUE(WaitFor([&] { return leader.is_lost(); }));
  EXPECT_FALSE(leader.IsLeader());
  auto data = other.LeaderData();
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->value_or(""), "b");
}

}  // namespace
}  // namespace canopy::recipes::testing
