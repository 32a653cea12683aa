#include "server/tree/watch_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

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

TEST(WatchRegistryTest, PersistentKindsAreCollectedWithoutBeingRemoved) {
  WatchRegistry w;
  w.Add("/a", WatchKind::kPersistent, 2);
  w.Add("/a", WatchKind::kPersistent, 1);
  w.Add("/a", WatchKind::kData, 3);
  std::vector<SessionId> out;
  w.Collect("/a", WatchKind::kPersistent, &out);
  w.Collect("/b", WatchKind::kPersistent, &out);
  EXPECT_THAT(out, ElementsAre(1, 2));
  EXPECT_EQ(w.size(), 3u);
  // Take of the one-shot kinds leaves them alone.
  EXPECT_THAT(w.Take("/a", {WatchKind::kData, WatchKind::kExists}),
              ElementsAre(3));
  EXPECT_TRUE(w.Has("/a", WatchKind::kPersistent, 1));
  EXPECT_EQ(w.size(), 2u);
}

TEST(WatchRegistryTest, CollectRecursiveWalksThePathAndItsAncestors) {
  WatchRegistry w;
  std::vector<SessionId> out;
  w.CollectRecursive("/a/b/c", &out);  // none at all
  EXPECT_THAT(out, IsEmpty());
  w.Add("/", WatchKind::kPersistentRecursive, 1);
  w.Add("/a", WatchKind::kPersistentRecursive, 2);
  w.Add("/a/b/c", WatchKind::kPersistentRecursive, 3);
  w.Add("/a/b/c/d", WatchKind::kPersistentRecursive, 4);  // below: no
  w.Add("/a/b", WatchKind::kPersistent, 5);  // not recursive: no
  w.Add("/a/bc", WatchKind::kPersistentRecursive, 6);  // a sibling: no
  w.CollectRecursive("/a/b/c", &out);
  EXPECT_THAT(out, ElementsAre(3, 2, 1));  // nearest first
  out.clear();
  w.CollectRecursive("/", &out);
  EXPECT_THAT(out, ElementsAre(1));
  out.clear();
  w.CollectRecursive("/x", &out);
  EXPECT_THAT(out, ElementsAre(1));
}

TEST(WatchRegistryTest, RemoveDropsOneWatch) {
  WatchRegistry w;
  w.Add("/a", WatchKind::kPersistentRecursive, 1);
  w.Add("/a", WatchKind::kPersistent, 1);
  w.Add("/a", WatchKind::kPersistentRecursive, 2);
  EXPECT_TRUE(w.Remove("/a", WatchKind::kPersistentRecursive, 1));
  EXPECT_FALSE(w.Remove("/a", WatchKind::kPersistentRecursive, 1));
  EXPECT_FALSE(w.Remove("/b", WatchKind::kData, 1));
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(w.CountFor(1), 1u);
  EXPECT_TRUE(w.Has("/a", WatchKind::kPersistent, 1));
  EXPECT_TRUE(w.Has("/a", WatchKind::kPersistentRecursive, 2));
  EXPECT_TRUE(w.Remove("/a", WatchKind::kPersistent, 1));
  EXPECT_EQ(w.CountFor(1), 0u);
  w.RemoveSession(1);  // nothing left: harmless
  EXPECT_EQ(w.size(), 1u);
}

TEST(WatchRegistryTest, RemoveSessionDropsPersistentKindsToo) {
  WatchRegistry w;
  w.Add("/a", WatchKind::kPersistent, 1);
  w.Add("/", WatchKind::kPersistentRecursive, 1);
  w.Add("/a", WatchKind::kChildren, 1);
  w.Add("/", WatchKind::kPersistentRecursive, 2);
  w.RemoveSession(1);
  EXPECT_EQ(w.size(), 1u);
  std::vector<SessionId> out;
  w.CollectRecursive("/a", &out);
  w.Collect("/a", WatchKind::kPersistent, &out);
  EXPECT_THAT(out, ElementsAre(2));
  EXPECT_TRUE(IsPersistent(WatchKind::kPersistent));
  EXPECT_TRUE(IsPersistent(WatchKind::kPersistentRecursive));
  EXPECT_FALSE(IsPersistent(WatchKind::kExists));
}

}  // namespace
}  // namespace canopy::tree
