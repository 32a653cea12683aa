// canopy::Client against a scripted fake server: handshake, chroot,
// pipelining, watches, timeouts, connection loss, reconnect and expiry.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "canopy/client.h"
#include "tests/unit/client/fake_native_server.h"
#include "tests/unit/client/test_util.h"

namespace canopy::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kWait(5000);  // bound on every wait for an event

std::unique_ptr<Client> MustConnect(ClientOptions options) {
  Result<std::unique_ptr<Client>> c = Client::Connect(std::move(options));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

ClientOptions Options(const std::string& connect, int timeout_ms = 5000,
                      SessionEventLog* log = nullptr) {
  ClientOptions o;
  o.connect_string = connect;
  o.session_timeout_ms = timeout_ms;
  if (log != nullptr) o.on_session_event = log->Callback();
  return o;
}

proto::ServerMessage DataResponse(int32_t xid, const std::string& data) {
  proto::ServerMessage m = ResponseMessage(xid, proto::OK);
  m.mutable_response()->mutable_get_data()->set_data(data);
  m.mutable_response()->mutable_get_data()->mutable_stat()->set_version(1);
  return m;
}

proto::ServerMessage StatResponse(int32_t xid) {
  proto::ServerMessage m = ResponseMessage(xid, proto::OK);
  m.mutable_response()->mutable_stat()->mutable_stat()->set_version(3);
  return m;
}

// Answers get_data, exists and get_children on any path with success;
// paths in `missing` answer NO_NODE.
FakeNativeServer::RequestHandler ReadHandler(std::vector<std::string> missing) {
  return [missing](const proto::Request& r) -> std::vector<proto::ServerMessage> {
    const std::string path = r.has_get_data()       ? r.get_data().path()
                             : r.has_exists()       ? r.exists().path()
                             : r.has_get_children() ? r.get_children().path()
                                                    : "";
    if (std::find(missing.begin(), missing.end(), path) != missing.end()) {
      return {ResponseMessage(r.xid(), proto::NO_NODE)};
    }
    if (r.has_get_data()) return {DataResponse(r.xid(), "v")};
    if (r.has_exists()) return {StatResponse(r.xid())};
    if (r.has_get_children()) {
      proto::ServerMessage m = ResponseMessage(r.xid(), proto::OK);
      m.mutable_response()->mutable_get_children()->add_children("c");
      return {m};
    }
    proto::ServerMessage m = ResponseMessage(r.xid(), proto::OK);
    m.mutable_response()->mutable_empty();
    return {m};
  };
}

TEST(ClientSessionTest, HandshakeSendsAndAdoptsSessionFields) {
  FakeNativeServer server;
  server.SetConnectHandler([](const proto::ConnectRequest&) {
    proto::ConnectResponse r;
    r.set_timeout_ms(4000);
    r.set_session_id(0x1234);
    r.set_password("secret");
    r.set_last_zxid(7);
    return r;
  });
  SessionEventLog log;
  auto client = MustConnect(Options(server.address(), 6000, &log));
  ASSERT_NE(client, nullptr);
  std::optional<proto::ConnectRequest> req = server.WaitForConnect(kWait);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->protocol_version(), 1);
  EXPECT_EQ(req->session_id(), 0);
  EXPECT_EQ(req->password(), "");
  EXPECT_EQ(req->timeout_ms(), 6000);
  EXPECT_EQ(req->last_zxid_seen(), 0);
  EXPECT_EQ(client->session_id(), 0x1234);
  EXPECT_EQ(client->session_password(), "secret");
  EXPECT_EQ(client->session_timeout_ms(), 4000);
  EXPECT_TRUE(log.WaitFor(SessionEvent::kConnected, 1, kWait));
}

TEST(ClientSessionTest, ConnectToNothingFailsWithConnectionLoss) {
  uint16_t port;
  {
    FakeNativeServer gone;
    port = gone.port();
  }
  const auto start = steady_clock::now();
  Result<std::unique_ptr<Client>> c =
      Client::Connect(Options("127.0.0.1:" + std::to_string(port), 600));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), proto::CONNECTION_LOSS) << c.status().ToString();
  EXPECT_LT(steady_clock::now() - start, milliseconds(4000));
}

