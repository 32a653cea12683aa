// Error values shared by every module: a Status is an ErrorCode plus an
// optional message; Result<T> is a value or a Status. Neither throws.
#ifndef CANOPY_COMMON_STATUS_H_
#define CANOPY_COMMON_STATUS_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "proto/canopy.pb.h"

namespace canopy {

using ErrorCode = proto::ErrorCode;
using Zxid = int64_t;
using SessionId = int64_t;

// ZooKeeper's name for an error code, e.g. "NoNode" for NO_NODE.
const char* ErrorName(ErrorCode code);

class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message = {})
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == proto::OK; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NoNode: /a" style, or "OK".
  std::string ToString() const {
    std::string s = ErrorName(code_);
    if (!message_.empty()) s += ": " + message_;
    return s;
  }

 private:
  ErrorCode code_ = proto::OK;
  std::string message_;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {
    assert(!std::get<Status>(v_).ok());
  }
  Result(ErrorCode code, std::string message = {})
      : v_(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

inline const char* ErrorName(ErrorCode code) {
  switch (code) {
    case proto::OK: return "OK";
    case proto::SYSTEM_ERROR: return "SystemError";
    case proto::RUNTIME_INCONSISTENCY: return "RuntimeInconsistency";
    case proto::DATA_INCONSISTENCY: return "DataInconsistency";
    case proto::CONNECTION_LOSS: return "ConnectionLoss";
    case proto::MARSHALLING_ERROR: return "MarshallingError";
    case proto::UNIMPLEMENTED: return "Unimplemented";
    case proto::OPERATION_TIMEOUT: return "OperationTimeout";
    case proto::BAD_ARGUMENTS: return "BadArguments";
    case proto::UNKNOWN_SESSION: return "UnknownSession";
    case proto::NEW_CONFIG_NO_QUORUM: return "NewConfigNoQuorum";
    case proto::RECONFIG_IN_PROGRESS: return "ReconfigInProgress";
    case proto::API_ERROR: return "APIError";
    case proto::NO_NODE: return "NoNode";
    case proto::NO_AUTH: return "NoAuth";
    case proto::BAD_VERSION: return "BadVersion";
    case proto::NO_CHILDREN_FOR_EPHEMERALS: return "NoChildrenForEphemerals";
    case proto::NODE_EXISTS: return "NodeExists";
    case proto::NOT_EMPTY: return "NotEmpty";
    case proto::SESSION_EXPIRED: return "SessionExpired";
    case proto::INVALID_CALLBACK: return "InvalidCallback";
    case proto::INVALID_ACL: return "InvalidACL";
    case proto::AUTH_FAILED: return "AuthFailed";
    case proto::SESSION_MOVED: return "SessionMoved";
    case proto::NOT_READ_ONLY: return "NotReadOnly";
    case proto::EPHEMERAL_ON_LOCAL_SESSION: return "EphemeralOnLocalSession";
    case proto::NO_WATCHER: return "NoWatcher";
    case proto::REQUEST_TIMEOUT: return "RequestTimeout";
    case proto::RECONFIG_DISABLED: return "ReconfigDisabled";
    case proto::SESSION_CLOSED_REQUIRE_SASL_AUTH:
      return "SessionClosedRequireSaslAuth";
    case proto::QUOTA_EXCEEDED: return "QuotaExceeded";
    case proto::THROTTLED_OP: return "ThrottledOp";
    default: return "UnknownError";
  }
}

}  // namespace canopy

#endif  // CANOPY_COMMON_STATUS_H_
