// ServiceDiscovery against a real server: register, list, watch, and
// instances vanishing with their session.
#include "canopy/recipes/service_discovery.h"

#include <mutex>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using ServiceDiscoveryTest = RecipeTest;

TEST_F(ServiceDiscoveryTest, RegisterListWatchAndSessionEnd) {
  HubClient w = Connect();
  ServiceDiscovery watcher(*w.client, w.hub.get());
  std::mutex mu;
  std::vector<ServiceInstance> seen;
  ASSERT_TRUE(watcher
                  .Watch("api",
                         [&](const std::vector<ServiceInstance>& list) {
                           std::lock_guard<std::mutex> lock(mu);
                           seen = list;
                         })
                  .ok());
  auto Seen = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen;
  };

  HubClient a = Connect();
  ServiceDiscovery sa(*a.client, a.hub.get());
  const ServiceInstance one{"10.0.0.1", 8080, "zone=a\nweight=2"};
  const ServiceInstance two{"10.0.0.2", 8080, ""};
  ASSERT_TRUE(sa.Register("api", one).ok());
  HubClient b = Connect();
  ServiceDiscovery sb(*b.client, b.hub.get());
  ASSERT_TRUE(sb.Register("api", two).ok());
  ASSERT_TRUE(sb.Register("db", {"10.0.0.9", 5432, ""}).ok());

  const std::vector<ServiceInstance> both{one, two};
  EXPECT_TRUE(WaitFor([&] { return Seen() == both; }));
  auto listed = watcher.List("api");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, both);
  auto db = watcher.List("db");
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db->size(), 1u);

  ASSERT_TRUE(a.client->Close().ok());  // one's session ends
  EXPECT_TRUE(WaitFor([&] { return Seen() == std::vector<ServiceInstance>{two}; }));
  ASSERT_TRUE(sb.Deregister("api", two).ok());
  EXPECT_TRUE(WaitFor([&] { return Seen().empty(); }));
}

}  // namespace
}  // namespace canopy::recipes::testing
