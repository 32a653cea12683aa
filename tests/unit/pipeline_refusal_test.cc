// A write the zab core refuses (too many txns in flight, or the zxid counter
// spent before a roll-over) must not make the leader forget the txns that
// are still in flight: before the fix the pipeline prepared the refused
// write, then reset the preparer's whole overlay, so a later conditional
// write was checked against the committed tree only and a stale version
// passed (a lost compare-and-set).
#include <gtest/gtest.h>

#include <map>

#include "server/pipeline/pipeline.h"

namespace canopy::pipeline {
namespace {

class RecordingHost : public PipelineHost {
 public:
  void SendConnect(ConnId conn, const proto::ConnectResponse& r) override {
    connects[conn] = r;
  }
  void SendResponse(ConnId conn, const proto::Response& r) override {
    responses[r.xid()] = r;
  }
  void SendEvent(ConnId, const proto::WatchEvent&) override {}
  void CloseConnection(ConnId) override {}
  void AppendLog(std::vector<proto::Txn> txns) override {
    for (auto& t : txns) logged.push_back(std::move(t));
  }
  void TruncateLog(Zxid) override {}
  void SaveEpochs(const proto::EpochState&) override {}
  void SendToMember(int64_t, const proto::MemberMessage&) override {}
  void StreamSnapshot(int64_t, Zxid) override {}
  void ExpectSnapshot(int64_t, Zxid) override {}
  void SnapshotDue() override {}

  std::map<ConnId, proto::ConnectResponse> connects;
  std::map<int32_t, proto::Response> responses;  // by xid
  std::vector<proto::Txn> logged;
};

proto::Request CreateReq(const std::string& path, int32_t xid) {
  proto::Request r;
  r.set_xid(xid);
  r.mutable_create()->set_path(path);
  auto* acl = r.mutable_create()->add_acl();
  acl->set_perms(proto::ALL);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  return r;
}

proto::Request SetReq(const std::string& path, int32_t version, int32_t xid) {
  proto::Request r;
  r.set_xid(xid);
  r.mutable_set_data()->set_path(path);
  r.mutable_set_data()->set_data("v");
  r.mutable_set_data()->set_version(version);
  return r;
}

TEST(PipelineRefusalTest, RefusedWriteKeepsWhatIsKnownOfTxnsInFlight) {
  RecordingHost host;
  const Now now{1000000, 5000};
  zab::CoreOptions core_options;
  core_options.max_in_flight = 2;
  PipelineOptions options;
  options.tick_ms = 100;
  Pipeline pipeline(options, &host, std::make_unique<tree::DataTree>(),
                    std::make_unique<zab::Core>(core_options,
                                                proto::EpochState(), 0),
                    now);
  pipeline.Start(now);
  auto durable_through = [&](size_t count) {
    ASSERT_GE(host.logged.size(), count);
    pipeline.OnLogDurable(host.logged[count - 1].zxid(), now);
  };
  proto::ConnectRequest connect;
  connect.set_timeout_ms(2000);
  pipeline.OnConnect(1, connect, "127.0.0.1", now);
  durable_through(host.logged.size());
  ASSERT_EQ(host.connects.count(1), 1u);
  pipeline.OnRequest(1, CreateReq("/a", 1), now);
  durable_through(host.logged.size());
  ASSERT_EQ(host.responses[1].err(), proto::OK);

  const size_t base = host.logged.size();
  pipeline.OnRequest(1, CreateReq("/x", 2), now);  // in flight
  pipeline.OnRequest(1, SetReq("/a", 0, 3), now);  // in flight: /a -> v1
  pipeline.OnRequest(1, CreateReq("/y", 4), now);  // refused: 2 in flight
  ASSERT_EQ(host.logged.size(), base + 2);
  durable_through(base + 1);  // /x commits; the set stays in flight
  // /a will be at version 1: a set expecting version 0 must fail.
  pipeline.OnRequest(1, SetReq("/a", 0, 5), now);
  durable_through(host.logged.size());
  EXPECT_EQ(host.responses[2].err(), proto::OK);
  EXPECT_EQ(host.responses[3].err(), proto::OK);
  EXPECT_EQ(host.responses[4].err(), proto::THROTTLED_OP);
  EXPECT_EQ(host.responses[5].err(), proto::BAD_VERSION)
      << "a stale compare-and-set passed";
}

}  // namespace
}  // namespace canopy::pipeline
