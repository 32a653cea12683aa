#include "server/net/connection_throttle.h"

#include <algorithm>

namespace canopy::net {

ConnectionThrottle::ConnectionThrottle(ConnectionThrottleOptions options)
    : options_(options) {
  options_.max_tokens = std::max<int64_t>(0, options_.max_tokens);
  options_.fill_time_ms = std::max<int64_t>(1, options_.fill_time_ms);
  options_.fill_count = std::max<int64_t>(1, options_.fill_count);
  tokens_ = options_.max_tokens;
}

void ConnectionThrottle::Refill(int64_t now_ms) {
  if (!started_) {
    started_ = true;
    last_fill_ms_ = now_ms;
    return;
  }
  if (now_ms <= last_fill_ms_) return;
  const int64_t periods = (now_ms - last_fill_ms_) / options_.fill_time_ms;
  if (periods == 0) return;
  // Whole periods only, so a steady stream of calls loses no fractions.
  last_fill_ms_ += periods * options_.fill_time_ms;
  const int64_t room = options_.max_tokens - tokens_;
  // periods * fill_count may overflow for a long idle gap: compare first.
  if (periods >= (room + options_.fill_count - 1) / options_.fill_count) {
    tokens_ = options_.max_tokens;
  } else {
    tokens_ += periods * options_.fill_count;
  }
}

bool ConnectionThrottle::Admit(int64_t now_ms) {
  if (!enabled()) {
    ++admitted_;
    return true;
  }
  Refill(now_ms);
  if (tokens_ <= 0) {
    ++refused_;
    return false;
  }
  --tokens_;
  ++admitted_;
  return true;
}

}  // namespace canopy::net
