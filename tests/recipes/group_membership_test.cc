// GroupMembership against a real server: joins and leaves seen by a
// watcher, bursts coalesced but ending on the exact final list, and a
// session's end removing its members.
#include "canopy/recipes/group_membership.h"

#include <atomic>
#include <mutex>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

using GroupMembershipTest = RecipeTest;

std::vector<std::string> Names(const std::vector<Member>& members) {
  std::vector<std::string> out;
  for (const auto& m : members) out.push_back(m.name);
  return out;
}

struct Seen {
  std::mutex mu;
  std::vector<Member> latest;
  int deliveries = 0;
  std::vector<Member> Latest() {
    std::lock_guard<std::mutex> lock(mu);
    return latest;
  }
};

TEST_F(GroupMembershipTest, WatcherSeesJoinsAndLeavesAndEndsExact) {
  HubClient watcher_client = Connect();
  GroupMembership watcher(*watcher_client.client, watcher_client.hub.get(),
                          "/groups/g");
  Seen seen;
  ASSERT_TRUE(watcher
                  .Watch([&](const std::vector<Member>& list) {
                    std::lock_guard<std::mutex> lock(seen.mu);
                    seen.latest = list;
                    ++seen.deliveries;
                  })
                  .ok());
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(seen.mu);
    return seen.deliveries >= 1;
  }));

  HubClient a = Connect();
  GroupMembership ga(*a.client, a.hub.get(), "/groups/g");
  ASSERT_TRUE(ga.Join("a", "10.0.0.1").ok());
  EXPECT_TRUE(WaitFor([&] {
    return seen.Latest() == std::vector<Member>{{"a", "10.0.0.1"}};
  }));

  // A burst from another session: 30 joins and 20 leaves.
  HubClient b = Connect();
  GroupMembership gb(*b.client, b.hub.get(), "/groups/g");
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(gb.Join("b" + std::to_string(100 + i), "x").ok());
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(gb.Leave("b" + std::to_string(100 + i)).ok());
  }
  std::vector<std::string> expected = {"a"};
  for (int i = 20; i < 30; ++i) expected.push_back("b" + std::to_string(100 + i));
  EXPECT_TRUE(WaitFor([&] { return Names(seen.Latest()) == expected; }))
      << seen.Latest().size();
  auto listed = gb.List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(Names(*listed), expected);

  // a's session ends: its member goes.
  ASSERT_TRUE(a.client->Close().ok());
  expected.erase(expected.begin());
  EXPECT_TRUE(WaitFor([&] { return Names(seen.Latest()) == expected; }));
}

TEST_F(GroupMembershipTest, ExpiryReportsLostMembers) {
  HubClient a = Connect(1000);
  std::mutex mu;
  std::vector<std::string> lost;
  GroupMembership group(*a.client, a.hub.get(), "/groups/e",
                        [&](const std::vector<std::string>& names) {
                          std::lock_guard<std::mutex> lock(mu);
                          lost = names;
                        });
  ASSERT_TRUE(group.Join("m1", "").ok());
  ASSERT_TRUE(group.Join("m2", "").ok());
  EXPECT_EQ(group.Join("m1", "").code(), proto::NODE_EXISTS);
  ExpireSession(*a.client);
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return lost == std::vector<std::string>{"m1", "m2"};
  }));
  HubClient b = Connect();
  GroupMembership observer(*b.client, b.hub.get(), "/groups/e");
  auto listed = observer.List();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

}  // namespace
}  // namespace canopy::recipes::testing
