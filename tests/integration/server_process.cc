#include "tests/integration/server_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/native_frame.h"

#ifndef CANOPY_SERVER_BIN
#error "CANOPY_SERVER_BIN must name the canopy-server binary"
#endif

namespace canopy::testing {

namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return left.count() < 0 ? 0 : int(left.count());
}

}  // namespace

TempDir::TempDir() {
  std::string templ =
      (std::filesystem::temp_directory_path() / "canopy-test-XXXXXX").string();
  char* made = mkdtemp(templ.data());
  path_ = made ? made : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string TestConfig(const std::string& data_dir, int tick_ms) {
  // admin.serverPort=0: every test server's admin endpoint on a free port.
  return "tickTime=" + std::to_string(tick_ms) + "\ndataDir=" + data_dir +
         "\nclientPortAddress=127.0.0.1\nadmin.serverPort=0\n";
}

std::unique_ptr<ServerProcess> ServerProcess::Start(
    const std::string& data_dir, const std::string& config, int port,
    int peer_port) {
  std::filesystem::create_directories(data_dir);
  const std::string config_path = data_dir + "/zoo.cfg";
  {
    std::ofstream out(config_path);
    out << config;
  }
  int out_pipe[2];
  if (pipe(out_pipe) != 0) return nullptr;
  const pid_t pid = fork();
  if (pid < 0) return nullptr;
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    close(out_pipe[0]);
    close(out_pipe[1]);
    const std::string port_arg = std::to_string(port);
    const std::string peer_port_arg = std::to_string(peer_port);
    const std::string log_path = data_dir + "/server.log";
    // stderr (the server's log) goes to a file kept beside the data.
    FILE* log = std::fopen(log_path.c_str(), "a");
    if (log) dup2(fileno(log), STDERR_FILENO);
    // Nothing of the test process may leak into the server: an inherited
    // socket (a proxy's) would stay open after the test closes its copy.
    const long max_fd = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < max_fd && fd < 65536; ++fd) close(int(fd));
    execl(CANOPY_SERVER_BIN, CANOPY_SERVER_BIN, "--config",
          config_path.c_str(), "--port", port_arg.c_str(), "--peer-port",
          peer_port_arg.c_str(), "--log-level",
          getenv("CANOPY_TEST_LOG_LEVEL") ? getenv("CANOPY_TEST_LOG_LEVEL")
                                          : "info", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out_pipe[1]);
  auto process = std::unique_ptr<ServerProcess>(new ServerProcess());
  process->pid_ = pid;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  std::string out;
  const std::string marker = "listening on 127.0.0.1:";
  while (RemainingMs(deadline) > 0) {
    pollfd p{out_pipe[0], POLLIN, 0};
    if (poll(&p, 1, RemainingMs(deadline)) <= 0) break;
    char buf[256];
    const ssize_t n = read(out_pipe[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, size_t(n));
    const auto at = out.find(marker);
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      process->port_ = std::atoi(out.c_str() + at + marker.size());
      // The admin line comes in the same write as the listening line.
      const std::string admin_marker = "admin on 127.0.0.1:";
      const auto admin_at = out.find(admin_marker);
      if (admin_at != std::string::npos) {
        process->admin_port_ =
            std::atoi(out.c_str() + admin_at + admin_marker.size());
      }
      break;
    }
  }
  close(out_pipe[0]);
  if (process->port_ == 0) return nullptr;
  return process;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill(SIGKILL);
}

int ServerProcess::Kill(int sig) {
  if (pid_ <= 0) return -1;
  // A pidfd becomes readable when the process ends: a bounded wait with no
  // polling loop.
  const int pidfd = int(syscall(SYS_pidfd_open, pid_, 0));
  kill(pid_, sig);
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    if (poll(&p, 1, 20000) <= 0) kill(pid_, SIGKILL);
    close(pidfd);
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

namespace {
int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}
}  // namespace

std::string FourLetterWord(int port, const std::string& word) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  std::string answer;
  if (send(fd, word.data(), word.size(), MSG_NOSIGNAL) ==
      ssize_t(word.size())) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (RemainingMs(deadline) > 0) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, RemainingMs(deadline)) <= 0) break;
      char buf[4096];
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, size_t(n));
    }
  }
  close(fd);
  return answer;
}

std::unique_ptr<RawClient> RawClient::Open(int port) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return nullptr;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto client = std::unique_ptr<RawClient>(new RawClient());
  client->fd_ = fd;
  if (!client->SendBytes(std::string(frame::kNativeMagic, 4))) return nullptr;
  return client;
}

RawClient::~RawClient() { CloseSocket(); }

