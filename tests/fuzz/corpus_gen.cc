// Writes the seed corpora of the fuzz targets: fuzz_corpus_gen OUT_DIR
// writes OUT_DIR/<target>/<seed>. Seeds are real inputs: a jute connect
// handshake and a frame of every request type ZooKeeper clients send, the
// same requests as native frames, four-letter words, config files, a valid
// snapshot, and a valid LevelDB txn log with its records. Deterministic:
// running it twice writes the same files.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/native_frame.h"
#include "server/net/jute.h"
#include "server/net/jute_codec.h"
#include "server/net/jute_dialect.h"
#include "tests/fuzz/templates.h"

namespace {

namespace fs = std::filesystem;
using canopy::net::jute::Writer;
namespace op = canopy::net::jute::opcode;

fs::path g_out;
int g_failures = 0;

void Put(const std::string& target, const std::string& name,
         const std::string& bytes) {
  fs::create_directories(g_out / target);
  std::ofstream out(g_out / target / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s/%s\n", target.c_str(), name.c_str());
    ++g_failures;
  }
}

std::string Framed(const std::string& payload) {
  std::string out(canopy::frame::kHeaderBytes, '\0');
  canopy::frame::EncodeLength(uint32_t(payload.size()), out.data());
  return out + payload;
}

// ConnectRequest{protocolVersion, lastZxidSeen, timeOut, sessionId, passwd,
// readOnly}.
std::string ConnectPayload(bool read_only_byte) {
  std::string p;
  Writer w(&p);
  w.WriteInt(0);
  w.WriteLong(0);
  w.WriteInt(30000);
  w.WriteLong(0);
  w.WriteBuffer(std::string(16, '\0'));
  if (read_only_byte) w.WriteBool(false);
  return p;
}

void WriteOpenAcl(Writer& w) {
  w.WriteCount(1);
  w.WriteInt(31);
  w.WriteString("world");
  w.WriteString("anyone");
}

// One jute request: its name and the payload (RequestHeader + body).
struct JuteRequest {
  std::string name;
  std::string payload;
};

std::string Request(int32_t xid, int32_t type,
                    const std::function<void(Writer&)>& body) {
  std::string p;
  Writer w(&p);
  w.WriteInt(xid);
  w.WriteInt(type);
  if (body) body(w);
  return p;
}

void CreateBody(Writer& w, const std::string& path, int32_t flags) {
  w.WriteString(path);
  w.WriteBuffer("data");
  WriteOpenAcl(w);
  w.WriteInt(flags);
}

void MultiHeader(Writer& w, int32_t type, bool done) {
  w.WriteInt(type);
  w.WriteBool(done);
  w.WriteInt(-1);
}

std::vector<JuteRequest> JuteRequests() {
  auto path_watch = [](const std::string& path) {
    return [path](Writer& w) {
      w.WriteString(path);
      w.WriteBool(true);
    };
  };
  auto path_only = [](const std::string& path) {
    return [path](Writer& w) { w.WriteString(path); };
  };
  auto strings = [](Writer& w, std::vector<std::string> items) {
    w.WriteCount(items.size());
    for (const auto& s : items) w.WriteString(s);
  };
  std::vector<JuteRequest> r;
  int32_t xid = 1;
  r.push_back({"create", Request(xid++, op::kCreate, [](Writer& w) {
                 CreateBody(w, "/a", 0);
               })});
  r.push_back({"create_ephemeral_sequential",
               Request(xid++, op::kCreate, [](Writer& w) {
                 CreateBody(w, "/a/e-", 3);
               })});
  r.push_back({"create2", Request(xid++, op::kCreate2, [](Writer& w) {
                 CreateBody(w, "/b", 0);
               })});
  r.push_back({"create_container",
               Request(xid++, op::kCreateContainer, [](Writer& w) {
                 CreateBody(w, "/c", 4);
               })});
  r.push_back({"create_ttl", Request(xid++, op::kCreateTtl, [](Writer& w) {
                 CreateBody(w, "/t", 5);
                 w.WriteLong(60000);
               })});
  r.push_back({"delete", Request(xid++, op::kDelete, [](Writer& w) {
                 w.WriteString("/b");
                 w.WriteInt(-1);
               })});
  r.push_back({"exists", Request(xid++, op::kExists, path_watch("/a"))});
  r.push_back({"get_data", Request(xid++, op::kGetData, path_watch("/a"))});
  r.push_back({"set_data", Request(xid++, op::kSetData, [](Writer& w) {
                 w.WriteString("/a");
                 w.WriteBuffer("v2");
                 w.WriteInt(0);
               })});
  r.push_back({"get_acl", Request(xid++, op::kGetAcl, path_only("/a"))});
  r.push_back({"set_acl", Request(xid++, op::kSetAcl, [](Writer& w) {
                 w.WriteString("/a");
                 WriteOpenAcl(w);
                 w.WriteInt(-1);
               })});
  r.push_back({"get_children",
               Request(xid++, op::kGetChildren, path_watch("/"))});
  r.push_back({"get_children2",
               Request(xid++, op::kGetChildren2, path_watch("/a"))});
  r.push_back({"sync", Request(xid++, op::kSync, path_only("/a"))});
  r.push_back({"ping", Request(canopy::net::jute::kPingXid, op::kPing, {})});
  r.push_back({"check", Request(xid++, op::kCheck, [](Writer& w) {
                 w.WriteString("/a");
                 w.WriteInt(1);
               })});
  r.push_back({"multi", Request(xid++, op::kMulti, [](Writer& w) {
                 MultiHeader(w, op::kCreate, false);
                 CreateBody(w, "/m", 0);
                 MultiHeader(w, op::kSetData, false);
                 w.WriteString("/m");
                 w.WriteBuffer("x");
                 w.WriteInt(-1);
                 MultiHeader(w, op::kCheck, false);
                 w.WriteString("/m");
                 w.WriteInt(1);
                 MultiHeader(w, op::kDelete, false);
                 w.WriteString("/m");
                 w.WriteInt(-1);
                 MultiHeader(w, -1, true);
               })});
  r.push_back({"multi_read", Request(xid++, op::kMultiRead, [](Writer& w) {
                 MultiHeader(w, op::kGetChildren, false);
                 w.WriteString("/");
                 w.WriteBool(false);
                 MultiHeader(w, op::kGetData, false);
                 w.WriteString("/a");
                 w.WriteBool(false);
                 MultiHeader(w, -1, true);
               })});
  r.push_back({"check_watches",
               Request(xid++, op::kCheckWatches, [](Writer& w) {
                 w.WriteString("/a");
                 w.WriteInt(1);
               })});
  r.push_back({"remove_watches",
               Request(xid++, op::kRemoveWatches, [](Writer& w) {
                 w.WriteString("/a");
                 w.WriteInt(3);
               })});
  r.push_back({"delete_container",
               Request(xid++, op::kDeleteContainer, path_only("/c"))});
  r.push_back({"reconfig", Request(xid++, op::kReconfig, [](Writer& w) {
                 w.WriteString("");
                 w.WriteString("");
                 w.WriteString("");
                 w.WriteLong(-1);
               })});
  r.push_back({"auth", Request(canopy::net::jute::kAuthXid, op::kAuth,
                               [](Writer& w) {
                                 w.WriteInt(0);
                                 w.WriteString("digest");
                                 w.WriteBuffer("user:secret");
                               })});
  r.push_back({"set_watches",
               Request(canopy::net::jute::kSetWatchesXid, op::kSetWatches,
                       [&](Writer& w) {
                         w.WriteLong(1);
                         strings(w, {"/a"});
                         strings(w, {"/x"});
                         strings(w, {"/"});
                       })});
  r.push_back({"set_watches2",
               Request(canopy::net::jute::kSetWatchesXid, op::kSetWatches2,
                       [&](Writer& w) {
                         w.WriteLong(1);
                         strings(w, {"/a"});
                         strings(w, {"/x"});
                         strings(w, {"/"});
                         strings(w, {"/p"});
                         strings(w, {"/r"});
                       })});
  r.push_back({"sasl", Request(xid++, op::kSasl, [](Writer& w) {
                 w.WriteBuffer("token");
               })});
  r.push_back({"get_ephemerals",
               Request(xid++, op::kGetEphemerals, path_only("/"))});
  r.push_back({"get_all_children_number",
               Request(xid++, op::kGetAllChildrenNumber, path_only("/"))});
  r.push_back({"add_watch", Request(xid++, op::kAddWatch, [](Writer& w) {
                 w.WriteString("/a");
                 w.WriteInt(1);
               })});
  r.push_back({"who_am_i", Request(xid++, op::kWhoAmI, {})});
  r.push_back({"close_session", Request(xid++, op::kCloseSession, {})});
  return r;
}

// Native frames of the same requests: each jute request decoded by the
// server's own dialect, then serialized as a ClientMessage.
std::string NativeStream(const std::vector<JuteRequest>& requests) {
  canopy::net::jute::JuteDialect dialect;
  std::string out;
  for (size_t i = 0; i <= requests.size(); ++i) {
    const std::string payload =
        i == 0 ? ConnectPayload(true) : requests[i - 1].payload;
    auto message = dialect.Decode(payload);
    if (!message.ok()) {
      std::fprintf(stderr, "seed %zu does not decode: %s\n", i,
                   message.status().ToString().c_str());
      ++g_failures;
      continue;
    }
    canopy::frame::AppendFrame(*message, &out);
  }
  return out;
}

void JuteAndNative() {
  const std::vector<JuteRequest> requests = JuteRequests();
  const std::string connect = Framed(ConnectPayload(true));
  Put("jute", "connect", connect);
  Put("jute", "connect_no_read_only", Framed(ConnectPayload(false)));
  std::string all = connect;
  for (const auto& r : requests) {
    Put("jute", "connect_" + r.name, connect + Framed(r.payload));
    if (r.name != "close_session") all += Framed(r.payload);
  }
  Put("jute", "session_every_request", all);

  // Native: one seed per request (connect first) and one with them all.
  canopy::net::jute::JuteDialect dialect;
  std::string connect_frame;
  canopy::frame::AppendFrame(*dialect.Decode(ConnectPayload(true)),
                             &connect_frame);
  Put("native", "connect", connect_frame);
  for (const auto& r : requests) {
    Put("native", "connect_" + r.name, NativeStream({r}));
  }
  std::vector<JuteRequest> but_close(requests.begin(), requests.end() - 1);
  Put("native", "session_every_request", NativeStream(but_close));

  // The client port: every dialect's opening.
  for (const char* word : {"ruok", "srvr", "stat", "mntr", "conf", "cons",
                           "envi", "wchs", "wchc", "wchp", "dump", "isro",
                           "crst", "srst", "dirs"}) {
    Put("four_letter", word, word);
  }
  Put("four_letter", "ruok_newline", "ruok\n");
  Put("four_letter", "whitelist", "srvr, ruok ,mntr,*,bogus");
  Put("four_letter", "jute_session", all);
  Put("four_letter", "native_session",
      std::string(canopy::frame::kNativeMagic, 4) + NativeStream(but_close));
}

void Configs() {
  Put("config", "standalone",
      "# standalone\n"
      "tickTime=2000\n"
      "dataDir=/var/lib/canopy\n"
      "dataLogDir=/var/lib/canopy/log\n"
      "clientPort=2181\n"
      "clientPortAddress=127.0.0.1\n"
      "minSessionTimeout=4000\n"
      "maxSessionTimeout=40000\n"
      "snapCount=100000\n"
      "autopurge.snapRetainCount=3\n"
      "jute.maxbuffer=1048576\n"
      "maxClientCnxns=60\n"
      "canopy.maxDataBytes=1048576\n"
      "4lw.commands.whitelist=srvr, ruok, mntr\n");
  Put("config", "ensemble",
      "tickTime=2000\n"
      "initLimit=10\n"
      "syncLimit=5\n"
      "dataDir=/tmp/zk\n"
      "clientPort=2181\n"
      "server.1=127.0.0.1:2888:3888\n"
      "server.2=127.0.0.1:2889:3889\n"
      "server.3=127.0.0.1:2890:3890;2183\n");
  Put("config", "unknown_and_blank",
      "\n  # comment\nfoo.bar=1\n   \ntickTime = 100 \r\n");
  Put("config", "bad_value", "tickTime=abc\n");
  Put("config", "bad_line", "clientPort\n");
}

void Snapshot() {
  const canopy::fuzz::SnapshotTemplate snapshot =
      canopy::fuzz::MakeSnapshotTemplate();
  // fuzz_snapshot: byte 0 even = corrupt the built-in snapshot, odd = the
  // rest is the whole file.
  Put("snapshot", "whole_valid", std::string(1, '\x01') + snapshot.bytes);
  Put("snapshot", "intact", std::string(1, '\x00'));
  Put("snapshot", "cut_in_half",
      std::string{'\x00', '\x01', char(snapshot.bytes.size() / 2 >> 8),
                  char(snapshot.bytes.size() / 2 & 0xff)});
  Put("snapshot", "one_bit_flipped",
      std::string{'\x00', '\x00', '\x00', '\x40', '\x01'});
}

void Log() {
  const auto files = canopy::fuzz::MakeLogTemplate();
  std::string wal;
  for (const auto& [name, bytes] : files) {
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0) {
      wal = bytes;
    }
  }
  if (wal.empty()) {
    std::fprintf(stderr, "log template has no write-ahead file\n");
    ++g_failures;
  }
  // fuzz_log: byte 0 % 3 = 0 corrupt the template's write-ahead file,
  // 1 the rest is that file, 2 the rest is raw records.
  Put("log", "intact", std::string(1, '\x00'));
  Put("log", "torn_tail",
      std::string{'\x00', '\x01', char((wal.size() - 5) >> 8),
                  char((wal.size() - 5) & 0xff)});
  Put("log", "bit_flip_in_middle",
      std::string{'\x00', '\x00', char(wal.size() / 2 >> 8),
                  char(wal.size() / 2 & 0xff), '\x04'});
  Put("log", "whole_wal", std::string(1, '\x01') + wal);
  std::string records(1, '\x02');
  auto record = [&](const std::string& key, const std::string& value) {
    records += char(key.size());
    records += key;
    records += char(value.size() >> 8);
    records += char(value.size() & 0xff);
    records += value;
  };
  record("e", canopy::fuzz::TemplateEpochs().SerializeAsString());
  for (const auto& batch : canopy::fuzz::TemplateTxnBatches()) {
    for (const auto& txn : batch) {
      std::string key(9, '\0');
      key[0] = 'l';
      for (int i = 0; i < 8; ++i) {
        key[1 + i] = char(uint64_t(txn.zxid()) >> (56 - 8 * i));
      }
      record(key, txn.SerializeAsString());
    }
  }
  Put("log", "records", records);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  g_out = argv[1];
  JuteAndNative();
  Configs();
  Snapshot();
  Log();
  return g_failures == 0 ? 0 : 1;
}
