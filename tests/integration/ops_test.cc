// Operations of a standalone canopy-server process: configuration checks,
// --version, the admin HTTP endpoint (JSON commands, /ready, /metrics,
// snapshot streaming), connection and request limits, oversize packets and
// the graceful stop on SIGTERM.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/native_frame.h"
#include "proto/admin.pb.h"
#include "tests/integration/ops_util.h"
#include "tests/integration/server_process.h"

namespace canopy::testing {
namespace {

namespace admin = proto::admin;

std::string WriteFile(const std::string& dir, const std::string& name,
                      const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// Parses body as JSON into message, refusing unknown fields.
template <typename Message>
bool ParseJson(const std::string& body, Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return google::protobuf::util::JsonStringToMessage(body, message, options)
      .ok();
}

std::vector<Sample> Scrape(int admin_port) {
  HttpReply reply = HttpGet(admin_port, "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.headers["content-type"].find("text/plain"),
            std::string::npos);
  std::string error;
  auto samples = ParsePrometheus(reply.body, &error);
  EXPECT_TRUE(samples.has_value()) << error;
  return samples ? *samples : std::vector<Sample>{};
}

TEST(ConfigCheck, BadValueStopsStartupNamingKeyAndLine) {
  TempDir dir;
  const std::string path = WriteFile(
      dir.path(), "zoo.cfg",
      "tickTime=100\ndataDir=" + dir.path() + "\nclientPort=70000\n");
  std::string output;
  EXPECT_EQ(RunServerBinary({"--config", path}, &output), 2);
  EXPECT_NE(output.find(path + ":3: clientPort: bad value '70000'"),
            std::string::npos)
      << output;
  // --check-config says the same without starting.
  output.clear();
  EXPECT_EQ(RunServerBinary({"--check-config", "--config", path}, &output),
            2);
  EXPECT_NE(output.find(":3: clientPort"), std::string::npos) << output;
}

TEST(ConfigCheck, UnknownKeyWarnsAndGoodFileChecksOk) {
  TempDir dir;
  const std::string path = WriteFile(
      dir.path(), "zoo.cfg",
      "tickTime=100\ndataDir=" + dir.path() +
          "\nnoSuchKey=1\nadmin.serverPort=0\nautopurge.purgeInterval=1\n");
  std::string output;
  EXPECT_EQ(RunServerBinary({"--check-config", "--config", path}, &output),
            0)
      << output;
  EXPECT_NE(output.find(":3: unknown key noSuchKey"), std::string::npos)
      << output;
  EXPECT_NE(output.find("OK (1 warnings)"), std::string::npos) << output;
  // --check-config starts nothing: no data was created.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/log"));
}

TEST(ConfigCheck, VersionPrintsTheVersion) {
  std::string output;
  EXPECT_EQ(RunServerBinary({"--version"}, &output), 0);
  EXPECT_NE(output.find("canopy-server 0.1.0"), std::string::npos) << output;
}

TEST(ConfigCheck, DataLogDirHoldsTheLog) {
  TempDir data, logs;
  auto server = ServerProcess::Start(
      data.path(), TestConfig(data.path()) + "dataLogDir=" + logs.path() +
                       "\n");
  ASSERT_NE(server, nullptr);
  auto c = RawClient::Open(server->port());
  ASSERT_TRUE(c && c->Handshake());
  EXPECT_EQ(c->Call(CreateReq("/x", "1")).err(), proto::OK);
  EXPECT_TRUE(std::filesystem::exists(logs.path() + "/log"));
  EXPECT_FALSE(std::filesystem::exists(data.path() + "/log"));
}

TEST(Logging, RotatingFileGetsSessionEventsWithIdsAndZxids) {
  TempDir dir;
  const std::string log_path = dir.path() + "/logs/canopy.log";
  auto server = ServerProcess::Start(
      dir.path(), TestConfig(dir.path()) + "canopy.logFile=" + log_path +
                      "\ncanopy.logMaxFiles=2\n");
  ASSERT_NE(server, nullptr);
  int64_t session = 0;
  {
    auto c = RawClient::Open(server->port());
    ASSERT_TRUE(c);
    auto connected = c->Handshake();
    ASSERT_TRUE(connected);
    session = connected->session_id();
    EXPECT_EQ(c->Call(CloseReq()).err(), proto::OK);
  }
  server->Kill(SIGTERM);  // the logger flushes on the way out
  std::ifstream log(log_path);
  const std::string text((std::istreambuf_iterator<char>(log)),
                         std::istreambuf_iterator<char>());
  char id[32];
  std::snprintf(id, sizeof id, "session 0x%llx",
                static_cast<unsigned long long>(session));
  EXPECT_NE(text.find(std::string(id) + " opened, zxid 0x"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(std::string(id) + " closed, zxid 0x"),
            std::string::npos);
  EXPECT_NE(text.find("role LEADING"), std::string::npos);
}

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(dir_.path(), TestConfig(dir_.path()) +
                                                    ExtraConfig());
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(server_->admin_port(), 0) << "no admin line on stdout";
  }
  virtual std::string ExtraConfig() { return ""; }
  int admin() const { return server_->admin_port(); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AdminTest, CommandsAnswerJsonWithTheirFields) {
  auto c = RawClient::Open(server_->port());
  ASSERT_TRUE(c && c->Handshake());
  ASSERT_EQ(c->Call(CreateReq("/a", "x")).err(), proto::OK);
  ASSERT_EQ(c->Call(CreateReq("/e", "x", proto::EPHEMERAL)).err(), proto::OK);
  ASSERT_EQ(c->Call(GetReq("/a", true)).err(), proto::OK);

  auto get = [&](const std::string& name) {
    HttpReply reply = HttpGet(admin(), "/commands/" + name);
    EXPECT_EQ(reply.status, 200) << name;
    EXPECT_EQ(reply.headers["content-type"], "application/json") << name;
    return reply.body;
  };
  admin::Ruok ruok;
  ASSERT_TRUE(ParseJson(get("ruok"), &ruok));
  EXPECT_EQ(ruok.command(), "ruok");
  EXPECT_TRUE(ruok.error().empty());

  admin::Srvr srvr;
  ASSERT_TRUE(ParseJson(get("srvr"), &srvr));
  EXPECT_EQ(srvr.server_stats().server_state(), "standalone");
  // The 4 nodes of an empty tree (/, /zookeeper, its quota and config),
  // /a and /e.
  EXPECT_EQ(srvr.server_stats().node_count(), 6u);
  EXPECT_EQ(srvr.connections_size(), 0);
  admin::Srvr stat;
  ASSERT_TRUE(ParseJson(get("stat"), &stat));
  EXPECT_EQ(stat.connections_size(), 1);
  EXPECT_GE(stat.server_stats().packets_received(), 3u);

  admin::Mntr mntr;
  ASSERT_TRUE(ParseJson(get("mntr"), &mntr));
  EXPECT_EQ(mntr.ephemerals_count(), 1u);
  EXPECT_EQ(mntr.watch_count(), 1u);
  EXPECT_EQ(mntr.global_sessions(), 1u);

  admin::Conf conf;
  ASSERT_TRUE(ParseJson(get("conf"), &conf));
  EXPECT_EQ(conf.config().at("tickTime"), "100");
  EXPECT_EQ(conf.config().at("clientPort"), std::to_string(server_->port()));
  EXPECT_EQ(conf.config().at("admin.serverPort"), std::to_string(admin()));

  admin::Cons cons;
  ASSERT_TRUE(ParseJson(get("cons"), &cons));
  ASSERT_EQ(cons.connections_size(), 1);
  EXPECT_EQ(cons.connections(0).remote_address(), "127.0.0.1");

  admin::Wchs wchs;
  ASSERT_TRUE(ParseJson(get("wchs"), &wchs));
  EXPECT_EQ(wchs.num_total_watches(), 1u);
  EXPECT_EQ(wchs.num_paths(), 1u);

  admin::Leader leader;
  ASSERT_TRUE(ParseJson(get("leader"), &leader));
  EXPECT_TRUE(leader.is_leader());
  EXPECT_EQ(leader.leader_id(), 1u);

  admin::ZabState zab;
  ASSERT_TRUE(ParseJson(get("zabstate"), &zab));
  EXPECT_EQ(zab.role(), "leading");
  EXPECT_TRUE(zab.serving());
  EXPECT_EQ(zab.last_applied_zxid(), srvr.server_stats().last_processed_zxid());

  EXPECT_EQ(HttpGet(admin(), "/commands/nope").status, 404);
  EXPECT_EQ(HttpGet(admin(), "/elsewhere").status, 404);
}

TEST_F(AdminTest, ReadyWhenServing) {
  const HttpReply reply = HttpGet(admin(), "/ready");
  EXPECT_EQ(reply.status, 200);
  admin::Ready ready;
  ASSERT_TRUE(ParseJson(reply.body, &ready));
  EXPECT_TRUE(ready.ready());
}

TEST_F(AdminTest, MetricsParseAndCountersMoveWithLoad) {
  const auto before = Scrape(admin());
  ASSERT_FALSE(before.empty());
  for (const char* name :
       {"canopy_znodes", "canopy_watches", "canopy_sessions",
        "canopy_ephemerals", "canopy_epoch", "canopy_last_zxid",
        "canopy_requests_in_flight", "canopy_log_queue_txns",
        "canopy_fsync_seconds_count", "canopy_log_batch_txns_count",
        "canopy_proposal_commit_seconds_count"}) {
    bool found = false;
    for (const auto& s : before) found |= s.name == name;
    EXPECT_TRUE(found) << name;
  }
  EXPECT_EQ(SumOf(before, "canopy_role", {{"role", "leading"}}), 1);

  auto c = RawClient::Open(server_->port());
  ASSERT_TRUE(c && c->Handshake());
  constexpr int kWrites = 50;
  for (int i = 0; i < kWrites; ++i) {
    ASSERT_EQ(c->Call(CreateReq("/n" + std::to_string(i), "v")).err(),
              proto::OK);
  }
  ASSERT_EQ(c->Call(GetReq("/n0")).err(), proto::OK);
  const auto after = Scrape(admin());
  EXPECT_EQ(SumOf(after, "canopy_request_seconds_count", {{"op", "create"}}),
            kWrites);
  EXPECT_EQ(SumOf(after, "canopy_request_seconds_count", {{"op", "get_data"}}),
            1);
  EXPECT_GE(SumOf(after, "canopy_fsync_seconds_count") -
                SumOf(before, "canopy_fsync_seconds_count"),
            1);
  EXPECT_GE(SumOf(after, "canopy_log_txns_written_total") -
                SumOf(before, "canopy_log_txns_written_total"),
            kWrites);
  EXPECT_GE(SumOf(after, "canopy_proposal_commit_seconds_count") -
                SumOf(before, "canopy_proposal_commit_seconds_count"),
            kWrites);
  EXPECT_EQ(SumOf(after, "canopy_znodes") - SumOf(before, "canopy_znodes"),
            kWrites);
  EXPECT_GT(SumOf(after, "canopy_last_zxid"),
            SumOf(before, "canopy_last_zxid"));
  EXPECT_EQ(SumOf(after, "canopy_requests_in_flight"), 0);
}

TEST_F(AdminTest, SnapshotStreamsOut) {
  auto c = RawClient::Open(server_->port());
  ASSERT_TRUE(c && c->Handshake());
  ASSERT_EQ(c->Call(CreateReq("/snap", "data-in-the-snapshot")).err(),
            proto::OK);
  HttpReply reply = HttpGet(admin(), "/commands/snapshot?take=true");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers["content-type"], "application/octet-stream");
  const std::string zxid = reply.headers["x-canopy-snapshot-zxid"];
  EXPECT_FALSE(zxid.empty());
  EXPECT_NE(reply.body.find("data-in-the-snapshot"), std::string::npos);
  // The stream is the snapshot file, byte for byte.
  char name[64];
  std::snprintf(name, sizeof name, "/snapshots/snapshot.%016llx",
                std::stoull(zxid, nullptr, 16));
  std::ifstream file(dir_.path() + name, std::ios::binary);
  ASSERT_TRUE(file) << name;
  const std::string bytes((std::istreambuf_iterator<char>(file)),
                          std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, reply.body);
  // Without take, the newest existing snapshot.
  EXPECT_EQ(HttpGet(admin(), "/commands/snapshot").body, reply.body);
}

class LimitsTest : public AdminTest {
  std::string ExtraConfig() override {
    return "maxClientCnxns=2\nglobalOutstandingLimit=8\n"
           "jute.maxbuffer=4096\n";
  }
};

TEST_F(LimitsTest, MaxClientCnxnsRefusesTheExtraConnection) {
  auto a = RawClient::Open(server_->port());
  auto b = RawClient::Open(server_->port());
  ASSERT_TRUE(a && a->Handshake());
  ASSERT_TRUE(b && b->Handshake());
  // The kernel accepts the third; the server closes it at once (so even
  // sending the magic may fail).
  auto extra = RawClient::Open(server_->port());
  if (extra) EXPECT_FALSE(extra->Handshake().has_value());
  EXPECT_EQ(SumOf(Scrape(admin()), "canopy_connections_refused_total"), 1);
  // The two admitted ones still work; after one closes, a new one fits.
  EXPECT_EQ(a->Call(CreateReq("/ok", "")).err(), proto::OK);
  b->CloseSocket();
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    // The server learns of the close asynchronously: retry, bounded.
    auto again = RawClient::Open(server_->port());
    admitted = again && again->Handshake().has_value();
  }
  EXPECT_TRUE(admitted);
}

TEST_F(LimitsTest, ThrottledRequestsAreAllAnswered) {
  auto c = RawClient::Open(server_->port());
  ASSERT_TRUE(c && c->Handshake());
  // Far more requests than the bound of 8 in flight, sent without reading.
  constexpr int kRequests = 2000;
  std::string batch;
  for (int i = 1; i <= kRequests; ++i) {
    proto::ClientMessage message;
    *message.mutable_request() =
        i % 2 ? CreateReq("/t" + std::to_string(i), "v") : GetReq("/");
    message.mutable_request()->set_xid(i);
    frame::AppendFrame(message, &batch);
  }
  ASSERT_TRUE(c->SendBytes(batch));
  for (int i = 1; i <= kRequests; ++i) {
    auto message = c->Receive();
    ASSERT_TRUE(message && message->has_response()) << "request " << i;
    EXPECT_EQ(message->response().xid(), i);
    EXPECT_EQ(message->response().err(), proto::OK) << "request " << i;
  }
  const auto samples = Scrape(admin());
  EXPECT_GE(SumOf(samples, "canopy_request_throttle_engaged_total"), 1);
  EXPECT_EQ(SumOf(samples, "canopy_znodes"), 4 + kRequests / 2);
}

TEST_F(LimitsTest, OversizePacketClosesOnlyThatConnection) {
  auto good = RawClient::Open(server_->port());
  auto bad = RawClient::Open(server_->port());
  ASSERT_TRUE(good && good->Handshake());
  ASSERT_TRUE(bad && bad->Handshake());
  char header[frame::kHeaderBytes];
  frame::EncodeLength(8192, header);  // above jute.maxbuffer=4096
  ASSERT_TRUE(bad->SendBytes(std::string(header, sizeof header) +
                             std::string(100, 'x')));
  EXPECT_TRUE(bad->WaitClosed());
  EXPECT_EQ(good->Call(CreateReq("/still", "fine")).err(), proto::OK);
  // A frame just under the bound is fine.
  EXPECT_EQ(good->Call(CreateReq("/big", std::string(3000, 'b'))).err(),
            proto::OK);
}

TEST(GracefulStop, SigtermAnswersInFlightWritesAndKeepsAcknowledgedOnes) {
  TempDir dir;
  const std::string config = TestConfig(dir.path());
  auto server = ServerProcess::Start(dir.path(), config);
  ASSERT_NE(server, nullptr);
  auto c = RawClient::Open(server->port());
  ASSERT_TRUE(c && c->Handshake());
  constexpr int kWrites = 3000;
  std::string batch;
  for (int i = 1; i <= kWrites; ++i) {
    proto::ClientMessage message;
    *message.mutable_request() = CreateReq("/w" + std::to_string(i), "v");
    message.mutable_request()->set_xid(i);
    frame::AppendFrame(message, &batch);
  }
  ASSERT_TRUE(c->SendBytes(batch));
  // Stop while writes are in flight (after the first answer).
  auto first = c->Receive();
  ASSERT_TRUE(first && first->has_response());
  const pid_t pid = server->pid();
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  std::set<int> acked = {first->response().xid()};
  int last_xid = first->response().xid();
  while (auto message = c->Receive()) {
    if (!message->has_response()) continue;
    EXPECT_EQ(message->response().err(), proto::OK);
    EXPECT_EQ(message->response().xid(), last_xid + 1) << "answers in order";
    last_xid = message->response().xid();
    acked.insert(last_xid);
  }
  // The server closed the connection cleanly and exits with 0.
  const int status = server->Kill(0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  server.reset();
  std::ifstream log(dir.path() + "/server.log");
  const std::string log_text((std::istreambuf_iterator<char>(log)),
                             std::istreambuf_iterator<char>());
  EXPECT_NE(log_text.find("stopped serving: in-flight requests answered"),
            std::string::npos);

  server = ServerProcess::Start(dir.path(), config);
  ASSERT_NE(server, nullptr);
  auto check = RawClient::Open(server->port());
  ASSERT_TRUE(check && check->Handshake());
  for (int xid : acked) {
    ASSERT_EQ(check->Call(ExistsReq("/w" + std::to_string(xid))).err(),
              proto::OK)
        << "acknowledged write " << xid << " lost";
  }
}

}  // namespace
}  // namespace canopy::testing
