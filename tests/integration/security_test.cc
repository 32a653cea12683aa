// Security over the wire: the TLS client port (CA checks, client
// certificates as x509 ACL ids, plaintext clients refused without harm to
// others), the super user and one pass of the ACL matrix through a real
// server, a 3-member ensemble on mutual-TLS peer links, and quorum
// authentication by shared secret (a stranger on the peer port is refused
// and logged; a member with the wrong secret never joins).
//
// Certificates are made by the `openssl` command for each test run.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "canopy/client.h"
#include "server/net/quorum_auth.h"
#include "server/pipeline/pipeline.h"
#include "tests/integration/ensemble.h"
#include "tests/integration/server_process.h"

namespace canopy::testing {
namespace {

using namespace std::chrono_literals;

bool Run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// A CA and certificates signed by it, in dir: <name>.pem and <name>.key.
class TestPki {
 public:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}

  bool MakeCa(const std::string& name) {
    return Run("openssl req -x509 -newkey ec -pkeyopt "
               "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=" +
               name + "' -keyout " + Key(name) + " -out " + Pem(name));
  }
  // subject like "/O=Canopy/CN=alice" (printed as "CN=alice,O=Canopy").
  bool MakeCert(const std::string& name, const std::string& subject,
                const std::string& ca) {
    const std::string csr = dir_ + "/" + name + ".csr";
    return Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
               "-nodes -subj '" + subject + "' -keyout " + Key(name) +
               " -out " + csr) &&
           Run("openssl x509 -req -days 2 -in " + csr + " -CA " + Pem(ca) +
               " -CAkey " + Key(ca) + " -CAcreateserial -out " + Pem(name));
  }
  std::string Pem(const std::string& name) const {
    return dir_ + "/" + name + ".pem";
  }
  std::string Key(const std::string& name) const {
    return dir_ + "/" + name + ".key";
  }

 private:
  std::string dir_;
};

int ConnectTo(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until n bytes, EOF, or the deadline. Returns what arrived and sets
// *closed when the peer closed.
std::string ReadUpTo(int fd, size_t n, std::chrono::milliseconds timeout,
                     bool* closed) {
  std::string out;
  *closed = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, int(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t got = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (got <= 0) {
      *closed = true;
      break;
    }
    out.append(buf, size_t(got));
  }
  return out;
}

bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<Client> Connect(const std::string& hosts,
                                const std::string& ca = "",
                                const std::string& cert = "",
                                const std::string& key = "",
                                int timeout_ms = 4000,
                                Status* failure = nullptr) {
  ClientOptions options;
  options.connect_string = hosts;
  options.session_timeout_ms = timeout_ms;
  options.tls_ca_file = ca;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto client = Client::Connect(options);
  if (!client.ok()) {
    if (failure) *failure = client.status();
    return nullptr;
  }
  return std::move(client).value();
}

proto::Acl AclOf(int32_t perms, const std::string& scheme,
                 const std::string& id) {
  proto::Acl acl;
  acl.set_perms(perms);
  acl.mutable_id()->set_scheme(scheme);
  acl.mutable_id()->set_id(id);
  return acl;
}

// ------------------------------------------------------------ TLS clients

class TlsClientPortTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(dir_.path());
    ASSERT_TRUE(pki_->MakeCa("ca"));
    ASSERT_TRUE(pki_->MakeCa("otherca"));
    ASSERT_TRUE(pki_->MakeCert("server", "/CN=127.0.0.1", "ca"));
    ASSERT_TRUE(pki_->MakeCert("alice", "/O=Canopy/CN=alice", "ca"));
    ASSERT_TRUE(pki_->MakeCert("mallory", "/O=Canopy/CN=mallory", "otherca"));
    PortHolder ports(1);
    secure_port_ = ports.ports()[0];
    ports.Release();
    const std::string data = dir_.path() + "/data";
    std::string config = TestConfig(data) +
                         "secureClientPort=" + std::to_string(secure_port_) +
                         "\nssl.certFile=" + pki_->Pem("server") +
                         "\nssl.keyFile=" + pki_->Key("server") +
                         "\nssl.caFile=" + pki_->Pem("ca") +
                         "\nssl.clientAuth=want\n"
                         "zookeeper.DigestAuthenticationProvider.superDigest=" +
                         pipeline::DigestId("super:letmein") + "\n";
    server_ = ServerProcess::Start(data, config);
    ASSERT_NE(server_, nullptr);
    // The TLS port is bound before the plain one announces itself.
  }

  std::string Tls() const {
    return "127.0.0.1:" + std::to_string(secure_port_);
  }
  std::string Plain() const {
    return "127.0.0.1:" + std::to_string(server_->port());
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  int secure_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(TlsClientPortTest, ClientWithTheCaWorksWithoutItIsRefused) {
  auto good = Connect(Tls(), pki_->Pem("ca"));
  ASSERT_NE(good, nullptr);
  ASSERT_TRUE(good->Create("/tls", "over tls").ok());

  // Trusting another CA: the server's certificate does not verify.
  Status why;
  EXPECT_EQ(Connect(Tls(), pki_->Pem("otherca"), "", "", 1500, &why),
            nullptr);
  EXPECT_EQ(why.code(), proto::CONNECTION_LOSS) << why.ToString();
  // A client certificate from another CA: the server refuses the handshake.
  EXPECT_EQ(Connect(Tls(), pki_->Pem("ca"), pki_->Pem("mallory"),
                    pki_->Key("mallory"), 1500),
            nullptr);
  // A CA file that does not exist fails at once.
  EXPECT_EQ(Connect(Tls(), dir_.path() + "/missing.pem", "", "", 1500, &why),
            nullptr);
  EXPECT_EQ(why.code(), proto::BAD_ARGUMENTS);

  // The plain port serves alongside, and sees the same tree.
  auto plain = Connect(Plain());
  ASSERT_NE(plain, nullptr);
  auto got = plain->GetData("/tls");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->first, "over tls");
  EXPECT_TRUE(good->SetData("/tls", "still").ok());
}

