// The jute reader/writer and the ZooKeeper record codec: round trips for
// every record, byte-exact frames assembled by hand, and rejection of
// malformed input.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "server/net/jute.h"
#include "server/net/jute_codec.h"
#include "server/net/jute_dialect.h"
#include "server/net/jute_records.h"

namespace canopy::net::jute {
namespace {

namespace op = opcode;

// "00 0a ff" -> the bytes; spaces are ignored.
std::string Hex(std::string_view hex) {
  std::string out;
  int nibble = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n') continue;
    const int v = (c >= '0' && c <= '9') ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                           : c - 'A' + 10;
    if (nibble < 0) {
      nibble = v;
    } else {
      out.push_back(char(nibble << 4 | v));
      nibble = -1;
    }
  }
  return out;
}

// Builds test frames with the codec's own writer.
class Bytes {
 public:
  Bytes& I(int32_t v) { w_.WriteInt(v); return *this; }
  Bytes& L(int64_t v) { w_.WriteLong(v); return *this; }
  Bytes& Z(bool v) { w_.WriteBool(v); return *this; }
  Bytes& S(std::string_view v) { w_.WriteString(v); return *this; }
  Bytes& Raw(std::string_view v) { s_.append(v); return *this; }
  Bytes& Header(int32_t xid, int32_t type) { return I(xid).I(type); }
  Bytes& MultiHeader(int32_t type, bool done, int32_t err) {
    return I(type).Z(done).I(err);
  }
  Bytes& Acl(int32_t perms, std::string_view scheme, std::string_view id) {
    return I(perms).S(scheme).S(id);
  }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
  Writer w_{&s_};
};

proto::Stat SampleStat() {
  proto::Stat s;
  s.set_czxid(0x100000001);
  s.set_mzxid(0x100000002);
  s.set_ctime(1700000000000);
  s.set_mtime(1700000000001);
  s.set_version(3);
  s.set_cversion(4);
  s.set_aversion(5);
  s.set_ephemeral_owner(0x0123456789abcdef);
  s.set_data_length(6);
  s.set_num_children(7);
  s.set_pzxid(0x100000008);
  return s;
}

// Reads a reply header and returns the reader positioned at the body.
struct Reply {
  int32_t xid = 0;
  int64_t zxid = 0;
  int32_t err = 0;
};

Reply ReadHeader(Reader& r) {
  Reply h;
  EXPECT_TRUE(r.ReadInt(&h.xid) && r.ReadLong(&h.zxid) && r.ReadInt(&h.err));
  return h;
}

std::string MustEncode(const ReplyShape& shape, const proto::Response& resp) {
  Result<std::string> out = EncodeResponse(shape, resp);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : std::string();
}

std::string MustEncode(int32_t code, const proto::Response& resp) {
  return MustEncode(ReplyShape{code, {}}, resp);
}

DecodedRequest MustDecode(const std::string& frame) {
  Result<DecodedRequest> out = DecodeRequest(frame);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : DecodedRequest();
}

// ---------------------------------------------------------------- primitives

TEST(JuteReader, PrimitivesRoundTrip) {
  std::string buf;
  Writer w(&buf);
  w.WriteInt(0);
  w.WriteInt(-1);
  w.WriteInt(INT32_MIN);
  w.WriteInt(INT32_MAX);
  w.WriteLong(INT64_MIN);
  w.WriteLong(0x0102030405060708);
  w.WriteBool(true);
  w.WriteBool(false);
  w.WriteBuffer(std::string("\0\xff", 2));
  w.WriteString("");
  w.WriteString("h\xC3\xA9llo");
  w.WriteCount(2);
  w.WriteBool(true);
  w.WriteBool(true);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(buf.substr(0, 8), Hex("00000000 ffffffff"));
  EXPECT_EQ(buf.substr(16, 16),
            Hex("8000000000000000 0102030405060708"));

  Reader r(buf);
  int32_t i;
  int64_t l;
  bool b;
  std::string s;
  ASSERT_TRUE(r.ReadInt(&i));
  EXPECT_EQ(i, 0);
  ASSERT_TRUE(r.ReadInt(&i));
  EXPECT_EQ(i, -1);
  ASSERT_TRUE(r.ReadInt(&i));
  EXPECT_EQ(i, INT32_MIN);
  ASSERT_TRUE(r.ReadInt(&i));
  EXPECT_EQ(i, INT32_MAX);
  ASSERT_TRUE(r.ReadLong(&l));
  EXPECT_EQ(l, INT64_MIN);
  ASSERT_TRUE(r.ReadLong(&l));
  EXPECT_EQ(l, 0x0102030405060708);
  ASSERT_TRUE(r.ReadBool(&b));
  EXPECT_TRUE(b);
  ASSERT_TRUE(r.ReadBool(&b));
  EXPECT_FALSE(b);
  ASSERT_TRUE(r.ReadBuffer(&s));
  EXPECT_EQ(s, std::string("\0\xff", 2));
  ASSERT_TRUE(r.ReadString(&s));
  EXPECT_EQ(s, "");
  ASSERT_TRUE(r.ReadString(&s));
  EXPECT_EQ(s, "h\xC3\xA9llo");
  ASSERT_TRUE(r.ReadCount(1, &i));
  EXPECT_EQ(i, 2);
  EXPECT_EQ(r.remaining(), 2u);
  ASSERT_TRUE(r.ReadBool(&b) && r.ReadBool(&b));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_FALSE(r.failed());
}

TEST(JuteReader, NullLengthsReadAsEmpty) {
  const std::string buf = Hex("ffffffff ffffffff ffffffff");
  Reader r(buf);
  std::string s = "x";
  int32_t n = 5;
  ASSERT_TRUE(r.ReadBuffer(&s));
  EXPECT_EQ(s, "");
  ASSERT_TRUE(r.ReadString(&s));
  EXPECT_EQ(s, "");
  ASSERT_TRUE(r.ReadCount(4, &n));
  EXPECT_EQ(n, 0);
}

TEST(JuteReader, ShortInputFailsAtEveryLength) {
  const std::string full = Bytes().I(1).L(2).Z(true).S("abc").str();
  for (size_t len = 0; len < full.size(); ++len) {
    Reader r(std::string_view(full).substr(0, len));
    int32_t i;
    int64_t l;
    bool b;
    std::string s;
    const bool ok =
        r.ReadInt(&i) && r.ReadLong(&l) && r.ReadBool(&b) && r.ReadString(&s);
    EXPECT_FALSE(ok) << "length " << len;
    EXPECT_TRUE(r.failed());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(JuteReader, RejectsBadLengthsAndCounts) {
  std::string s;
  int32_t n;
  {
    const std::string buf = Hex("fffffffe 00");  // -2
    Reader r(buf);
    EXPECT_FALSE(r.ReadBuffer(&s));
  }
  {
    const std::string buf = Hex("80000000");  // INT32_MIN
    Reader r(buf);
    EXPECT_FALSE(r.ReadString(&s));
  }
  {
    const std::string buf = Hex("00000005 61626364");  // 5 claimed, 4 held
    Reader r(buf);
    EXPECT_FALSE(r.ReadBuffer(&s));
  }
  {
    const std::string buf = Hex("7fffffff 61");  // a 2 GB string
    Reader r(buf);
    EXPECT_FALSE(r.ReadString(&s));
  }
  {
    const std::string buf = Hex("7fffffff 00000000");  // 2^31 vector elements
    Reader r(buf);
    EXPECT_FALSE(r.ReadCount(4, &n));
  }
  {
    const std::string buf = Hex("00000003 00000000 00000000");  // 3 x 4 > 8
    Reader r(buf);
    EXPECT_FALSE(r.ReadCount(4, &n));
  }
  {
    const std::string buf = Hex("fffffffb");  // -5
    Reader r(buf);
    EXPECT_FALSE(r.ReadCount(4, &n));
  }
  {
    // Failure is sticky.
    const std::string buf = Hex("fffffffe 00000001");
    Reader r(buf);
    EXPECT_FALSE(r.ReadBuffer(&s));
    EXPECT_FALSE(r.ReadInt(&n));
  }
}

TEST(JuteReader, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(ToValidUtf8("plain /path"), "plain /path");
  EXPECT_EQ(ToValidUtf8("\xE2\x82\xAC\xF0\x9F\x98\x80"),
            "\xE2\x82\xAC\xF0\x9F\x98\x80");
  const std::string rep = "\xEF\xBF\xBD";
  EXPECT_EQ(ToValidUtf8("a\xFF" "b"), "a" + rep + "b");
  EXPECT_EQ(ToValidUtf8("\xC0\xAF"), rep + rep);          // overlong
  EXPECT_EQ(ToValidUtf8("\xED\xA0\x80"), rep + rep + rep);  // surrogate
  EXPECT_EQ(ToValidUtf8("x\xE2\x82"), "x" + rep);          // cut short
  EXPECT_EQ(ToValidUtf8("\xF4\x90\x80\x80"), rep + rep + rep + rep);
  std::string s;
  const std::string buf = Bytes().S("/a\xFF").str();
  Reader r(buf);
  ASSERT_TRUE(r.ReadString(&s));
  EXPECT_EQ(s, "/a" + rep);
}

TEST(JuteRecords, StatAclsStringsRoundTrip) {
  google::protobuf::RepeatedPtrField<proto::Acl> acls;
  proto::Acl* a = acls.Add();
  a->set_perms(proto::ALL);
  a->mutable_id()->set_scheme("world");
  a->mutable_id()->set_id("anyone");
  a = acls.Add();
  a->set_perms(proto::READ | proto::ADMIN);
  a->mutable_id()->set_scheme("digest");
  a->mutable_id()->set_id("u:abc=");
  google::protobuf::RepeatedPtrField<std::string> strings;
  strings.Add("one");
  strings.Add("");
  strings.Add("three");

  std::string buf;
  Writer w(&buf);
  WriteStat(SampleStat(), w);
  WriteAcls(acls, w);
  WriteStrings(strings, w);
  EXPECT_EQ(buf.size(), 68u + 4 + (4 + 5 + 4 + 6 + 4) * 1 +
                            (4 + 6 + 4 + 6 + 4) + 4 + 7 + 4 + 9);

  Reader r(buf);
  proto::Stat stat;
  google::protobuf::RepeatedPtrField<proto::Acl> acls2;
  google::protobuf::RepeatedPtrField<std::string> strings2;
  ASSERT_TRUE(ReadStat(r, &stat));
  ASSERT_TRUE(ReadAcls(r, &acls2));
  ASSERT_TRUE(ReadStrings(r, &strings2));
  EXPECT_EQ(stat.SerializeAsString(), SampleStat().SerializeAsString());
  ASSERT_EQ(acls2.size(), 2);
  EXPECT_EQ(acls2[1].SerializeAsString(), acls[1].SerializeAsString());
  ASSERT_EQ(strings2.size(), 3);
  EXPECT_EQ(strings2[2], "three");
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(JuteRecords, StatIsElevenFieldsInZooKeeperOrder) {
  std::string buf;
  Writer w(&buf);
  WriteStat(SampleStat(), w);
  EXPECT_EQ(buf, Hex("0000000100000001 0000000100000002"
                     "0000018bcfe56800 0000018bcfe56801"
                     "00000003 00000004 00000005"
                     "0123456789abcdef"
                     "00000006 00000007"
                     "0000000100000008"));
}

// ---------------------------------------------------------------- handshake

const char kConnect44[] =
    "00000000"                          // protocolVersion
    "0000000100000005"                  // lastZxidSeen
    "00007530"                          // timeOut 30000
    "0123456789abcdef"                  // sessionId
    "00000010"                          // passwd length 16
    "000102030405060708090a0b0c0d0e0f";  // passwd

TEST(JuteConnect, Decodes44ByteRequestWithoutReadOnly) {
  const std::string frame = Hex(kConnect44);
  ASSERT_EQ(frame.size(), 44u);
  Result<ConnectFrame> c = DecodeConnect(frame);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->has_read_only);
  EXPECT_EQ(c->request.protocol_version(), 0);
  EXPECT_EQ(c->request.last_zxid_seen(), 0x100000005);
  EXPECT_EQ(c->request.timeout_ms(), 30000);
  EXPECT_EQ(c->request.session_id(), 0x0123456789abcdef);
  EXPECT_EQ(c->request.password(),
            Hex("000102030405060708090a0b0c0d0e0f"));
  EXPECT_FALSE(c->request.read_only());
}

TEST(JuteConnect, Decodes45ByteRequestWithReadOnly) {
  const std::string frame = Hex(std::string(kConnect44) + "01");
  ASSERT_EQ(frame.size(), 45u);
  Result<ConnectFrame> c = DecodeConnect(frame);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->has_read_only);
  EXPECT_TRUE(c->request.read_only());
}

TEST(JuteConnect, NewSessionWithEmptyOrNullPassword) {
  for (const char* pw : {"00000000", "ffffffff"}) {
    const std::string frame =
        Hex(std::string("00000000 0000000000000000 00002710 0000000000000000") +
            pw + "00");
    Result<ConnectFrame> c = DecodeConnect(frame);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->request.session_id(), 0);
    EXPECT_EQ(c->request.password(), "");
    EXPECT_TRUE(c->has_read_only);
  }
}

TEST(JuteConnect, PasswordUpTo64Bytes) {
  auto frame = [](size_t pw) {
    return Bytes().I(0).L(0).I(10000).L(7).S(std::string(pw, 'p')).str();
  };
  EXPECT_TRUE(DecodeConnect(frame(64)).ok());
  EXPECT_TRUE(DecodeConnect(frame(1)).ok());
  EXPECT_FALSE(DecodeConnect(frame(65)).ok());
}

TEST(JuteConnect, TruncatedRequestFailsAtEveryLength) {
  const std::string frame = Hex(kConnect44);
  for (size_t len = 0; len < frame.size(); ++len) {
    EXPECT_FALSE(DecodeConnect(frame.substr(0, len)).ok()) << len;
  }
  // A negative password length.
  std::string bad = frame;
  bad[24] = '\xff';
  bad[27] = '\xfe';
  EXPECT_FALSE(DecodeConnect(bad).ok());
}

TEST(JuteConnect, EncodesResponse36And37Bytes) {
  proto::ConnectResponse resp;
  resp.set_timeout_ms(30000);
  resp.set_session_id(0x0123456789abcdef);
  resp.set_password(Hex("000102030405060708090a0b0c0d0e0f"));
  resp.set_last_zxid(99);
  const std::string expected = Hex(
      "00000000 00007530 0123456789abcdef 00000010"
      "000102030405060708090a0b0c0d0e0f");
  Result<std::string> r36 = EncodeConnectResponse(resp, false);
  ASSERT_TRUE(r36.ok());
  EXPECT_EQ(r36->size(), 36u);
  EXPECT_EQ(*r36, expected);
  Result<std::string> r37 = EncodeConnectResponse(resp, true);
  ASSERT_TRUE(r37.ok());
  EXPECT_EQ(r37->size(), 37u);
  EXPECT_EQ(*r37, expected + Hex("00"));
}

TEST(JuteConnect, ExpiredSessionAnswersZeroTimeoutAndSession) {
  proto::ConnectResponse resp;
  resp.set_err(proto::SESSION_EXPIRED);
  resp.set_last_zxid(5);
  Result<std::string> r = EncodeConnectResponse(resp, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Hex("00000000 00000000 0000000000000000 00000010"
                    "00000000000000000000000000000000 00"));
}

// ---------------------------------------------------------------- requests

TEST(JuteRequest, Create2ByteExact) {
  const std::string frame = Hex(
      "00000001 0000000f"                    // xid 1, create2
      "00000002 2f61"                        // "/a"
      "00000002 6869"                        // "hi"
      "00000001"                             // one ACL
      "0000001f 00000005 776f726c64 00000006 616e796f6e65"  // ALL world anyone
      "00000003");                           // ephemeral sequential
  DecodedRequest d = MustDecode(frame);
  EXPECT_TRUE(d.supported);
  EXPECT_EQ(d.shape.opcode, op::kCreate2);
  EXPECT_EQ(d.request.xid(), 1);
  ASSERT_TRUE(d.request.has_create());
  const auto& c = d.request.create();
  EXPECT_EQ(c.path(), "/a");
  EXPECT_EQ(c.data(), "hi");
  ASSERT_EQ(c.acl_size(), 1);
  EXPECT_EQ(c.acl(0).perms(), 31);
  EXPECT_EQ(c.acl(0).id().scheme(), "world");
  EXPECT_EQ(c.acl(0).id().id(), "anyone");
  EXPECT_EQ(c.mode(), proto::EPHEMERAL_SEQUENTIAL);
  EXPECT_EQ(c.ttl_ms(), 0);
}

TEST(JuteRequest, Create2ReplyByteExact) {
  proto::Response resp;
  resp.set_xid(1);
  resp.set_zxid(0x100000007);
  resp.mutable_create()->set_path("/a");
  *resp.mutable_create()->mutable_stat() = SampleStat();
  EXPECT_EQ(MustEncode(op::kCreate2, resp),
            Hex("00000001 0000000100000007 00000000"
                "00000002 2f61"
                "0000000100000001 0000000100000002"
                "0000018bcfe56800 0000018bcfe56801"
                "00000003 00000004 00000005 0123456789abcdef"
                "00000006 00000007 0000000100000008"));
  // The same answer to a plain create carries only the path.
  EXPECT_EQ(MustEncode(op::kCreate, resp),
            Hex("00000001 0000000100000007 00000000 00000002 2f61"));
  // An error carries no body.
  resp.set_err(proto::NODE_EXISTS);
  EXPECT_EQ(MustEncode(op::kCreate2, resp),
            Hex("00000001 0000000100000007 ffffff92"));
}

TEST(JuteRequest, CreateVariantsMapModeAndTtl) {
  for (int32_t code : {op::kCreate, op::kCreate2, op::kCreateContainer}) {
    const std::string frame = Bytes().Header(7, code).S("/c").S("").I(0)
                                  .I(code == op::kCreateContainer ? 4 : 2)
                                  .str();
    DecodedRequest d = MustDecode(frame);
    EXPECT_EQ(d.shape.opcode, code);
    EXPECT_EQ(d.request.create().path(), "/c");
    EXPECT_EQ(d.request.create().acl_size(), 0);
    EXPECT_EQ(d.request.create().mode(), code == op::kCreateContainer
                                             ? proto::CONTAINER
                                             : proto::PERSISTENT_SEQUENTIAL);
  }
  const std::string ttl = Bytes().Header(8, op::kCreateTtl).S("/t").S("d")
                              .I(1).Acl(31, "world", "anyone").I(6).L(60000)
                              .str();
  DecodedRequest d = MustDecode(ttl);
  EXPECT_EQ(d.request.create().mode(), proto::PERSISTENT_SEQUENTIAL_WITH_TTL);
  EXPECT_EQ(d.request.create().ttl_ms(), 60000);
  // createTTL without its ttl is short.
  EXPECT_FALSE(DecodeRequest(ttl.substr(0, ttl.size() - 8)).ok());
  // An unknown flag goes through for the server to refuse.
  d = MustDecode(Bytes().Header(9, op::kCreate).S("/u").S("").I(0).I(42).str());
  EXPECT_EQ(int(d.request.create().mode()), 42);
}

TEST(JuteRequest, EverySimpleRequestDecodes) {
  DecodedRequest d;
  d = MustDecode(Bytes().Header(2, op::kDelete).S("/d").I(4).str());
  EXPECT_EQ(d.request.delete_().path(), "/d");
  EXPECT_EQ(d.request.delete_().version(), 4);

  d = MustDecode(Bytes().Header(3, op::kExists).S("/e").Z(true).str());
  EXPECT_EQ(d.request.exists().path(), "/e");
  EXPECT_TRUE(d.request.exists().watch());

  d = MustDecode(Bytes().Header(4, op::kGetData).S("/g").Z(false).str());
  EXPECT_EQ(d.request.get_data().path(), "/g");
  EXPECT_FALSE(d.request.get_data().watch());

  d = MustDecode(Bytes().Header(5, op::kSetData).S("/s").S("v").I(-1).str());
  EXPECT_EQ(d.request.set_data().path(), "/s");
  EXPECT_EQ(d.request.set_data().data(), "v");
  EXPECT_EQ(d.request.set_data().version(), -1);

  d = MustDecode(Bytes().Header(6, op::kGetAcl).S("/ga").str());
  EXPECT_EQ(d.request.get_acl().path(), "/ga");

  d = MustDecode(Bytes().Header(7, op::kSetAcl).S("/sa").I(2)
                     .Acl(1, "ip", "10.0.0.1").Acl(31, "auth", "").I(3).str());
  EXPECT_EQ(d.request.set_acl().path(), "/sa");
  ASSERT_EQ(d.request.set_acl().acl_size(), 2);
  EXPECT_EQ(d.request.set_acl().acl(0).id().id(), "10.0.0.1");
  EXPECT_EQ(d.request.set_acl().acl(1).perms(), 31);
  EXPECT_EQ(d.request.set_acl().version(), 3);

  for (int32_t code : {op::kGetChildren, op::kGetChildren2}) {
    d = MustDecode(Bytes().Header(8, code).S("/k").Z(true).str());
    EXPECT_EQ(d.shape.opcode, code);
    EXPECT_EQ(d.request.get_children().path(), "/k");
    EXPECT_TRUE(d.request.get_children().watch());
  }

  d = MustDecode(Bytes().Header(9, op::kSync).S("/y").str());
  EXPECT_EQ(d.request.sync().path(), "/y");

  d = MustDecode(Bytes().Header(10, op::kCheck).S("/c").I(2).str());
  EXPECT_EQ(d.request.check().path(), "/c");
  EXPECT_EQ(d.request.check().version(), 2);

  d = MustDecode(Bytes().Header(11, op::kCloseSession).str());
  EXPECT_TRUE(d.request.has_close());
  EXPECT_EQ(d.request.xid(), 11);

  d = MustDecode(Bytes().Header(kAuthXid, op::kAuth).I(0).S("digest")
                     .S("user:pw").str());
  EXPECT_EQ(d.request.xid(), kAuthXid);
  EXPECT_EQ(d.request.auth().scheme(), "digest");
  EXPECT_EQ(d.request.auth().auth(), "user:pw");

  d = MustDecode(Bytes().Header(12, op::kCheckWatches).S("/w").I(2).str());
  EXPECT_EQ(d.request.remove_watches().path(), "/w");
  EXPECT_EQ(d.request.remove_watches().type(), proto::WATCHER_DATA);
  EXPECT_FALSE(d.request.remove_watches().remove());

  d = MustDecode(Bytes().Header(13, op::kRemoveWatches).S("/w").I(3).str());
  EXPECT_EQ(d.request.remove_watches().type(), proto::WATCHER_ANY);
  EXPECT_TRUE(d.request.remove_watches().remove());

  d = MustDecode(Bytes().Header(14, op::kAddWatch).S("/p").I(1).str());
  EXPECT_EQ(d.request.add_watch().path(), "/p");
  EXPECT_EQ(d.request.add_watch().mode(), proto::PERSISTENT_RECURSIVE_WATCH);

  d = MustDecode(Bytes().Header(15, op::kGetEphemerals).S("/pre").str());
  EXPECT_EQ(d.request.get_ephemerals().prefix(), "/pre");

  d = MustDecode(Bytes().Header(16, op::kGetAllChildrenNumber).S("/n").str());
  EXPECT_EQ(d.request.get_all_children_number().path(), "/n");

  d = MustDecode(Bytes().Header(17, op::kWhoAmI).str());
  EXPECT_TRUE(d.request.has_who_am_i());
}

TEST(JuteRequest, PingByteExact) {
  DecodedRequest d = MustDecode(Hex("fffffffe 0000000b"));
  EXPECT_EQ(d.request.xid(), -2);
  EXPECT_TRUE(d.request.has_ping());
  proto::Response resp;
  resp.set_xid(-2);
  resp.set_zxid(0x200000001);
  resp.mutable_empty();
  EXPECT_EQ(MustEncode(op::kPing, resp),
            Hex("fffffffe 0000000200000001 00000000"));
}

TEST(JuteRequest, SetWatchesAndSetWatches2) {
  DecodedRequest d = MustDecode(
      Bytes().Header(kSetWatchesXid, op::kSetWatches).L(0x500)
          .I(1).S("/d").I(0).I(2).S("/c1").S("/c2").str());
  const auto& w = d.request.set_watches();
  EXPECT_EQ(d.request.xid(), kSetWatchesXid);
  EXPECT_EQ(w.relative_zxid(), 0x500);
  ASSERT_EQ(w.data_watches_size(), 1);
  EXPECT_EQ(w.data_watches(0), "/d");
  EXPECT_EQ(w.exist_watches_size(), 0);
  ASSERT_EQ(w.child_watches_size(), 2);
  EXPECT_EQ(w.child_watches(1), "/c2");
  EXPECT_EQ(w.persistent_watches_size(), 0);

  d = MustDecode(Bytes().Header(kSetWatchesXid, op::kSetWatches2).L(9)
                     .I(0).I(1).S("/x").I(-1).I(1).S("/p").I(1).S("/r")
                     .str());
  const auto& w2 = d.request.set_watches();
  EXPECT_EQ(w2.exist_watches(0), "/x");
  EXPECT_EQ(w2.persistent_watches(0), "/p");
  EXPECT_EQ(w2.persistent_recursive_watches(0), "/r");
  // setWatches2 without its last two vectors is short.
  EXPECT_FALSE(DecodeRequest(Bytes().Header(-8, op::kSetWatches2).L(9).I(0)
                                 .I(0).I(0).str())
                   .ok());
}

TEST(JuteRequest, UnsupportedOpcodesBecomeXidOnlyRequests) {
  for (int32_t code : {op::kReconfig, op::kSasl, op::kDeleteContainer,
                       op::kNotification, op::kCreateSession, op::kError, 10,
                       23, 99, 108, 4242, -100}) {
    DecodedRequest d =
        MustDecode(Bytes().Header(33, code).S("whatever body").str());
    EXPECT_FALSE(d.supported) << code;
    EXPECT_EQ(d.request.xid(), 33);
    EXPECT_EQ(d.request.op_case(), proto::Request::OP_NOT_SET);
    EXPECT_EQ(d.shape.opcode, code);
    proto::Response resp;
    resp.set_xid(33);
    resp.set_zxid(4);
    resp.set_err(proto::UNIMPLEMENTED);
    EXPECT_EQ(MustEncode(d.shape, resp),
              Hex("00000021 0000000000000004 fffffffa"));
  }
}

// ---------------------------------------------------------------- multi

const char kMultiRequest[] =
    "00000002 0000000e"                               // xid 2, multi
    "00000001 00 ffffffff"                            // create
    "00000002 2f6d 00000000 00000000 00000000"        // "/m", "", [], 0
    "0000000d 00 ffffffff 00000002 2f6d 00000005"     // check "/m" v5
    "00000002 00 ffffffff 00000002 2f78 ffffffff"     // delete "/x" v-1
    "00000005 00 ffffffff 00000002 2f6d 00000001 76 00000003"  // setData
    "0000000f 00 ffffffff 00000003 2f6d32 ffffffff ffffffff 00000001"  // create2
    "ffffffff 01 ffffffff";                           // done

TEST(JuteMulti, RequestByteExact) {
  DecodedRequest d = MustDecode(Hex(kMultiRequest));
  EXPECT_EQ(d.request.xid(), 2);
  EXPECT_EQ(d.shape.opcode, op::kMulti);
  EXPECT_EQ(d.shape.sub_opcodes,
            (std::vector<int32_t>{1, 13, 2, 5, 15}));
  const auto& ops = d.request.multi().ops();
  ASSERT_EQ(ops.size(), 5);
  EXPECT_EQ(ops[0].create().path(), "/m");
  EXPECT_EQ(ops[0].create().mode(), proto::PERSISTENT);
  EXPECT_EQ(ops[1].check().path(), "/m");
  EXPECT_EQ(ops[1].check().version(), 5);
  EXPECT_EQ(ops[2].delete_().path(), "/x");
  EXPECT_EQ(ops[2].delete_().version(), -1);
  EXPECT_EQ(ops[3].set_data().data(), "v");
  EXPECT_EQ(ops[3].set_data().version(), 3);
  EXPECT_EQ(ops[4].create().path(), "/m2");
  EXPECT_EQ(ops[4].create().data(), "");  // a null buffer
  EXPECT_EQ(ops[4].create().mode(), proto::EPHEMERAL);
}

TEST(JuteMulti, FailedMultiReplyByteExact) {
  proto::Response resp;
  resp.set_xid(2);
  resp.set_zxid(9);
  resp.set_err(proto::NO_NODE);
  auto* multi = resp.mutable_multi();
  multi->add_results()->set_err(proto::OK);
  multi->add_results()->set_err(proto::NO_NODE);
  multi->add_results()->set_err(proto::RUNTIME_INCONSISTENCY);
  EXPECT_EQ(MustEncode(ReplyShape{op::kMulti, {1, 2, 13}}, resp),
            Hex("00000002 0000000000000009 00000000"  // err 0 in the header
                "ffffffff 00 00000000 00000000"       // rolled back: OK
                "ffffffff 00 ffffff9b ffffff9b"       // NoNode
                "ffffffff 00 fffffffe fffffffe"       // RuntimeInconsistency
                "ffffffff 01 ffffffff"));
}

TEST(JuteMulti, SuccessfulMultiReplyShapesEachOp) {
  proto::Response resp;
  resp.set_xid(2);
  resp.set_zxid(10);
  auto* multi = resp.mutable_multi();
  auto* r0 = multi->add_results();
  r0->mutable_create()->set_path("/m");
  *r0->mutable_create()->mutable_stat() = SampleStat();
  multi->add_results();  // check
  multi->add_results();  // delete
  *multi->add_results()->mutable_stat()->mutable_stat() = SampleStat();
  auto* r4 = multi->add_results();
  r4->mutable_create()->set_path("/m2");
  *r4->mutable_create()->mutable_stat() = SampleStat();
  const std::string out =
      MustEncode(ReplyShape{op::kMulti, {1, 13, 2, 5, 19}}, resp);

  std::string stat;
  Writer sw(&stat);
  WriteStat(SampleStat(), sw);
  const std::string expected =
      Hex("00000002 000000000000000a 00000000"
          "00000001 00 00000000 00000002 2f6d"  // create: path only
          "0000000d 00 00000000"                // check
          "00000002 00 00000000") +             // delete
      Hex("00000005 00 00000000") + stat +      // setData: Stat
      Hex("0000000f 00 00000000 00000003 2f6d32") + stat +  // as create2
      Hex("ffffffff 01 ffffffff");
  EXPECT_EQ(out, expected);
}

TEST(JuteMulti, WholeMultiRefusalAndEmptyMulti) {
  proto::Response resp;
  resp.set_xid(3);
  resp.set_zxid(1);
  resp.set_err(proto::SESSION_EXPIRED);
  EXPECT_EQ(MustEncode(ReplyShape{op::kMulti, {1}}, resp),
            Hex("00000003 0000000000000001 ffffff90"));
  resp.mutable_multi();  // refused with no per-op results
  EXPECT_EQ(MustEncode(ReplyShape{op::kMulti, {}}, resp),
            Hex("00000003 0000000000000001 ffffff90"));
  resp.set_err(proto::OK);
  EXPECT_EQ(MustEncode(ReplyShape{op::kMulti, {}}, resp),
            Hex("00000003 0000000000000001 00000000 ffffffff 01 ffffffff"));
  DecodedRequest d =
      MustDecode(Bytes().Header(3, op::kMulti).MultiHeader(-1, true, -1).str());
  EXPECT_EQ(d.request.multi().ops_size(), 0);
  EXPECT_TRUE(d.request.has_multi());
}

TEST(JuteMulti, RejectsGarbageOpcodesAndMissingTerminator) {
  for (int32_t code : {op::kGetData, op::kPing, op::kMulti, op::kSync,
                       op::kMultiRead, op::kAuth, 0, 99, -1, INT32_MIN}) {
    const std::string frame = Bytes().Header(4, op::kMulti)
                                  .MultiHeader(code, false, -1).S("/a").Z(false)
                                  .MultiHeader(-1, true, -1).str();
    EXPECT_FALSE(DecodeRequest(frame).ok()) << code;
  }
  for (int32_t code : {op::kCreate, op::kDelete, op::kSetData, op::kCheck,
                       op::kSync, 99}) {
    const std::string frame = Bytes().Header(4, op::kMultiRead)
                                  .MultiHeader(code, false, -1).S("/a").I(0)
                                  .MultiHeader(-1, true, -1).str();
    EXPECT_FALSE(DecodeRequest(frame).ok()) << code;
  }
  const std::string frame = Hex(kMultiRequest);
  EXPECT_FALSE(DecodeRequest(frame.substr(0, frame.size() - 9)).ok());
}

TEST(JuteMulti, MultiReadRequestAndReply) {
  DecodedRequest d = MustDecode(
      Bytes().Header(5, op::kMultiRead)
          .MultiHeader(op::kGetData, false, -1).S("/a").Z(true)
          .MultiHeader(op::kGetChildren, false, -1).S("/b").Z(false)
          .MultiHeader(op::kGetData, false, -1).S("/missing").Z(false)
          .MultiHeader(-1, true, -1).str());
  EXPECT_EQ(d.shape.opcode, op::kMultiRead);
  const auto& ops = d.request.multi_read().ops();
  ASSERT_EQ(ops.size(), 3);
  EXPECT_EQ(ops[0].get_data().path(), "/a");
  EXPECT_TRUE(ops[0].get_data().watch());
  EXPECT_EQ(ops[1].get_children().path(), "/b");

  proto::Response resp;
  resp.set_xid(5);
  resp.set_zxid(6);
  auto* mr = resp.mutable_multi_read();
  auto* g = mr->add_results()->mutable_get_data();
  g->set_data("xyz");
  *g->mutable_stat() = SampleStat();
  auto* c = mr->add_results()->mutable_get_children();
  c->add_children("k1");
  c->add_children("k2");
  mr->add_results()->set_err(proto::NO_NODE);
  const std::string out = MustEncode(d.shape, resp);

  Reader r(out);
  Reply h = ReadHeader(r);
  EXPECT_EQ(h.xid, 5);
  EXPECT_EQ(h.err, 0);
  int32_t type, err, n;
  bool done;
  std::string s;
  proto::Stat stat;
  ASSERT_TRUE(r.ReadInt(&type) && r.ReadBool(&done) && r.ReadInt(&err));
  EXPECT_EQ(type, op::kGetData);
  ASSERT_TRUE(r.ReadBuffer(&s) && ReadStat(r, &stat));
  EXPECT_EQ(s, "xyz");
  EXPECT_EQ(stat.pzxid(), SampleStat().pzxid());
  ASSERT_TRUE(r.ReadInt(&type) && r.ReadBool(&done) && r.ReadInt(&err));
  EXPECT_EQ(type, op::kGetChildren);
  ASSERT_TRUE(r.ReadCount(4, &n));
  ASSERT_EQ(n, 2);
  ASSERT_TRUE(r.ReadString(&s) && r.ReadString(&s));
  EXPECT_EQ(s, "k2");
  ASSERT_TRUE(r.ReadInt(&type) && r.ReadBool(&done) && r.ReadInt(&err));
  EXPECT_EQ(type, -1);
  EXPECT_EQ(err, proto::NO_NODE);
  ASSERT_TRUE(r.ReadInt(&err));
  EXPECT_EQ(err, proto::NO_NODE);
  ASSERT_TRUE(r.ReadInt(&type) && r.ReadBool(&done) && r.ReadInt(&err));
  EXPECT_EQ(type, -1);
  EXPECT_TRUE(done);
  EXPECT_EQ(r.remaining(), 0u);
}

// ---------------------------------------------------------------- replies

TEST(JuteReply, EveryReplyBodyRoundTrips) {
  const proto::Stat stat = SampleStat();
  auto with_header = [](int32_t xid) {
    proto::Response resp;
    resp.set_xid(xid);
    resp.set_zxid(0x300000000 + xid);
    return resp;
  };
  auto read_stat = [&](Reader& r) {
    proto::Stat got;
    EXPECT_TRUE(ReadStat(r, &got));
    EXPECT_EQ(got.SerializeAsString(), stat.SerializeAsString());
  };
  auto open = [](const std::string& out, int32_t xid) {
    Reader r(out);
    Reply h = ReadHeader(r);
    EXPECT_EQ(h.xid, xid);
    EXPECT_EQ(h.zxid, 0x300000000 + xid);
    EXPECT_EQ(h.err, 0);
    return r;
  };
  std::string s;
  int32_t n;

  for (int32_t code : {op::kExists, op::kSetData, op::kSetAcl}) {
    proto::Response resp = with_header(1);
    *resp.mutable_stat()->mutable_stat() = stat;
    const std::string out = MustEncode(code, resp);
    Reader r = open(out, 1);
    read_stat(r);
    EXPECT_EQ(r.remaining(), 0u);
  }
  {
    proto::Response resp = with_header(2);
    resp.mutable_get_data()->set_data(std::string("\0bin", 4));
    *resp.mutable_get_data()->mutable_stat() = stat;
    const std::string out = MustEncode(op::kGetData, resp);
    Reader r = open(out, 2);
    ASSERT_TRUE(r.ReadBuffer(&s));
    EXPECT_EQ(s, std::string("\0bin", 4));
    read_stat(r);
    EXPECT_EQ(r.remaining(), 0u);
  }
  for (int32_t code : {op::kGetChildren, op::kGetChildren2}) {
    proto::Response resp = with_header(3);
    resp.mutable_get_children()->add_children("a");
    resp.mutable_get_children()->add_children("b");
    *resp.mutable_get_children()->mutable_stat() = stat;
    const std::string out = MustEncode(code, resp);
    Reader r = open(out, 3);
    ASSERT_TRUE(r.ReadCount(4, &n));
    EXPECT_EQ(n, 2);
    ASSERT_TRUE(r.ReadString(&s));
    EXPECT_EQ(s, "a");
    ASSERT_TRUE(r.ReadString(&s));
    EXPECT_EQ(s, "b");
    if (code == op::kGetChildren2) read_stat(r);
    EXPECT_EQ(r.remaining(), 0u);
  }
  {
    proto::Response resp = with_header(4);
    proto::Acl* acl = resp.mutable_get_acl()->add_acl();
    acl->set_perms(proto::ALL);
    acl->mutable_id()->set_scheme("world");
    acl->mutable_id()->set_id("anyone");
    *resp.mutable_get_acl()->mutable_stat() = stat;
    const std::string out = MustEncode(op::kGetAcl, resp);
    Reader r = open(out, 4);
    google::protobuf::RepeatedPtrField<proto::Acl> acls;
    ASSERT_TRUE(ReadAcls(r, &acls));
    ASSERT_EQ(acls.size(), 1);
    EXPECT_EQ(acls[0].id().id(), "anyone");
    read_stat(r);
    EXPECT_EQ(r.remaining(), 0u);
  }
  {
    proto::Response resp = with_header(5);
    resp.mutable_sync()->set_path("/synced");
    const std::string out = MustEncode(op::kSync, resp);
    Reader r = open(out, 5);
    ASSERT_TRUE(r.ReadString(&s));
    EXPECT_EQ(s, "/synced");
    EXPECT_EQ(r.remaining(), 0u);
  }
  {
    proto::Response resp = with_header(6);
    resp.mutable_get_ephemerals()->add_paths("/e1");
    resp.mutable_get_ephemerals()->add_paths("/e2/x");
    const std::string out = MustEncode(op::kGetEphemerals, resp);
    Reader r = open(out, 6);
    google::protobuf::RepeatedPtrField<std::string> paths;
    ASSERT_TRUE(ReadStrings(r, &paths));
    ASSERT_EQ(paths.size(), 2);
    EXPECT_EQ(paths[1], "/e2/x");
    EXPECT_EQ(r.remaining(), 0u);
  }
  {
    proto::Response resp = with_header(7);
    resp.mutable_get_all_children_number()->set_total(12345);
    const std::string out = MustEncode(op::kGetAllChildrenNumber, resp);
    Reader r = open(out, 7);
    ASSERT_TRUE(r.ReadInt(&n));
    EXPECT_EQ(n, 12345);
    EXPECT_EQ(r.remaining(), 0u);
  }
  {
    proto::Response resp = with_header(8);
    auto* info = resp.mutable_who_am_i()->add_client_info();
    info->set_auth_scheme("ip");
    info->set_user("127.0.0.1");
    info = resp.mutable_who_am_i()->add_client_info();
    info->set_auth_scheme("digest");
    info->set_user("bob");
    const std::string out = MustEncode(op::kWhoAmI, resp);
    Reader r = open(out, 8);
    ASSERT_TRUE(r.ReadCount(8, &n));
    ASSERT_EQ(n, 2);
    ASSERT_TRUE(r.ReadString(&s));
    EXPECT_EQ(s, "ip");
    ASSERT_TRUE(r.ReadString(&s));
    EXPECT_EQ(s, "127.0.0.1");
    ASSERT_TRUE(r.ReadString(&s) && r.ReadString(&s));
    EXPECT_EQ(s, "bob");
    EXPECT_EQ(r.remaining(), 0u);
  }
  for (int32_t code :
       {op::kDelete, op::kCheck, op::kPing, op::kAuth, op::kSetWatches,
        op::kSetWatches2, op::kCheckWatches, op::kRemoveWatches, op::kAddWatch,
        op::kCloseSession}) {
    proto::Response resp = with_header(9);
    resp.mutable_empty();
    const std::string out = MustEncode(code, resp);
    EXPECT_EQ(out.size(), 16u) << code;
  }
}

TEST(JuteEvent, WatchEventByteExact) {
  proto::WatchEvent event;
  event.set_type(proto::NODE_DATA_CHANGED);
  event.set_state(proto::STATE_SYNC_CONNECTED);
  event.set_path("/w");
  event.set_zxid(0x10);
  Result<std::string> out = EncodeEvent(event);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Hex("ffffffff 0000000000000010 00000000"
                      "00000003 00000003 00000002 2f77"));