TEST(ClientSessionTest, ConnectWithoutHandshakeAnswerTimesOut) {
  FakeNativeServer server;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server.SetConnectHandler([released](const proto::ConnectRequest& r) {
    released.wait_for(milliseconds(3000));  // hold the handshake
    proto::ConnectResponse out;
    out.set_timeout_ms(r.timeout_ms());
    out.set_session_id(1);
    return out;
  });
  Result<std::unique_ptr<Client>> c =
      Client::Connect(Options(server.address(), 600));
  release.set_value();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), proto::OPERATION_TIMEOUT)
      << c.status().ToString();
}

TEST(ClientSessionTest, ReattachRefusedIsSessionExpired) {
  FakeNativeServer server;
  server.SetConnectHandler([](const proto::ConnectRequest&) {
    proto::ConnectResponse r;
    r.set_err(proto::SESSION_EXPIRED);
    return r;
  });
  ClientOptions o = Options(server.address());
  o.session_id = 0x99;
  o.password = "old";
  Result<std::unique_ptr<Client>> c = Client::Connect(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), proto::SESSION_EXPIRED);
  std::optional<proto::ConnectRequest> req = server.WaitForConnect(kWait);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->session_id(), 0x99);
  EXPECT_EQ(req->password(), "old");
}

TEST(ClientSessionTest, BadConnectStringIsBadArguments) {
  Result<std::unique_ptr<Client>> c = Client::Connect(Options("host:notaport"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), proto::BAD_ARGUMENTS);
}

TEST(ClientSessionTest, ChrootPrefixesSentPathsAndStripsReceivedOnes) {
  Trace trace;  // outlives the client and its callbacks
  FakeNativeServer server;
  server.SetRequestHandler(
      [](const proto::Request& r) -> std::vector<proto::ServerMessage> {
        proto::ServerMessage m = ResponseMessage(r.xid(), proto::OK);
        if (r.has_create()) {
          m.mutable_response()->mutable_create()->set_path(
              r.create().path() + "0000000001");
        } else if (r.has_sync()) {
          m.mutable_response()->mutable_sync()->set_path(r.sync().path());
        } else if (r.has_exists()) {
          m.mutable_response()->mutable_stat();
        } else if (r.has_get_data()) {
          m.mutable_response()->mutable_get_data()->set_data("d");
        } else if (r.has_multi()) {
          proto::MultiOpResult* res =
              m.mutable_response()->mutable_multi()->add_results();
          res->mutable_create()->set_path(r.multi().ops(0).create().path());
        } else {
          m.mutable_response()->mutable_empty();
        }
        return {m};
      });
  auto client = MustConnect(Options(server.address() + "/app"));
  ASSERT_NE(client, nullptr);

  Result<std::string> created =
      client->Create("/job-", "x", proto::PERSISTENT_SEQUENTIAL);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(*created, "/job-0000000001");
  std::optional<proto::Request> seen = server.WaitForRequest(kWait);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->create().path(), "/app/job-");
  EXPECT_EQ(seen->create().data(), "x");
  EXPECT_EQ(seen->create().mode(), proto::PERSISTENT_SEQUENTIAL);

  // The root of the client is the chroot itself.
  Watcher w = [](const proto::WatchEvent&) {};
  ASSERT_TRUE(client->Exists("/", w).ok());
  seen = server.WaitForRequest(kWait);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->exists().path(), "/app");
  EXPECT_TRUE(seen->exists().watch());

  proto::Request sync;
  sync.mutable_sync()->set_path("/a");
  proto::Response sync_answer = client->Submit(sync).get();
  EXPECT_EQ(sync_answer.sync().path(), "/a");
  seen = server.WaitForRequest(kWait);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->sync().path(), "/app/a");

  proto::MultiOp op;
  op.mutable_create()->set_path("/m");
  Result<std::vector<proto::MultiOpResult>> multi = client->Multi({op});
  ASSERT_TRUE(multi.ok()) << multi.status().ToString();
  EXPECT_EQ((*multi)[0].create().path(), "/m");
  seen = server.WaitForRequest(kWait);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->multi().ops(0).create().path(), "/app/m");

  // Events come back relative to the chroot.
  ASSERT_TRUE(client
                  ->GetData("/a", [&trace](const proto::WatchEvent& e) {
                    trace.Add(e.path());
                  })
                  .ok());
  server.Send(EventMessage(proto::NODE_DATA_CHANGED, "/app/a"));
  ASSERT_TRUE(trace.WaitForSize(1, kWait));
  EXPECT_EQ(trace.items()[0], "/a");
}

