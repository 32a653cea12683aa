#include "server/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <map>

namespace canopy::pipeline {
namespace {

// Records every effect; the test decides when the log is durable.
class FakeHost : public PipelineHost {
 public:
  void SendConnect(ConnId conn, const proto::ConnectResponse& r) override {
    connects[conn].push_back(r);
  }
  void SendResponse(ConnId conn, const proto::Response& r) override {
    proto::ServerMessage m;
    *m.mutable_response() = r;
    out[conn].push_back(m);
  }
  void SendEvent(ConnId conn, const proto::WatchEvent& e) override {
    proto::ServerMessage m;
    *m.mutable_event() = e;
    out[conn].push_back(m);
  }
  void CloseConnection(ConnId conn) override { closed.push_back(conn); }
  void AppendLog(std::vector<proto::Txn> txns) override {
    for (auto& t : txns) logged.push_back(std::move(t));
  }
  void TruncateLog(Zxid after) override { truncated.push_back(after); }
  void SaveEpochs(const proto::EpochState& e) override { epochs = e; }
  void SendToMember(int64_t to, const proto::MemberMessage& m) override {
    to_members.emplace_back(to, m);
  }
  void StreamSnapshot(int64_t, Zxid) override {}
  void ExpectSnapshot(int64_t, Zxid) override {}
  void SnapshotDue() override { ++snapshots_due; }

  std::map<ConnId, std::vector<proto::ConnectResponse>> connects;
  std::map<ConnId, std::vector<proto::ServerMessage>> out;
  std::vector<ConnId> closed;
  std::vector<proto::Txn> logged;
  std::vector<Zxid> truncated;
  std::vector<std::pair<int64_t, proto::MemberMessage>> to_members;
  proto::EpochState epochs;
  int snapshots_due = 0;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PipelineOptions options;
    options.tick_ms = 100;
    options.min_session_timeout_ms = 200;
    options.max_session_timeout_ms = 2000;
    options.snap_count = 10;
    pipeline_ = std::make_unique<Pipeline>(
        options, &host_, std::make_unique<tree::DataTree>(),
        std::make_unique<zab::Core>(zab::CoreOptions{},
                                    proto::EpochState(), 0),
        now_);
    pipeline_->Start(now_);
  }

  void Durable() {
    if (!host_.logged.empty()) {
      pipeline_->OnLogDurable(host_.logged.back().zxid(), now_);
    }
  }

  SessionId Connect(ConnId conn, int32_t timeout_ms = 1000) {
    proto::ConnectRequest request;
    request.set_timeout_ms(timeout_ms);
    pipeline_->OnConnect(conn, request, "127.0.0.1", now_);
    Durable();
    EXPECT_EQ(host_.connects[conn].size(), 1u);
    return host_.connects[conn].back().session_id();
  }

  void Request(ConnId conn, proto::Request request, int32_t xid) {
    request.set_xid(xid);
    pipeline_->OnRequest(conn, std::move(request), now_);
  }

  static proto::Request Create(const std::string& path,
                               proto::CreateMode mode = proto::PERSISTENT) {
    proto::Request r;
    r.mutable_create()->set_path(path);
    r.mutable_create()->set_mode(mode);
    auto* acl = r.mutable_create()->add_acl();
    acl->set_perms(proto::ALL);
    acl->mutable_id()->set_scheme("world");
    acl->mutable_id()->set_id("anyone");
    return r;
  }
  static proto::Request Get(const std::string& path, bool watch = false) {
    proto::Request r;
    r.mutable_get_data()->set_path(path);
    r.mutable_get_data()->set_watch(watch);
    return r;
  }

