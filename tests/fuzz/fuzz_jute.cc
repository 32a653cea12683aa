// Fuzzes ZooKeeper's dialect: the input is what a ZooKeeper client sends,
// length-prefixed jute frames, the first a ConnectRequest and the rest
// requests of any type. Frames are cut as ClientConnection cuts them and
// decoded through JuteDialect (the connection's own entry), the decoded
// messages go to a standalone pipeline as the server sends them, and every
// answer is encoded back through the dialect.
//
// Beyond "no crash": an answer the pipeline gives to a request the dialect
// accepted must encode (else a well-formed client would be disconnected).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/native_frame.h"
#include "server/net/jute_dialect.h"
#include "tests/fuzz/pipeline_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace canopy;
  constexpr pipeline::ConnId kConn = 1;
  fuzz::PipelineHarness harness;
  net::jute::JuteDialect dialect;
  const char* in = reinterpret_cast<const char*>(data);
  size_t offset = 0;
  while (size - offset >= frame::kHeaderBytes) {
    const uint32_t length = frame::DecodeLength(in + offset);
    if (length == 0 || length > frame::kDefaultMaxFrameBytes) break;
    if (size - offset - frame::kHeaderBytes < length) break;
    Result<proto::ClientMessage> message = dialect.Decode(
        std::string_view(in + offset + frame::kHeaderBytes, length));
    if (!message.ok()) break;
    offset += frame::kHeaderBytes + length;
    harness.Deliver(kConn, std::move(message).value());
    for (const auto& [conn, reply] : harness.TakeOutput()) {
      Result<std::string> payload = dialect.Encode(reply);
      if (!payload.ok()) {
        std::fprintf(stderr, "jute reply does not encode: %s\n%s\n",
                     payload.status().ToString().c_str(),
                     reply.DebugString().c_str());
        std::abort();
      }
    }
  }
  harness.Disconnect(kConn);
  harness.Advance(10'000);
  harness.TakeOutput();
  return 0;
}