void RawClient::CloseSocket() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool RawClient::SendBytes(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n =
        send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return true;
}

std::optional<proto::ConnectResponse> RawClient::Handshake(
    int32_t timeout_ms, int64_t session_id, const std::string& password,
    int64_t last_zxid) {
  proto::ClientMessage message;
  auto* connect = message.mutable_connect();
  connect->set_timeout_ms(timeout_ms);
  connect->set_session_id(session_id);
  connect->set_password(password);
  connect->set_last_zxid_seen(last_zxid);
  std::string bytes;
  frame::AppendFrame(message, &bytes);
  if (!SendBytes(bytes)) return std::nullopt;
  auto reply = Receive();
  if (!reply || !reply->has_connect()) return std::nullopt;
  return reply->connect();
}

int32_t RawClient::Send(proto::Request request) {
  if (request.xid() == 0) request.set_xid(next_xid_++);
  proto::ClientMessage message;
  *message.mutable_request() = request;
  std::string bytes;
  frame::AppendFrame(message, &bytes);
  SendBytes(bytes);
  return request.xid();
}

std::optional<proto::ServerMessage> RawClient::Receive(
    std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (in_.size() >= frame::kHeaderBytes) {
      const uint32_t length = frame::DecodeLength(in_.data());
      if (in_.size() >= frame::kHeaderBytes + length) {
        proto::ServerMessage message;
        const bool ok = message.ParseFromArray(
            in_.data() + frame::kHeaderBytes, int(length));
        in_.erase(0, frame::kHeaderBytes + length);
        if (!ok) return std::nullopt;
        return message;
      }
    }
    if (fd_ < 0) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, RemainingMs(deadline)) <= 0) return std::nullopt;
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return std::nullopt;
    in_.append(buf, size_t(n));
  }
}

proto::Response RawClient::Call(proto::Request request) {
  const int32_t xid = Send(std::move(request));
  while (true) {
    auto message = Receive();
    if (!message) {
      proto::Response lost;
      lost.set_xid(xid);
      lost.set_err(proto::CONNECTION_LOSS);
      return lost;
    }
    if (message->has_event()) {
      events_.push_back(message->event());
      continue;
    }
    if (message->has_response() && message->response().xid() == xid) {
      return message->response();
    }
  }
}

std::optional<proto::WatchEvent> RawClient::NextEvent(
    std::chrono::milliseconds timeout) {
  if (!events_.empty()) {
    auto event = events_.front();
    events_.erase(events_.begin());
    return event;
  }
  const auto deadline = Clock::now() + timeout;
  while (RemainingMs(deadline) > 0) {
    auto message = Receive(std::chrono::milliseconds(RemainingMs(deadline)));
    if (!message) return std::nullopt;
    if (message->has_event()) return message->event();
  }
  return std::nullopt;
}

bool RawClient::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (fd_ >= 0 && RemainingMs(deadline) > 0) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, RemainingMs(deadline)) <= 0) return false;
    char buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
  }
  return false;
}

proto::Request CreateReq(const std::string& path, const std::string& data,
                         proto::CreateMode mode) {
  proto::Request request;
  auto* create = request.mutable_create();
  create->set_path(path);
  create->set_data(data);
  create->set_mode(mode);
  auto* acl = create->add_acl();
  acl->set_perms(proto::ALL);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  return request;
}

proto::Request GetReq(const std::string& path, bool watch) {
  proto::Request request;
  request.mutable_get_data()->set_path(path);
  request.mutable_get_data()->set_watch(watch);
  return request;
}

proto::Request SetReq(const std::string& path, const std::string& data,
                      int32_t version) {
  proto::Request request;
  request.mutable_set_data()->set_path(path);
  request.mutable_set_data()->set_data(data);
  request.mutable_set_data()->set_version(version);
  return request;
}

proto::Request DeleteReq(const std::string& path, int32_t version) {
  proto::Request request;
  request.mutable_delete_()->set_path(path);
  request.mutable_delete_()->set_version(version);
  return request;
}

proto::Request ExistsReq(const std::string& path, bool watch) {
  proto::Request request;
  request.mutable_exists()->set_path(path);
  request.mutable_exists()->set_watch(watch);
  return request;
}

proto::Request ChildrenReq(const std::string& path, bool watch) {
  proto::Request request;
  request.mutable_get_children()->set_path(path);
  request.mutable_get_children()->set_watch(watch);
  return request;
}

proto::Request PingReq() {
  proto::Request request;
  request.mutable_ping();
  return request;
}

proto::Request CloseReq() {
  proto::Request request;
  request.mutable_close();
  return request;
}

}  // namespace canopy::testing
