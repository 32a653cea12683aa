#include "server/net/peer_network.h"

#include <gtest/gtest.h>

#include <chrono>

namespace canopy::net {
namespace {

namespace asio = boost::asio;

struct Received {
  int64_t from;
  std::string bytes;
};

// Runs io until done() or a 10 s deadline.
bool RunUntil(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return done();
}

TEST(PeerNetwork, MessagesArriveInOrderBothWays) {
  asio::io_context io;
  std::vector<Received> at1, at2;
  PeerNetworkOptions o1{1};
  PeerNetworkOptions o2{2};
  PeerNetwork n1(io, o1, [&](int64_t f, std::string b) {
    at1.push_back({f, std::move(b)});
  });
  ASSERT_TRUE(n1.Start().ok());
  o2.peers = {{1, "127.0.0.1", n1.port()}};
  PeerNetwork n2(io, o2, [&](int64_t f, std::string b) {
    at2.push_back({f, std::move(b)});
  });
  ASSERT_TRUE(n2.Start().ok());
  // n1 learns n2's port only now: a second network object for 1 that
  // connects out is not needed; test the direction 2 -> 1 first.
  for (int i = 0; i < 1000; ++i) n2.Send(1, "m" + std::to_string(i));
  ASSERT_TRUE(RunUntil(io, [&] { return at1.size() == 1000; }));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(at1[i].from, 2);
    ASSERT_EQ(at1[i].bytes, "m" + std::to_string(i));
  }
  EXPECT_TRUE(n2.Connected(1));
  n2.Send(99, "nobody");  // unknown member: dropped quietly
}

TEST(PeerNetwork, ReconnectsAfterThePeerRestarts) {
  asio::io_context io;
  std::vector<Received> got;
  auto on = [&](int64_t f, std::string b) { got.push_back({f, std::move(b)}); };
  PeerNetworkOptions o1{1};
  auto n1 = std::make_unique<PeerNetwork>(io, o1, on);
  ASSERT_TRUE(n1->Start().ok());
  const uint16_t port = n1->port();
  PeerNetworkOptions o2{2};
  o2.peers = {{1, "127.0.0.1", port}};
  PeerNetwork n2(io, o2, [](int64_t, std::string) {});
  ASSERT_TRUE(n2.Start().ok());
  n2.Send(1, "before");
  ASSERT_TRUE(RunUntil(io, [&] { return got.size() == 1; }));

  n1.reset();  // the peer goes away
  // Keep sending until the sender notices; messages may be lost meanwhile.
  ASSERT_TRUE(RunUntil(io, [&] {
    n2.Send(1, "probe");
    return !n2.Connected(1);
  }));
  o1.listen_port = port;
  n1 = std::make_unique<PeerNetwork>(io, o1, on);
  ASSERT_TRUE(n1->Start().ok());
  got.clear();
  ASSERT_TRUE(RunUntil(io, [&] { return n2.Connected(1); }));
  n2.Send(1, "after");
  ASSERT_TRUE(RunUntil(io, [&] {
    for (const auto& r : got) {
      if (r.bytes == "after") return true;
    }
    return false;
  }));
}

TEST(PeerNetwork, OverflowDropsTheQueueInsteadOfGrowing) {
  asio::io_context io;
  PeerNetworkOptions o2{2};
  o2.max_queue_bytes = 1000;
  o2.peers = {{1, "127.0.0.1", 1}};  // nobody listens on port 1
  PeerNetwork n2(io, o2, [](int64_t, std::string) {});
  ASSERT_TRUE(n2.Start().ok());
  for (int i = 0; i < 100; ++i) n2.Send(1, std::string(100, 'x'));
  EXPECT_GT(n2.dropped(), 0u);
}

TEST(PeerNetwork, GarbageOnThePeerPortClosesOnlyThatConnection) {
  asio::io_context io;
  std::vector<Received> got;
  PeerNetworkOptions o1{1};
  PeerNetwork n1(io, o1, [&](int64_t f, std::string b) {
    got.push_back({f, std::move(b)});
  });
  ASSERT_TRUE(n1.Start().ok());
  asio::ip::tcp::socket junk(io);
  junk.connect({asio::ip::make_address("127.0.0.1"), n1.port()});
  asio::write(junk, asio::buffer(std::string("GET / HTTP/1.0\r\n\r\n")));
  PeerNetworkOptions o2{2};
  o2.peers = {{1, "127.0.0.1", n1.port()}};
  PeerNetwork n2(io, o2, [](int64_t, std::string) {});
  ASSERT_TRUE(n2.Start().ok());
  n2.Send(1, "fine");
  ASSERT_TRUE(RunUntil(io, [&] { return got.size() == 1; }));
  EXPECT_EQ(got[0].bytes, "fine");
}

}  // namespace
}  // namespace canopy::net
