// AdminHttp: the admin HTTP endpoint (Boost.Beast) on the server's IO
// thread, as ZooKeeper's AdminServer:
//
//   GET /commands/<name>   JSON answer of an admin command (404 if unknown)
//   GET /commands          the list of command names (JSON)
//   GET /ready             200 when this member serves, else 503 (JSON)
//   GET /metrics           Prometheus text exposition format
//   GET /commands/snapshot the newest snapshot file as a byte stream, with
//                          its zxid in the X-Canopy-Snapshot-Zxid header;
//                          "?take=true" first takes a fresh snapshot
//
// Requests are read with a size bound and a timeout; connections are
// keep-alive. Everything runs on the io_context given, so the source is
// called on the thread that owns the pipeline.
#ifndef CANOPY_SERVER_NET_ADMIN_HTTP_H_
#define CANOPY_SERVER_NET_ADMIN_HTTP_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"

namespace canopy::net {

// zoo.cfg admin.enableServer, admin.serverAddress, admin.serverPort.
struct AdminOptions {
  bool enabled = true;
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
};

// What the endpoint serves; implemented by the server.
class AdminSource {
 public:
  virtual ~AdminSource() = default;
  // The JSON of command `name`, or nullopt for an unknown command.
  virtual std::optional<std::string> AdminCommand(const std::string& name) = 0;
  // Readiness with its JSON body.
  virtual bool AdminReady(std::string* json) = 0;
  virtual std::string AdminMetrics() = 0;
  // Calls done with the path and zxid of the newest complete snapshot
  // (after taking a fresh one when take is set), or an error. done may run
  // later, on the same thread.
  virtual void AdminSnapshot(
      bool take,
      std::function<void(Result<std::pair<std::string, Zxid>>)> done) = 0;
};

class AdminHttp {
 public:
  // Binds and starts accepting; errors name the address.
  static Result<std::unique_ptr<AdminHttp>> Start(
      boost::asio::io_context& io, const AdminOptions& options,
      AdminSource* source);
  ~AdminHttp();

  uint16_t port() const { return port_; }
  // Stops accepting; open exchanges finish on their own.
  void Stop();

 private:
  class Session;
  AdminHttp(boost::asio::io_context& io, AdminSource* source);
  void Accept();

  boost::asio::ip::tcp::acceptor acceptor_;
  AdminSource* source_;
  uint16_t port_ = 0;
  std::shared_ptr<bool> alive_;  // false once stopped: sessions stop asking
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_ADMIN_HTTP_H_
