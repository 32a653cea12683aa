#include "probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace canopy::bench {

namespace {

using Clock = std::chrono::steady_clock;

int64_t RealtimeNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Jute encoding of the few records the probe sends.
class Out {
 public:
  void Int(int32_t v) {
    for (int s = 24; s >= 0; s -= 8) bytes_ += char(uint32_t(v) >> s);
  }
  void Long(int64_t v) {
    for (int s = 56; s >= 0; s -= 8) bytes_ += char(uint64_t(v) >> s);
  }
  void Bool(bool v) { bytes_ += char(v ? 1 : 0); }
  void Buffer(const std::string& b) {
    Int(int32_t(b.size()));
    bytes_ += b;
  }
  void Raw(const std::string& b) { bytes_ += b; }
  const std::string& bytes() const { return bytes_; }
  // The payload with its 4-byte length in front.
  std::string Frame() const {
    Out framed;
    framed.Int(int32_t(bytes_.size()));
    return framed.bytes_ + bytes_;
  }

 private:
  std::string bytes_;
};

int32_t GetInt(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | uint8_t(b[at + i]);
  return int32_t(v);
}

int64_t GetLong(const std::string& b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | uint8_t(b[at + i]);
  return int64_t(v);
}

// One TCP connection with every step bounded by one deadline.
class Conn {
 public:
  explicit Conn(Clock::time_point deadline) : deadline_(deadline) {}
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }

  bool Open(const std::string& host, const std::string& port,
            std::string* error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 ||
        found == nullptr) {
      *error = "cannot resolve " + host;
      return false;
    }
    fd_ = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 0);
    const int rc =
        fd_ < 0 ? -1 : connect(fd_, found->ai_addr, found->ai_addrlen);
    const int connect_errno = errno;
    freeaddrinfo(found);
    if (fd_ < 0) {
      *error = "socket failed";
      return false;
    }
    if (rc != 0 && connect_errno != EINPROGRESS) {
      *error = std::string("connect: ") + std::strerror(connect_errno);
      return false;
    }
    if (!Wait(POLLOUT)) {
      *error = "connect timed out";
      return false;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      *error = std::string("connect: ") + std::strerror(so_error);
      return false;
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }

  bool Send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n =
          send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += size_t(n);
      } else if (n < 0 && errno == EAGAIN) {
        if (!Wait(POLLOUT)) return false;
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return false;
      }
    }
    return true;
  }

  // Reads one frame's payload.
  bool ReadFrame(std::string* payload) {
    std::string header;
    if (!ReadExact(4, &header)) return false;
    const int32_t length = GetInt(header, 0);
    if (length < 0 || length > (1 << 20)) return false;
    return ReadExact(size_t(length), payload);
  }

 private:
  bool Wait(short events) {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline_ - Clock::now())
                            .count();
      if (left <= 0) return false;
      pollfd p{fd_, events, 0};
      const int rc = poll(&p, 1, int(left));
      if (rc > 0) return true;
      if (rc < 0 && errno != EINTR) return false;
    }
  }

  bool ReadExact(size_t count, std::string* out) {
    out->assign(count, '\0');
    size_t done = 0;
    while (done < count) {
      const ssize_t n = recv(fd_, out->data() + done, count - done, 0);
      if (n > 0) {
        done += size_t(n);
      } else if (n == 0) {
        return false;
      } else if (errno == EAGAIN) {
        if (!Wait(POLLIN)) return false;
      } else if (errno != EINTR) {
        return false;
      }
    }
    return true;
  }

  Clock::time_point deadline_;
  int fd_ = -1;
};

constexpr int32_t kOpCreate = 1;
constexpr int32_t kOpExists = 3;
constexpr int32_t kOpSetData = 5;
constexpr int32_t kOpCloseSession = -11;
constexpr int32_t kNoNodeErr = -101;
constexpr int32_t kNodeExistsErr = -110;

// Sends one request and reads its reply's err; false when no reply came.
bool Call(Conn& conn, int32_t xid, int32_t op, const std::string& body,
          int32_t* err) {
  Out request;
  request.Int(xid);
  request.Int(op);
  request.Raw(body);
  if (!conn.Send(request.Frame())) return false;
  for (;;) {
    std::string reply;
    if (!conn.ReadFrame(&reply) || reply.size() < 16) return false;
    if (GetInt(reply, 0) != xid) continue;  // a notification or ping
    *err = GetInt(reply, 12);
    return true;
  }
}

std::string Body(const std::function<void(Out&)>& fill) {
  Out out;
  fill(out);
  return out.bytes();
}

