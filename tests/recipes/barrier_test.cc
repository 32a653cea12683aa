// Barrier and DoubleBarrier against a real server.
#include "canopy/recipes/barrier.h"

#include <atomic>
#include <thread>
#include <vector>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using BarrierTest = RecipeTest;

TEST_F(BarrierTest, WaitBlocksUntilRemoved) {
  HubClient a = Connect();
  HubClient b = Connect();
  Barrier setter(*a.client, "/barriers/b");
  Barrier waiter(*b.client, "/barriers/b");
  EXPECT_TRUE(waiter.Wait(100).ok());  // not set: open
  ASSERT_TRUE(setter.Set().ok());
  EXPECT_EQ(waiter.Wait(100).code(), proto::OPERATION_TIMEOUT);
  std::atomic<bool> passed{false};
  std::thread t([&] { passed = waiter.Wait(20000).ok(); });
  EXPECT_FALSE(passed.load());
  ASSERT_TRUE(setter.Remove().ok());
  t.join();
  EXPECT_TRUE(passed.load());
}

TEST_F(BarrierTest, DoubleBarrierEntersTogetherAndLeavesTogether) {
  constexpr int kN = 5;
  std::vector<HubClient> clients;
  for (int i = 0; i < kN; ++i) clients.push_back(Connect());
  std::atomic<int> arrived{0};
  std::atomic<int> entered{0};
  std::atomic<int> leaving{0};
  std::atomic<int> violations{0};
  std::atomic<int> failures{0};
  auto run = [&](int i) {
    DoubleBarrier barrier(*clients[i].client, "/barriers/double",
                          "p" + std::to_string(i), kN);
    ++arrived;
    if (!barrier.Enter(20000).ok()) { ++failures; return; }
    if (arrived.load() != kN) ++violations;
    ++entered;
    ++leaving;
    if (!barrier.Leave(20000).ok()) { ++failures; return; }
    if (leaving.load() != kN) ++violations;
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kN - 1; ++i) threads.emplace_back(run, i);
  // The first N-1 wait inside Enter until the last one comes.
  ASSERT_TRUE(WaitFor([&] {
    auto children = clients[0].client->GetChildren("/barriers/double");
    return children.ok() && children->size() == kN - 1;
  }));
  EXPECT_EQ(entered.load(), 0);
  threads.emplace_back(run, kN - 1);
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(entered.load(), kN);
}

}  // namespace
}  // namespace canopy::recipes::testing