TEST(ClientSessionTest, InvalidPathFailsLocally) {
  FakeNativeServer server;
  auto client = MustConnect(Options(server.address()));
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->GetData("relative").status().code(), proto::BAD_ARGUMENTS);
  EXPECT_EQ(client->Delete("/a/").code(), proto::BAD_ARGUMENTS);
  EXPECT_FALSE(server.WaitForRequest(milliseconds(50)));
}

TEST(ClientSessionTest, PipelinedRequestsAreMatchedByXid) {
  Trace trace;  // outlives the client and its callbacks
  FakeNativeServer server;
  server.SetRequestHandler([](const proto::Request&) {
    return std::vector<proto::ServerMessage>{};  // answered by the test
  });
  auto client = MustConnect(Options(server.address()));
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 3; ++i) {
    const std::string path = "/n" + std::to_string(i);
    client->GetDataAsync(
        path, [&trace, path](Result<std::pair<std::string, proto::Stat>> r) {
          trace.Add(path + "=" + (r.ok() ? r->first : r.status().ToString()));
        });
  }
  std::vector<proto::Request> got;
  for (int i = 0; i < 3; ++i) {
    std::optional<proto::Request> r = server.WaitForRequest(kWait);
    ASSERT_TRUE(r);
    got.push_back(*r);
  }
  // All three are outstanding at once, with distinct increasing xids.
  EXPECT_LT(got[0].xid(), got[1].xid());
  EXPECT_LT(got[1].xid(), got[2].xid());
  // Answer in reverse: each answer reaches the request with its xid.
  for (int i = 2; i >= 0; --i) {
    server.Send(DataResponse(got[i].xid(), "d" + got[i].get_data().path()));
  }
  ASSERT_TRUE(trace.WaitForSize(3, kWait));
  EXPECT_EQ(trace.items(),
            (std::vector<std::string>{"/n2=d/n2", "/n1=d/n1", "/n0=d/n0"}));
}

TEST(ClientSessionTest, WatchersFireOncePerRegistration) {
  Trace trace;  // outlives the client and its callbacks
  FakeNativeServer server;
  server.SetRequestHandler(ReadHandler({"/missing", "/gone"}));
  auto client = MustConnect(Options(server.address()));
  ASSERT_NE(client, nullptr);
  auto watcher = [&trace](const std::string& name) {
    return [&trace, name](const proto::WatchEvent& e) {
      trace.Add(name + ":" + std::to_string(e.type()) + ":" + e.path());
    };
  };
  ASSERT_TRUE(client->GetData("/a", watcher("data")).ok());
  ASSERT_TRUE(client->GetChildren("/a", watcher("child")).ok());
  // Exists on a missing node registers an exists watch.
  Result<std::optional<proto::Stat>> missing =
      client->Exists("/missing", watcher("exists"));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  // A failed read registers nothing.
  EXPECT_EQ(client->GetData("/gone", watcher("never")).status().code(),
            proto::NO_NODE);

  server.Send(EventMessage(proto::NODE_DATA_CHANGED, "/a"));
  server.Send(EventMessage(proto::NODE_DATA_CHANGED, "/a"));  // one-shot
  server.Send(EventMessage(proto::NODE_CREATED, "/missing"));
  server.Send(EventMessage(proto::NODE_CREATED, "/gone"));
  server.Send(EventMessage(proto::NODE_CHILDREN_CHANGED, "/a"));
  // A request answered after those events completes after their watchers.
  ASSERT_TRUE(client->Sync("/").ok());
  EXPECT_EQ(trace.items(),
            (std::vector<std::string>{
                "data:" + std::to_string(proto::NODE_DATA_CHANGED) + ":/a",
                "exists:" + std::to_string(proto::NODE_CREATED) + ":/missing",
                "child:" + std::to_string(proto::NODE_CHILDREN_CHANGED) +
                    ":/a"}));
}

