// ReadWriteLock against a real server: shared readers, exclusive FIFO
// writers, writers not starved by later readers.
#include "canopy/recipes/read_write_lock.h"

#include <atomic>
#include <thread>
#include <vector>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using ReadWriteLockTest = RecipeTest;

TEST_F(ReadWriteLockTest, ReadersShareWritersExcludeAndQueueFifo) {
  HubClient a = Connect(), b = Connect(), c = Connect(), d = Connect();
  ReadWriteLock la(*a.client, "/rw/l", a.hub.get());
  ReadWriteLock lb(*b.client, "/rw/l", b.hub.get());
  ReadWriteLock lc(*c.client, "/rw/l", c.hub.get());
  ReadWriteLock ld(*d.client, "/rw/l", d.hub.get());
  ASSERT_TRUE(la.ReadLock().Acquire(5000).ok());
  ASSERT_TRUE(lb.ReadLock().Acquire(5000).ok());  // shared
  EXPECT_EQ(lc.WriteLock().Acquire(200).code(), proto::OPERATION_TIMEOUT);

  std::atomic<bool> writer{false};
  std::thread tw([&] { writer = lc.WriteLock().Acquire(20000).ok(); });
  ASSERT_TRUE(WaitFor([&] {
    auto children = a.client->GetChildren("/rw/l");
    return children.ok() && children->size() == 3;
  }));
  // A reader arriving after the queued writer waits behind it.
  EXPECT_EQ(ld.ReadLock().Acquire(200).code(), proto::OPERATION_TIMEOUT);
  std::atomic<bool> late_reader{false};
  std::thread tr([&] { late_reader = ld.ReadLock().Acquire(20000).ok(); });
  ASSERT_TRUE(WaitFor([&] {
    auto children = a.client->GetChildren("/rw/l");
    return children.ok() && children->size() == 4;
  }));
  ASSERT_TRUE(la.ReadLock().Release().ok());
  EXPECT_FALSE(writer.load());
  ASSERT_TRUE(lb.ReadLock().Release().ok());
  tw.join();
  EXPECT_TRUE(writer.load());
  EXPECT_FALSE(late_reader.load());
  ASSERT_TRUE(lc.WriteLock().Release().ok());
  tr.join();
  EXPECT_TRUE(late_reader.load());
}

TEST_F(ReadWriteLockTest, WritersIncrementExactly) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 50;
  {
    HubClient setup = Connect();
    ASSERT_TRUE(setup.client->Create("/rwcounter", "0").ok());
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      HubClient c = Connect();
      if (!c.client) { ++failures; return; }
      ReadWriteLock lock(*c.client, "/rw/counter", c.hub.get());
      for (int i = 0; i < kIncrements; ++i) {
        if (!lock.WriteLock().Acquire(30000).ok()) { ++failures; return; }
        auto got = c.client->GetData("/rwcounter");
        if (!got.ok() ||
            !c.client->SetData("/rwcounter",
                               std::to_string(std::stoi(got->first) + 1)).ok()) {
          ++failures;
        }
        if (!lock.WriteLock().Release().ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  HubClient check = Connect();
  auto got = check.client->GetData("/rwcounter");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->first, std::to_string(kThreads * kIncrements));
}

}  // namespace
}  // namespace canopy::recipes::testing
