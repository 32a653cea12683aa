#include "tests/integration/ensemble.h"

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <signal.h>

#include <array>
#include <chrono>
#include <future>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

namespace canopy::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

PortHolder::PortHolder(int n) {
  for (int i = 0; i < n; ++i) {
    held_.push_back(std::make_unique<tcp::acceptor>(
        io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
    ports_.push_back(held_.back()->local_endpoint().port());
  }
}

PortHolder::~PortHolder() = default;

void PortHolder::Release() { held_.clear(); }

// ---------------------------------------------------------------- LinkProxy

struct LinkProxy::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  int target = 0;
  bool cut = false;
  std::vector<std::weak_ptr<tcp::socket>> sockets;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec,
                                 tcp::socket socket) {
      if (ec) return;
      if (!cut) Bridge(std::make_shared<tcp::socket>(std::move(socket)));
      Accept();
    });
  }

  void Bridge(std::shared_ptr<tcp::socket> in) {
    auto out = std::make_shared<tcp::socket>(io);
    boost::system::error_code ec;
    out->connect({asio::ip::make_address("127.0.0.1"), uint16_t(target)}, ec);
    if (ec) return;
    sockets.push_back(in);
    sockets.push_back(out);
    Pipe(in, out);
    Pipe(out, in);
  }

  void Pipe(std::shared_ptr<tcp::socket> from,
            std::shared_ptr<tcp::socket> to) {
    auto buf = std::make_shared<std::array<char, 65536>>();
    from->async_read_some(asio::buffer(*buf), [this, from, to, buf](
                                                  boost::system::error_code ec,
                                                  size_t n) {
      if (ec || cut) {
        boost::system::error_code ignored;
        from->close(ignored);
        to->close(ignored);
        return;
      }
      asio::async_write(*to, asio::buffer(buf->data(), n),
                        [this, from, to, buf](boost::system::error_code ec,
                                              size_t) {
                          if (ec) {
                            boost::system::error_code ignored;
                            from->close(ignored);
                            to->close(ignored);
                            return;
                          }
                          Pipe(from, to);
                        });
    });
  }

  void CloseAll() {
    for (auto& weak : sockets) {
      if (auto s = weak.lock()) {
        boost::system::error_code ignored;
        s->close(ignored);
      }
    }
    sockets.clear();
  }
};

LinkProxy::LinkProxy(int listen_port, int target_port)
    : impl_(std::make_unique<Impl>()) {
  impl_->target = target_port;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                         uint16_t(listen_port));
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

LinkProxy::~LinkProxy() {
  impl_->io.stop();
  impl_->thread.join();
}

int LinkProxy::port() const { return impl_->acceptor.local_endpoint().port(); }

void LinkProxy::Cut() {
  std::promise<void> done;
  asio::post(impl_->io, [&] {
    impl_->cut = true;
    impl_->CloseAll();
    done.set_value();
  });
  done.get_future().wait();
}

void LinkProxy::Heal() {
  std::promise<void> done;
  asio::post(impl_->io, [&] {
    impl_->cut = false;
    done.set_value();
  });
  done.get_future().wait();
}

// ---------------------------------------------------------------- Ensemble

std::unique_ptr<Ensemble> Ensemble::Start(int n, int tick_ms,
                                          const std::string& extra,
                                          bool proxies) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (auto e = TryStart(n, tick_ms, extra, proxies)) return e;
  }
  return nullptr;
}

