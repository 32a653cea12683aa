// A follower whose tree differs from the leader's stops serving. The
// divergence is made the way a silent disk corruption would make it: a
// follower's newest snapshot is rewritten, with a valid checksum, holding
// one node's data changed; the follower restarts from it, the leader's next
// digest announcement disagrees with its own at the same zxid, and it drops
// its clients, refuses new ones and reports "diverged", while the other two
// members go on serving.
#include <gtest/gtest.h>
#include <signal.h>

#include <leveldb/env.h>

#include <algorithm>

#include "server/net/snapshot_io.h"
#include "server/storage/snapshot.h"
#include "tests/integration/durability_util.h"

namespace canopy::testing {
namespace {

// Rewrites dir's newest snapshot with /x's data replaced. Returns its zxid
// (0 when there is none).
Zxid TamperNewestSnapshot(const std::string& dir) {
  leveldb::Env* env = leveldb::Env::Default();
  const auto zxids = storage::ListSnapshots(env, dir);
  if (zxids.empty()) return 0;
  const Zxid zxid = *std::max_element(zxids.begin(), zxids.end());
  tree::DataTree loaded;
  if (!net::LoadSnapshot(env, dir, zxid, &loaded).ok()) return 0;
  loaded.FinishLoad(zxid);
  tree::DataTree tampered;
  tampered.Clear();
  bool ok = true;
  loaded.ForEachNode([&](const std::string& path, const tree::Node& node) {
    proto::SnapshotNode out;
    out.set_path(path);
    out.set_data(path == "/x" ? std::string("evil") : node.data.str());
    if (node.acl) {
      for (const auto& a : *node.acl) *out.add_acl() = a;
    }
    node.stat.ToProto(out.mutable_stat());
    out.set_container(node.container());
    out.set_ttl_ms(node.ttl_ms());
    ok = ok && tampered.InsertLoaded(out);
  });
  for (const auto& [id, info] : loaded.sessions()) {
    proto::SnapshotSession s;
    s.set_session_id(id);
    s.set_timeout_ms(info.timeout_ms);
    s.set_password(info.password);
    tampered.InsertLoadedSession(s);
  }
  tampered.FinishLoad(zxid);
  if (!ok || tampered.Digest() == loaded.Digest()) return 0;
  if (!net::WriteSnapshot(tampered, dir).ok()) return 0;
  return zxid;
}

TEST(DigestDivergenceTest, FollowerWithADivergedTreeStopsServing) {
  auto e = Ensemble::Start(3, 100, "snapCount=20\n");
  ASSERT_NE(e, nullptr);
  const int leader = e->WaitForLeader();
  ASSERT_NE(leader, 0);
  const int follower = leader == 1 ? 2 : 1;
  auto c = ConnectClient(e->hosts_except(follower));
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Create("/x", "good").ok());
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(c->Create("/n" + std::to_string(i), "").ok());
  }
  // Healthy members agree (and the follower's snapshot holds /x).
  ASSERT_EQ(WaitDigestsAgree(*e), "");
  const std::string snapshots = e->dir(follower) + "/snapshots";
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (storage::ListSnapshots(leveldb::Env::Default(), snapshots).empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a poll
  }
  e->Kill(follower, SIGKILL);
  ASSERT_NE(TamperNewestSnapshot(snapshots), 0);
  ASSERT_TRUE(e->Restart(follower));

  // The leader announces its digest on every write and every ten ticks; the
  // follower may find the mismatch while it syncs or after.
  ASSERT_TRUE(c->Create("/after", "").ok());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string state;
  while (std::chrono::steady_clock::now() < until) {
    state = Mntr(e->client_port(follower))["zk_server_state"];
    if (state == "diverged") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a poll
  }
  ASSERT_EQ(state, "diverged")
      << ReadFile(e->dir(follower) + "/server.log") << "---- leader\n"
      << ReadFile(e->dir(leader) + "/server.log");
  const std::string log = ReadFile(e->dir(follower) + "/server.log");
  EXPECT_NE(log.find("TREE DIVERGED"), std::string::npos) << log;
  // It refuses clients...
  EXPECT_EQ(ConnectClient("127.0.0.1:" +
                              std::to_string(e->client_port(follower)),
                          1500),
            nullptr);
  // ...and the others serve.
  ASSERT_TRUE(c->Create("/still", "").ok());
  auto data = c->GetData("/x");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->first, "good");
}

}  // namespace
}  // namespace canopy::testing
