// The canopy CLI's administrative commands against a real server: ACLs
// (getacl, setacl -R, addauth and --auth) in one-shot, script and
// interactive (pseudo-terminal) modes; quotas (setquota, listquota,
// delquota) with enforcement, the server's warning and a restart; and
// dump/load round trips into a fresh server.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

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

// Runs `canopy -s 127.0.0.1:PORT --timeout 4000 ARGS` through the shell
// (arguments already quoted), stdin from stdin_file when given, and
// captures stdout (and stderr unless split, when it is dropped).
CliRun RunCli(int port, const std::string& args,
              const std::string& stdin_file = "", bool with_stderr = true) {
  std::string command = std::string("timeout 60 ") + CANOPY_CLI_BIN +
                        " -s 127.0.0.1:" + std::to_string(port) +
                        " --timeout 4000 " + args;
  command += stdin_file.empty() ? " </dev/null" : " <'" + stdin_file + "'";
  command += with_stderr ? " 2>&1" : " 2>/dev/null";
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

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

class CliAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()));
    ASSERT_NE(server_, nullptr);
  }

  std::unique_ptr<Client> Connect(int port) {
    ClientOptions options;
    options.connect_string = "127.0.0.1:" + std::to_string(port);
    options.session_timeout_ms = 4000;
    auto client = Client::Connect(options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  int port() const { return server_->port(); }

  TempDir dir_;
  TempDir files_;  // stdin scripts and dumps
  std::unique_ptr<ServerProcess> server_;
};

// ------------------------------------------------------------------ ACLs

TEST_F(CliAdminTest, AddAuthAndAuthAclInScriptAndOneShotModes) {
  const std::string script = files_.path() + "/acl.txt";
  WriteFile(script,
            "create /p secret-data\n"
            "addauth digest bob:pw\n"
            "setacl /p auth::cdrwa\n"
            "get /p\n"
            "getacl /p\n");
  CliRun run = RunCli(port(), "", script);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_TRUE(Contains(run.out, "secret-data\n")) << run.out;
  // The auth scheme became bob's digest; the id is "bob:<base64 sha1>".
  EXPECT_TRUE(Contains(run.out, "'digest,'bob:")) << run.out;
  EXPECT_TRUE(Contains(run.out, ": cdrwa\n")) << run.out;

  // Another session without bob's identity is refused ...
  CliRun stranger = RunCli(port(), "get /p");
  EXPECT_NE(stranger.exit_code, 0);
  EXPECT_TRUE(Contains(stranger.out, "NoAuth")) << stranger.out;
  // ... with it (one-shot: --auth), it reads.
  CliRun bob = RunCli(port(), "--auth digest:bob:pw get /p");
  EXPECT_EQ(bob.exit_code, 0) << bob.out;
  EXPECT_EQ(bob.out, "secret-data\n");
  CliRun wrong = RunCli(port(), "--auth digest:bob:nope get /p");
  EXPECT_TRUE(Contains(wrong.out, "NoAuth")) << wrong.out;
  // One-shot addauth runs (and ends with its session).
  EXPECT_EQ(RunCli(port(), "addauth digest bob:pw").exit_code, 0);
  // getacl -s adds the stat.
  CliRun with_stat = RunCli(port(), "--auth digest:bob:pw getacl -s /p");
  EXPECT_EQ(with_stat.exit_code, 0) << with_stat.out;
  EXPECT_TRUE(Contains(with_stat.out, "aclVersion = 1")) << with_stat.out;
  CliRun stranger_acl = RunCli(port(), "getacl /p");
  EXPECT_TRUE(Contains(stranger_acl.out, "NoAuth"));  // no READ nor ADMIN
}

TEST_F(CliAdminTest, SetAclRecursiveCoversTheSubtree) {
  for (const char* path : {"/r", "/r/a", "/r/a/b", "/r/c", "/other"}) {
    ASSERT_EQ(RunCli(port(), std::string("create ") + path).exit_code, 0);
  }
  CliRun set = RunCli(port(), "setacl -R /r world:anyone:ra");
  ASSERT_EQ(set.exit_code, 0) << set.out;
  for (const char* path : {"/r", "/r/a", "/r/a/b", "/r/c"}) {
    CliRun acl = RunCli(port(), std::string("getacl ") + path);
    EXPECT_EQ(acl.out, "'world,'anyone\n: ra\n") << path;
  }
  EXPECT_EQ(RunCli(port(), "getacl /other").out, "'world,'anyone\n: cdrwa\n");
  CliRun refused = RunCli(port(), "create /r/a/new");
  EXPECT_TRUE(Contains(refused.out, "NoAuth")) << refused.out;
  // -v checks the ACL version of the node; -s prints its stat.
  CliRun stale = RunCli(port(), "setacl -v 0 /r world:anyone:cdrwa");
  EXPECT_TRUE(Contains(stale.out, "BadVersion")) << stale.out;
  CliRun fresh = RunCli(port(), "setacl -s -v 1 /r world:anyone:cdrwa");
  EXPECT_EQ(fresh.exit_code, 0) << fresh.out;
  EXPECT_TRUE(Contains(fresh.out, "aclVersion = 2")) << fresh.out;
}

// Runs the CLI on a pseudo-terminal so that it starts its interactive
// shell; sends the lines and returns everything it printed until it exits.
std::string RunInteractive(int port, const std::string& lines) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return "";
  const std::string slave_name = ptsname(master);
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    const int slave = open(slave_name.c_str(), O_RDWR);
    dup2(slave, 0);
    dup2(slave, 1);
    dup2(slave, 2);
    close(master);
    if (slave > 2) close(slave);
    setenv("HOME", "/nonexistent", 1);  // no history file
    const std::string hosts = "127.0.0.1:" + std::to_string(port);
    execl(CANOPY_CLI_BIN, CANOPY_CLI_BIN, "-s", hosts.c_str(), "--timeout",
          "4000", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string out;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool sent = false;
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buf[4096];
      const ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) {
        done = true;  // the shell exited: the terminal's other end closed
      } else {
        out.append(buf, size_t(n));
      }
    }
    // Once the first prompt shows, type the whole script: the terminal
    // buffers it and the shell reads a line per prompt.
    if (!sent && out.find("> ") != std::string::npos) {
      (void)!write(master, lines.data(), lines.size());
      sent = true;
    }
  }
  int status = 0;
  if (!done) kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  close(master);
  return out;
}

