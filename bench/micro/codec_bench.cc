// Micro-benchmarks of the two client codecs: the native protobuf frame
// (encode a request frame, decode one) and ZooKeeper's jute (decode a
// setData request, encode its reply and a getData reply).
#include <benchmark/benchmark.h>

#include <string>

#include "common/native_frame.h"
#include "proto/canopy.pb.h"
#include "server/net/jute.h"
#include "server/net/jute_codec.h"

namespace canopy {
namespace {

const std::string kValue(100, 'v');

proto::ClientMessage SetMessage() {
  proto::ClientMessage message;
  auto* request = message.mutable_request();
  request->set_xid(42);
  auto* set = request->mutable_set_data();
  set->set_path("/bench/n/s12");
  set->set_data(kValue);
  set->set_version(-1);
  return message;
}

proto::Stat SomeStat() {
  proto::Stat stat;
  stat.set_czxid(0x100000001);
  stat.set_mzxid(0x100000abc);
  stat.set_ctime(1700000000000);
  stat.set_mtime(1700000000123);
  stat.set_version(7);
  stat.set_data_length(100);
  stat.set_pzxid(0x100000001);
  return stat;
}

void BM_NativeEncodeRequest(benchmark::State& state) {
  const proto::ClientMessage message = SetMessage();
  std::string out;
  for (auto _ : state) {
    out.clear();
    frame::AppendFrame(message, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NativeEncodeRequest);

void BM_NativeDecodeRequest(benchmark::State& state) {
  std::string bytes;
  frame::AppendFrame(SetMessage(), &bytes);
  for (auto _ : state) {
    const uint32_t length = frame::DecodeLength(bytes.data());
    proto::ClientMessage message;
    const bool ok =
        message.ParseFromArray(bytes.data() + frame::kHeaderBytes, int(length));
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NativeDecodeRequest);

void BM_NativeEncodeGetResponse(benchmark::State& state) {
  proto::ServerMessage message;
  auto* response = message.mutable_response();
  response->set_xid(42);
  response->set_zxid(0x100000abc);
  response->mutable_get_data()->set_data(kValue);
  *response->mutable_get_data()->mutable_stat() = SomeStat();
  std::string out;
  for (auto _ : state) {
    out.clear();
    frame::AppendFrame(message, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NativeEncodeGetResponse);

// RequestHeader{xid, type 5} SetDataRequest{path, data, version}.
std::string JuteSetPayload() {
  std::string payload;
  net::jute::Writer w(&payload);
  w.WriteInt(42);
  w.WriteInt(net::jute::opcode::kSetData);
  w.WriteString("/bench/n/s12");
  w.WriteBuffer(kValue);
  w.WriteInt(-1);
  return payload;
}

void BM_JuteDecodeSetData(benchmark::State& state) {
  const std::string payload = JuteSetPayload();
  for (auto _ : state) {
    auto decoded = net::jute::DecodeRequest(payload);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JuteDecodeSetData);

void BM_JuteEncodeSetReply(benchmark::State& state) {
  net::jute::ReplyShape shape;
  shape.opcode = net::jute::opcode::kSetData;
  proto::Response response;
  response.set_xid(42);
  response.set_zxid(0x100000abc);
  *response.mutable_stat()->mutable_stat() = SomeStat();
  for (auto _ : state) {
    auto encoded = net::jute::EncodeResponse(shape, response);
    benchmark::DoNotOptimize(encoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JuteEncodeSetReply);

void BM_JuteEncodeGetReply(benchmark::State& state) {
  net::jute::ReplyShape shape;
  shape.opcode = net::jute::opcode::kGetData;
  proto::Response response;
  response.set_xid(42);
  response.set_zxid(0x100000abc);
  response.mutable_get_data()->set_data(kValue);
  *response.mutable_get_data()->mutable_stat() = SomeStat();
  for (auto _ : state) {
    auto encoded = net::jute::EncodeResponse(shape, response);
    benchmark::DoNotOptimize(encoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JuteEncodeGetReply);

}  // namespace
}  // namespace canopy

BENCHMARK_MAIN();
