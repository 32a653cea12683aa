// ConnectionThrottle: a token bucket that bounds how fast the client port
// accepts new connections, as ZooKeeper's connection throttling does
// (zoo.cfg connectionMaxTokens, connectionTokenFillTime,
// connectionTokenFillCount).
//
// The bucket holds at most max_tokens and starts full. Every fill_time_ms,
// fill_count tokens are added (never above max_tokens). Each new connection
// takes one token; a connection that finds the bucket empty is refused (the
// server closes it at once) and counted. A burst of reconnecting clients —
// after a member dies, say — is thus spread over time instead of arriving
// at once, while established sessions keep being served.
//
// A pure value: the caller passes the monotonic time in milliseconds, so
// tests drive it without a clock. Not thread-safe; the server uses it on its
// IO thread only.
#ifndef CANOPY_SERVER_NET_CONNECTION_THROTTLE_H_
#define CANOPY_SERVER_NET_CONNECTION_THROTTLE_H_

#include <cstdint>

namespace canopy::net {

struct ConnectionThrottleOptions {
  int64_t max_tokens = 0;     // 0 disables throttling: every connection admitted
  int64_t fill_time_ms = 1;   // the refill period, at least 1
  int64_t fill_count = 1;     // tokens added per period, at least 1
};

class ConnectionThrottle {
 public:
  explicit ConnectionThrottle(ConnectionThrottleOptions options = {});

  bool enabled() const { return options_.max_tokens > 0; }
  // Takes a token for one new connection at now_ms (monotonic). True when
  // the connection may proceed; false when it must be refused. Always true
  // when disabled. A time earlier than one seen before adds no tokens.
  bool Admit(int64_t now_ms);
  // Tokens left after refilling up to the last Admit.
  int64_t tokens() const { return tokens_; }
  // Connections admitted and refused so far.
  uint64_t admitted() const { return admitted_; }
  uint64_t refused() const { return refused_; }

 private:
  void Refill(int64_t now_ms);

  ConnectionThrottleOptions options_;
  int64_t tokens_ = 0;
  int64_t last_fill_ms_ = 0;
  bool started_ = false;
  uint64_t admitted_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_CONNECTION_THROTTLE_H_
