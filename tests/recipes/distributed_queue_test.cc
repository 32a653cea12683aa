// DistributedQueue against a real server: many producers and consumers,
// every item consumed exactly once; a dead consumer's item comes back.
#include "canopy/recipes/distributed_queue.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using DistributedQueueTest = RecipeTest;

TEST_F(DistributedQueueTest, ThreeProducersFourConsumersExactlyOnce) {
  constexpr int kProducers = 3;
  constexpr int kItems = 1000;
  constexpr int kConsumers = 4;
  constexpr int kTotal = kProducers * kItems;
  std::mutex mu;
  std::map<std::string, int> consumed;  // data -> times
  std::atomic<int> total{0};
  std::atomic<int> failures{0};

  std::vector<std::thread> threads;
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      HubClient hc = Connect();
      if (!hc.client) { ++failures; return; }
      DistributedQueue queue(*hc.client, "/queue");
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(90);
      while (total < kTotal && std::chrono::steady_clock::now() < deadline) {
        auto item = queue.Take(200);
        if (!item.ok()) {
          if (item.status().code() != proto::OPERATION_TIMEOUT) ++failures;
          continue;
        }
        {
          std::lock_guard<std::mutex> lock(mu);
          ++consumed[item->data];
        }
        if (!queue.Ack(*item).ok()) ++failures;
        ++total;
      }
    });
  }
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      HubClient hc = Connect();
      if (!hc.client) { ++failures; return; }
      DistributedQueue queue(*hc.client, "/queue");
      for (int i = 0; i < kItems; ++i) {
        if (!queue.Put("p" + std::to_string(p) + "-" + std::to_string(i)).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(total.load(), kTotal);
  ASSERT_EQ(consumed.size(), static_cast<size_t>(kTotal));
  for (const auto& [data, times] : consumed) EXPECT_EQ(times, 1) << data;
  HubClient check = Connect();
  DistributedQueue queue(*check.client, "/queue");
  auto size = queue.Size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 0);
}

TEST_F(DistributedQueueTest, FifoAndDeadConsumersItemComesBack) {
  HubClient producer = Connect();
  DistributedQueue q(*producer.client, "/q2");
  ASSERT_TRUE(q.Put("first").ok());
  ASSERT_TRUE(q.Put("second").ok());

  HubClient dying = Connect();
  DistributedQueue dq(*dying.client, "/q2");
  auto taken = dq.Take(5000);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->data, "first");

  HubClient other = Connect();
  DistributedQueue oq(*other.client, "/q2");
  auto next = oq.Take(5000);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->data, "second");  // "first" is claimed
  ASSERT_TRUE(oq.Ack(*next).ok());

  // A waiting Take gets "first" once the claimant's session ends.
  std::atomic<bool> got_first{false};
  std::thread waiter([&] {
    auto again = oq.Take(20000);
    got_first = again.ok() && again->data == "first";
    if (again.ok()) oq.Ack(*again);
  });
  ASSERT_TRUE(dying.client->Close().ok());
  waiter.join();
  EXPECT_TRUE(got_first.load());
  EXPECT_EQ(oq.Take(100).status().code(), proto::OPERATION_TIMEOUT);
}

}  // namespace
}  // namespace canopy::recipes::testing
