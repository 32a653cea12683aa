// ClientConnection speaking ZooKeeper's dialect over a real loopback socket,
// with a fake owner standing in for the server.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/native_frame.h"
#include "server/net/client_connection.h"
#include "server/net/jute.h"
#include "server/net/jute_codec.h"

namespace canopy::net {
namespace {

namespace asio = boost::asio;
namespace op = jute::opcode;
using asio::ip::tcp;

constexpr uint32_t kMaxFrame = 1 << 20;

// Runs io until done() or a 10 s deadline.
bool RunUntil(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return done();
}

// Answers like a tiny server: a session for every connect, pings, getData
// with "data:<path>", UNIMPLEMENTED for a Request without an op. With defer
// set it holds requests until Answer() is called.
class FakeOwner : public ConnectionOwner {
 public:
  void OnClientMessage(uint64_t conn, proto::ClientMessage message) override {
    received.push_back({conn, message});
    if (message.has_connect()) {
      proto::ServerMessage out;
      out.mutable_connect()->set_timeout_ms(message.connect().timeout_ms());
      out.mutable_connect()->set_session_id(int64_t(1000 + conn));
      out.mutable_connect()->set_password(std::string(16, 'p'));
      conns.at(conn)->Send(out);
      return;
    }
    held.push_back({conn, message.request()});
    max_held = std::max(max_held, held.size());
    if (!defer) Answer();
  }
  std::string OnFourLetterWord(const std::string& word) override {
    return word == "ruok" ? "imok" : "";
  }
  void OnConnectionClosed(uint64_t conn) override { closed.insert(conn); }

  void Answer() {
    while (!held.empty()) {
      auto [conn, request] = std::move(held.front());
      held.pop_front();
      proto::ServerMessage out;
      proto::Response* resp = out.mutable_response();
      resp->set_xid(request.xid());
      resp->set_zxid(0x500);
      if (request.has_ping()) {
        resp->mutable_empty();
      } else if (request.has_get_data()) {
        resp->mutable_get_data()->set_data("data:" +
                                           request.get_data().path());
      } else {
        resp->set_err(proto::UNIMPLEMENTED);
      }
      auto it = conns.find(conn);
      if (it != conns.end()) it->second->Send(out);
      ++answered;
    }
  }

  std::map<uint64_t, std::shared_ptr<ClientConnection>> conns;
  std::vector<std::pair<uint64_t, proto::ClientMessage>> received;
  std::deque<std::pair<uint64_t, proto::Request>> held;
  std::set<uint64_t> closed;
  size_t max_held = 0;
  size_t answered = 0;
  bool defer = false;
};

class JuteConnectionTest : public ::testing::Test {
 protected:
  JuteConnectionTest() : acceptor_(io_, tcp::endpoint(tcp::v4(), 0)) {}

  // Connects a client and starts the server side as connection id.
  tcp::socket Connect(uint64_t id) {
    tcp::socket client(io_);
    client.connect(tcp::endpoint(asio::ip::address_v4::loopback(),
                                 acceptor_.local_endpoint().port()));
    tcp::socket server = acceptor_.accept();
    auto conn = std::make_shared<ClientConnection>(
        std::move(server), id, &owner_, kMaxFrame, 64u << 20);
    owner_.conns[id] = conn;
    conn->Start();
    return client;
  }

  // Queues bytes on the client socket without blocking the loop.
  void Write(tcp::socket& client, std::string bytes) {
    auto buf = std::make_shared<std::string>(std::move(bytes));
    asio::async_write(client, asio::buffer(*buf),
                      [buf](const boost::system::error_code&, size_t) {});
  }

  void WriteFrame(tcp::socket& client, const std::string& payload) {
    std::string framed(4, '\0');
    frame::EncodeLength(uint32_t(payload.size()), framed.data());
    Write(client, framed + payload);
  }

  // Reads one length-prefixed frame from the client side; empty on timeout.
  // Drains whatever the socket holds into a buffer, so the peer's writes
  // never wait on a small read.
  std::string ReadFrame(tcp::socket& client) {
    std::string& buf = pending_[client.native_handle()];
    auto have_frame = [&] {
      if (buf.size() >= 4 &&
          buf.size() - 4 >= frame::DecodeLength(buf.data())) {
        return true;
      }
      const size_t n = client.available();
      if (n > 0) {
        const size_t start = buf.size();
        buf.resize(start + n);
        asio::read(client, asio::buffer(buf.data() + start, n));
      }
      return false;
    };
    if (!RunUntil(io_, have_frame)) return {};
    const uint32_t length = frame::DecodeLength(buf.data());
    std::string payload = buf.substr(4, length);
    buf.erase(0, 4 + size_t(length));
    return payload;
  }

