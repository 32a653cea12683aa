// The zxid counter roll-over: with canopy.zxidCounterLimit lowered, the
// leader runs out of counter several times under a write load from several
// clients. Canopy keeps ZooKeeper's answer — the leader steps down once its
// proposals commit and an election starts a new epoch — and this test shows
// what that costs: no acknowledged write is lost, every session (and its
// ephemeral) survives, and zxids keep increasing into new epochs.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include "tests/integration/durability_util.h"

namespace canopy::testing {
namespace {

constexpr int64_t kCounterLimit = 250;

int64_t EpochOfHex(const std::string& hex) {
  return int64_t(std::stoull(hex, nullptr, 16) >> 32);
}

struct Writer {
  std::unique_ptr<Client> client;
  int64_t session_id = 0;
  std::atomic<bool> expired{false};
  std::vector<std::string> acked;  // in acknowledgement order
  int refused = 0;                 // writes answered with an error
};

TEST(ZxidRolloverTest, CounterRollOverKeepsSessionsAndWrites) {
  auto e = Ensemble::Start(
      3, 100, "canopy.zxidCounterLimit=" + std::to_string(kCounterLimit) + "\n");
  ASSERT_NE(e, nullptr);
  {
    auto c = ConnectClient(e->hosts());
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Create("/roll", "").ok());
    ASSERT_TRUE(c->Create("/eph", "").ok());
  }
  const int64_t first_epoch =
      EpochOfHex(Mntr(e->client_port(e->WaitForLeader()))["zk_last_zxid"]);

  constexpr int kWriters = 3;
  constexpr int kWritesEach = 300;  // 900 writes: over three counter limits
  std::vector<std::unique_ptr<Writer>> writers;
  for (int w = 0; w < kWriters; ++w) {
    auto writer = std::make_unique<Writer>();
    ClientOptions options;
    options.connect_string = e->hosts();
    options.session_timeout_ms = 8000;
    Writer* raw = writer.get();
    options.on_session_event = [raw](SessionEvent event) {
      if (event == SessionEvent::kExpired) raw->expired = true;
    };
    auto client = Client::Connect(options);
    ASSERT_TRUE(client.ok());
    writer->client = std::move(client).value();
    writer->session_id = writer->client->session_id();
    ASSERT_TRUE(writer->client
                    ->Create("/eph/w" + std::to_string(w), "",
                             proto::EPHEMERAL)
                    .ok());
    writers.push_back(std::move(writer));
  }

  std::vector<std::thread> threads;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Writer& writer = *writers[size_t(w)];
      for (int i = 0; int(writer.acked.size()) < kWritesEach &&
                      std::chrono::steady_clock::now() < deadline &&
                      !writer.expired;
           ++i) {
        const std::string path =
            "/roll/w" + std::to_string(w) + "-" + std::to_string(i);
        if (writer.client->Create(path, "v").ok()) {
          writer.acked.push_back(path);
        } else {
          ++writer.refused;  // indeterminate or refused: the next one goes
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  const int leader = e->WaitForLeader();
  ASSERT_NE(leader, 0);
  const int64_t last_epoch =
      EpochOfHex(Mntr(e->client_port(leader))["zk_last_zxid"]);
  EXPECT_GE(last_epoch, first_epoch + 3) << "the counter did not roll over";
  int refused = 0;
  for (int w = 0; w < kWriters; ++w) {
    Writer& writer = *writers[size_t(w)];
    SCOPED_TRACE("writer " + std::to_string(w));
    refused += writer.refused;
    EXPECT_FALSE(writer.expired) << "a session was lost at a roll-over";
    EXPECT_EQ(int(writer.acked.size()), kWritesEach);
    EXPECT_EQ(writer.client->session_id(), writer.session_id);
    // Each create was acknowledged before the next was sent: their zxids
    // increase, across epochs too.
    Zxid previous = 0;
    for (const auto& path : writer.acked) {
      auto stat = writer.client->Exists(path);
      ASSERT_TRUE(stat.ok() && stat->has_value()) << path << " lost";
      EXPECT_GT((*stat)->czxid(), previous) << path;
      EXPECT_LE((*stat)->mzxid() & 0xffffffffLL, kCounterLimit) << path;
      previous = (*stat)->czxid();
    }
    EXPECT_GT(previous >> 32, first_epoch) << "no write in a later epoch";
    auto eph = writer.client->Exists("/eph/w" + std::to_string(w));
    ASSERT_TRUE(eph.ok());
    ASSERT_TRUE(eph->has_value()) << "the ephemeral of a live session went";
    EXPECT_EQ((*eph)->ephemeral_owner(), writer.session_id);
  }
  std::cerr << "writes refused or indeterminate around roll-overs: " << refused
            << ", epochs " << first_epoch << " -> " << last_epoch << "\n";
  ASSERT_EQ(WaitDigestsAgree(*e), "");
  std::vector<std::string> all;
  for (auto& writer : writers) {
    all.insert(all.end(), writer->acked.begin(), writer->acked.end());
  }
  for (int id = 1; id <= 3; ++id) {
    EXPECT_TRUE(MissingOn(*e, id, "/roll", all).empty()) << "member " << id;
  }
}

}  // namespace
}  // namespace canopy::testing
