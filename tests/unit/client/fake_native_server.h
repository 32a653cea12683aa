// A scripted native-protocol server on 127.0.0.1 for client tests.
//
// It runs its own io_context on its own thread. It checks the magic, answers
// the ConnectRequest through the connect handler (default: a new session, or
// the asked one echoed back), answers pings itself (unless told not to) and
// close requests (then closes the connection), and hands every other request
// to the request handler, which returns what to send back (nothing leaves the
// request unanswered). Everything received is recorded for the WaitFor*
// calls, which wait with a bound.
#ifndef CANOPY_TESTS_UNIT_CLIENT_FAKE_NATIVE_SERVER_H_
#define CANOPY_TESTS_UNIT_CLIENT_FAKE_NATIVE_SERVER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "proto/canopy.pb.h"

namespace canopy::testing {

using std::chrono::milliseconds;

class FakeNativeServer {
 public:
  using ConnectHandler =
      std::function<proto::ConnectResponse(const proto::ConnectRequest&)>;
  using RequestHandler =
      std::function<std::vector<proto::ServerMessage>(const proto::Request&)>;

  FakeNativeServer();
  ~FakeNativeServer();

  FakeNativeServer(const FakeNativeServer&) = delete;
  FakeNativeServer& operator=(const FakeNativeServer&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void SetConnectHandler(ConnectHandler handler);
  void SetRequestHandler(RequestHandler handler);
  void SetAnswerPings(bool answer);

  // The next ConnectRequest / non-ping request not yet taken, in arrival
  // order; nullopt when none comes within timeout.
  std::optional<proto::ConnectRequest> WaitForConnect(milliseconds timeout);
  std::optional<proto::Request> WaitForRequest(milliseconds timeout);
  int pings() const;
  int connections() const;  // accepted so far

  // Sends to the newest open connection (on the server thread).
  void Send(proto::ServerMessage message);
  // Closes every open connection; the listener stays.
  void DropConnections();
  // Stops listening and closes everything; the thread is joined.
  void Stop();

 private:
  struct Conn;

  void Accept();
  void ReadMagic(std::shared_ptr<Conn> c);
  void ReadFrame(std::shared_ptr<Conn> c);
  void OnFrame(std::shared_ptr<Conn> c);
  void Write(const std::shared_ptr<Conn>& c, const proto::ServerMessage& m);
  void CloseConn(const std::shared_ptr<Conn>& c);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  bool stopped_ = false;  // test thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  ConnectHandler connect_handler_;
  RequestHandler request_handler_;
  bool answer_pings_ = true;
  std::deque<proto::ConnectRequest> connects_;
  std::deque<proto::Request> requests_;
  int pings_ = 0;
  int accepted_ = 0;
  int64_t next_session_id_ = 0x1000;

  // Server thread only.
  std::vector<std::shared_ptr<Conn>> conns_;
};

// A Response with xid and err and nothing else.
proto::ServerMessage ResponseMessage(int32_t xid, proto::ErrorCode err,
                                     int64_t zxid = 0);
proto::ServerMessage EventMessage(proto::EventType type, const std::string& path,
                                  int64_t zxid = 0);

}  // namespace canopy::testing

#endif  // CANOPY_TESTS_UNIT_CLIENT_FAKE_NATIVE_SERVER_H_
