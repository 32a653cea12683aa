// Test support: a TCP proxy on 127.0.0.1 in front of a server port that a
// test can cut (close every connection and refuse new ones) and restore,
// to produce real kDisconnected / kExpired for a client.
#ifndef CANOPY_TESTS_RECIPES_TCP_PROXY_H_
#define CANOPY_TESTS_RECIPES_TCP_PROXY_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace canopy::recipes::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~TcpProxy() {
    stop_ = true;
    thread_.join();
    CloseAll();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  // Drops every connection; new ones are closed at once until Restore().
  void Cut() {
    cut_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    drop_ = true;
  }
  void Restore() { cut_ = false; }

 private:
  void CloseAll() {
    for (auto& [a, b] : pairs_) {
      ::close(a);
      ::close(b);
    }
    pairs_.clear();
  }

  int Dial() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(target_port_);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  // Copies what is readable from `from` to `to`; false when closed.
  static bool Pump(int from, int to) {
    char buf[16384];
    const ssize_t n = ::read(from, buf, sizeof buf);
    if (n <= 0) return false;
    ssize_t off = 0;
    while (off < n) {
      const ssize_t w = ::write(to, buf + off, n - off);
      if (w <= 0) return false;
      off += w;
    }
    return true;
  }

  void Run() {
    while (!stop_) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (drop_) {
          CloseAll();
          drop_ = false;
        }
      }
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& [a, b] : pairs_) {
        fds.push_back({a, POLLIN, 0});
        fds.push_back({b, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int client = ::accept(listen_fd_, nullptr, nullptr);
        const int server = cut_ ? -1 : Dial();
        if (server < 0) {
          ::close(client);
        } else {
          pairs_.emplace_back(client, server);
        }
      }
      std::vector<size_t> dead;
      for (size_t i = 0; 2 + 2 * i < fds.size(); ++i) {
        const pollfd& a = fds[1 + 2 * i];
        const pollfd& b = fds[2 + 2 * i];
        bool alive = true;
        if (a.revents & (POLLIN | POLLHUP | POLLERR)) alive = Pump(a.fd, b.fd);
        if (alive && (b.revents & (POLLIN | POLLHUP | POLLERR))) {
          alive = Pump(b.fd, a.fd);
        }
        if (!alive) dead.push_back(i);
      }
      for (size_t k = dead.size(); k-- > 0;) {
        auto [a, b] = pairs_[dead[k]];
        ::close(a);
        ::close(b);
        pairs_.erase(pairs_.begin() + dead[k]);
      }
    }
  }

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::mutex mu_;
  bool drop_ = false;
  std::vector<std::pair<int, int>> pairs_;  // (client, server), Run only
  std::thread thread_;
};

}  // namespace canopy::recipes::testing

#endif  // CANOPY_TESTS_RECIPES_TCP_PROXY_H_
