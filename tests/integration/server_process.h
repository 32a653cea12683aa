// Test support: a real canopy-server process on a free 127.0.0.1 port, and a
// minimal blocking native-protocol client for driving it frame by frame.
#ifndef CANOPY_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define CANOPY_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "proto/canopy.pb.h"

namespace canopy::testing {

// A fresh, empty directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A canopy-server child process. The destructor SIGKILLs it if it runs.
class ServerProcess {
 public:
  // Starts the server with the given config text (written to a file in
  // data_dir) on `port` (0: a free one) and waits, at most 20 s, until it
  // listens. Returns null on failure.
  static std::unique_ptr<ServerProcess> Start(const std::string& data_dir,
                                              const std::string& config,
                                              int port = 0,
                                              int peer_port = 0);
  ~ServerProcess();

  int port() const { return port_; }
  // The admin HTTP port (admin.serverPort), 0 when the endpoint is off.
  int admin_port() const { return admin_port_; }
  pid_t pid() const { return pid_; }
  // Sends sig and waits for the process to end (at most 20 s). Returns its
  // wait status.
  int Kill(int sig);

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int admin_port_ = 0;
};

// The config every test starts from: fast ticks so sessions expire quickly.
std::string TestConfig(const std::string& data_dir, int tick_ms = 100);

// One native-protocol connection with blocking, time-bounded calls.
class RawClient {
 public:
  // Connects and sends the magic; null when the port refuses.
  static std::unique_ptr<RawClient> Open(int port);
  ~RawClient();

  // The handshake. Returns nullopt when the server closes instead.
  std::optional<proto::ConnectResponse> Handshake(int32_t timeout_ms = 4000,
                                                  int64_t session_id = 0,
                                                  const std::string& password = "",
                                                  int64_t last_zxid = 0);
  // Sends a request with the next xid (or request.xid() when set nonzero)
  // and returns the xid used.
  int32_t Send(proto::Request request);
  bool SendBytes(const std::string& bytes);
  // The next message from the server, or nullopt on close or timeout.
  std::optional<proto::ServerMessage> Receive(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Send + receive the response with that xid; watch events that arrive
  // first are kept in events().
  proto::Response Call(proto::Request request);
  // True when the server closed the connection within the timeout.
  bool WaitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  std::vector<proto::WatchEvent>& events() { return events_; }
  // Waits for a watch event (from events() first).
  std::optional<proto::WatchEvent> NextEvent(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void CloseSocket();

 private:
  int fd_ = -1;
  int32_t next_xid_ = 1;
  std::string in_;
  std::vector<proto::WatchEvent> events_;
};

// Sends a four-letter word on a fresh connection and returns the whole
// answer (read until the server closes, at most 10 s).
std::string FourLetterWord(int port, const std::string& word);

// Request builders.
proto::Request CreateReq(const std::string& path, const std::string& data,
                         proto::CreateMode mode = proto::PERSISTENT);
proto::Request GetReq(const std::string& path, bool watch = false);
proto::Request SetReq(const std::string& path, const std::string& data,
                      int32_t version = -1);
proto::Request DeleteReq(const std::string& path, int32_t version = -1);
proto::Request ExistsReq(const std::string& path, bool watch = false);
proto::Request ChildrenReq(const std::string& path, bool watch = false);
proto::Request PingReq();
proto::Request CloseReq();

}  // namespace canopy::testing

#endif  // CANOPY_TESTS_INTEGRATION_SERVER_PROCESS_H_
