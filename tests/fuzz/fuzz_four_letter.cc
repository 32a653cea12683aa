// Fuzzes the client port's front door: the input is the whole byte stream a
// client sends, fed to a real ClientConnection over a socket pair. Its first
// four bytes pick the dialect (native magic, a four-letter word, or the
// length of a jute ConnectRequest); a four-letter word is answered by
// AnswerFourLetterWord over a pipeline holding sessions, nodes and watches,
// as the server answers it; other bytes go on through either dialect to the
// pipeline. The input, read as a 4lw.commands.whitelist value, also goes
// through ParseWhitelist.
#include <signal.h>
#include <sys/socket.h>

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <google/protobuf/stubs/logging.h>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "server/net/client_connection.h"
#include "server/net/four_letter.h"
#include "tests/fuzz/pipeline_harness.h"

namespace {

namespace asio = boost::asio;
using canopy::proto::ClientMessage;

// Gives the harness some state for cons, wchs, wchc, dump and mntr to show:
// a session on connection 100 with nodes, an ephemeral and watches.
void Populate(canopy::fuzz::PipelineHarness& harness) {
  constexpr uint64_t kConn = 100;
  ClientMessage connect;
  connect.mutable_connect()->set_timeout_ms(1000);
  harness.Deliver(kConn, connect);
  int32_t xid = 1;
  auto create = [&](const char* path, canopy::proto::CreateMode mode) {
    ClientMessage m;
    m.mutable_request()->set_xid(xid++);
    auto* c = m.mutable_request()->mutable_create();
    c->set_path(path);
    c->set_data("v");
    c->set_mode(mode);
    auto* acl = c->add_acl();
    acl->set_perms(canopy::proto::ALL);
    acl->mutable_id()->set_scheme("world");
    acl->mutable_id()->set_id("anyone");
    harness.Deliver(kConn, m);
  };
  create("/a", canopy::proto::PERSISTENT);
  create("/a/b", canopy::proto::PERSISTENT);
  create("/e", canopy::proto::EPHEMERAL);
  ClientMessage get;
  get.mutable_request()->set_xid(xid++);
  get.mutable_request()->mutable_get_data()->set_path("/a");
  get.mutable_request()->mutable_get_data()->set_watch(true);
  harness.Deliver(kConn, get);
  harness.TakeOutput();
}

class Owner : public canopy::net::ConnectionOwner {
 public:
  explicit Owner(canopy::fuzz::PipelineHarness* harness) : harness_(harness) {}

  void set_connection(canopy::net::ClientConnection* connection) {
    connection_ = connection;
  }

  // As the server: the pipeline answers synchronously where it can, and the
  // answers go out through the connection's dialect.
  void OnClientMessage(uint64_t conn, ClientMessage message) override {
    harness_->Deliver(conn, std::move(message));
    for (const auto& [to, reply] : harness_->TakeOutput()) {
      if (to == conn && connection_ != nullptr) connection_->Send(reply);
    }
  }

  std::string OnFourLetterWord(const std::string& word) override {
    canopy::net::FourLetterContext context;
    context.pipeline = &harness_->pipeline();
    context.mode = harness_->pipeline().ModeName();
    context.connections.push_back({"127.0.0.1", 40000, 3, 2, 0x1234});
    context.config = {{"clientPort", "2181"}, {"tickTime", "100"}};
    static const std::set<std::string> all =
        canopy::net::KnownFourLetterWords();
    return canopy::net::AnswerFourLetterWord(word, all, context);
  }

  void OnConnectionClosed(uint64_t conn) override {
    closed_ = true;
    harness_->Disconnect(conn);
  }

 private:
  canopy::fuzz::PipelineHarness* harness_;
  canopy::net::ClientConnection* connection_ = nullptr;
  bool closed_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  signal(SIGPIPE, SIG_IGN);
  // Protobuf logs every string field that is not UTF-8; quiet, runs are
  // faster.
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> unknown;
  canopy::net::ParseWhitelist(input, &unknown);

  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) std::abort();
  canopy::fuzz::PipelineHarness harness;
  Populate(harness);
  Owner owner(&harness);
  asio::io_context io;
  {
    asio::ip::tcp::socket server_side(io);
    server_side.assign(asio::ip::tcp::v4(), fds[0]);
    asio::local::stream_protocol::socket client_side(io);
    client_side.assign(asio::local::stream_protocol(), fds[1]);

    auto connection = std::make_shared<canopy::net::ClientConnection>(
        std::move(server_side), /*id=*/1, &owner, /*max_frame_bytes=*/1 << 20,
        /*max_output_bytes=*/8 << 20);
    owner.set_connection(connection.get());
    connection->Start();

    // The client writes everything, half-closes, and reads until the server
    // closes; the loop ends when neither side has anything left to do.
    asio::async_write(client_side, asio::buffer(input),
                      [&](const boost::system::error_code&, size_t) {
                        boost::system::error_code ec;
                        client_side.shutdown(
                            asio::socket_base::shutdown_send, ec);
                      });
    std::string sink(64 * 1024, '\0');
    std::function<void(const boost::system::error_code&, size_t)> on_read =
        [&](const boost::system::error_code& ec, size_t) {
          if (ec) return;
          client_side.async_read_some(asio::buffer(sink), on_read);
        };
    client_side.async_read_some(asio::buffer(sink), on_read);
    io.run();
    owner.set_connection(nullptr);
    connection->Abort();
  }
  return 0;
}
