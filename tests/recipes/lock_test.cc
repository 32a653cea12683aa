// Lock against a real server: mutual exclusion under contention, no herd
// effect, hand-over when the holder's session ends, non-reentrancy.
#include "canopy/recipes/lock.h"

#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using LockTest = RecipeTest;

TEST_F(LockTest, EightThreadsIncrementAPlainCounterExactly) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 200;
  {
    HubClient setup = Connect();
    ASSERT_TRUE(setup.client->Create("/counter", "0").ok());
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      HubClient c = Connect();
      if (!c.client) { ++failures; return; }
      Lock lock(*c.client, "/locks/counter", c.hub.get());
      for (int i = 0; i < kIncrements; ++i) {
        if (!lock.Acquire(30000).ok()) { ++failures; return; }
        // A plain read-modify-write, no version check: only the lock
        // keeps it correct.
        auto got = c.client->GetData("/counter");
        if (!got.ok()) { ++failures; return; }
        const int value = std::stoi(got->first) + 1;
        if (!c.client->SetData("/counter", std::to_string(value)).ok()) {
          ++failures;
        }
        if (!lock.Release().ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  HubClient check = Connect();
  auto got = check.client->GetData("/counter");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->first, std::to_string(kThreads * kIncrements));
}

TEST_F(LockTest, EachWaiterWatchesOnlyItsPredecessor) {
  HubClient holder_client = Connect();
  Lock holder(*holder_client.client, "/locks/herd", holder_client.hub.get());
  ASSERT_TRUE(holder.Acquire(5000).ok());

  constexpr int kWaiters = 3;
  std::vector<HubClient> clients;
  std::vector<std::unique_ptr<Lock>> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    clients.push_back(Connect());
    waiters.push_back(std::make_unique<Lock>(
        *clients.back().client, "/locks/herd", clients.back().hub.get()));
  }
  std::vector<std::thread> threads;
  std::atomic<int> acquired{0};
  for (int i = 0; i < kWaiters; ++i) {
    // Queue one at a time so the order (and each predecessor) is known.
    threads.emplace_back([&, i] {
      if (waiters[i]->Acquire(20000).ok()) {
        ++acquired;
        waiters[i]->Release();
      }
    });
    ASSERT_TRUE(WaitFor([&] { return !waiters[i]->watched_path().empty(); }));
  }
  // Each waiter watches exactly the node just below its own.
  EXPECT_EQ(waiters[0]->watched_path(), holder.node_path());
  for (int i = 1; i < kWaiters; ++i) {
    EXPECT_EQ(waiters[i]->watched_path(), waiters[i - 1]->node_path());
  }
  // The server holds one watch per waiter, each on a different node: no
  // child watch on the lock directory that every waiter would share.
  const std::string mntr =
      canopy::testing::FourLetterWord(server_->port(), "mntr");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(mntr, m, std::regex("zk_watch_count\\s+(\\d+)")))
      << mntr;
  EXPECT_EQ(std::stoi(m[1]), kWaiters) << mntr;

  ASSERT_TRUE(holder.Release().ok());
  for (auto& t : threads) t.join();
  EXPECT_EQ(acquired.load(), kWaiters);
}

TEST_F(LockTest, WaiterGetsTheLockWhenTheHolderSessionEnds) {
  HubClient holder_client = Connect();
  std::atomic<bool> lost{false};
  Lock::Options options;
  options.on_lost = [&] { lost = true; };
  Lock holder(*holder_client.client, "/locks/crash", holder_client.hub.get(),
              options);
  ASSERT_TRUE(holder.Acquire(5000).ok());

  HubClient waiter_client = Connect();
  Lock waiter(*waiter_client.client, "/locks/crash", waiter_client.hub.get());
  std::atomic<bool> got{false};
  std::thread t([&] { got = waiter.Acquire(20000).ok(); });
  ASSERT_TRUE(WaitFor([&] { return !waiter.watched_path().empty(); }));
  EXPECT_FALSE(got.load());

  // No Release: the session's end removes the ephemeral.
  ASSERT_TRUE(holder_client.client->Close().ok());
  t.join();
  EXPECT_TRUE(got.load());
  EXPECT_TRUE(waiter.IsHeld());
  EXPECT_TRUE(WaitFor([&] { return lost.load(); }));
  EXPECT_FALSE(holder.IsHeld());
}

TEST_F(LockTest, TryAcquireAndNotReentrant) {
  HubClient a = Connect();
  HubClient b = Connect();
  Lock la(*a.client, "/locks/try", a.hub.get());
  Lock lb(*b.client, "/locks/try", b.hub.get());
  auto first = la.TryAcquire();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  auto second = lb.TryAcquire();
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_TRUE(lb.node_path().empty());  // no node left behind
  EXPECT_EQ(la.Acquire(100).code(), proto::API_ERROR);
  EXPECT_EQ(lb.Acquire(200).code(), proto::OPERATION_TIMEOUT);
  ASSERT_TRUE(la.Release().ok());
  EXPECT_TRUE(lb.Acquire(5000).ok());
  auto children = a.client->GetChildren("/locks/try");
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(children->size(), 1u);
}

TEST_F(LockTest, ExpiryIsReportedAsLost) {
  HubClient a = Connect(1000);
  std::atomic<bool> lost{false};
  Lock::Options options;
  options.on_lost = [&] { lost = true; };
  Lock lock(*a.client, "/locks/expire", a.hub.get(), options);
  ASSERT_TRUE(lock.Acquire(5000).ok());
  // Another client attaches to the same session and closes it: the
  // first client then learns that its session is gone.
  ExpireSession(*a.client);
  EXPECT_TRUE(WaitFor([&] { return lost.load(); }, std::chrono::seconds(20)));
  EXPECT_FALSE(lock.IsHeld());
}

}  // namespace
}  // namespace canopy::recipes::testing

namespace canopy::recipes::testing {
namespace {

// kDisconnected suspends a held lock; kConnected (the session survived)
// restores it. The events are fed to the hub directly.
TEST_F(LockTest, DisconnectSuspendsUntilReconnected) {
  HubClient a = Connect();
  Lock lock(*a.client, "/locks/suspend", a.hub.get());
  ASSERT_TRUE(lock.Acquire(5000).ok());
  ClientOptions feed;
  a.hub->Attach(feed);
  feed.on_session_event(SessionEvent::kDisconnected);
  EXPECT_EQ(lock.state(), LockState::kSuspended);
  EXPECT_FALSE(lock.IsHeld());
  feed.on_session_event(SessionEvent::kConnected);
  EXPECT_TRUE(lock.IsHeld());
  EXPECT_TRUE(lock.Release().ok());
}

}  // namespace
}  // namespace canopy::recipes::testing
