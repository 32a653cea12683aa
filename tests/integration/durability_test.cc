// Durability of real processes: every member SIGKILLed at once under a write
// load loses no acknowledged write and the members agree on their tree
// digest after the restart; a torn last log record is dropped cleanly on
// restart; a member whose fsync fails stops instead of acknowledging.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tests/integration/durability_util.h"

namespace canopy::testing {
namespace {

namespace fs = std::filesystem;

// The last lines of every member's server log, for failure messages.
std::string LogTails(const Ensemble& e) {
  std::string out;
  for (int id = 1; id <= e.size(); ++id) {
    const std::string log = ReadFile(e.dir(id) + "/server.log");
    out += "---- member " + std::to_string(id) + "\n" +
           log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
  }
  return out;
}

TEST(DurabilityTest, WholeEnsembleKilledUnderLoadLosesNoAcknowledgedWrite) {
  auto e = Ensemble::Start(3);
  ASSERT_NE(e, nullptr);
  {
    auto c = ConnectClient(e->hosts());
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Create("/load", "").ok());
  }
  std::vector<std::string> acked;
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    WriteLoad load(e->hosts(), "/load", 4);
    ASSERT_TRUE(load.WaitForMore(150 + 50 * round));
    // Every member at once, while the writers have creates in flight.
    for (int id = 1; id <= 3; ++id) ::kill(e->pid(id), SIGKILL);
    for (int id = 1; id <= 3; ++id) e->Kill(id, SIGKILL);  // reaps
    load.Stop();
    const auto paths = load.paths();
    acked.insert(acked.end(), paths.begin(), paths.end());
    for (int id = 1; id <= 3; ++id) ASSERT_TRUE(e->Restart(id));
    ASSERT_NE(e->WaitForLeader(), 0) << LogTails(*e);
    const std::string agree = WaitDigestsAgree(*e);
    ASSERT_EQ(agree, "");
    for (int id = 1; id <= 3; ++id) {
      const auto missing = MissingOn(*e, id, "/load", acked);
      EXPECT_TRUE(missing.empty())
          << "member " << id << " lost " << missing.size()
          << " acknowledged writes, first " << missing.front();
    }
  }
  EXPECT_GT(acked.size(), 450u);
}

// The *.log file of a member's LevelDB log directory (one after a restart).
std::string LevelDbLogFile(const std::string& data_dir) {
  std::string newest;
  for (const auto& entry : fs::directory_iterator(data_dir + "/log")) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".log" &&
        entry.path().string() > newest) {
      newest = entry.path().string();
    }
  }
  return newest;
}

// Creates /t/n<from>.. one at a time (each acknowledged before the next is
// sent), then stops the server with sig, tears the last record of the log
// and restarts: the tree holds exactly a prefix of the creates, missing at
// most the torn one, and serves writes again.
void TearAndRecover(int sig) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  auto server = ServerProcess::Start(data, TestConfig(data));
  ASSERT_NE(server, nullptr);
  const std::string host = "127.0.0.1:" + std::to_string(server->port());
  constexpr int kCreates = 200;
  {
    auto c = ConnectClient(host);
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Create("/t", "").ok());
    for (int i = 0; i < kCreates; ++i) {
      ASSERT_TRUE(c->Create("/t/n" + std::to_string(1000 + i),
                            std::string(100, 'x')).ok());
    }
    // After a clean stop the last record is the session's close; after a
    // SIGKILL (with the client still open) it is the last create.
    if (sig != SIGKILL) ASSERT_TRUE(c->Close().ok());
    server->Kill(sig);
  }
  const int port = server->port();
  server.reset();

  const std::string log_file = LevelDbLogFile(data);
  ASSERT_FALSE(log_file.empty());
  const auto size = fs::file_size(log_file);
  ASSERT_GT(size, 200u);
  // A create's record is over 100 bytes: cutting 40 tears the last one
  // (the close, after a clean stop) in the middle.
  fs::resize_file(log_file, size - 40);

  server = ServerProcess::Start(data, TestConfig(data), port);
  ASSERT_NE(server, nullptr) << ReadFile(data + "/server.log");
  auto c = ConnectClient(host);
  ASSERT_NE(c, nullptr);
  auto children = c->GetChildren("/t");
  ASSERT_TRUE(children.ok()) << children.status().ToString();
  std::set<std::string> have(children->begin(), children->end());
  size_t prefix = 0;
  while (have.count("n" + std::to_string(1000 + prefix))) ++prefix;
  EXPECT_EQ(prefix, have.size()) << "not a prefix of the acknowledged creates";
  if (sig == SIGKILL) {
    EXPECT_EQ(prefix, size_t(kCreates - 1)) << "expected only the torn create lost";
  } else {
    EXPECT_GE(prefix, size_t(kCreates - 1));
  }
  // It serves, and goes on logging after the torn record.
  ASSERT_TRUE(c->Create("/t/after", "").ok());
  c.reset();
  server->Kill(SIGKILL);
  server = ServerProcess::Start(data, TestConfig(data), port);
  ASSERT_NE(server, nullptr);
  auto again = ConnectClient(host);
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->Exists("/t/after").ok() &&
              again->Exists("/t/after")->has_value());
}

