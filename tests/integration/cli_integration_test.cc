// The canopy CLI and the C++ client library against a real server process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "canopy/client.h"
#include "tests/integration/server_process.h"

#ifndef CANOPY_CLI_BIN
#error "CANOPY_CLI_BIN must name the canopy CLI binary"
#endif

namespace canopy::testing {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// Runs the CLI with a shell command line (arguments already quoted), with
// optional standard input, and captures stdout and stderr together.
CliRun RunCli(int port, const std::string& args, const std::string& input = "") {
  std::string command = std::string("timeout 30 ") + CANOPY_CLI_BIN +
                        " -s 127.0.0.1:" + std::to_string(port) +
                        " --timeout 4000 " + args + " 2>&1";
  if (!input.empty()) {
    command = "printf '" + input + "' | " + command;
  }
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()));
    ASSERT_NE(server_, nullptr);
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(CliTest, CreateThenGetPrintsTheData) {
  CliRun created = RunCli(server_->port(), "create /x hi");
  EXPECT_EQ(created.exit_code, 0) << created.out;
  EXPECT_EQ(created.out, "/x\n");
  CliRun got = RunCli(server_->port(), "get /x");
  EXPECT_EQ(got.exit_code, 0);
  EXPECT_EQ(got.out, "hi\n");
}

TEST_F(CliTest, ErrorsExitNonZeroNamingTheError) {
  CliRun missing = RunCli(server_->port(), "get /nope");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.out.find("NoNode"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find("/nope"), std::string::npos);
  ASSERT_EQ(RunCli(server_->port(), "create /v a").exit_code, 0);
  CliRun wrong = RunCli(server_->port(), "set -v 7 /v b");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.out.find("BadVersion"), std::string::npos) << wrong.out;
}

TEST_F(CliTest, StatPrintsZooKeeperStyleLines) {
  ASSERT_EQ(RunCli(server_->port(), "create /s abc").exit_code, 0);
  CliRun stat = RunCli(server_->port(), "stat /s");
  EXPECT_EQ(stat.exit_code, 0);
  EXPECT_NE(stat.out.find("cZxid = 0x"), std::string::npos) << stat.out;
  EXPECT_NE(stat.out.find("dataLength = 3"), std::string::npos);
  EXPECT_NE(stat.out.find("numChildren = 0"), std::string::npos);
}

TEST_F(CliTest, BatchFromStdinRunsThroughOneSession) {
  CliRun run = RunCli(server_->port(), "",
                   "create /b x\\ncreate -e /b/eph y\\nls /b\\nget /b\\n");
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("eph"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("x\n"), std::string::npos);
  // The ephemeral went with the batch's session.
  CliRun after = RunCli(server_->port(), "ls /b");
  EXPECT_EQ(after.out, "");
}

TEST_F(CliTest, SequentialDeleteallAndRecursiveList) {
  ASSERT_EQ(RunCli(server_->port(), "create /t").exit_code, 0);
  CliRun seq = RunCli(server_->port(), "create -s /t/n- v");
  EXPECT_EQ(seq.out, "/t/n-0000000000\n");
  ASSERT_EQ(RunCli(server_->port(), "create /t/a").exit_code, 0);
  ASSERT_EQ(RunCli(server_->port(), "create /t/a/b").exit_code, 0);
  CliRun tree = RunCli(server_->port(), "ls -R /t");
  EXPECT_NE(tree.out.find("/t/a/b"), std::string::npos) << tree.out;
  EXPECT_EQ(RunCli(server_->port(), "deleteall /t").exit_code, 0);
  EXPECT_NE(RunCli(server_->port(), "get /t").exit_code, 0);
}

TEST_F(CliTest, UnreachableServerFailsWithinTheTimeout) {
  const int port = server_->port();
  server_->Kill(SIGKILL);
  CliRun run = RunCli(port, "get /");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.out.find("ConnectionLoss"), std::string::npos) << run.out;
}

class ClientTest : public CliTest {
 protected:
  std::unique_ptr<Client> Connect(const std::string& chroot = "") {
    ClientOptions options;
    options.connect_string =
        "127.0.0.1:" + std::to_string(server_->port()) + chroot;
    options.session_timeout_ms = 4000;
    auto client = Client::Connect(options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }
};

TEST_F(ClientTest, WatchCallbackRunsOnceWithTheEvent) {
  auto a = Connect();
  auto b = Connect();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Create("/cw", "0").ok());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<proto::WatchEvent> events;
  auto got = a->GetData("/cw", [&](const proto::WatchEvent& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
    cv.notify_all();
  });
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(b->SetData("/cw", "1").ok());
  ASSERT_TRUE(b->SetData("/cw", "2").ok());
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                          [&] { return !events.empty(); }));
  lock.unlock();
  ASSERT_TRUE(a->Sync("/cw").ok());
  lock.lock();
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), proto::NODE_DATA_CHANGED);
  EXPECT_EQ(events[0].path(), "/cw");
}

TEST_F(ClientTest, ChrootIsInvisibleToTheClient) {
  auto root = Connect();
  ASSERT_TRUE(root && root->Create("/app", "").ok());
  auto app = Connect("/app");
  ASSERT_NE(app, nullptr);
  auto made = app->Create("/job", "x");
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(*made, "/job");
  EXPECT_TRUE(root->Exists("/app/job").ok());
  EXPECT_TRUE(root->Exists("/app/job")->has_value());
}

TEST_F(ClientTest, SessionSurvivesServerRestartWithinTheTimeout) {
  auto c = Connect();
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Create("/eph", "", proto::EPHEMERAL).ok());
  const int port = server_->port();
  server_->Kill(SIGTERM);
  server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()), port);
  ASSERT_NE(server_, nullptr);
  // The next call waits for the reconnect and runs on the same session.
  auto exists = c->Exists("/eph");
  ASSERT_TRUE(exists.ok()) << exists.status().ToString();
  ASSERT_TRUE(exists->has_value());
  EXPECT_EQ((*exists)->ephemeral_owner(), c->session_id());
}

}  // namespace
}  // namespace canopy::testing