TEST(ClientSessionTest, DeletionFiresDataAndChildWatchersInOrder) {
  Trace trace;  // outlives the client and its callbacks
  FakeNativeServer server;
  server.SetRequestHandler(ReadHandler({}));
  auto client = MustConnect(Options(server.address()));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client
                  ->GetChildren("/a",
                                [&](const proto::WatchEvent&) {
                                  trace.Add("child");
                                })
                  .ok());
  ASSERT_TRUE(
      client->GetData("/a", [&](const proto::WatchEvent&) { trace.Add("data1"); })
          .ok());
  ASSERT_TRUE(
      client->Exists("/a", [&](const proto::WatchEvent&) { trace.Add("data2"); })
          .ok());
  server.Send(EventMessage(proto::NODE_DELETED, "/a"));
  ASSERT_TRUE(trace.WaitForSize(3, kWait));
  EXPECT_EQ(trace.items(),
            (std::vector<std::string>{"child", "data1", "data2"}));
}

TEST(ClientSessionTest, EventRunsBeforeTheAnswerThatReflectsIt) {
  Trace trace;  // outlives the client and its callbacks
  FakeNativeServer server;
  server.SetRequestHandler(
      [](const proto::Request& r) -> std::vector<proto::ServerMessage> {
        if (r.has_get_data()) return {DataResponse(r.xid(), "v")};
        // set_data: the event it fires, then its answer.
        return {EventMessage(proto::NODE_DATA_CHANGED, r.set_data().path(), 9),
                StatResponse(r.xid())};
      });
  auto client = MustConnect(Options(server.address()));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->GetData("/a", [&](const proto::WatchEvent&) { trace.Add("watch"); })
          .ok());
  client->SetDataAsync("/a", "w", -1,
                       [&](Result<proto::Stat>) { trace.Add("set"); });
  ASSERT_TRUE(trace.WaitForSize(2, kWait));
  EXPECT_EQ(trace.items(), (std::vector<std::string>{"watch", "set"}));
  EXPECT_EQ(client->last_zxid_seen(), 9);
}

TEST(ClientSessionTest, UnansweredOperationTimesOut) {
  FakeNativeServer server;
  server.SetRequestHandler([](const proto::Request&) {
    return std::vector<proto::ServerMessage>{};  // never answers
  });
  auto client = MustConnect(Options(server.address(), 600));
  ASSERT_NE(client, nullptr);
  std::future<proto::Response> async = client->Submit([] {
    proto::Request r;
    r.mutable_get_data()->set_path("/async");
    return r;
  }());
  const auto start = steady_clock::now();
  Result<std::pair<std::string, proto::Stat>> r = client->GetData("/a");
  const auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), proto::OPERATION_TIMEOUT);
  EXPECT_EQ(r.status().ToString(), "OperationTimeout: /a");
  EXPECT_GE(elapsed, milliseconds(500));
  EXPECT_LT(elapsed, milliseconds(3000));  // bounded: it never hangs
  ASSERT_EQ(async.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(async.get().err(), proto::OPERATION_TIMEOUT);
}

TEST(ClientSessionTest, DroppedConnectionFailsOutstandingAndReconnects) {
  FakeNativeServer server;
  server.SetRequestHandler([](const proto::Request&) {
    return std::vector<proto::ServerMessage>{};
  });
  SessionEventLog log;
  auto client = MustConnect(Options(server.address(), 5000, &log));
  ASSERT_NE(client, nullptr);
  std::optional<proto::ConnectRequest> first = server.WaitForConnect(kWait);
  ASSERT_TRUE(first);
  std::promise<proto::ErrorCode> outcome;
  client->DeleteAsync("/a", -1, [&outcome](Status s) {
    outcome.set_value(s.code());
  });
  ASSERT_TRUE(server.WaitForRequest(kWait));
  server.DropConnections();
  std::future<proto::ErrorCode> f = outcome.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f.get(), proto::CONNECTION_LOSS);
  EXPECT_TRUE(log.WaitFor(SessionEvent::kDisconnected, 1, kWait));
  // It comes back with the same session.
  std::optional<proto::ConnectRequest> again = server.WaitForConnect(kWait);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->session_id(), client->session_id());
  EXPECT_EQ(again->password(), client->session_password());
  EXPECT_TRUE(log.WaitFor(SessionEvent::kConnected, 2, kWait));
}

