// Retention under a steady write load: after 200,000 writes with a small
// snapCount the data dir holds only the retained snapshots (at most
// autopurge.snapRetainCount) and the log after the oldest of them, and its
// size stays bounded — far below what the writes would take unpurged.
#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "canopy/client.h"
#include "server/storage/log.h"
#include "server/storage/snapshot.h"
#include "tests/integration/server_process.h"

namespace canopy::testing {
namespace {

constexpr int kWrites = 200'000;
constexpr int kSnapCount = 2'000;
constexpr int kRetain = 3;
constexpr int kSessions = 4;
constexpr int kWindow = 500;        // outstanding writes per session
constexpr int kNodesPerSession = 50;
// Random bytes, so LevelDB cannot compress them away: unpurged, 200,000
// writes would leave over 40 MB of log.
constexpr size_t kDataBytes = 200;
// Retained: a few snapshots of 200 nodes, about (kRetain + 1) * kSnapCount
// txns of log, plus LevelDB's write buffer and files not yet compacted.
constexpr uintmax_t kMaxDataDirBytes = 8u << 20;

uintmax_t DirBytes(const std::string& dir) {
  uintmax_t total = 0;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

// Keeps kWindow setData calls in flight on one session until its share of
// the writes is sent; every completion sends the next.
class Pump {
 public:
  Pump(Client* client, int session, int writes)
      : client_(client), session_(session), left_to_send_(writes) {}

  void Start() {
    for (int i = 0; i < kWindow; ++i) SendNext();
  }
  int done() const { return done_.load(); }
  int failed() const { return failed_.load(); }
  // Called by each completion (any thread): the main thread waits on it.
  std::function<void()> on_done;

 private:
  void SendNext() {
    const int n = left_to_send_.fetch_sub(1);
    if (n <= 0) return;
    const std::string path = "/ret/s" + std::to_string(session_) + "-" +
                             std::to_string(n % kNodesPerSession);
    client_->SetDataAsync(path, RandomData(), -1,
                          [this](Result<proto::Stat> stat) {
                            if (!stat.ok()) failed_.fetch_add(1);
                            done_.fetch_add(1);
                            SendNext();
                            on_done();
                          });
  }

  // xorshift64: cheap, and incompressible enough.
  std::string RandomData() {
    std::lock_guard lock(random_mu_);
    std::string out(kDataBytes, '\0');
    for (size_t i = 0; i < kDataBytes; i += 8) {
      random_ ^= random_ << 13;
      random_ ^= random_ >> 7;
      random_ ^= random_ << 17;
      for (size_t j = 0; j < 8 && i + j < kDataBytes; ++j) {
        out[i + j] = static_cast<char>(random_ >> (8 * j));
      }
    }
    return out;
  }

  Client* client_;
  const int session_;
  std::mutex random_mu_;
  uint64_t random_ = 0x9E3779B97F4A7C15ull;
  std::atomic<int> left_to_send_;
  std::atomic<int> done_{0};
  std::atomic<int> failed_{0};
};

TEST(RetentionTest, PurgeKeepsRetainedSnapshotsAndTheLogAfterThem) {
  TempDir dir;
  const std::string config = TestConfig(dir.path()) +
                             "snapCount=" + std::to_string(kSnapCount) +
                             "\nautopurge.snapRetainCount=" +
                             std::to_string(kRetain) +
                             "\nautopurge.purgeInterval=0\n";
  auto server = ServerProcess::Start(dir.path(), config);
  ASSERT_NE(server, nullptr);
  const auto started = std::chrono::steady_clock::now();

  std::vector<std::unique_ptr<Client>> clients;
  for (int s = 0; s < kSessions; ++s) {
    ClientOptions options;
    options.connect_string = "127.0.0.1:" + std::to_string(server->port());
    options.session_timeout_ms = 20000;
    auto client = Client::Connect(options);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    clients.push_back(std::move(client).value());
  }
  ASSERT_TRUE(clients[0]->Create("/ret", "").ok());
  for (int s = 0; s < kSessions; ++s) {
    for (int i = 0; i < kNodesPerSession; ++i) {
      ASSERT_TRUE(clients[0]
                      ->Create("/ret/s" + std::to_string(s) + "-" +
                                   std::to_string(i),
                               "")
                      .ok());
    }
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<Pump>> pumps;
  for (int s = 0; s < kSessions; ++s) {
    pumps.push_back(
        std::make_unique<Pump>(clients[s].get(), s, kWrites / kSessions));
    pumps.back()->on_done = [&] {
      std::lock_guard lock(mu);
      cv.notify_all();
    };
  }
  for (auto& pump : pumps) pump->Start();
  const auto total_done = [&] {
    int done = 0;
    for (auto& pump : pumps) done += pump->done();
    return done;
  };
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(120),
                            [&] { return total_done() == kWrites; }))
        << total_done() << " of " << kWrites << " writes done";
  }
  const double write_s = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - started)
                             .count();
  int failed = 0;
  for (auto& pump : pumps) failed += pump->failed();
  EXPECT_EQ(failed, 0);
  std::printf("[ retention ] %d writes in %.1f s (%.0f/s)\n", kWrites,
              write_s, kWrites / write_s);