TEST_F(CliAdminTest, InteractiveShellRunsAclCommands) {
  ASSERT_EQ(RunCli(port(), "create /i").exit_code, 0);
  ASSERT_EQ(RunCli(port(), "create /i/j").exit_code, 0);
  const std::string out = RunInteractive(
      port(),
      "addauth digest ann:pw\n"
      "setacl -R /i auth::cdrwa\n"
      "getacl /i/j\n"
      "get /i/j\n"
      "quit\n");
  EXPECT_TRUE(Contains(out, "'digest,'ann:")) << out;
  EXPECT_TRUE(Contains(out, "[canopy: 127.0.0.1:")) << out;  // the prompt
  EXPECT_FALSE(Contains(out, "NoAuth")) << out;
  // The ACL holds for everyone else.
  EXPECT_TRUE(Contains(RunCli(port(), "get /i/j").out, "NoAuth"));
  EXPECT_EQ(RunCli(port(), "--auth digest:ann:pw get /i/j").exit_code, 0);
}

// ---------------------------------------------------------------- quotas

TEST_F(CliAdminTest, QuotasAreListedEnforcedAndSurviveARestart) {
  ASSERT_EQ(RunCli(port(), "create /q").exit_code, 0);
  ASSERT_EQ(RunCli(port(), "create /q/a 12345").exit_code, 0);
  CliRun set = RunCli(port(), "setquota -N 4 /q");
  ASSERT_EQ(set.exit_code, 0) << set.out;
  CliRun list = RunCli(port(), "listquota /q");
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_EQ(list.out,
            "Output quota for /q "
            "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=4\n"
            "Output stat for /q count=2,bytes=5\n");
  // Merging a soft byte limit into the quota.
  ASSERT_EQ(RunCli(port(), "setquota -b 8 /q").exit_code, 0);
  ASSERT_EQ(RunCli(port(), "create /q/b").exit_code, 0);
  ASSERT_EQ(RunCli(port(), "create /q/c 6789").exit_code, 0);  // over -b 8
  CliRun refused = RunCli(port(), "create /q/d");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(Contains(refused.out, "QuotaExceeded")) << refused.out;
  EXPECT_TRUE(Contains(RunCli(port(), "listquota /q").out,
                       "Output stat for /q count=4,bytes=9\n"));
  // The leader logged the soft limit and the refusal.
  const std::string log = ReadFile(dir_.path() + "/server.log");
  EXPECT_TRUE(Contains(log, "quota exceeded on /q")) << log;
  EXPECT_TRUE(Contains(log, "soft limit, allowed")) << log;
  EXPECT_TRUE(Contains(log, ": refused")) << log;

  // A restart (snapshot or log replay) keeps limits and usage.
  const int old_port = port();
  server_->Kill(SIGTERM);
  server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()),
                                 old_port);
  ASSERT_NE(server_, nullptr);
  EXPECT_TRUE(Contains(RunCli(port(), "listquota /q").out,
                       "Output stat for /q count=4,bytes=9\n"));
  EXPECT_TRUE(Contains(RunCli(port(), "create /q/d").out, "QuotaExceeded"));

  // delquota -N lifts the hard limit only; delquota removes the quota.
  ASSERT_EQ(RunCli(port(), "delquota -N /q").exit_code, 0);
  EXPECT_TRUE(Contains(RunCli(port(), "listquota /q").out,
                       "count=-1,bytes=8=;byteHardLimit=-1;countHardLimit=-1"));
  EXPECT_EQ(RunCli(port(), "create /q/d").exit_code, 0);
  ASSERT_EQ(RunCli(port(), "delquota /q").exit_code, 0);
  CliRun gone = RunCli(port(), "listquota /q");
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_TRUE(Contains(gone.out, "no quota on /q")) << gone.out;
  EXPECT_EQ(RunCli(port(), "ls /zookeeper/quota").out, "");
}