TEST(ClientSessionTest, ReconnectReRegistersWatchesWithSetWatches) {
  Trace trace;  // outlives the client and its callbacks
  FakeNativeServer server;
  FakeNativeServer::RequestHandler reads = ReadHandler({"/app/missing"});
  server.SetRequestHandler([reads](const proto::Request& r) {
    std::vector<proto::ServerMessage> out = reads(r);
    for (proto::ServerMessage& m : out) m.mutable_response()->set_zxid(0x42);
    return out;
  });
  SessionEventLog log;
  auto client =
      MustConnect(Options(server.address() + "/app", 5000, &log));
  ASSERT_NE(client, nullptr);
  auto watcher = [&trace](const proto::WatchEvent& e) { trace.Add(e.path()); };
  ASSERT_TRUE(client->GetData("/a", watcher).ok());
  ASSERT_TRUE(client->Exists("/missing", watcher).ok());
  ASSERT_TRUE(client->GetChildren("/a", watcher).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(server.WaitForRequest(kWait));
  ASSERT_TRUE(server.WaitForConnect(kWait));

  server.DropConnections();
  ASSERT_TRUE(server.WaitForConnect(kWait));
  std::optional<proto::Request> set = server.WaitForRequest(kWait);
  ASSERT_TRUE(set);
  ASSERT_TRUE(set->has_set_watches()) << set->DebugString();
  EXPECT_EQ(set->xid(), -8);
  const proto::SetWatchesRequest& w = set->set_watches();
  EXPECT_EQ(w.relative_zxid(), 0x42);
  EXPECT_EQ(std::vector<std::string>(w.data_watches().begin(),
                                     w.data_watches().end()),
            std::vector<std::string>{"/app/a"});
  EXPECT_EQ(std::vector<std::string>(w.exist_watches().begin(),
                                     w.exist_watches().end()),
            std::vector<std::string>{"/app/missing"});
  EXPECT_EQ(std::vector<std::string>(w.child_watches().begin(),
                                     w.child_watches().end()),
            std::vector<std::string>{"/app/a"});
  EXPECT_TRUE(log.WaitFor(SessionEvent::kConnected, 2, kWait));
  // The kept watchers still fire.
  server.Send(EventMessage(proto::NODE_CREATED, "/app/missing"));
  ASSERT_TRUE(trace.WaitForSize(1, kWait));
  EXPECT_EQ(trace.items()[0], "/missing");
}

TEST(ClientSessionTest, ReconnectsToTheOtherHostWithTheSameSession) {
  FakeNativeServer a;
  FakeNativeServer b;
  for (FakeNativeServer* s : {&a, &b}) {
    s->SetConnectHandler([](const proto::ConnectRequest& r) {
      proto::ConnectResponse out;
      out.set_timeout_ms(r.timeout_ms());
      out.set_session_id(0x77);
      out.set_password("pw77");
      return out;
    });
    s->SetRequestHandler([](const proto::Request& r) {
      proto::ServerMessage m = ResponseMessage(r.xid(), proto::OK, 0x55);
      m.mutable_response()->mutable_sync()->set_path(r.sync().path());
      return std::vector<proto::ServerMessage>{m};
    });
  }
  SessionEventLog log;
  auto client =
      MustConnect(Options(a.address() + "," + b.address(), 3000, &log));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Sync("/").ok());
  EXPECT_EQ(client->last_zxid_seen(), 0x55);
  FakeNativeServer* first = a.connections() > 0 ? &a : &b;
  FakeNativeServer* second = first == &a ? &b : &a;
  ASSERT_TRUE(first->WaitForConnect(kWait));
  first->Stop();
  EXPECT_TRUE(log.WaitFor(SessionEvent::kDisconnected, 1, kWait));
  std::optional<proto::ConnectRequest> req = second->WaitForConnect(kWait);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->session_id(), 0x77);
  EXPECT_EQ(req->password(), "pw77");
  EXPECT_EQ(req->last_zxid_seen(), 0x55);
  EXPECT_TRUE(log.WaitFor(SessionEvent::kConnected, 2, kWait));
  EXPECT_TRUE(client->Sync("/").ok());
}

