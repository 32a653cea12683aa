// Fuzzes the native dialect past its decoder: the input is what a client
// sends after the "CNPY" magic, length-prefixed frames each parsed as a
// ClientMessage the way ClientConnection parses them, then handed to a
// standalone pipeline as the server hands them, and every answer framed as
// the connection frames it. A frame that is too long or does not parse ends
// the connection, as on the server.
#include <cstddef>
#include <cstdint>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "common/native_frame.h"
#include "tests/fuzz/pipeline_harness.h"

// Protobuf logs every string field that is not UTF-8; quiet, runs are faster.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace canopy;
  constexpr pipeline::ConnId kConn = 1;
  fuzz::PipelineHarness harness;
  const char* in = reinterpret_cast<const char*>(data);
  size_t offset = 0;
  std::string out;
  while (size - offset >= frame::kHeaderBytes) {
    const uint32_t length = frame::DecodeLength(in + offset);
    if (length > frame::kDefaultMaxFrameBytes) break;
    if (size - offset - frame::kHeaderBytes < length) break;
    proto::ClientMessage message;
    if (!message.ParseFromArray(in + offset + frame::kHeaderBytes,
                                int(length)) ||
        message.msg_case() == proto::ClientMessage::MSG_NOT_SET) {
      break;
    }
    offset += frame::kHeaderBytes + length;
    harness.Deliver(kConn, std::move(message));
    for (const auto& [conn, reply] : harness.TakeOutput()) {
      frame::AppendFrame(reply, &out);
    }
  }
  harness.Disconnect(kConn);
  // Past every session timeout: expiry and its ephemeral deletes.
  harness.Advance(10'000);
  harness.TakeOutput();
  return 0;
}