  proto::WatchEvent state;
  state.set_type(proto::EVENT_NONE);
  state.set_state(proto::STATE_EXPIRED);
  out = EncodeEvent(state);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Hex("ffffffff ffffffffffffffff 00000000"
                      "ffffffff ffffff90 00000000"));
}

// ---------------------------------------------------------------- rejection

// A valid frame of every supported opcode: each strict prefix must fail.
std::vector<std::string> SampleFrames() {
  std::vector<std::string> frames = {
      Hex(kMultiRequest),
      Bytes().Header(1, op::kCreate).S("/a").S("d").I(1)
          .Acl(31, "world", "anyone").I(0).str(),
      Bytes().Header(1, op::kCreateTtl).S("/a").S("d").I(0).I(5).L(100).str(),
      Bytes().Header(2, op::kDelete).S("/d").I(0).str(),
      Bytes().Header(3, op::kExists).S("/e").Z(true).str(),
      Bytes().Header(4, op::kGetData).S("/g").Z(false).str(),
      Bytes().Header(5, op::kSetData).S("/s").S("v").I(1).str(),
      Bytes().Header(6, op::kGetAcl).S("/a").str(),
      Bytes().Header(7, op::kSetAcl).S("/a").I(1).Acl(1, "a", "b").I(0).str(),
      Bytes().Header(8, op::kGetChildren2).S("/c").Z(false).str(),
      Bytes().Header(9, op::kSync).S("/").str(),
      Bytes().Header(-2, op::kPing).str(),
      Bytes().Header(10, op::kCheck).S("/c").I(0).str(),
      Bytes().Header(11, op::kMultiRead).MultiHeader(4, false, -1).S("/a")
          .Z(false).MultiHeader(-1, true, -1).str(),
      Bytes().Header(-4, op::kAuth).I(0).S("digest").S("a:b").str(),
      Bytes().Header(-8, op::kSetWatches2).L(1).I(1).S("/a").I(0).I(0).I(0)
          .I(1).S("/b").str(),
      Bytes().Header(12, op::kRemoveWatches).S("/r").I(1).str(),
      Bytes().Header(13, op::kAddWatch).S("/r").I(0).str(),
      Bytes().Header(14, op::kGetEphemerals).S("/").str(),
      Bytes().Header(15, op::kGetAllChildrenNumber).S("/").str(),
      Bytes().Header(16, op::kWhoAmI).str(),
      Bytes().Header(17, op::kCloseSession).str(),
  };
  return frames;
}

