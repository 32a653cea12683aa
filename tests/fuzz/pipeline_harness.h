// PipelineHarness: a standalone Pipeline fed the way the server feeds it,
// for fuzz targets that drive decoded client messages past the decoder into
// request processing (session opens, the Preparer, the DataTree, watches).
//
// Its host makes every log append durable at once and collects what the
// pipeline sends to clients. Deterministic: time only moves by Advance.
// Not thread-safe.
#ifndef CANOPY_TESTS_FUZZ_PIPELINE_HARNESS_H_
#define CANOPY_TESTS_FUZZ_PIPELINE_HARNESS_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "proto/canopy.pb.h"
#include "server/pipeline/pipeline.h"

namespace canopy::fuzz {

class PipelineHarness : public pipeline::PipelineHost {
 public:
  PipelineHarness();

  // As Server::OnClientMessage: a connect opens a session, anything else is
  // a request of the connection's session.
  void Deliver(pipeline::ConnId conn, proto::ClientMessage message);
  void Disconnect(pipeline::ConnId conn);
  // Moves both clocks forward and ticks the pipeline.
  void Advance(int64_t ms);

  // What was sent to clients since the last call, in order.
  std::vector<std::pair<pipeline::ConnId, proto::ServerMessage>> TakeOutput();
  const pipeline::Pipeline& pipeline() const { return *pipeline_; }

  // PipelineHost.
  void SendConnect(pipeline::ConnId conn,
                   const proto::ConnectResponse& response) override;
  void SendResponse(pipeline::ConnId conn,
                    const proto::Response& response) override;
  void SendEvent(pipeline::ConnId conn,
                 const proto::WatchEvent& event) override;
  void CloseConnection(pipeline::ConnId conn) override {}
  void AppendLog(std::vector<proto::Txn> txns) override;
  void TruncateLog(Zxid after) override;
  void SaveEpochs(const proto::EpochState& epochs) override {}
  void SendToMember(int64_t to, const proto::MemberMessage& message) override {}
  void StreamSnapshot(int64_t to, Zxid zxid) override {}
  void ExpectSnapshot(int64_t from, Zxid zxid) override {}
  void SnapshotDue() override {}

 private:
  // Reports appends durable until the pipeline appends no more.
  void MakeDurable();

  pipeline::Now now_{1'700'000'000'000, 1'000'000};
  Zxid logged_ = 0;
  Zxid durable_ = 0;
  std::vector<std::pair<pipeline::ConnId, proto::ServerMessage>> output_;
  std::unique_ptr<pipeline::Pipeline> pipeline_;
};

}  // namespace canopy::fuzz

#endif  // CANOPY_TESTS_FUZZ_PIPELINE_HARNESS_H_