TEST_F(TlsClientPortTest, PlaintextClientOnTheTlsPortIsRefusedOthersGoOn) {
  auto good = Connect(Tls(), pki_->Pem("ca"));
  ASSERT_NE(good, nullptr);
  ASSERT_TRUE(good->Create("/p", "1").ok());

  // The native handshake in the clear: the TLS handshake fails and the
  // server closes this connection, never answering it.
  auto raw = RawClient::Open(secure_port_);
  ASSERT_NE(raw, nullptr);
  EXPECT_FALSE(raw->Handshake().has_value());
  // One that sends a few bytes and stalls is cut off by the handshake
  // deadline (5 s); meanwhile the TLS client is served.
  const int stalled = ConnectTo(secure_port_);
  ASSERT_GE(stalled, 0);
  ASSERT_EQ(::write(stalled, "ruo", 3), 3);
  const auto stalled_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(good->SetData("/p", "during").ok());
  bool closed = false;
  EXPECT_EQ(ReadUpTo(stalled, 1 << 16, 8s, &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - stalled_at, 7s);
  ::close(stalled);

  auto after = good->GetData("/p");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->first, "during");
  EXPECT_TRUE(good->SetData("/p", "2").ok());
  auto again = Connect(Tls(), pki_->Pem("ca"));
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->Exists("/p").ok());
}

TEST_F(TlsClientPortTest, ClientCertificateIsAnX509AclId) {
  auto alice = Connect(Tls(), pki_->Pem("ca"), pki_->Pem("alice"),
                       pki_->Key("alice"));
  ASSERT_NE(alice, nullptr);
  auto anonymous = Connect(Tls(), pki_->Pem("ca"));
  ASSERT_NE(anonymous, nullptr);
  auto plain = Connect(Plain());
  ASSERT_NE(plain, nullptr);

  const proto::Acl only_alice =
      AclOf(proto::ALL, "x509", "CN=alice,O=Canopy");
  ASSERT_TRUE(alice->Create("/cert", "secret", proto::PERSISTENT,
                            {only_alice})
                  .ok());
  EXPECT_TRUE(alice->GetData("/cert").ok());
  EXPECT_TRUE(alice->SetData("/cert", "v2").ok());
  EXPECT_EQ(anonymous->GetData("/cert").status().code(), proto::NO_AUTH);
  EXPECT_EQ(plain->GetData("/cert").status().code(), proto::NO_AUTH);
  EXPECT_EQ(plain->SetData("/cert", "x").status().code(), proto::NO_AUTH);

  // "auth" expands to the certificate's id.
  ASSERT_TRUE(alice->Create("/cert2", "", proto::PERSISTENT,
                            {AclOf(proto::READ | proto::ADMIN, "auth", "")})
                  .ok());
  auto acl = alice->GetAcl("/cert2");
  ASSERT_TRUE(acl.ok());
  ASSERT_EQ(acl->first.size(), 1u);
  EXPECT_EQ(acl->first[0].id().scheme(), "x509");
  EXPECT_EQ(acl->first[0].id().id(), "CN=alice,O=Canopy");
}

