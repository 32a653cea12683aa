// Quorum authentication on PeerNetwork in one process: members sharing the
// secret exchange messages; a member with another secret, or one speaking
// the plain hello, gets nothing through in either direction.
#include "server/net/quorum_auth.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "server/net/peer_network.h"

namespace canopy::net {
namespace {

namespace asio = boost::asio;

// Runs io until done() or the deadline.
bool RunFor(asio::io_context& io, std::chrono::milliseconds limit,
            const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return done();
}

TEST(QuorumAuth, ProofsDependOnSecretLabelIdsAndNonces) {
  const std::string a = quorum_auth::NewNonce();
  const std::string b = quorum_auth::NewNonce();
  ASSERT_EQ(a.size(), quorum_auth::kNonceBytes);
  EXPECT_NE(a, b);
  const std::string p = quorum_auth::Proof("s", "L", 1, 2, a, b);
  EXPECT_EQ(p.size(), quorum_auth::kProofBytes);
  EXPECT_TRUE(quorum_auth::SameProof(p, quorum_auth::Proof("s", "L", 1, 2, a, b)));
  EXPECT_FALSE(quorum_auth::SameProof(p, quorum_auth::Proof("t", "L", 1, 2, a, b)));
  EXPECT_FALSE(quorum_auth::SameProof(p, quorum_auth::Proof("s", "M", 1, 2, a, b)));
  EXPECT_FALSE(quorum_auth::SameProof(p, quorum_auth::Proof("s", "L", 2, 1, a, b)));
  EXPECT_FALSE(quorum_auth::SameProof(p, quorum_auth::Proof("s", "L", 1, 2, b, a)));
  EXPECT_FALSE(quorum_auth::SameProof(p, p.substr(1)));
}

struct Pair {
  std::vector<std::string> at1;
  std::unique_ptr<PeerNetwork> n1, n2;
};

// Member 2 connects to member 1 and sends "hello"; each has its secret.
void StartPair(asio::io_context& io, const std::string& secret1,
               const std::string& secret2, Pair* pair) {
  PeerNetworkOptions o1{1};
  o1.auth_secret = secret1;
  o1.peers = {{2, "127.0.0.1", 1}};  // member 2 is known; never reached
  o1.max_backoff_ms = 50;
  pair->n1 = std::make_unique<PeerNetwork>(
      io, o1, [pair](int64_t from, std::string bytes) {
        EXPECT_EQ(from, 2);
        pair->at1.push_back(std::move(bytes));
      });
  ASSERT_TRUE(pair->n1->Start().ok());
  PeerNetworkOptions o2{2};
  o2.auth_secret = secret2;
  o2.peers = {{1, "127.0.0.1", pair->n1->port()}};
  o2.max_backoff_ms = 50;
  pair->n2 = std::make_unique<PeerNetwork>(io, o2,
                                           [](int64_t, std::string) {});
  ASSERT_TRUE(pair->n2->Start().ok());
  pair->n2->Send(1, "hello");
}

TEST(QuorumAuth, MembersWithTheSecretTalk) {
  asio::io_context io;
  Pair pair;
  StartPair(io, "shared", "shared", &pair);
  ASSERT_TRUE(RunFor(io, std::chrono::seconds(10),
                     [&] { return pair.at1.size() == 1; }));
  EXPECT_EQ(pair.at1[0], "hello");
  EXPECT_TRUE(pair.n2->Connected(1));
}

TEST(QuorumAuth, WrongSecretGetsNothingThroughEitherWay) {
  asio::io_context io;
  Pair pair;
  StartPair(io, "shared", "guessed", &pair);
  // Several connection attempts happen in this time; none comes up.
  RunFor(io, std::chrono::milliseconds(800), [] { return false; });
  EXPECT_TRUE(pair.at1.empty());
  EXPECT_FALSE(pair.n2->Connected(1));
}

TEST(QuorumAuth, PlainHelloIsRefusedWhereASecretIsSet) {
  asio::io_context io;
  Pair pair;
  StartPair(io, "shared", "", &pair);
  RunFor(io, std::chrono::milliseconds(500), [] { return false; });
  EXPECT_TRUE(pair.at1.empty());
}

}  // namespace
}  // namespace canopy::net