std::unique_ptr<Ensemble> Ensemble::TryStart(int n, int tick_ms,
                                             const std::string& extra,
                                             bool proxies) {
  auto e = std::unique_ptr<Ensemble>(new Ensemble());
  e->members_.resize(size_t(n));
  // The members' ports stay bound until the proxies have theirs, so no
  // proxy lands on a port a member is about to take.
  PortHolder ports_held(2 * n);
  const std::vector<int>& ports = ports_held.ports();
  for (int i = 0; i < n; ++i) {
    auto& m = e->members_[size_t(i)];
    m.dir = e->root_.path() + "/member" + std::to_string(i + 1);
    std::filesystem::create_directories(m.dir);
    std::ofstream(m.dir + "/myid") << (i + 1) << "\n";
    m.client_port = ports[size_t(2 * i)];
    m.peer_port = ports[size_t(2 * i + 1)];
  }
  e->proxies_.resize(size_t(n));
  for (int i = 0; i < n; ++i) {
    e->proxies_[size_t(i)].resize(size_t(n));
    for (int j = 0; j < n; ++j) {
      if (i == j || !proxies) continue;
      e->proxies_[size_t(i)][size_t(j)] = std::make_unique<LinkProxy>(
          0, e->members_[size_t(j)].peer_port);
    }
  }
  for (int i = 0; i < n; ++i) {
    auto& m = e->members_[size_t(i)];
    std::string config = TestConfig(m.dir, tick_ms) +
                         "initLimit=20\nsyncLimit=5\n" + extra;
    for (int j = 0; j < n; ++j) {
      const int port = (i == j || !proxies)
                           ? e->members_[size_t(j)].peer_port
                           : e->proxies_[size_t(i)][size_t(j)]->port();
      config += "server." + std::to_string(j + 1) +
                "=127.0.0.1:" + std::to_string(port) + ":" +
                std::to_string(port) + "\n";
    }
    m.config = config;
  }
  ports_held.Release();
  for (int id = 1; id <= n; ++id) {
    if (!e->Restart(id)) return nullptr;
  }
  for (int id = 1; id <= n; ++id) {
    if (!e->WaitServing(id)) return nullptr;
  }
  return e;
}

Ensemble::~Ensemble() {
  for (auto& m : members_) m.process.reset();
}

pid_t Ensemble::pid(int id) const {
  const auto& p = members_[size_t(id - 1)].process;
  return p ? p->pid() : -1;
}

std::string Ensemble::hosts() const { return hosts_except(0); }

std::string Ensemble::hosts_except(int id) const {
  std::string out;
  for (int i = 1; i <= size(); ++i) {
    if (i == id) continue;
    if (!out.empty()) out += ",";
    out += "127.0.0.1:" + std::to_string(client_port(i));
  }
  return out;
}

std::string Ensemble::Mode(int id) const {
  if (!running(id)) return "";
  const std::string answer = FourLetterWord(client_port(id), "srvr");
  const auto at = answer.find("Mode: ");
  if (at == std::string::npos) return "";
  return answer.substr(at + 6, answer.find('\n', at) - at - 6);
}

int Ensemble::Leader() const {
  for (int id = 1; id <= size(); ++id) {
    if (Mode(id) == "leader") return id;
  }
  return 0;
}

bool Ensemble::WaitServing(int id, int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string mode = Mode(id);
    if (mode == "leader" || mode == "follower" || mode == "observer") {
      return true;
    }
    // Each probe is a full round trip to the member, so this loop is paced
    // by the member's own answers, and bounded by the deadline.
    std::this_thread::yield();
  }
  return false;
}

int Ensemble::WaitForLeader(int timeout_ms) const {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int leaders = 0, leader = 0;
    for (int id = 1; id <= size(); ++id) {
      if (Mode(id) == "leader") {
        ++leaders;
        leader = id;
      }
    }
    if (leaders == 1) return leader;
    std::this_thread::yield();
  }
  return 0;
}

int Ensemble::Kill(int id, int sig) {
  auto& m = members_[size_t(id - 1)];
  const int status = m.process ? m.process->Kill(sig) : -1;
  m.process.reset();
  return status;
}

bool Ensemble::Restart(int id) {
  auto& m = members_[size_t(id - 1)];
  m.process.reset();
  m.process = ServerProcess::Start(m.dir, m.config, m.client_port,
                                   m.peer_port);
  return m.process != nullptr;
}

void Ensemble::Signal(int id, int sig) {
  const pid_t p = pid(id);
  if (p > 0) ::kill(p, sig);
}

void Ensemble::Isolate(int id) {
  for (int j = 1; j <= size(); ++j) {
    if (j == id) continue;
    if (auto& p = proxies_[size_t(id - 1)][size_t(j - 1)]) p->Cut();
    if (auto& p = proxies_[size_t(j - 1)][size_t(id - 1)]) p->Cut();
  }
}

void Ensemble::Reconnect(int id) {
  for (int j = 1; j <= size(); ++j) {
    if (j == id) continue;
    if (auto& p = proxies_[size_t(id - 1)][size_t(j - 1)]) p->Heal();
    if (auto& p = proxies_[size_t(j - 1)][size_t(id - 1)]) p->Heal();
  }
}

void Ensemble::CutLink(int from, int to) {
  if (auto& p = proxies_[size_t(from - 1)][size_t(to - 1)]) p->Cut();
}

void Ensemble::HealLink(int from, int to) {
  if (auto& p = proxies_[size_t(from - 1)][size_t(to - 1)]) p->Heal();
}

}  // namespace canopy::testing
