// Semaphore against a real server: at most N holders, FIFO hand-over.
#include "canopy/recipes/semaphore.h"

#include <atomic>
#include <thread>
#include <vector>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using SemaphoreTest = RecipeTest;

TEST_F(SemaphoreTest, NLeasesThenTheNextWaitsForARelease) {
  constexpr int kLeases = 3;
  std::vector<HubClient> clients;
  std::vector<std::unique_ptr<Semaphore>> sems;
  for (int i = 0; i <= kLeases; ++i) {
    clients.push_back(Connect());
    sems.push_back(std::make_unique<Semaphore>(
        *clients.back().client, "/sem/s", kLeases, clients.back().hub.get()));
  }
  for (int i = 0; i < kLeases; ++i) ASSERT_TRUE(sems[i]->Acquire(5000).ok());
  EXPECT_EQ(sems[kLeases]->Acquire(200).code(), proto::OPERATION_TIMEOUT);
  EXPECT_EQ(sems[0]->Acquire(100).code(), proto::API_ERROR);  // not reentrant
  std::atomic<bool> got{false};
  std::thread t([&] { got = sems[kLeases]->Acquire(20000).ok(); });
  ASSERT_TRUE(sems[1]->Release().ok());
  t.join();
  EXPECT_TRUE(got.load());
  EXPECT_TRUE(sems[kLeases]->IsHeld());
}

TEST_F(SemaphoreTest, NeverMoreThanNConcurrentHolders) {
  constexpr int kLeases = 2;
  constexpr int kThreads = 5;
  constexpr int kRounds = 20;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      HubClient c = Connect();
      if (!c.client) { ++failures; return; }
      Semaphore sem(*c.client, "/sem/c", kLeases, c.hub.get());
      for (int r = 0; r < kRounds; ++r) {
        if (!sem.Acquire(30000).ok()) { ++failures; return; }
        const int now = ++inside;
        int seen = max_inside.load();
        while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
        }
        c.client->Exists("/sem/c");  // some work while holding
        --inside;
        if (!sem.Release().ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(max_inside.load(), kLeases);
  EXPECT_GE(max_inside.load(), 1);
}

}  // namespace
}  // namespace canopy::recipes::testing
