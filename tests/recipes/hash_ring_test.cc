// ConsistentHash balance and movement; HashRing following a live group.
#include "canopy/recipes/hash_ring.h"

#include <algorithm>
#include <map>

#include "tests/recipes/recipe_test_util.h"

namespace canopy::recipes::testing {
namespace {

std::vector<std::string> MemberNames(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("node-" + std::to_string(i));
  return out;
}

TEST(ConsistentHashTest, AddingOneOfNMovesAboutOneNthToTheNewMember) {
  constexpr int kKeys = 20000;
  ConsistentHash before(100);
  before.SetMembers(MemberNames(10));
  ConsistentHash after(100);
  after.SetMembers(MemberNames(11));
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key-" + std::to_string(k);
    const auto a = before.Owner(key);
    const auto b = after.Owner(key);
    ASSERT_TRUE(a && b);
    if (*a != *b) {
      ++moved;
      EXPECT_EQ(*b, "node-10") << key;  // only to the new member
    }
  }
  const double fraction = double(moved) / kKeys;
  EXPECT_GT(fraction, 1.0 / 11 * 0.5) << fraction;
  EXPECT_LT(fraction, 1.0 / 11 * 1.6) << fraction;
}

TEST(ConsistentHashTest, FiveToSixMembersMovesBetweenTenAndTwentyFivePercent) {
  constexpr int kKeys = 10000;
  ConsistentHash five(100);
  five.SetMembers(MemberNames(5));
  ConsistentHash six(100);
  six.SetMembers(MemberNames(6));
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    const std::string key = "key-" + std::to_string(k);
    moved += *five.Owner(key) != *six.Owner(key);
  }
  EXPECT_GE(moved, kKeys / 10);
  EXPECT_LE(moved, kKeys / 4);
}

TEST(ConsistentHashTest, OwnersDependOnlyOnTheMemberSet) {
  // The hash is the ring's own (no std::hash, no seed), so every process
  // with the same member list computes the same owners, in any order.
  auto names = MemberNames(5);
  ConsistentHash forward(100);
  forward.SetMembers(names);
  std::reverse(names.begin(), names.end());
  ConsistentHash backward(100);
  backward.SetMembers(names);
  for (int k = 0; k < 1000; ++k) {
    const std::string key = "key-" + std::to_string(k);
    ASSERT_EQ(*forward.Owner(key), *backward.Owner(key));
  }
}

TEST(ConsistentHashTest, EmptyRingHasNoOwnerAndLoadIsSpread) {
  ConsistentHash ring(100);
  EXPECT_FALSE(ring.Owner("x").has_value());
  ring.SetMembers(MemberNames(4));
  std::map<std::string, int> load;
  for (int k = 0; k < 8000; ++k) ++load[*ring.Owner(std::to_string(k))];
  ASSERT_EQ(load.size(), 4u);
  for (const auto& [member, n] : load) {
    EXPECT_GT(n, 1000) << member;
    EXPECT_LT(n, 3000) << member;
  }
}

using HashRingTest = RecipeTest;

TEST_F(HashRingTest, FollowsTheGroup) {
  HubClient w = Connect();
  HashRing ring(*w.client, w.hub.get(), "/rings/r");
  ASSERT_TRUE(ring.Start().ok());
  HubClient m = Connect();
  GroupMembership group(*m.client, m.hub.get(), "/rings/r");
  ASSERT_TRUE(group.Join("a", "").ok());
  ASSERT_TRUE(group.Join("b", "").ok());
  EXPECT_TRUE(WaitFor([&] {
    return ring.Members() == std::vector<std::string>{"a", "b"};
  }));
  ConsistentHash expected(100);
  expected.SetMembers({"a", "b"});
  for (int k = 0; k < 100; ++k) {
    EXPECT_EQ(ring.Owner(std::to_string(k)), expected.Owner(std::to_string(k)));
  }
  ASSERT_TRUE(group.Leave("a").ok());
  EXPECT_TRUE(WaitFor([&] {
    return ring.Members() == std::vector<std::string>{"b"};
  }));
  EXPECT_EQ(ring.Owner("anything"), std::optional<std::string>("b"));
}

}  // namespace
}  // namespace canopy::recipes::testing