// One attempt on one host: true when the request succeeded.
bool Attempt(const ProbeOptions& o, const std::string& host_port,
             Clock::time_point deadline, std::string* error) {
  const size_t colon = host_port.rfind(':');
  const std::string host =
      colon == std::string::npos ? host_port : host_port.substr(0, colon);
  const std::string port =
      colon == std::string::npos ? "2181" : host_port.substr(colon + 1);
  Conn conn(deadline);
  if (!conn.Open(host, port, error)) return false;
  Out connect;
  connect.Int(0);      // protocolVersion
  connect.Long(0);     // lastZxidSeen
  connect.Int(6000);   // timeOut (ms)
  connect.Long(0);     // sessionId
  connect.Buffer(std::string(16, '\0'));
  connect.Bool(false);  // readOnly
  std::string reply;
  if (!conn.Send(connect.Frame()) || !conn.ReadFrame(&reply) ||
      reply.size() < 16) {
    *error = "no session";
    return false;
  }
  if (GetInt(reply, 4) <= 0 || GetLong(reply, 8) == 0) {
    *error = "session refused";
    return false;
  }
  int32_t err = 0;
  bool ok = false;
  if (!o.write) {
    const std::string body = Body([&](Out& b) {
      b.Buffer(o.path);
      b.Bool(false);
    });
    if (!Call(conn, 1, kOpExists, body, &err)) {
      *error = "no answer to exists";
      return false;
    }
    ok = err == 0 || o.path == "/";
  } else {
    const std::string value = "probe";
    const std::string set_body = Body([&](Out& b) {
      b.Buffer(o.path);
      b.Buffer(value);
      b.Int(-1);
    });
    if (!Call(conn, 1, kOpSetData, set_body, &err)) {
      *error = "no answer to setData";
      return false;
    }
    if (err == kNoNodeErr) {
      const std::string create_body = Body([&](Out& b) {
        b.Buffer(o.path);
        b.Buffer(value);
        b.Int(1);  // one ACL: world:anyone, all permissions
        b.Int(31);
        b.Buffer("world");
        b.Buffer("anyone");
        b.Int(0);  // persistent
      });
      if (!Call(conn, 2, kOpCreate, create_body, &err)) {
        *error = "no answer to create";
        return false;
      }
      if (err == kNodeExistsErr) err = 0;
    }
    ok = err == 0;
  }
  if (!ok) *error = fmt::format("error {}", err);
  // Close the session; the answer is not awaited.
  Out close_header;
  close_header.Int(3);
  close_header.Int(kOpCloseSession);
  conn.Send(close_header.Frame());
  return ok;
}

}  // namespace

ProbeResult RunProbe(const ProbeOptions& o) {
  const int64_t since_ns = o.since_ns > 0 ? o.since_ns : RealtimeNs();
  const auto deadline = Clock::now() + std::chrono::milliseconds(o.timeout_ms);
  std::vector<std::string> hosts;
  std::stringstream in(o.hosts.substr(0, o.hosts.find('/')));
  for (std::string h; std::getline(in, h, ',');) hosts.push_back(h);

  std::mutex mu;
  ProbeResult result;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (const auto& host : hosts) {
    threads.emplace_back([&, host] {
      while (!done.load() && Clock::now() < deadline) {
        const auto attempt_deadline = std::min(
            deadline, Clock::now() + std::chrono::milliseconds(o.attempt_ms));
        std::string error;
        const bool ok = Attempt(o, host, attempt_deadline, &error);
        const int64_t now_ns = RealtimeNs();
        {
          std::lock_guard lock(mu);
          ++result.attempts;
          if (ok && !result.ok) {
            result.ok = true;
            result.ms = double(now_ns - since_ns) / 1e6;
            result.host = host;
            done = true;
          }
          if (!ok) result.last_error = host + ": " + error;
        }
        if (ok) break;
        // Retry pacing after a failure (the server is not up yet): there is
        // no event to wait on for a port that is still closed.
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  for (auto& t : threads) t.join();
  return result;
}

std::string ProbeJson(const ProbeOptions& o, const ProbeResult& r) {
  std::string error;
  for (char c : r.last_error) {
    if (c == '"' || c == '\\') error += '\\';
    error += c;
  }
  return fmt::format(
      "{{\"probe\":\"{}\",\"label\":\"{}\",\"ok\":{},\"ms\":{:.1f},"
      "\"host\":\"{}\",\"attempts\":{},\"last_error\":\"{}\"}}",
      o.write ? "write" : "read", o.label, r.ok ? "true" : "false", r.ms,
      r.host, r.attempts, r.ok ? "" : error);
}

}  // namespace canopy::bench