  // True when the server side closed: the client reads end of stream.
  bool ClosedByServer(tcp::socket& client, uint64_t id) {
    if (!RunUntil(io_, [&] { return owner_.closed.count(id) > 0; })) {
      return false;
    }
    char byte;
    boost::system::error_code ec;
    client.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  static std::string ConnectRequest(bool with_read_only) {
    std::string out;
    jute::Writer w(&out);
    w.WriteInt(0);
    w.WriteLong(0);
    w.WriteInt(12000);
    w.WriteLong(0);
    w.WriteBuffer(std::string(16, '\0'));
    if (with_read_only) w.WriteBool(false);
    return out;
  }

  static std::string Request(int32_t xid, int32_t type,
                             const std::string& path = "") {
    std::string out;
    jute::Writer w(&out);
    w.WriteInt(xid);
    w.WriteInt(type);
    if (type == op::kGetData) {
      w.WriteString(path);
      w.WriteBool(false);
    }
    return out;
  }

  struct Header {
    int32_t xid = 0;
    int64_t zxid = 0;
    int32_t err = 0;
  };
  static Header ReadHeader(jute::Reader& r) {
    Header h;
    EXPECT_TRUE(r.ReadInt(&h.xid) && r.ReadLong(&h.zxid) && r.ReadInt(&h.err));
    return h;
  }

  // Connects and completes the handshake.
  tcp::socket Handshake(uint64_t id) {
    tcp::socket client = Connect(id);
    WriteFrame(client, ConnectRequest(true));
    const std::string reply = ReadFrame(client);
    EXPECT_EQ(reply.size(), 37u);
    return client;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  FakeOwner owner_;
  std::map<int, std::string> pending_;  // read, not yet returned, by socket
};

TEST_F(JuteConnectionTest, ConnectArrivesAsClientMessageAndPingRoundTrips) {
  tcp::socket client = Connect(1);
  WriteFrame(client, ConnectRequest(true));
  ASSERT_TRUE(RunUntil(io_, [&] { return owner_.received.size() == 1; }));
  const proto::ClientMessage& first = owner_.received[0].second;
  ASSERT_TRUE(first.has_connect());
  EXPECT_EQ(first.connect().timeout_ms(), 12000);
  EXPECT_EQ(first.connect().session_id(), 0);
  EXPECT_EQ(first.connect().password(), std::string(16, '\0'));

  const std::string connected = ReadFrame(client);
  ASSERT_EQ(connected.size(), 37u);
  jute::Reader r(connected);
  int32_t version, timeout;
  int64_t session;
  std::string password;
  bool read_only;
  ASSERT_TRUE(r.ReadInt(&version) && r.ReadInt(&timeout) &&
              r.ReadLong(&session) && r.ReadBuffer(&password) &&
              r.ReadBool(&read_only));
  EXPECT_EQ(version, 0);
  EXPECT_EQ(timeout, 12000);
  EXPECT_EQ(session, 1001);
  EXPECT_EQ(password, std::string(16, 'p'));
  EXPECT_FALSE(read_only);

  WriteFrame(client, Request(jute::kPingXid, op::kPing));
  const std::string pong = ReadFrame(client);
  ASSERT_EQ(pong.size(), 16u);
  jute::Reader pr(pong);
  Header h = ReadHeader(pr);
  EXPECT_EQ(h.xid, -2);
  EXPECT_EQ(h.zxid, 0x500);
  EXPECT_EQ(h.err, 0);
  ASSERT_EQ(owner_.received.size(), 2u);
  EXPECT_TRUE(owner_.received[1].second.request().has_ping());
  EXPECT_EQ(owner_.received[1].second.request().xid(), -2);
}

TEST_F(JuteConnectionTest, ConnectWithoutReadOnlyByteGetsNone) {
  tcp::socket client = Connect(1);
  WriteFrame(client, ConnectRequest(false));
  EXPECT_EQ(ReadFrame(client).size(), 36u);
}

TEST_F(JuteConnectionTest, UnknownOpcodeAnsweredUnimplementedInOrder) {
  tcp::socket client = Handshake(1);
  // Pipelined in one write: two unsupported opcodes among supported ones.
  std::string frames;
  for (const std::string& payload :
       {Request(1, op::kReconfig), Request(2, op::kGetData, "/a"),
        Request(3, 4242), Request(jute::kPingXid, op::kPing),
        Request(4, op::kGetData, "/b")}) {
    std::string framed(4, '\0');
    frame::EncodeLength(uint32_t(payload.size()), framed.data());
    frames += framed + payload;
  }
  Write(client, frames);

  const std::vector<std::pair<int32_t, int32_t>> expected = {
      {1, proto::UNIMPLEMENTED}, {2, 0}, {3, proto::UNIMPLEMENTED},
      {-2, 0}, {4, 0}};
  for (const auto& [xid, err] : expected) {
    const std::string reply = ReadFrame(client);
    ASSERT_FALSE(reply.empty());
    jute::Reader r(reply);
    Header h = ReadHeader(r);
    EXPECT_EQ(h.xid, xid);
    EXPECT_EQ(h.err, err);
    if (err == 0 && xid > 0) {
      std::string data;
      ASSERT_TRUE(r.ReadBuffer(&data));
      EXPECT_EQ(data, xid == 2 ? "data:/a" : "data:/b");
    } else {
      EXPECT_EQ(r.remaining(), 0u);
    }
  }
  EXPECT_EQ(owner_.received[1].second.request().op_case(),
            proto::Request::OP_NOT_SET);
  EXPECT_TRUE(owner_.closed.empty());
  // Still usable.
  WriteFrame(client, Request(jute::kPingXid, op::kPing));
  EXPECT_EQ(ReadFrame(client).size(), 16u);
}

TEST_F(JuteConnectionTest, MalformedFrameClosesOnlyThatConnection) {
  tcp::socket a = Handshake(1);
  tcp::socket b = Handshake(2);
  // getData whose path length is -2.
  std::string bad;
  jute::Writer w(&bad);
  w.WriteInt(5);
  w.WriteInt(op::kGetData);
  w.WriteInt(-2);
  w.WriteBool(false);
  WriteFrame(a, bad);
  EXPECT_TRUE(ClosedByServer(a, 1));
  EXPECT_EQ(owner_.closed.count(2), 0u);

  WriteFrame(b, Request(7, op::kGetData, "/still"));
  const std::string reply = ReadFrame(b);
  jute::Reader r(reply);
  EXPECT_EQ(ReadHeader(r).xid, 7);
  std::string data;
  ASSERT_TRUE(r.ReadBuffer(&data));
  EXPECT_EQ(data, "data:/still");
}

TEST_F(JuteConnectionTest, BadFrameLengthsClose) {
  {
    tcp::socket c = Connect(1);
    Write(c, std::string("\0\0\0\0", 4));  // an empty first frame
    EXPECT_TRUE(ClosedByServer(c, 1));
  }
  {
    tcp::socket c = Connect(2);
    Write(c, "\x7f\xff\xff\xff");  // 2 GB
    EXPECT_TRUE(ClosedByServer(c, 2));
  }
  {
    tcp::socket c = Connect(3);
    WriteFrame(c, "short");  // not a ConnectRequest
    EXPECT_TRUE(ClosedByServer(c, 3));
  }
  {
    tcp::socket c = Handshake(4);
    Write(c, std::string("\0\0\0\0", 4));  // an empty request frame
    EXPECT_TRUE(ClosedByServer(c, 4));
  }
  {
    tcp::socket c = Handshake(5);
    Write(c, std::string("\x00\x20\x00\x01", 4));  // above 1 MB
    EXPECT_TRUE(ClosedByServer(c, 5));
  }
}

TEST_F(JuteConnectionTest, FourLetterWordStillAnswered) {
  tcp::socket c = Connect(1);
  Write(c, "ruok");
  ASSERT_TRUE(RunUntil(io_, [&] { return owner_.closed.count(1) > 0; }));
  std::string answer(4, '\0');
  asio::read(c, asio::buffer(answer));
  EXPECT_EQ(answer, "imok");
}

TEST_F(JuteConnectionTest, StopsReadingWhileTooManyRequestsAreUnanswered) {
  tcp::socket client = Handshake(1);
  owner_.defer = true;
  constexpr int kRequests = 5000;
  std::string frames;
  for (int i = 1; i <= kRequests; ++i) {
    const std::string payload =
        Request(i, op::kGetData, "/n" + std::to_string(i));
    std::string framed(4, '\0');
    frame::EncodeLength(uint32_t(payload.size()), framed.data());
    frames += framed + payload;
  }
  Write(client, frames);
  const size_t limit = ClientConnection::kMaxOutstandingJute;
  ASSERT_TRUE(RunUntil(io_, [&] { return owner_.held.size() == limit; }));
  io_.restart();
  io_.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(owner_.held.size(), limit);  // paused

  ASSERT_TRUE(RunUntil(io_, [&] {
    owner_.Answer();
    return owner_.answered == size_t(kRequests);
  }));
  EXPECT_LE(owner_.max_held, limit);
  for (int i = 1; i <= kRequests; ++i) {
    const std::string reply = ReadFrame(client);
    ASSERT_FALSE(reply.empty()) << i;
    jute::Reader r(reply);
    ASSERT_EQ(ReadHeader(r).xid, i);
    std::string data;
    ASSERT_TRUE(r.ReadBuffer(&data));
    ASSERT_EQ(data, "data:/n" + std::to_string(i));
  }
  EXPECT_TRUE(owner_.closed.empty());
}

}  // namespace
}  // namespace canopy::net