TEST(ClientSessionTest, SilentServerIsDroppedAfterTwoThirdsOfTheTimeout) {
  FakeNativeServer server;
  SessionEventLog log;
  auto client = MustConnect(Options(server.address(), 900, &log));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(server.WaitForConnect(kWait));
  server.SetAnswerPings(false);
  const auto start = steady_clock::now();
  EXPECT_TRUE(log.WaitFor(SessionEvent::kDisconnected, 1, kWait));
  const auto elapsed = steady_clock::now() - start;
  EXPECT_GE(server.pings(), 1);  // it pinged while idle
  // Dropped at 2/3 of 900 ms after the last answer (up to 300 ms before).
  EXPECT_GE(elapsed, milliseconds(200));
  EXPECT_LT(elapsed, milliseconds(1800));
  server.SetAnswerPings(true);
  std::optional<proto::ConnectRequest> again = server.WaitForConnect(kWait);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->session_id(), client->session_id());
  EXPECT_TRUE(log.WaitFor(SessionEvent::kConnected, 2, kWait));
}

TEST(ClientSessionTest, PingsKeepAnIdleSessionConnected) {
  FakeNativeServer server;
  SessionEventLog log;
  auto client = MustConnect(Options(server.address(), 300, &log));
  ASSERT_NE(client, nullptr);
  // Idle for several timeouts: only pings flow, and nothing drops.
  EXPECT_FALSE(log.WaitFor(SessionEvent::kDisconnected, 1, milliseconds(1000)));
  EXPECT_GE(server.pings(), 3);
  EXPECT_TRUE(client->Sync("/").ok());
}

TEST(ClientSessionTest, ServerSaysExpiredOnReconnect) {
  FakeNativeServer server;
  SessionEventLog log;
  auto client = MustConnect(Options(server.address(), 5000, &log));
  ASSERT_NE(client, nullptr);
  server.SetConnectHandler([](const proto::ConnectRequest&) {
    proto::ConnectResponse r;
    r.set_err(proto::SESSION_EXPIRED);
    return r;
  });
  server.DropConnections();
  EXPECT_TRUE(log.WaitFor(SessionEvent::kExpired, 1, kWait));
  EXPECT_EQ(client->GetData("/a").status().code(), proto::SESSION_EXPIRED);
  EXPECT_TRUE(client->Close().ok());
  EXPECT_EQ(log.events(),
            (std::vector<SessionEvent>{SessionEvent::kConnected,
                                       SessionEvent::kDisconnected,
                                       SessionEvent::kExpired}));
}

TEST(ClientSessionTest, NoServerForASessionTimeoutIsExpiry) {
  auto server = std::make_unique<FakeNativeServer>();
  SessionEventLog log;
  auto client = MustConnect(Options(server->address(), 600, &log));
  ASSERT_NE(client, nullptr);
  server->Stop();
  const auto start = steady_clock::now();
  EXPECT_TRUE(log.WaitFor(SessionEvent::kExpired, 1, kWait));
  EXPECT_LT(steady_clock::now() - start, milliseconds(3000));
  EXPECT_EQ(client->Exists("/a").status().code(), proto::SESSION_EXPIRED);
}

TEST(ClientSessionTest, CloseEndsTheSession) {
  FakeNativeServer server;
  SessionEventLog log;
  auto client = MustConnect(Options(server.address(), 5000, &log));
  ASSERT_NE(client, nullptr);
  EXPECT_TRUE(client->Close().ok());
  std::optional<proto::Request> close = server.WaitForRequest(kWait);
  ASSERT_TRUE(close);
  EXPECT_TRUE(close->has_close());
  EXPECT_TRUE(log.WaitFor(SessionEvent::kClosed, 1, kWait));
  EXPECT_EQ(client->GetData("/a").status().code(), proto::SESSION_EXPIRED);
  EXPECT_TRUE(client->Close().ok());  // idempotent
}

