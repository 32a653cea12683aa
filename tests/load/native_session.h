// NativeSession: one lightweight Canopy session speaking the native dialect
// (magic "CNPY", length-prefixed ClientMessage / ServerMessage frames), for
// load tests that hold thousands of sessions from one process on one
// io_context. Unlike canopy::Client it owns no thread, no timer and no
// callback queue: the owner calls Tick() periodically (one timer for all
// sessions), which sends heartbeats, notices a silent server and paces
// reconnection.
//
// Behaviour: connects to hosts[first_host], then rotates through hosts. On
// a lost connection it re-attaches the same session (id, password,
// last zxid seen) to the next host at once; when a connection is closed
// before the handshake is answered (a throttled or down member) it waits a
// jittered backoff before the next try. A handshake answered with
// SESSION_EXPIRED ends the session (state kExpired). Requests sent while
// not connected fail at once with CONNECTION_LOSS; requests in flight when
// the connection drops fail with CONNECTION_LOSS. Watch events go to
// on_event. Watches are not re-registered after a reconnect.
//
// Threading: every method must be called on the io_context's thread.
#ifndef CANOPY_TESTS_LOAD_NATIVE_SESSION_H_
#define CANOPY_TESTS_LOAD_NATIVE_SESSION_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/canopy.pb.h"

namespace canopy::load {

using Clock = std::chrono::steady_clock;

class NativeSession : public std::enable_shared_from_this<NativeSession> {
 public:
  enum class State { kIdle, kConnecting, kBackoff, kConnected, kExpired,
                     kClosed };
  using ResponseFn = std::function<void(const proto::Response&)>;
  using EventFn = std::function<void(const proto::WatchEvent&)>;
  // Called on every change of state.
  using StateFn = std::function<void(NativeSession&, State)>;

  NativeSession(boost::asio::io_context& io,
                std::vector<boost::asio::ip::tcp::endpoint> hosts,
                size_t first_host, int32_t timeout_ms, uint64_t seed);
  ~NativeSession();

  // Starts the first connection attempt (kIdle only).
  void Connect();
  // Sends a request (its xid is assigned here); done gets the response, or
  // a CONNECTION_LOSS response when the connection is or goes down first.
  void Call(proto::Request request, ResponseFn done);
  // Heartbeats, silence detection, handshake timeouts and reconnect pacing.
  void Tick(Clock::time_point now);
  // Sends closeSession and closes the socket once it is answered.
  void Close();
  // Closes the socket without a closeSession: the server keeps the session
  // until it expires. Nothing more is sent (state kClosed).
  void Drop();

  State state() const { return state_; }
  int64_t session_id() const { return session_id_; }
  int32_t timeout_ms() const { return timeout_ms_; }
  // The member the current or last connection went to (index in hosts).
  size_t host_index() const { return host_; }
  // Successful handshakes (the first one and each re-attach).
  int handshakes() const { return handshakes_; }
  // Attempts the server closed before answering the handshake (a throttled
  // or not-serving member), and attempts whose TCP connect failed.
  int closed_early() const { return closed_early_; }
  int connect_failures() const { return connect_failures_; }
  size_t outstanding() const { return pending_.size(); }

  EventFn on_event;
  StateFn on_state;

 private:
  struct Pending {
    ResponseFn done;
  };
  void SetState(State state);
  void StartAttempt();
  enum class Failure { kConnect, kClosedEarly, kTimeout };
  void AttemptFailed(Failure failure);
  void ConnectionLost();
  void CloseSocket();
  void Write(std::string bytes);
  void StartWrite();
  void ReadHeader();
  void OnFrame();
  void FailPending();
  void SendPing();

  boost::asio::ip::tcp::socket socket_;
  std::vector<boost::asio::ip::tcp::endpoint> hosts_;
  size_t host_ = 0;
  int32_t timeout_ms_;
  std::mt19937_64 random_;
  State state_ = State::kIdle;
  uint64_t generation_ = 0;  // bumps on every socket, so stale callbacks stop
  int64_t session_id_ = 0;
  std::string password_;
  int64_t last_zxid_ = 0;
  int32_t next_xid_ = 1;
  bool handshaking_ = false;
  bool closing_ = false;
  int handshakes_ = 0;
  int closed_early_ = 0;
  int connect_failures_ = 0;
  Clock::time_point last_send_;
  Clock::time_point last_recv_;
  Clock::time_point attempt_deadline_;
  Clock::time_point next_attempt_;
  Clock::time_point lost_at_;  // when the session last had no connection
  std::unordered_map<int32_t, Pending> pending_;
  std::array<char, 4> header_{};
  std::string body_;
  std::string queued_;
  std::string writing_;
};

}  // namespace canopy::load

#endif  // CANOPY_TESTS_LOAD_NATIVE_SESSION_H_