// One pass of the ACL matrix over the wire: for each scheme, a node whose
// ACL gives that scheme's identity exactly one permission; the operations
// needing it work for that identity and fail with NO_AUTH for a stranger;
// the super user passes everything.
TEST_F(TlsClientPortTest, AclMatrixOverTheWire) {
  auto admin = Connect(Plain());
  ASSERT_NE(admin, nullptr);
  ASSERT_TRUE(admin->AddAuth("digest", "super:letmein").ok());
  auto stranger = Connect(Plain());
  ASSERT_NE(stranger, nullptr);
  ASSERT_TRUE(stranger->AddAuth("digest", "bob:pw").ok());

  struct Who {
    std::string scheme;
    proto::Acl (*acl)(int32_t perms);
    std::unique_ptr<Client> client;
  };
  std::vector<Who> whos;
  auto digest_client = Connect(Plain());
  ASSERT_NE(digest_client, nullptr);
  ASSERT_TRUE(digest_client->AddAuth("digest", "alice:pw").ok());
  whos.push_back({"digest",
                  [](int32_t p) {
                    return AclOf(p, "digest",
                                 pipeline::DigestId("alice:pw"));
                  },
                  std::move(digest_client)});
  whos.push_back({"ip",
                  [](int32_t p) { return AclOf(p, "ip", "127.0.0.0/8"); },
                  Connect(Plain())});
  whos.push_back({"world",
                  [](int32_t p) { return AclOf(p, "world", "anyone"); },
                  Connect(Plain())});
  whos.push_back({"x509",
                  [](int32_t p) {
                    return AclOf(p, "x509", "CN=alice,O=Canopy");
                  },
                  Connect(Tls(), pki_->Pem("ca"), pki_->Pem("alice"),
                          pki_->Key("alice"))});
  for (auto& who : whos) ASSERT_NE(who.client, nullptr) << who.scheme;

  int n = 0;
  for (auto& who : whos) {
    const bool stranger_matches = who.scheme == "ip" || who.scheme == "world";
    auto node = [&](int32_t perms) {
      const std::string path = "/m" + std::to_string(++n);
      EXPECT_TRUE(admin->Create(path, "d").ok());
      EXPECT_TRUE(admin->Create(path + "/c", "d").ok());
      EXPECT_TRUE(admin->SetAcl(path, {who.acl(perms)}).ok());
      return path;
    };
    // The allowed call runs first, then the stranger's.
    auto expect = [&](const std::string& what,
                      const std::function<Status()>& allowed_call,
                      const std::function<Status()>& refused_call) {
      SCOPED_TRACE(who.scheme + " " + what);
      const Status allowed = allowed_call();
      EXPECT_TRUE(allowed.ok()) << allowed.ToString();
      const Status refused = refused_call();
      if (!stranger_matches) EXPECT_EQ(refused.code(), proto::NO_AUTH);
    };
    Client& c = *who.client;
    std::string p = node(proto::READ);
    expect("getData", [&] { return c.GetData(p).status(); },
           [&] { return stranger->GetData(p).status(); });
    expect("getChildren", [&] { return c.GetChildren(p).status(); },
           [&] { return stranger->GetChildren(p).status(); });
    expect("getAcl", [&] { return c.GetAcl(p).status(); },
           [&] { return stranger->GetAcl(p).status(); });
    EXPECT_EQ(c.SetData(p, "x").status().code(), proto::NO_AUTH);
    EXPECT_TRUE(admin->SetData(p, "x").ok());  // super
    p = node(proto::WRITE);
    expect("setData", [&] { return c.SetData(p, "y").status(); },
           [&] { return stranger->SetData(p, "z").status(); });
    EXPECT_EQ(c.GetData(p).status().code(), proto::NO_AUTH);
    p = node(proto::CREATE);
    expect("create", [&] { return c.Create(p + "/n", "").status(); },
           [&] { return stranger->Create(p + "/s", "").status(); });
    p = node(proto::DELETE);
    EXPECT_TRUE(admin->Create(p + "/d", "").ok());
    expect("delete", [&] { return c.Delete(p + "/c"); },
           [&] { return stranger->Delete(p + "/d"); });
    p = node(proto::ADMIN);
    expect("setAcl",
           [&] { return c.SetAcl(p, {who.acl(proto::ADMIN)}).status(); },
           [&] { return stranger->SetAcl(p, {who.acl(proto::ALL)}).status(); });
    // Inside multi: the refused op fails the whole multi.
    p = node(proto::WRITE);
    proto::MultiOp op;
    op.mutable_set_data()->set_path(p);
    op.mutable_set_data()->set_data("m");
    op.mutable_set_data()->set_version(-1);
    expect("multi", [&] { return c.Multi({op}).status(); },
           [&] { return stranger->Multi({op}).status(); });
    // exists needs nothing.
    EXPECT_TRUE(stranger->Exists(p).ok());
  }
  // Without the super digest the admin session would have been refused.
  auto not_super = Connect(Plain());
  ASSERT_NE(not_super, nullptr);
  ASSERT_TRUE(not_super->AddAuth("digest", "super:wrong").ok());
  EXPECT_EQ(not_super->GetData("/m1").status().code(), proto::NO_AUTH);
  EXPECT_TRUE(admin->GetData("/m1").ok());
}

