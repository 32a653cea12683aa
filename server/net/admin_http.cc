#include "server/net/admin_http.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace canopy::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto kIoTimeout = std::chrono::seconds(30);
// Snapshots may be large: the stream gets longer per write.
constexpr auto kStreamTimeout = std::chrono::minutes(10);
constexpr size_t kMaxRequestBytes = 64 * 1024;
}  // namespace

// One HTTP connection: read a request, answer, repeat while keep-alive.
class AdminHttp::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::ip::tcp::socket socket, AdminSource* source,
          std::shared_ptr<bool> alive)
      : stream_(std::move(socket)), source_(source), alive_(std::move(alive)) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBytes);
    parser_->header_limit(kMaxRequestBytes);
    stream_.expires_after(kIoTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) {
            self->Close();
            return;
          }
          self->Handle(self->parser_->release());
        });
  }

 private:
  void Handle(http::request<http::string_body> request) {
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    if (!*alive_) {
      Reply(http::status::service_unavailable, "text/plain",
            "shutting down\n");
      return;
    }
    if (request.method() != http::verb::get &&
        request.method() != http::verb::head) {
      Reply(http::status::method_not_allowed, "text/plain", "GET only\n");
      return;
    }
    std::string target(request.target());
    std::string query;
    if (auto q = target.find('?'); q != std::string::npos) {
      query = target.substr(q + 1);
      target.resize(q);
    }
    while (target.size() > 1 && target.back() == '/') target.pop_back();
    if (target == "/metrics") {
      Reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
            source_->AdminMetrics());
    } else if (target == "/ready") {
      std::string json;
      const bool ready = source_->AdminReady(&json);
      Reply(ready ? http::status::ok : http::status::service_unavailable,
            "application/json", json);
    } else if (target == "/commands/snapshot") {
      const bool take = query.find("take=true") != std::string::npos;
      source_->AdminSnapshot(
          take, [self = shared_from_this()](
                    Result<std::pair<std::string, Zxid>> found) {
            self->SendSnapshot(std::move(found));
          });
    } else if (target == "/commands") {
      std::string json = "{\"commands\":[";
      bool first = true;
      for (const char* name :
           {"conf", "cons", "leader", "mntr", "ruok", "snapshot", "srvr",
            "stat", "wchs", "zabstate"}) {
        json += fmt::format("{}\"{}\"", first ? "" : ",", name);
        first = false;
      }
      Reply(http::status::ok, "application/json", json + "]}\n");
    } else if (target.rfind("/commands/", 0) == 0) {
      auto json = source_->AdminCommand(target.substr(10));
      if (json) {
        Reply(http::status::ok, "application/json", *json);
      } else {
        Reply(http::status::not_found, "application/json",
              "{\"error\":\"unknown command\"}\n");
      }
    } else {
      Reply(http::status::not_found, "text/plain", "not found\n");
    }
  }

  void Reply(http::status status, const std::string& type, std::string body) {
    auto response =
        std::make_shared<http::response<http::string_body>>(status, version_);
    response->set(http::field::server, "canopy-admin");
    response->set(http::field::content_type, type);
    response->keep_alive(keep_alive_);
    response->body() = std::move(body);
    response->prepare_payload();
    stream_.expires_after(kIoTimeout);
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response](beast::error_code ec, size_t) {
          self->AfterWrite(ec);
        });
  }

  void SendSnapshot(Result<std::pair<std::string, Zxid>> found) {
    if (!found.ok()) {
      Reply(http::status::service_unavailable, "text/plain",
            found.status().ToString() + "\n");
      return;
    }
    beast::error_code ec;
    http::file_body::value_type file;
    // Opened now, on the thread that purges: once open, a purge cannot take
    // the file away from the stream.
    file.open(found->first.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      Reply(http::status::service_unavailable, "text/plain",
            "cannot open " + found->first + ": " + ec.message() + "\n");
      return;
    }
    auto response = std::make_shared<http::response<http::file_body>>(
        http::status::ok, version_);
    response->set(http::field::server, "canopy-admin");
    response->set(http::field::content_type, "application/octet-stream");
    response->set("X-Canopy-Snapshot-Zxid",
                  fmt::format("0x{:x}", uint64_t(found->second)));
    response->set(http::field::content_disposition,
                  fmt::format("attachment; filename=\"snapshot.{:016x}\"",
                              uint64_t(found->second)));
    response->keep_alive(keep_alive_);
    response->body() = std::move(file);
    response->prepare_payload();
    stream_.expires_after(kStreamTimeout);
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response](beast::error_code ec, size_t) {
          self->AfterWrite(ec);
        });
  }

  void AfterWrite(beast::error_code ec) {
    if (ec || !keep_alive_) {
      Close();
      return;
    }
    Read();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  AdminSource* source_;
  std::shared_ptr<bool> alive_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

AdminHttp::AdminHttp(asio::io_context& io, AdminSource* source)
    : acceptor_(io), source_(source), alive_(std::make_shared<bool>(true)) {}

AdminHttp::~AdminHttp() { Stop(); }

Result<std::unique_ptr<AdminHttp>> AdminHttp::Start(
    asio::io_context& io, const AdminOptions& options, AdminSource* source) {
  std::unique_ptr<AdminHttp> admin(new AdminHttp(io, source));
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Status(proto::BAD_ARGUMENTS,
                  "bad admin.serverAddress " + options.address);
  }
  asio::ip::tcp::endpoint endpoint(address, options.port);
  auto& a = admin->acceptor_;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(proto::SYSTEM_ERROR,
                  fmt::format("cannot listen for admin HTTP on {}:{}: {}",
                              options.address, options.port, ec.message()));
  }
  admin->port_ = a.local_endpoint().port();
  admin->Accept();
  return admin;
}

void AdminHttp::Accept() {
  acceptor_.async_accept([this, alive = alive_](
                             const boost::system::error_code& ec,
                             asio::ip::tcp::socket socket) {
    if (!*alive) return;
    if (ec) {
      if (ec != asio::error::operation_aborted) Accept();
      return;
    }
    std::make_shared<Session>(std::move(socket), source_, alive_)->Read();
    Accept();
  });
}

void AdminHttp::Stop() {
  if (!*alive_) return;
  *alive_ = false;
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace canopy::net
