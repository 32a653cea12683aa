// The IO side of a Client: one io_context on one thread that keeps a
// session alive across connections.
//
// States: connecting (between servers: an attempt runs or waits for its
// turn), connected, closing (a close request is in flight), and the two
// terminal states expired and closed. Every callback it produces (operation
// completions, fired watchers, session events) is posted to the
// CallbackQueue in the order the IO thread produced it.
//
// Heartbeats: a ping when nothing was sent for a third of the session
// timeout; the connection is dropped when nothing was heard for two thirds,
// and the next server of the (once shuffled) list is tried with the same
// session id, password and last zxid seen. Once a whole session timeout has
// passed since the last contact with any server, the session is reported
// expired. After a reconnect the watches still in the table are sent again
// with setWatches (relative to the last zxid seen) before any other request;
// its answer is ignored, so a server without setWatches leaves them
// client-side only.
//
// The public methods are thread-safe; everything else runs on the IO thread.
#ifndef CANOPY_CLIENT_SESSION_IO_H_
#define CANOPY_CLIENT_SESSION_IO_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "callback_queue.h"
#include "common/tls_stream.h"
#include "canopy/client.h"
#include "connect_string.h"
#include "pending_table.h"
#include "watch_table.h"

namespace canopy::client_internal {

// Requests outstanding (sent or waiting to be sent) at once; more fail with
// THROTTLED_OP. Bounds the pending tables, the write buffer and the event
// queue.
inline constexpr size_t kMaxOutstandingRequests = 65536;
// The xids of the client's own pings and setWatches (ZooKeeper's).
inline constexpr int32_t kPingXid = -2;
inline constexpr int32_t kSetWatchesXid = -8;
// Paths per setWatches request are capped by size, well below the maximum
// frame (ZooKeeper uses 128 KiB too).
inline constexpr size_t kSetWatchesBatchBytes = 128 * 1024;
// The native protocol version sent in the handshake.
inline constexpr int32_t kProtocolVersion = 1;

struct SessionInfo {
  int64_t session_id = 0;
  std::string password;
  int timeout_ms = 0;
};

class SessionIo {
 public:
  // hosts are shuffled once here. events must outlive this object.
  SessionIo(ConnectString connect, const ClientOptions& options,
            CallbackQueue* events);
  // Shutdown().
  ~SessionIo();

  SessionIo(const SessionIo&) = delete;
  SessionIo& operator=(const SessionIo&) = delete;

  // Starts the IO thread and the first connection attempt. The future gets
  // OK when the first session is established, SESSION_EXPIRED when a server
  // refuses the session, or the reason when the client is closed first.
  std::future<Status> Start();

  // Why no session has been established yet: the last attempt's failure
  // (CONNECTION_LOSS when no server could be reached), else
  // OPERATION_TIMEOUT.
  Status ConnectFailure() const;

  // Sends request; done (may be empty) runs once on the event thread.
  void Submit(proto::Request request,
              std::function<void(const proto::Response&)> done,
              Watcher watcher);

  // Closes the session; the future gets the outcome (see Client::Close).
  std::future<Status> Close();

  // Fails whatever is still pending, stops the IO thread and joins it.
  // Idempotent. Later Submits fail with SESSION_EXPIRED.
  void Shutdown();

  SessionInfo info() const;
  // Not OK when the TLS options name files that do not load.
  const Status& tls_status() const { return tls_status_; }
  int64_t last_zxid_seen() const { return last_zxid_seen_.load(); }

 private:
  enum class State { kConnecting, kConnected, kClosing, kExpired, kClosed };

  // One TCP connection. Handlers hold it by shared_ptr and do nothing once
  // it is no longer conn_.
  struct Conn {
    Conn(boost::asio::io_context& io, tls::ContextPtr tls)
        : resolver(io), socket(io, std::move(tls)) {}
    HostPort host;
    boost::asio::ip::tcp::resolver resolver;
    tls::Stream socket;  // TLS when the options name a CA
    bool tcp_connected = false;
    bool handshaking = true;
    std::array<char, 4> header{};
    std::string body;
    std::string writing;  // bytes of the async_write in flight
    std::string queued;   // bytes waiting for it to finish
  };
  using ConnPtr = std::shared_ptr<Conn>;
  using Done = std::function<void(const proto::Response&)>;
  using ClosePromise = std::shared_ptr<std::promise<Status>>;

  // Requests.
  void HandleSubmit(proto::Request request, Done done, Watcher watcher);
  void HandleClose(Done done, ClosePromise waiter);
  void SendRequest(PendingRequest request);
  void Fail(PendingRequest request, ErrorCode code);
  void FailAll(ErrorCode code);
  void Deliver(Done done, proto::Response response);

  // Connections.
  void StartAttempt();
  // Sends the ConnectRequest on a connected (TLS: handshaken) conn.
  void SendConnectRequest(const ConnPtr& c);
  void AttemptFailed(const ConnPtr& c, Status why);
  void OnHandshake(const ConnPtr& c, const proto::ConnectResponse& r);
  void ConnectionLost(const ConnPtr& c, Status why);
  void CloseConn();
  void Write(const ConnPtr& c, std::string bytes);
  void StartWrite(const ConnPtr& c);
  void ReadFrame(const ConnPtr& c);
  void OnFrame(const ConnPtr& c);
  void OnResponse(proto::Response response);
  void OnEvent(proto::WatchEvent event);
  void SendPing();
  void SendSetWatches();

  // Session.
  void Expire(const std::string& why);
  void FinishClose(Status status);
  void PostSessionEvent(SessionEvent event);
  void ResolveFirstConnect(Status status);
  void SetLastFailure(Status status);

  // Timers.
  void ArmTick();
  void OnTick();
  Clock::duration timeout() const;
  Clock::duration tick_period() const;
  Clock::duration attempt_timeout() const;
  Clock::duration retry_backoff() const;

  const std::string chroot_;
  std::vector<HostPort> hosts_;
  const std::function<void(SessionEvent)> on_session_event_;
  CallbackQueue* const events_;

  boost::asio::io_context io_;
  tls::ContextPtr tls_;  // null: plain TCP
  Status tls_status_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_;
  boost::asio::steady_timer tick_timer_;
  std::thread thread_;

  // Guards posting to io_ against Shutdown().
  std::mutex submit_mu_;
  bool shut_down_ = false;

  // Guards what other threads read.
  mutable std::mutex info_mu_;
  SessionInfo info_;
  Status last_failure_;
  std::atomic<int64_t> last_zxid_seen_{0};

  // IO thread only.
  State state_ = State::kConnecting;
  bool ever_connected_ = false;
  bool stopping_ = false;
  int64_t session_id_ = 0;
  std::string password_;
  int timeout_ms_;
  ConnPtr conn_;
  size_t next_host_ = 0;
  size_t attempts_in_round_ = 0;
  bool attempt_in_progress_ = false;
  Clock::time_point attempt_deadline_;
  Clock::time_point next_attempt_at_;
  Clock::time_point last_recv_;
  Clock::time_point last_send_;
  int32_t next_xid_ = 1;
  PendingTable sent_;
  PendingTable unsent_;
  WatchTable watches_;
  std::promise<Status> first_connect_;
  bool first_connect_set_ = false;
  std::vector<ClosePromise> close_waiters_;
};

}  // namespace canopy::client_internal

#endif  // CANOPY_CLIENT_SESSION_IO_H_