TEST(ClientSessionTest, DestructorClosesTheSession) {
  FakeNativeServer server;
  {
    auto client = MustConnect(Options(server.address()));
    ASSERT_NE(client, nullptr);
  }
  std::optional<proto::Request> close = server.WaitForRequest(kWait);
  ASSERT_TRUE(close);
  EXPECT_TRUE(close->has_close());
}

TEST(ClientSessionTest, SyncCallInsideACallbackIsRefused) {
  FakeNativeServer server;
  auto client = MustConnect(Options(server.address()));
  ASSERT_NE(client, nullptr);
  std::promise<proto::ErrorCode> inner;
  proto::Request sync;
  sync.mutable_sync()->set_path("/");
  client->Submit(sync, [&](const proto::Response&) {
    inner.set_value(client->Sync("/").code());
  });
  std::future<proto::ErrorCode> f = inner.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f.get(), proto::API_ERROR);
}

TEST(ClientSessionTest, WatcherOnANonWatchingOperationIsRefused) {
  FakeNativeServer server;
  auto client = MustConnect(Options(server.address()));
  ASSERT_NE(client, nullptr);
  proto::Request del;
  del.mutable_delete_()->set_path("/a");
  proto::Response r =
      client->Submit(del, [](const proto::WatchEvent&) {}).get();
  EXPECT_EQ(r.err(), proto::BAD_ARGUMENTS);
}

TEST(ClientSessionTest, MultiFailureNamesTheFirstFailedOpAndKeepsResults) {
  FakeNativeServer server;
  server.SetRequestHandler([](const proto::Request& r) {
    proto::ServerMessage m = ResponseMessage(r.xid(), proto::NO_NODE);
    auto* multi = m.mutable_response()->mutable_multi();
    multi->add_results()->set_err(proto::RUNTIME_INCONSISTENCY);
    multi->add_results()->set_err(proto::NO_NODE);
    multi->add_results()->set_err(proto::RUNTIME_INCONSISTENCY);
    return std::vector<proto::ServerMessage>{m};
  });
  auto client = MustConnect(Options(server.address()));
  ASSERT_NE(client, nullptr);
  std::vector<proto::MultiOp> ops(3);
  ops[0].mutable_create()->set_path("/a");
  ops[1].mutable_delete_()->set_path("/b");
  ops[2].mutable_check()->set_path("/c");
  std::vector<proto::MultiOpResult> results;
  Result<std::vector<proto::MultiOpResult>> r = client->Multi(ops, &results);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(), "NoNode: op 1: /b");
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].err(), proto::NO_NODE);
}

TEST(ClientSessionTest, RequestsMadeWhileDisconnectedAreSentAfterReconnect) {
  FakeNativeServer server;
  SessionEventLog log;
  auto client = MustConnect(Options(server.address(), 5000, &log));
  ASSERT_NE(client, nullptr);
  // Refuse the next handshake once, so the client is between servers.
  std::promise<void> refused;
  std::atomic<int> handshakes{0};
  server.SetConnectHandler([&](const proto::ConnectRequest& r) {
    proto::ConnectResponse out;
    if (handshakes.fetch_add(1) == 0) {
      out.set_err(proto::SYSTEM_ERROR);
      refused.set_value();
    } else {
      out.set_timeout_ms(r.timeout_ms());
      out.set_session_id(r.session_id());
      out.set_password(r.password());
    }
    return out;
  });
  server.DropConnections();
  ASSERT_TRUE(log.WaitFor(SessionEvent::kDisconnected, 1, kWait));
  ASSERT_EQ(refused.get_future().wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(client->Sync("/").ok());
  EXPECT_TRUE(log.WaitFor(SessionEvent::kConnected, 2, kWait));
}

}  // namespace
}  // namespace canopy::testing
