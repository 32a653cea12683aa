#include "server/session/session_tracker.h"

#include <gtest/gtest.h>

namespace canopy::session {
namespace {

TEST(SessionTracker, ExpiresAfterTimeoutRoundedUpToTick) {
  SessionTracker tracker(100);
  tracker.Add(1, 250, 1000);  // deadline 1250 -> bucket 1300
  EXPECT_TRUE(tracker.Expire(1250).empty());
  EXPECT_TRUE(tracker.Expire(1299).empty());
  auto expired = tracker.Expire(1300);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], 1);
}

TEST(SessionTracker, TouchPushesDeadline) {
  SessionTracker tracker(100);
  tracker.Add(1, 400, 0);
  EXPECT_TRUE(tracker.Touch(1, 300));
  EXPECT_TRUE(tracker.Expire(500).empty());
  EXPECT_EQ(tracker.Expire(800).size(), 1u);
}

TEST(SessionTracker, ExpiredSessionIsHandedOutOnceAndCannotBeTouched) {
  SessionTracker tracker(100);
  tracker.Add(7, 200, 0);
  EXPECT_EQ(tracker.Expire(1000).size(), 1u);
  EXPECT_TRUE(tracker.IsClosing(7));
  EXPECT_FALSE(tracker.Touch(7, 1000));
  EXPECT_TRUE(tracker.Expire(5000).empty());
  tracker.Remove(7);
  EXPECT_FALSE(tracker.Contains(7));
}

TEST(SessionTracker, WholeBucketExpiresTogether) {
  SessionTracker tracker(1000);
  tracker.Add(1, 1500, 0);
  tracker.Add(2, 1900, 0);
  tracker.Add(3, 2500, 0);
  auto expired = tracker.Expire(2000);
  EXPECT_EQ(expired.size(), 2u);
  EXPECT_EQ(tracker.Expire(3000).size(), 1u);
}

TEST(SessionTracker, ClosingSessionsAreNotExpired) {
  SessionTracker tracker(100);
  tracker.Add(1, 200, 0);
  tracker.MarkClosing(1);
  EXPECT_TRUE(tracker.Expire(10000).empty());
  EXPECT_TRUE(tracker.Contains(1));
}

TEST(SessionTracker, UnknownSessionTouchFails) {
  SessionTracker tracker(100);
  EXPECT_FALSE(tracker.Touch(42, 0));
  EXPECT_EQ(tracker.size(), 0u);
}

}  // namespace
}  // namespace canopy::session