TEST_F(CliAdminTest, QuotaCommandErrors) {
  EXPECT_TRUE(Contains(RunCli(port(), "setquota -n 3 /missing").out, "NoNode"));
  EXPECT_TRUE(Contains(RunCli(port(), "setquota -n 3 /").out, "BadArguments"));
  EXPECT_TRUE(
      Contains(RunCli(port(), "setquota -n 3 /zookeeper").out, "BadArguments"));
  EXPECT_TRUE(Contains(RunCli(port(), "setquota /q").out, "usage: setquota"));
  EXPECT_TRUE(Contains(RunCli(port(), "setquota -n 0 /q").out, "above 0"));
  EXPECT_TRUE(Contains(RunCli(port(), "delquota /nothing").out, "no quota"));
}

// ------------------------------------------------------------ dump / load

// Every node below root (reserved ones excepted) as path -> data + ACL.
std::map<std::string, std::string> Snapshot(Client* client,
                                            const std::string& root) {
  std::map<std::string, std::string> out;
  std::vector<std::string> stack = {root};
  while (!stack.empty()) {
    const std::string path = stack.back();
    stack.pop_back();
    if (path == "/zookeeper") continue;
    auto data = client->GetData(path);
    if (!data.ok()) continue;
    std::string entry = data->first + "|";
    auto acl = client->GetAcl(path);
    if (acl.ok()) {
      for (const auto& a : acl->first) {
        entry += a.id().scheme() + ":" + a.id().id() + ":" +
                 std::to_string(a.perms()) + ";";
      }
    }
    out[path] = entry;
    auto children = client->GetChildren(path);
    if (!children.ok()) continue;
    for (const auto& c : *children) {
      stack.push_back(path == "/" ? "/" + c : path + "/" + c);
    }
  }
  return out;
}

