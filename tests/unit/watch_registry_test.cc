#include "server/tree/watch_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace canopy::tree {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(WatchRegistryTest, AddIsIdempotentPerPathKindSession) {
  WatchRegistry w;
  w.Add("/a", WatchKind::kData, 1);
  w.Add("/a", WatchKind::kData, 1);
  EXPECT_EQ(w.size(), 1u);
  w.Add("/a", WatchKind::kChildren, 1);
  w.Add("/a", WatchKind::kData, 2);
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.CountFor(1), 2u);
  EXPECT_EQ(w.CountFor(2), 1u);
  EXPECT_EQ(w.CountFor(3), 0u);
  EXPECT_TRUE(w.Has("/a", WatchKind::kChildren, 1));
  EXPECT_FALSE(w.Has("/a", WatchKind::kChildren, 2));
}

TEST(WatchRegistryTest, TakeRemovesOnlyTheAskedKindsAndIsOneShot) {
  WatchRegistry w;
  w.Add("/a", WatchKind::kData, 2);
  w.Add("/a", WatchKind::kData, 1);
  w.Add("/a", WatchKind::kChildren, 3);
  w.Add("/b", WatchKind::kData, 1);
  EXPECT_THAT(w.Take("/a", {WatchKind::kData, WatchKind::kExists}),
              ElementsAre(1, 2));
  EXPECT_THAT(w.Take("/a", {WatchKind::kData}), IsEmpty());  // one-shot
  EXPECT_TRUE(w.Has("/a", WatchKind::kChildren, 3));
  EXPECT_TRUE(w.Has("/b", WatchKind::kData, 1));
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w.CountFor(2), 0u);
}

TEST(WatchRegistryTest, TakeReturnsEachSessionOnceAcrossKinds) {
  WatchRegistry w;
  w.Add("/a", WatchKind::kData, 7);
  w.Add("/a", WatchKind::kExists, 7);
  w.Add("/a", WatchKind::kChildren, 7);
  EXPECT_THAT(w.Take("/a", {WatchKind::kData, WatchKind::kExists,
                            WatchKind::kChildren}),
              ElementsAre(7));
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.CountFor(7), 0u);
}

TEST(WatchRegistryTest, RemoveSessionDropsAllItsWatchesOnly) {
  WatchRegistry w;
  w.Add("/a", WatchKind::kData, 1);
  w.Add("/b", WatchKind::kExists, 1);
  w.Add("/a", WatchKind::kData, 2);
  w.RemoveSession(1);
  w.RemoveSession(99);  // unknown: no effect
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.CountFor(1), 0u);
  EXPECT_THAT(w.Take("/b", {WatchKind::kExists}), IsEmpty());
  EXPECT_THAT(w.Take("/a", {WatchKind::kData}), ElementsAre(2));
}

}  // namespace
}  // namespace canopy::tree