  Now now_{1000000, 5000};
  FakeHost host_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(PipelineTest, StartPersistsTheNewEpoch) {
  EXPECT_EQ(host_.epochs.current_epoch(), 1);
}

TEST_F(PipelineTest, SessionIsConnectedOnlyOnceItsTxnIsDurable) {
  proto::ConnectRequest request;
  request.set_timeout_ms(100000);
  pipeline_->OnConnect(1, request, "127.0.0.1", now_);
  EXPECT_TRUE(host_.connects[1].empty());
  ASSERT_EQ(host_.logged.size(), 1u);
  EXPECT_TRUE(host_.logged[0].has_create_session());
  Durable();
  ASSERT_EQ(host_.connects[1].size(), 1u);
  EXPECT_EQ(host_.connects[1][0].timeout_ms(), 2000) << "clamped to max";
  EXPECT_EQ(host_.connects[1][0].password().size(), 16u);
}

TEST_F(PipelineTest, WriteIsAnsweredOnlyAfterSyncAndReadWaitsBehindIt) {
  Connect(1);
  Request(1, Create("/a"), 1);
  Request(1, Get("/a"), 2);
  EXPECT_TRUE(host_.out[1].empty()) << "nothing before the log is durable";
  Durable();
  ASSERT_EQ(host_.out[1].size(), 2u);
  EXPECT_EQ(host_.out[1][0].response().xid(), 1);
  EXPECT_EQ(host_.out[1][0].response().err(), proto::OK);
  EXPECT_EQ(host_.out[1][1].response().xid(), 2);
  EXPECT_EQ(host_.out[1][1].response().err(), proto::OK);
}

TEST_F(PipelineTest, FailedWriteIsAnsweredInSessionOrder) {
  Connect(1);
  Request(1, Create("/a"), 1);
  Request(1, Create("/a"), 2);  // NODE_EXISTS against the pending create
  EXPECT_TRUE(host_.out[1].empty());
  Durable();
  ASSERT_EQ(host_.out[1].size(), 2u);
  EXPECT_EQ(host_.out[1][0].response().err(), proto::OK);
  EXPECT_EQ(host_.out[1][1].response().err(), proto::NODE_EXISTS);
}

TEST_F(PipelineTest, WatchEventPrecedesTheWritersResponse) {
  Connect(1);
  Connect(2);
  Request(1, Create("/w"), 1);
  Durable();
  Request(2, Get("/w", true), 1);
  ASSERT_EQ(host_.out[2].size(), 1u);
  proto::Request set;
  set.mutable_set_data()->set_path("/w");
  set.mutable_set_data()->set_data("x");
  set.mutable_set_data()->set_version(-1);
  Request(2, set, 2);
  Durable();
  ASSERT_EQ(host_.out[2].size(), 3u);
  EXPECT_TRUE(host_.out[2][1].has_event());
  EXPECT_EQ(host_.out[2][1].event().type(), proto::NODE_DATA_CHANGED);
  EXPECT_EQ(host_.out[2][2].response().xid(), 2);
}

TEST_F(PipelineTest, ExpiryClosesTheSessionAndDeletesItsEphemerals) {
  Connect(1, 300);
  Connect(2, 2000);
  Request(1, Create("/e", proto::EPHEMERAL), 1);
  Durable();
  Request(2, Get("/e", true), 1);
  now_.mono_ms += 2000;
  // Session 2 stays alive with a heartbeat.
  proto::Request ping;
  ping.mutable_ping();
  Request(2, ping, 2);
  pipeline_->Tick(now_);
  Durable();
  EXPECT_EQ(pipeline_->tree().Find("/e"), nullptr);
  EXPECT_EQ(pipeline_->session_count(), 1u);
  bool deleted_event = false;
  for (const auto& m : host_.out[2]) {
    deleted_event |= m.has_event() && m.event().type() == proto::NODE_DELETED;
  }
  EXPECT_TRUE(deleted_event);
  ASSERT_FALSE(host_.out[1].empty());
  EXPECT_EQ(host_.out[1].back().event().state(), proto::STATE_EXPIRED);
  EXPECT_FALSE(host_.closed.empty());
}

TEST_F(PipelineTest, CloseAnswersThenClosesTheConnection) {
  Connect(1);
  proto::Request close;
  close.mutable_close();
  Request(1, close, 9);
  Durable();
  ASSERT_EQ(host_.out[1].size(), 1u);
  EXPECT_EQ(host_.out[1][0].response().xid(), 9);
  ASSERT_EQ(host_.closed.size(), 1u);
  EXPECT_EQ(host_.closed[0], 1u);
  EXPECT_EQ(pipeline_->session_count(), 0u);
}

TEST_F(PipelineTest, ReattachNeedsThePassword) {
  const SessionId id = Connect(1);
  const std::string password = host_.connects[1][0].password();
  pipeline_->OnDisconnect(1, now_);
  proto::ConnectRequest wrong;
  wrong.set_session_id(id);
  wrong.set_password("nope");
  pipeline_->OnConnect(2, wrong, "127.0.0.1", now_);
  ASSERT_EQ(host_.connects[2].size(), 1u);
  EXPECT_EQ(host_.connects[2][0].err(), proto::SESSION_EXPIRED);
  proto::ConnectRequest right;
  right.set_session_id(id);
  right.set_password(password);
  pipeline_->OnConnect(3, right, "127.0.0.1", now_);
  ASSERT_EQ(host_.connects[3].size(), 1u);
  EXPECT_EQ(host_.connects[3][0].err(), proto::OK);
  EXPECT_EQ(host_.connects[3][0].session_id(), id);
}

TEST_F(PipelineTest, ClientAheadOfTheServerIsRefusedSilently) {
  proto::ConnectRequest request;
  request.set_last_zxid_seen(int64_t(1) << 40);
  pipeline_->OnConnect(1, request, "127.0.0.1", now_);
  EXPECT_TRUE(host_.connects[1].empty());
  ASSERT_EQ(host_.closed.size(), 1u);
}

TEST_F(PipelineTest, RequestBeforeHandshakeClosesTheConnection) {
  Request(5, Get("/"), 1);
  ASSERT_EQ(host_.closed.size(), 1u);
  EXPECT_EQ(host_.closed[0], 5u);
}

TEST_F(PipelineTest, SnapshotIsDueEverySnapCountTxns) {
  Connect(1);
  for (int i = 0; i < 12; ++i) {
    Request(1, Create("/n" + std::to_string(i)), i + 1);
  }
  Durable();
  EXPECT_EQ(host_.snapshots_due, 1);  // 13 txns with the session's own
}

TEST_F(PipelineTest, DigestIdMatchesZooKeeper) {
  // ZooKeeper's DigestAuthenticationProvider.generateDigest("super:test").
  EXPECT_EQ(DigestId("super:test"), "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
}

}  // namespace
}  // namespace canopy::pipeline