TEST_F(CliAdminTest, DumpAndLoadRoundTripIntoAFreshServer) {
  auto client = Connect(port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Create("/app", "top").ok());
  ASSERT_TRUE(client->Create("/app/cfg", std::string("bin\0\xff\x01", 6)).ok());
  ASSERT_TRUE(client->Create("/app/cfg/deep", "").ok());
  ASSERT_TRUE(client->Create("/app/empty", "").ok());
  ASSERT_TRUE(client->AddAuth("digest", "carol:pw").ok());
  proto::Acl carol;
  carol.set_perms(proto::ALL);
  carol.mutable_id()->set_scheme("auth");
  ASSERT_TRUE(client->Create("/app/private", "mine", proto::PERSISTENT,
                             {carol}).ok());
  proto::Acl read_only;
  read_only.set_perms(proto::READ);
  read_only.mutable_id()->set_scheme("world");
  read_only.mutable_id()->set_id("anyone");
  ASSERT_TRUE(client->Create("/app/ro", "r", proto::PERSISTENT,
                             {read_only}).ok());
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(client->Create("/app/many-" + std::to_string(i),
                               std::string(i % 50, 'x')).ok());
  }
  ASSERT_TRUE(client->Create("/app/eph", "gone", proto::EPHEMERAL).ok());
  const auto before = Snapshot(client.get(), "/app");

  const std::string dump = files_.path() + "/app.json";
  CliRun dumped =
      RunCli(port(), "--auth digest:carol:pw dump /app > '" + dump + "'", "",
             /*with_stderr=*/false);
  ASSERT_EQ(dumped.exit_code, 0);
  const std::string json = ReadFile(dump);
  EXPECT_TRUE(Contains(json, "\"canopy-dump/1\"")) << json;
  EXPECT_TRUE(Contains(json, "\"skippedEphemerals\"")) << json;
  EXPECT_TRUE(Contains(json, "\"/app/eph\"")) << json;
  EXPECT_TRUE(Contains(json, "\"YmluAP8B\"")) << json;  // base64 data

  TempDir fresh_dir;
  auto fresh = ServerProcess::Start(fresh_dir.path(),
                                    TestConfig(fresh_dir.path()));
  ASSERT_NE(fresh, nullptr);
  CliRun loaded = RunCli(fresh->port(), "load", dump);
  ASSERT_EQ(loaded.exit_code, 0) << loaded.out;
  EXPECT_TRUE(Contains(loaded.out, "loaded 306 node(s)")) << loaded.out;
  auto fresh_client = Connect(fresh->port());
  ASSERT_NE(fresh_client, nullptr);
  ASSERT_TRUE(fresh_client->AddAuth("digest", "carol:pw").ok());
  auto after = Snapshot(fresh_client.get(), "/app");
  auto expected = before;
  expected.erase("/app/eph");
  EXPECT_EQ(after, expected);

  // Loading again collides; -f overwrites data and ACLs instead.
  CliRun again = RunCli(fresh->port(), "--auth digest:carol:pw load '" + dump + "'");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_TRUE(Contains(again.out, "NodeExists: /app")) << again.out;
  ASSERT_TRUE(fresh_client->SetData("/app/cfg", "changed").ok());
  CliRun forced =
      RunCli(fresh->port(), "--auth digest:carol:pw load -f", dump);
  ASSERT_EQ(forced.exit_code, 0) << forced.out;
  EXPECT_TRUE(Contains(forced.out, "overwrote 306")) << forced.out;
  EXPECT_EQ(Snapshot(fresh_client.get(), "/app"), expected);
}

TEST_F(CliAdminTest, LoadCreatesMissingParentsAndRefusesGarbage) {
  ASSERT_EQ(RunCli(port(), "create /x").exit_code, 0);
  ASSERT_EQ(RunCli(port(), "create /x/y v").exit_code, 0);
  const std::string dump = files_.path() + "/y.json";
  ASSERT_EQ(RunCli(port(), "dump /x/y > '" + dump + "'", "", false).exit_code,
            0);
  TempDir fresh_dir;
  auto fresh =
      ServerProcess::Start(fresh_dir.path(), TestConfig(fresh_dir.path()));
  ASSERT_NE(fresh, nullptr);
  ASSERT_EQ(RunCli(fresh->port(), "load '" + dump + "'").exit_code, 0);
  EXPECT_EQ(RunCli(fresh->port(), "get /x/y").out, "v\n");

  const std::string garbage = files_.path() + "/garbage.json";
  WriteFile(garbage, "{\"format\": \"something-else\"}");
  CliRun bad = RunCli(fresh->port(), "load", garbage);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(Contains(bad.out, "not a canopy dump")) << bad.out;
  WriteFile(garbage, "not json");
  EXPECT_NE(RunCli(fresh->port(), "load", garbage).exit_code, 0);
  // In a script, load needs a FILE.
  const std::string script = files_.path() + "/script.txt";
  WriteFile(script, "load\n");
  EXPECT_TRUE(Contains(RunCli(fresh->port(), "", script).out, "load [-f] FILE"));
}

}  // namespace
}  // namespace canopy::testing
