// Configuration against a real server: rapid publishes end the watcher on
// the last version; history and rollback.
#include "canopy/recipes/configuration.h"

#include <mutex>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using ConfigurationTest = RecipeTest;

TEST_F(ConfigurationTest, WatcherEndsOnTheLastOfRapidPublishes) {
  HubClient w = Connect();
  Configuration watcher(*w.client, w.hub.get(), "/config/app");
  std::mutex mu;
  ConfigVersion latest;
  int deliveries = 0;
  bool increasing = true;
  ASSERT_TRUE(watcher
                  .Watch([&](const ConfigVersion& c) {
                    std::lock_guard<std::mutex> lock(mu);
                    if (deliveries > 0 && c.version <= latest.version) {
                      increasing = false;
                    }
                    latest = c;
                    ++deliveries;
                  })
                  .ok());
  HubClient p = Connect();
  Configuration publisher(*p.client, p.hub.get(), "/config/app");
  constexpr int kPublishes = 100;
  for (int i = 1; i <= kPublishes; ++i) {
    auto v = publisher.Publish("value-" + std::to_string(i));
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, i);
  }
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return latest.version == kPublishes;
  }));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(latest.data, "value-100");
  EXPECT_TRUE(increasing);
  EXPECT_GE(deliveries, 1);
}

TEST_F(ConfigurationTest, HistoryAndRollback) {
  HubClient c = Connect();
  Configuration config(*c.client, c.hub.get(), "/config/h");
  auto empty = config.Read();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->version, 0);
  ASSERT_TRUE(config.Publish("a").ok());
  ASSERT_TRUE(config.Publish("b").ok());
  ASSERT_TRUE(config.Publish("c").ok());
  auto history = config.History();
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].version, 1);
  EXPECT_EQ((*history)[0].data, "a");
  EXPECT_EQ((*history)[2].data, "c");
  auto rolled = config.Rollback(1);
  ASSERT_TRUE(rolled.ok());
  EXPECT_EQ(*rolled, 4);
  auto now = config.Read();
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->version, 4);
  EXPECT_EQ(now->data, "a");
  EXPECT_EQ(config.Rollback(42).status().code(), proto::NO_NODE);
}

}  // namespace
}  // namespace canopy::recipes::testing