// ------------------------------------------------------------ ensembles

// A 3-member ensemble whose members each get their own extra config lines.
class SecureEnsemble {
 public:
  bool Start(const std::vector<std::string>& extra) {
    const int n = int(extra.size());
    PortHolder ports(2 * n);
    for (int i = 0; i < n; ++i) {
      Member m;
      m.dir = root_.path() + "/member" + std::to_string(i + 1);
      std::filesystem::create_directories(m.dir);
      std::ofstream(m.dir + "/myid") << (i + 1) << "\n";
      m.client_port = ports.ports()[size_t(2 * i)];
      m.peer_port = ports.ports()[size_t(2 * i + 1)];
      members_.push_back(std::move(m));
    }
    for (int i = 0; i < n; ++i) {
      Member& m = members_[size_t(i)];
      m.config = TestConfig(m.dir) + "initLimit=20\nsyncLimit=5\n" +
                 "canopy.logFile=" + m.dir + "/server.log\n" + extra[size_t(i)];
      for (int j = 0; j < n; ++j) {
        const std::string port = std::to_string(members_[size_t(j)].peer_port);
        m.config += "server." + std::to_string(j + 1) + "=127.0.0.1:" + port +
                    ":" + port + "\n";
      }
    }
    ports.Release();
    for (Member& m : members_) {
      m.process = ServerProcess::Start(m.dir, m.config, m.client_port);
      if (!m.process) return false;
    }
    return true;
  }

  std::string Mode(int id) const {
    const std::string srvr =
        FourLetterWord(members_[size_t(id - 1)].client_port, "srvr");
    const auto at = srvr.find("Mode: ");
    if (at == std::string::npos) return "";
    return srvr.substr(at + 6, srvr.find('\n', at) - at - 6);
  }
  bool WaitServing(int id) const {
    return WaitFor([&] {
      const std::string mode = Mode(id);
      return mode == "leader" || mode == "follower";
    }, 20s);
  }
  std::string hosts(int id) const {
    return "127.0.0.1:" + std::to_string(members_[size_t(id - 1)].client_port);
  }
  int peer_port(int id) const { return members_[size_t(id - 1)].peer_port; }
  std::string log(int id) const {
    return ReadFile(members_[size_t(id - 1)].dir + "/server.log");
  }

 private:
  struct Member {
    std::string dir;
    std::string config;
    int client_port = 0;
    int peer_port = 0;
    std::unique_ptr<ServerProcess> process;
  };
  TempDir root_;
  std::vector<Member> members_;
};

// Writes on one member, then reads on every other (after sync).
void ExpectReplicates(const SecureEnsemble& e, const std::vector<int>& ids,
                      const std::string& path) {
  auto writer = Connect(e.hosts(ids[0]));
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Create(path, "replicated").ok());
  for (size_t i = 1; i < ids.size(); ++i) {
    auto reader = Connect(e.hosts(ids[i]));
    ASSERT_NE(reader, nullptr) << "member " << ids[i];
    ASSERT_TRUE(reader->Sync(path).ok());
    auto got = reader->GetData(path);
    ASSERT_TRUE(got.ok()) << "member " << ids[i];
    EXPECT_EQ(got->first, "replicated");
  }
}