TEST(JuteReject, TruncatedRequestsFailAtEveryLength) {
  for (const std::string& frame : SampleFrames()) {
    ASSERT_TRUE(DecodeRequest(frame).ok());
    for (size_t len = 0; len < frame.size(); ++len) {
      EXPECT_FALSE(DecodeRequest(frame.substr(0, len)).ok())
          << "opcode " << int(frame[7]) << " cut at " << len;
    }
  }
}

TEST(JuteReject, NegativeLengthsAndOversizeCounts) {
  // A path of length -2.
  EXPECT_FALSE(DecodeRequest(Bytes().Header(1, op::kGetData).I(-2).Z(false)
                                 .str())
                   .ok());
  // A data buffer of length INT32_MIN.
  EXPECT_FALSE(DecodeRequest(Bytes().Header(1, op::kSetData).S("/a")
                                 .I(INT32_MIN).I(0).str())
                   .ok());
  // 2^31-1 ACLs in a few bytes: refused before any allocation.
  EXPECT_FALSE(DecodeRequest(Bytes().Header(1, op::kCreate).S("/a").S("")
                                 .I(INT32_MAX).I(0).str())
                   .ok());
  // A million ACLs claimed, room for one.
  EXPECT_FALSE(DecodeRequest(Bytes().Header(1, op::kSetAcl).S("/a")
                                 .I(1000000).Acl(1, "a", "b").I(0).str())
                   .ok());
  // A vector of watches whose count outruns the bytes.
  EXPECT_FALSE(DecodeRequest(Bytes().Header(-8, op::kSetWatches).L(0)
                                 .I(0x10000000).S("/a").I(0).I(0).str())
                   .ok());
  // A negative vector count other than -1.
  EXPECT_FALSE(DecodeRequest(Bytes().Header(-8, op::kSetWatches).L(0).I(-3)
                                 .I(0).I(0).str())
                   .ok());
  // A string length past the end inside a multi.
  EXPECT_FALSE(DecodeRequest(Bytes().Header(1, op::kMulti)
                                 .MultiHeader(op::kDelete, false, -1)
                                 .I(0x7ffffff0).I(0)
                                 .MultiHeader(-1, true, -1).str())
                   .ok());
  // Too short for a RequestHeader.
  EXPECT_FALSE(DecodeRequest(Hex("000000")).ok());
}