TEST(DurabilityTest, TornLastLogRecordAfterSigkillRecoversToLastWholeRecord) {
  TearAndRecover(SIGKILL);
}

TEST(DurabilityTest, TornLastLogRecordAfterCleanStopRecovers) {
  TearAndRecover(SIGTERM);
}

// Restarts member `id` with the fsync shim preloaded: its fsync and
// fdatasync fail with EIO once `trigger` exists.
bool RestartWithFailingFsync(Ensemble& e, int id, const std::string& trigger) {
  e.Kill(id, SIGKILL);
  setenv("LD_PRELOAD", CANOPY_FSYNC_SHIM, 1);
  setenv("CANOPY_FSYNC_FAIL_TRIGGER", trigger.c_str(), 1);
  const bool ok = e.Restart(id);
  unsetenv("LD_PRELOAD");
  unsetenv("CANOPY_FSYNC_FAIL_TRIGGER");
  return ok && e.WaitServing(id);
}

void Touch(const std::string& path) { std::ofstream(path) << "fail\n"; }

TEST(DurabilityTest, MemberWhoseFsyncFailsStopsAndNothingUndurableIsAcked) {
  auto e = Ensemble::Start(3);
  ASSERT_NE(e, nullptr);
  const int leader = e->WaitForLeader();
  ASSERT_NE(leader, 0);
  std::vector<int> followers;
  for (int id = 1; id <= 3; ++id) {
    if (id != leader) followers.push_back(id);
  }
  const std::string trigger[2] = {e->dir(followers[0]) + "/fail-fsync",
                                  e->dir(followers[1]) + "/fail-fsync"};
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(RestartWithFailingFsync(*e, followers[i], trigger[i]));
  }
  ASSERT_EQ(e->WaitForLeader(), leader);
  const std::string leader_host =
      "127.0.0.1:" + std::to_string(e->client_port(leader));
  auto c = ConnectClient(leader_host, 4000);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Create("/d", "").ok());
  std::vector<std::string> acked;
  for (int i = 0; i < 20; ++i) {
    acked.push_back("/d/a" + std::to_string(i));
    ASSERT_TRUE(c->Create(acked.back(), "").ok());
  }

  // One follower's disk fails: it exits with a clear log line, and the
  // leader and the other follower go on acknowledging writes.
  Touch(trigger[0]);
  for (int i = 0; i < 20; ++i) {
    acked.push_back("/d/b" + std::to_string(i));
    ASSERT_TRUE(c->Create(acked.back(), "").ok()) << i;
  }
  ASSERT_TRUE(WaitProcessEnd(e->pid(followers[0]), 10000))
      << "member with a failing fsync kept running";
  EXPECT_EQ(ExitCodeOfEnded(e->pid(followers[0])), 70);
  const std::string log = ReadFile(e->dir(followers[0]) + "/server.log");
  EXPECT_NE(log.find("log write failed, stopping"), std::string::npos) << log;

  // The other follower's disk fails too: a write can now be durable only on
  // the leader, which is no quorum, so it must not be acknowledged.
  Touch(trigger[1]);
  auto unacked = c->Create("/d/never-acked", "");
  EXPECT_FALSE(unacked.ok()) << "a write durable on one of three was acked";
  ASSERT_TRUE(WaitProcessEnd(e->pid(followers[1]), 10000));
  EXPECT_EQ(ExitCodeOfEnded(e->pid(followers[1])), 70);
  EXPECT_NE(ReadFile(e->dir(followers[1]) + "/server.log")
                .find("log write failed, stopping"),
            std::string::npos);

  // With healthy disks again, the ensemble holds every acknowledged write.
  c.reset();
  for (int id : followers) {
    e->Kill(id, SIGKILL);  // reaps the ended process
    ::unlink((e->dir(id) + "/fail-fsync").c_str());
    ASSERT_TRUE(e->Restart(id));
  }
  ASSERT_NE(e->WaitForLeader(), 0);
  ASSERT_EQ(WaitDigestsAgree(*e), "");
  for (int id = 1; id <= 3; ++id) {
    const auto missing = MissingOn(*e, id, "/d", acked);
    EXPECT_TRUE(missing.empty()) << "member " << id << " lost writes";
  }
}

}  // namespace
}  // namespace canopy::testing
