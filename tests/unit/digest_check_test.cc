// DigestCheck: a learner's digests after each applied zxid against the
// leader's announcements, whichever comes first.
#include <gtest/gtest.h>

#include "server/pipeline/digest_check.h"

namespace canopy::pipeline {
namespace {

TEST(DigestCheckTest, AnnouncementOfAnAppliedZxidIsComparedAtOnce) {
  DigestCheck check;
  for (Zxid z = 1; z <= 10; ++z) EXPECT_FALSE(check.Applied(z, 100 + z));
  EXPECT_FALSE(check.Announced(5, 105));
  EXPECT_EQ(check.matched(), 1u);
  auto mismatch = check.Announced(7, 999);
  ASSERT_TRUE(mismatch.has_value());
  EXPECT_EQ(mismatch->zxid, 7);
  EXPECT_EQ(mismatch->mine, 107u);
  EXPECT_EQ(mismatch->leaders, 999u);
}

TEST(DigestCheckTest, AnnouncementAheadWaitsUntilTheZxidIsApplied) {
  DigestCheck check;
  EXPECT_FALSE(check.Applied(1, 11));
  EXPECT_FALSE(check.Announced(3, 13));
  EXPECT_FALSE(check.Announced(5, 55));  // will not match
  EXPECT_FALSE(check.Applied(2, 12));
  EXPECT_FALSE(check.Applied(3, 13));
  EXPECT_EQ(check.matched(), 1u);
  EXPECT_FALSE(check.Applied(4, 14));
  auto mismatch = check.Applied(5, 15);
  ASSERT_TRUE(mismatch.has_value());
  EXPECT_EQ(mismatch->zxid, 5);
  EXPECT_EQ(mismatch->mine, 15u);
  EXPECT_EQ(mismatch->leaders, 55u);
}

TEST(DigestCheckTest, ZxidsNeverAppliedHereAreSkipped) {
  DigestCheck check;
  EXPECT_FALSE(check.Applied(1, 1));
  EXPECT_FALSE(check.Announced(3, 3));
  // A snapshot install jumped over 3: nothing to compare with.
  EXPECT_FALSE(check.Applied(4, 4));
  EXPECT_FALSE(check.Announced(2, 2));  // never applied here either
  EXPECT_EQ(check.matched(), 0u);
}

TEST(DigestCheckTest, ForgottenAndResetStateComparesNothing) {
  DigestCheck check;
  for (Zxid z = 1; z <= Zxid(DigestCheck::kMaxApplied) + 10; ++z) {
    check.Applied(z, z);
  }
  EXPECT_FALSE(check.Announced(1, 12345));  // too old to remember
  EXPECT_TRUE(check.Announced(20, 12345).has_value());
  check.Reset();
  EXPECT_FALSE(check.Announced(20, 12345));  // pending now, not compared
  // A lower zxid means the tree was replaced: the old record goes.
  DigestCheck other;
  other.Applied(10, 10);
  other.Applied(5, 50);
  EXPECT_FALSE(other.Announced(10, 999));
  EXPECT_FALSE(other.Announced(5, 50));
  EXPECT_EQ(other.matched(), 1u);
}

}  // namespace
}  // namespace canopy::pipeline