TEST(PeerTlsTest, MutualTlsEnsembleFormsAndReplicates) {
  TempDir certs;
  TestPki pki(certs.path());
  ASSERT_TRUE(pki.MakeCa("quorumca"));
  std::vector<std::string> extra;
  for (int id = 1; id <= 3; ++id) {
    const std::string name = "member" + std::to_string(id);
    ASSERT_TRUE(pki.MakeCert(name, "/O=Canopy/CN=" + name, "quorumca"));
    extra.push_back("sslQuorum=true\nssl.quorum.certFile=" + pki.Pem(name) +
                    "\nssl.quorum.keyFile=" + pki.Key(name) +
                    "\nssl.quorum.caFile=" + pki.Pem("quorumca") + "\n");
  }
  SecureEnsemble e;
  ASSERT_TRUE(e.Start(extra));
  for (int id = 1; id <= 3; ++id) ASSERT_TRUE(e.WaitServing(id)) << id;
  ExpectReplicates(e, {1, 2, 3}, "/over-tls");

  // A stranger without a certificate on the peer port: the handshake fails
  // and the member logs the refusal with the stranger's address.
  const int fd = ConnectTo(e.peer_port(1));
  ASSERT_GE(fd, 0);
  std::string hello = "CNPR";
  hello += std::string(7, '\0') + "\x02";
  ASSERT_EQ(::write(fd, hello.data(), hello.size()), ssize_t(hello.size()));
  bool closed = false;
  ReadUpTo(fd, 1 << 16, 5s, &closed);
  EXPECT_TRUE(closed);
  ::close(fd);
  EXPECT_TRUE(WaitFor([&] {
    return e.log(1).find("peer connection from 127.0.0.1:") !=
           std::string::npos;
  }, 5s)) << e.log(1);
  ExpectReplicates(e, {2, 3, 1}, "/still-fine");
}

TEST(QuorumAuthTest, StrangerWithTheWrongSecretCannotJoinOrRead) {
  const std::string good = "quorum.auth.secret=correct horse battery\n";
  SecureEnsemble e;
  ASSERT_TRUE(e.Start({good, good, "quorum.auth.secret=wrong guess\n"}));
  ASSERT_TRUE(e.WaitServing(1));
  ASSERT_TRUE(e.WaitServing(2));
  ExpectReplicates(e, {1, 2}, "/secret-data");

  // Member 3 has the wrong secret: it never joins, so never serves.
  EXPECT_FALSE(WaitFor([&] {
    const std::string mode = e.Mode(3);
    return mode == "leader" || mode == "follower";
  }, 3s)) << e.Mode(3);
  const std::string log1 = e.log(1);
  EXPECT_NE(log1.find("refused"), std::string::npos) << log1;
  EXPECT_NE(log1.find("127.0.0.1:"), std::string::npos);

  // A process posing as member 3 with a guessed secret: it gets the
  // challenge answer, sends a wrong proof, and is closed with nothing more.
  for (int target = 1; target <= 2; ++target) {
    const int fd = ConnectTo(e.peer_port(target));
    ASSERT_GE(fd, 0);
    const std::string nonce(net::quorum_auth::kNonceBytes, 'n');
    std::string hello(net::quorum_auth::kAuthMagic, 4);
    hello += std::string(7, '\0') + "\x03" + nonce;
    ASSERT_EQ(::write(fd, hello.data(), hello.size()), ssize_t(hello.size()));
    bool closed = false;
    const std::string reply = ReadUpTo(fd, 8 + 32 + 32, 5s, &closed);
    ASSERT_EQ(reply.size(), 72u);
    const std::string proof =
        net::quorum_auth::Proof("guess", "canopy-quorum-client", 3, target,
                                nonce, reply.substr(8, 32));
    ASSERT_EQ(::write(fd, proof.data(), proof.size()), ssize_t(proof.size()));
    // Frames as a member would send them: ignored, the link is closed.
    const std::string junk(64, '\x01');
    (void)::write(fd, junk.data(), junk.size());
    const std::string more = ReadUpTo(fd, 1 << 16, 5s, &closed);
    EXPECT_TRUE(more.empty());
    EXPECT_TRUE(closed);
    ::close(fd);
  }
  // The old, unauthenticated hello is refused too.
  const int fd = ConnectTo(e.peer_port(1));
  ASSERT_GE(fd, 0);
  std::string hello = "CNPR";
  hello += std::string(7, '\0') + "\x03";
  ASSERT_EQ(::write(fd, hello.data(), hello.size()), ssize_t(hello.size()));
  bool closed = false;
  EXPECT_TRUE(ReadUpTo(fd, 1 << 16, 5s, &closed).empty());
  EXPECT_TRUE(closed);
  ::close(fd);
  EXPECT_TRUE(WaitFor([&] {
    return e.log(1).find("wrong quorum secret for member 3") !=
           std::string::npos;
  }, 5s));
  ExpectReplicates(e, {2, 1}, "/after-strangers");
}

}  // namespace
}  // namespace canopy::testing
