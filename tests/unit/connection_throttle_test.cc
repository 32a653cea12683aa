// The client port's connection token bucket, driven with explicit times.
#include "server/net/connection_throttle.h"

#include <gtest/gtest.h>

namespace canopy::net {
namespace {

TEST(ConnectionThrottleTest, DisabledAdmitsEverything) {
  ConnectionThrottle throttle;
  EXPECT_FALSE(throttle.enabled());
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(throttle.Admit(0));
  EXPECT_EQ(throttle.refused(), 0u);
  EXPECT_EQ(throttle.admitted(), 10000u);
}

TEST(ConnectionThrottleTest, StartsFullAndRefusesWhenEmpty) {
  ConnectionThrottle throttle({/*max_tokens=*/5, /*fill_time_ms=*/100,
                               /*fill_count=*/1});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(throttle.Admit(1000)) << i;
  EXPECT_FALSE(throttle.Admit(1000));
  EXPECT_FALSE(throttle.Admit(1099));  // not a whole period yet
  EXPECT_EQ(throttle.refused(), 2u);
  EXPECT_EQ(throttle.admitted(), 5u);
}

TEST(ConnectionThrottleTest, RefillsWholePeriodsWithoutLosingFractions) {
  ConnectionThrottle throttle({2, 100, 1});
  EXPECT_TRUE(throttle.Admit(0));
  EXPECT_TRUE(throttle.Admit(0));
  EXPECT_FALSE(throttle.Admit(50));
  // 0..150 is one whole period; the half period left counts toward the next.
  EXPECT_TRUE(throttle.Admit(150));
  EXPECT_FALSE(throttle.Admit(150));
  EXPECT_TRUE(throttle.Admit(200));
  EXPECT_FALSE(throttle.Admit(200));
}

TEST(ConnectionThrottleTest, FillCountTokensPerPeriodCappedAtMax) {
  ConnectionThrottle throttle({10, 10, 3});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(throttle.Admit(0));
  ASSERT_FALSE(throttle.Admit(0));
  // Two periods: six tokens.
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(throttle.Admit(20)) << i;
  EXPECT_FALSE(throttle.Admit(20));
  // A long idle gap fills to the cap, not beyond (and does not overflow).
  EXPECT_TRUE(throttle.Admit(int64_t(1) << 62));
  EXPECT_EQ(throttle.tokens(), 9);
}

TEST(ConnectionThrottleTest, TimeGoingBackwardsAddsNothing) {
  ConnectionThrottle throttle({1, 10, 1});
  EXPECT_TRUE(throttle.Admit(1000));
  EXPECT_FALSE(throttle.Admit(500));
  EXPECT_FALSE(throttle.Admit(1009));
  EXPECT_TRUE(throttle.Admit(1010));
}

TEST(ConnectionThrottleTest, BadOptionsAreClamped) {
  ConnectionThrottle throttle({3, 0, 0});  // period and count become 1
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(throttle.Admit(0));
  EXPECT_FALSE(throttle.Admit(0));
  EXPECT_TRUE(throttle.Admit(1));
}

}  // namespace
}  // namespace canopy::net
