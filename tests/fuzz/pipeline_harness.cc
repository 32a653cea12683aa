#include "tests/fuzz/pipeline_harness.h"

namespace canopy::fuzz {

PipelineHarness::PipelineHarness() {
  pipeline::PipelineOptions options;
  options.tick_ms = 100;
  options.min_session_timeout_ms = 200;
  options.max_session_timeout_ms = 2000;
  options.snap_count = 1000;
  pipeline_ = std::make_unique<pipeline::Pipeline>(
      options, this, std::make_unique<tree::DataTree>(),
      std::make_unique<zab::Core>(zab::CoreOptions{}, proto::EpochState(), 0),
      now_);
  pipeline_->Start(now_);
  MakeDurable();
}

void PipelineHarness::Deliver(pipeline::ConnId conn,
                              proto::ClientMessage message) {
  if (message.has_connect()) {
    pipeline_->OnConnect(conn, message.connect(), "127.0.0.1", now_);
  } else {
    pipeline_->OnRequest(conn, std::move(*message.mutable_request()), now_);
  }
  MakeDurable();
}

void PipelineHarness::Disconnect(pipeline::ConnId conn) {
  pipeline_->OnDisconnect(conn, now_);
  MakeDurable();
}

void PipelineHarness::Advance(int64_t ms) {
  now_.wall_ms += ms;
  now_.mono_ms += ms;
  pipeline_->Tick(now_);
  MakeDurable();
}

std::vector<std::pair<pipeline::ConnId, proto::ServerMessage>>
PipelineHarness::TakeOutput() {
  return std::exchange(output_, {});
}

void PipelineHarness::SendConnect(pipeline::ConnId conn,
                                  const proto::ConnectResponse& response) {
  proto::ServerMessage message;
  *message.mutable_connect() = response;
  output_.emplace_back(conn, std::move(message));
}

void PipelineHarness::SendResponse(pipeline::ConnId conn,
                                   const proto::Response& response) {
  proto::ServerMessage message;
  *message.mutable_response() = response;
  output_.emplace_back(conn, std::move(message));
}

void PipelineHarness::SendEvent(pipeline::ConnId conn,
                                const proto::WatchEvent& event) {
  proto::ServerMessage message;
  *message.mutable_event() = event;
  output_.emplace_back(conn, std::move(message));
}

void PipelineHarness::AppendLog(std::vector<proto::Txn> txns) {
  if (!txns.empty()) logged_ = txns.back().zxid();
}

void PipelineHarness::TruncateLog(Zxid after) {
  logged_ = after;
  durable_ = -1;  // report durability of the truncation too
}

void PipelineHarness::MakeDurable() {
  // Each OnLogDurable may apply txns that append more (container deletes);
  // bounded so a bug that appends forever shows up as a timeout, not a hang
  // in this loop alone.
  for (int i = 0; i < 1000 && durable_ != logged_; ++i) {
    durable_ = logged_;
    pipeline_->OnLogDurable(durable_, now_);
  }
}

}  // namespace canopy::fuzz