TEST(JuteReject, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(1234);
  const std::vector<std::string> frames = SampleFrames();
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string f = frames[rng() % frames.size()];
    const int flips = 1 + int(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const size_t at = rng() % f.size();
      switch (rng() % 3) {
        case 0: f[at] = char(rng()); break;
        case 1: f[at] = char(0xff); break;
        default: f.resize(at); break;
      }
      if (f.empty()) break;
    }
    decoded += DecodeRequest(f).ok();
    (void)DecodeConnect(f);
  }
  EXPECT_GT(decoded, 0);
  for (int round = 0; round < 5000; ++round) {
    std::string f(rng() % 64, '\0');
    for (char& c : f) c = char(rng());
    (void)DecodeRequest(f);
    (void)DecodeConnect(f);
  }
}

// ---------------------------------------------------------------- dialect

TEST(JuteDialect, HandshakeThenRequestsThenShapedReplies) {
  JuteDialect dialect;
  Result<proto::ClientMessage> m =
      dialect.Decode(Hex(std::string(kConnect44) + "00"));
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_connect());
  EXPECT_EQ(m->connect().session_id(), 0x0123456789abcdef);

  proto::ServerMessage connected;
  connected.mutable_connect()->set_timeout_ms(4000);
  connected.mutable_connect()->set_session_id(77);
  connected.mutable_connect()->set_password(std::string(16, 'k'));
  Result<std::string> out = dialect.Encode(connected);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->size(), 37u);  // the readOnly byte echoed

  m = dialect.Decode(Bytes().Header(1, op::kCreate).S("/a").S("").I(0).I(0)
                         .str());
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->request().has_create());
  m = dialect.Decode(Hex("fffffffe 0000000b"));
  ASSERT_TRUE(m.ok());
  m = dialect.Decode(Bytes().Header(2, op::kReconfig).str());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->request().op_case(), proto::Request::OP_NOT_SET);
  EXPECT_EQ(dialect.outstanding(), 3u);

  proto::ServerMessage reply;
  reply.mutable_response()->set_xid(1);
  reply.mutable_response()->mutable_create()->set_path("/a");
  out = dialect.Encode(reply);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Hex("00000001 0000000000000000 00000000 00000002 2f61"));

  // A watch event in between does not disturb the reply order.
  proto::ServerMessage event;
  event.mutable_event()->set_type(proto::NODE_CREATED);
  event.mutable_event()->set_path("/a");
  ASSERT_TRUE(dialect.Encode(event).ok());

  reply.mutable_response()->set_xid(-2);
  reply.mutable_response()->mutable_empty();
  out = dialect.Encode(reply);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->size(), 16u);
  reply.mutable_response()->set_xid(2);
  reply.mutable_response()->set_err(proto::UNIMPLEMENTED);
  out = dialect.Encode(reply);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, Hex("00000002 0000000000000000 fffffffa"));
  EXPECT_EQ(dialect.outstanding(), 0u);

  // A reply nobody asked for is refused.
  reply.mutable_response()->set_xid(99);
  EXPECT_FALSE(dialect.Encode(reply).ok());
}

TEST(JuteDialect, NoReadOnlyByteNoEcho) {
  JuteDialect dialect;
  ASSERT_TRUE(dialect.Decode(Hex(kConnect44)).ok());
  proto::ServerMessage connected;
  connected.mutable_connect()->set_password(std::string(16, 'k'));
  Result<std::string> out = dialect.Encode(connected);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->size(), 36u);
}

TEST(JuteDialect, BadConnectIsAnError) {
  JuteDialect dialect;
  EXPECT_FALSE(dialect.Decode(Hex("00000000 00")).ok());
}

}  // namespace
}  // namespace canopy::net::jute