  // The snapshot the last writes made due may still be being written; once
  // it is done the purge leaves kRetain. Nothing else is written now.
  leveldb::Env* env = leveldb::Env::Default();
  const std::string snapshot_dir = dir.path() + "/snapshots";
  const auto settle_deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const auto settled = [&] {
    if (storage::ListSnapshots(env, snapshot_dir).size() >
        static_cast<size_t>(kRetain)) {
      return false;
    }
    for (const auto& entry :
         std::filesystem::directory_iterator(snapshot_dir)) {
      if (entry.path().extension() == ".tmp") return false;
    }
    return true;
  };
  while (!settled() && std::chrono::steady_clock::now() < settle_deadline) {
    // Polls the directory: the server gives no signal when a purge ends.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(settled());
  for (auto& client : clients) client->Close();
  ASSERT_EQ(server->Kill(SIGTERM), 0);

  const std::vector<Zxid> kept = storage::ListSnapshots(env, snapshot_dir);
  ASSERT_GE(kept.size(), 1u);
  EXPECT_LE(kept.size(), static_cast<size_t>(kRetain));
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(snapshot_dir)) {
    ++files;
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
  }
  EXPECT_EQ(files, kept.size());

  // The log holds nothing at or before the oldest retained snapshot, and
  // reaches up to the last write.
  auto log = storage::OpenLevelDbLog(dir.path() + "/log");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  const Zxid first = (*log)->FirstZxid();
  const Zxid last = (*log)->LastZxid();
  ASSERT_NE(first, 0);
  EXPECT_GT(first, kept.back());
  EXPECT_GE(last, kept.front());
  int64_t txns = 0;
  Zxid previous = 0;
  ASSERT_TRUE((*log)
                  ->ReadAfter(0,
                              [&](const proto::Txn& txn) {
                                EXPECT_GT(txn.zxid(), kept.back());
                                EXPECT_GT(txn.zxid(), previous);
                                previous = txn.zxid();
                                ++txns;
                                return true;
                              })
                  .ok());
  EXPECT_LE(txns, int64_t{kRetain + 1} * kSnapCount + kWindow * kSessions);
  log->reset();

  const uintmax_t bytes = DirBytes(dir.path());
  std::printf("[ retention ] %zu snapshots, %lld txns in the log, data dir "
              "%.1f MB, %.1f s in all\n",
              kept.size(), static_cast<long long>(txns), bytes / 1048576.0,
              std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            started)
                  .count());
  EXPECT_LT(bytes, kMaxDataDirBytes);
}

}  // namespace
}  // namespace canopy::testing
