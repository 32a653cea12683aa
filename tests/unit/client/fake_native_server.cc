#include "tests/unit/client/fake_native_server.h"

#include <array>
#include <cstring>
#include <future>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "common/native_frame.h"

namespace canopy::testing {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

struct FakeNativeServer::Conn {
  explicit Conn(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  std::array<char, 4> header{};
  std::string body;
  bool connected = false;  // the handshake is done
  bool open = true;
};

proto::ServerMessage ResponseMessage(int32_t xid, proto::ErrorCode err,
                                     int64_t zxid) {
  proto::ServerMessage m;
  m.mutable_response()->set_xid(xid);
  m.mutable_response()->set_err(err);
  m.mutable_response()->set_zxid(zxid);
  return m;
}

proto::ServerMessage EventMessage(proto::EventType type,
                                  const std::string& path, int64_t zxid) {
  proto::ServerMessage m;
  m.mutable_event()->set_type(type);
  m.mutable_event()->set_path(path);
  m.mutable_event()->set_zxid(zxid);
  return m;
}

FakeNativeServer::FakeNativeServer()
    : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { io_.run(); });
}

FakeNativeServer::~FakeNativeServer() { Stop(); }

void FakeNativeServer::SetConnectHandler(ConnectHandler handler) {
  std::lock_guard lock(mu_);
  connect_handler_ = std::move(handler);
}

void FakeNativeServer::SetRequestHandler(RequestHandler handler) {
  std::lock_guard lock(mu_);
  request_handler_ = std::move(handler);
}

void FakeNativeServer::SetAnswerPings(bool answer) {
  std::lock_guard lock(mu_);
  answer_pings_ = answer;
}

std::optional<proto::ConnectRequest> FakeNativeServer::WaitForConnect(
    milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [this] { return !connects_.empty(); })) {
    return std::nullopt;
  }
  proto::ConnectRequest r = std::move(connects_.front());
  connects_.pop_front();
  return r;
}

std::optional<proto::Request> FakeNativeServer::WaitForRequest(
    milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [this] { return !requests_.empty(); })) {
    return std::nullopt;
  }
  proto::Request r = std::move(requests_.front());
  requests_.pop_front();
  return r;
}

int FakeNativeServer::pings() const {
  std::lock_guard lock(mu_);
  return pings_;
}

int FakeNativeServer::connections() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

void FakeNativeServer::Send(proto::ServerMessage message) {
  asio::post(io_, [this, message = std::move(message)] {
    for (auto it = conns_.rbegin(); it != conns_.rend(); ++it) {
      if ((*it)->open && (*it)->connected) {
        Write(*it, message);
        return;
      }
    }
  });
}

void FakeNativeServer::DropConnections() {
  if (stopped_) return;
  std::promise<void> done;
  asio::post(io_, [this, &done] {
    for (auto& c : conns_) CloseConn(c);
    conns_.clear();
    done.set_value();
  });
  done.get_future().wait();
}

void FakeNativeServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  asio::post(io_, [this] {
    error_code ec;
    acceptor_.close(ec);
    for (auto& c : conns_) CloseConn(c);
    conns_.clear();
  });
  thread_.join();
}

void FakeNativeServer::Accept() {
  auto c = std::make_shared<Conn>(io_);
  acceptor_.async_accept(c->socket, [this, c](const error_code& ec) {
    if (ec) return;  // the acceptor was closed
    {
      std::lock_guard lock(mu_);
      ++accepted_;
    }
    std::erase_if(conns_, [](const auto& old) { return !old->open; });
    conns_.push_back(c);
    ReadMagic(c);
    Accept();
  });
}

void FakeNativeServer::ReadMagic(std::shared_ptr<Conn> c) {
  asio::async_read(c->socket, asio::buffer(c->header),
                   [this, c](const error_code& ec, size_t) {
                     if (ec || std::memcmp(c->header.data(),
                                           frame::kNativeMagic, 4) != 0) {
                       return CloseConn(c);
                     }
                     ReadFrame(c);
                   });
}

void FakeNativeServer::ReadFrame(std::shared_ptr<Conn> c) {
  asio::async_read(
      c->socket, asio::buffer(c->header),
      [this, c](const error_code& ec, size_t) {
        if (ec) return CloseConn(c);
        c->body.resize(frame::DecodeLength(c->header.data()));
        asio::async_read(c->socket, asio::buffer(c->body),
                         [this, c](const error_code& ec, size_t) {
                           if (ec) return CloseConn(c);
                           OnFrame(c);
                         });
      });
}

void FakeNativeServer::OnFrame(std::shared_ptr<Conn> c) {
  proto::ClientMessage m;
  if (!m.ParseFromString(c->body)) return CloseConn(c);
  if (!c->connected) {
    if (!m.has_connect()) return CloseConn(c);
    ConnectHandler handler;
    proto::ConnectResponse response;
    {
      std::lock_guard lock(mu_);
      connects_.push_back(m.connect());
      handler = connect_handler_;
      if (!handler) {
        response.set_timeout_ms(m.connect().timeout_ms());
        if (m.connect().session_id() != 0) {
          response.set_session_id(m.connect().session_id());
          response.set_password(m.connect().password());
        } else {
          response.set_session_id(next_session_id_++);
          response.set_password("pw-" + std::to_string(response.session_id()));
        }
      }
    }
    cv_.notify_all();
    if (handler) response = handler(m.connect());
    proto::ServerMessage out;
    *out.mutable_connect() = response;
    Write(c, out);
    if (response.err() != proto::OK) return CloseConn(c);
    c->connected = true;
    return ReadFrame(c);
  }
  if (!m.has_request()) return CloseConn(c);
  const proto::Request& request = m.request();
  if (request.has_ping()) {
    bool answer;
    {
      std::lock_guard lock(mu_);
      ++pings_;
      answer = answer_pings_;
    }
    if (answer) Write(c, ResponseMessage(request.xid(), proto::OK));
    return ReadFrame(c);
  }
  RequestHandler handler;
  {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    handler = request_handler_;
  }
  cv_.notify_all();
  if (request.has_close()) {
    proto::ServerMessage out = ResponseMessage(request.xid(), proto::OK);
    out.mutable_response()->mutable_empty();
    Write(c, out);
    return CloseConn(c);
  }
  if (handler) {
    for (const proto::ServerMessage& out : handler(request)) Write(c, out);
  } else {
    proto::ServerMessage out = ResponseMessage(request.xid(), proto::OK);
    out.mutable_response()->mutable_empty();
    Write(c, out);
  }
  ReadFrame(c);
}

void FakeNativeServer::Write(const std::shared_ptr<Conn>& c,
                             const proto::ServerMessage& m) {
  if (!c->open) return;
  std::string bytes;
  frame::AppendFrame(m, &bytes);
  error_code ec;
  asio::write(c->socket, asio::buffer(bytes), ec);
  if (ec) CloseConn(c);
}

void FakeNativeServer::CloseConn(const std::shared_ptr<Conn>& c) {
  if (!c->open) return;
  c->open = false;
  error_code ec;
  c->socket.shutdown(tcp::socket::shutdown_both, ec);
  c->socket.close(ec);
}

}  // namespace canopy::testing
