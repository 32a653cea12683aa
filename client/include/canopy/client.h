// canopy::Client — a session with a Canopy ensemble over the native protocol.
//
// A Client owns two threads:
//   * the IO thread, which keeps one TCP connection to one server of the
//     connect string at a time, sends requests, reads answers and watch
//     events, pings when idle and moves to the next server when the current
//     one goes quiet;
//   * the event thread, on which every callback runs: operation completions,
//     watchers and session events, one at a time, in the order the IO thread
//     received what caused them. A watch event therefore runs before the
//     completion of any request whose answer reflects the change that fired
//     it.
//
// Every operation ends: with the server's answer, with OPERATION_TIMEOUT when
// no answer came within the session timeout, with CONNECTION_LOSS when the
// connection it was sent on dropped, or with SESSION_EXPIRED once the session
// has expired or been closed. Requests made while the client is between
// servers wait (up to their deadline) and are sent once it reconnects.
//
// Synchronous calls block the calling thread until the operation ends. They
// must not be called from the event thread (that is, from inside a callback):
// they would wait for a completion that can only run after the callback
// returns. Called there they return API_ERROR at once. Asynchronous calls and
// Close() may be called from anywhere, callbacks included.
//
// Watches are one-shot and kept client-side under (path, kind). A watcher is
// registered only when its call succeeds (an exists call on a missing node
// registers an exists watch), and is called once, on the first event of its
// kind for its path. Watches survive a reconnect: the client re-registers
// them with the new server (setWatches, relative to the last zxid seen, so a
// change missed in between fires at once). A server that does not implement
// setWatches yet answers UNIMPLEMENTED, and the watches then stay client-side
// only: they fire only if that server still holds them, so after
// kDisconnected then kConnected, re-read and re-watch what matters. On
// kExpired and kClosed every watcher is dropped without being called.
// Persistent watches (addWatch) are not supported by this client.
//
// All methods are thread-safe. Errors are returned as values; nothing throws
// across this interface.
#ifndef CANOPY_CLIENT_H_
#define CANOPY_CLIENT_H_

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy {

// A change of the session's state, reported through
// ClientOptions::on_session_event on the event thread.
enum class SessionEvent {
  kConnected,     // a server accepted the session (first time or again)
  kDisconnected,  // the connection dropped; the client is trying other servers
  kExpired,       // the session is gone; the client is dead, make a new one
  kClosed,        // Close() ended the session; the client is dead
};

// "Connected", "Disconnected", "Expired" or "Closed".
const char* SessionEventName(SessionEvent event);

struct ClientOptions {
  // "host1:port1,host2:port2[/chroot]"; a host without a port uses 2181.
  std::string connect_string;
  // The session timeout asked of the server; the server may negotiate it.
  int session_timeout_ms = 10000;
  // Non-zero with password to re-attach to an existing session.
  int64_t session_id = 0;
  std::string password;
  // Try the servers in a random order (spreads clients over an ensemble);
  // false keeps the connect string's order.
  bool shuffle_hosts = true;
  // TLS (a server's secureClientPort): with tls_ca_file set every
  // connection is TLS and the server's certificate must chain to that PEM
  // CA bundle (its host name is not checked); tls_cert_file and
  // tls_key_file (PEM) present a client certificate, which the server maps
  // to the ACL id x509:<subject DN>. A server that fails verification is
  // treated as unreachable. Unreadable files fail Connect with BAD_ARGUMENTS.
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // Called on the event thread at every session state change. May be empty.
  std::function<void(SessionEvent)> on_session_event;
};

// Called once, on the event thread, when a watch fires. The event's path is
// relative to the chroot.
using Watcher = std::function<void(const proto::WatchEvent&)>;

// world:anyone with every permission: ZooKeeper's OPEN_ACL_UNSAFE.
std::vector<proto::Acl> OpenAcl();

class Client {
 public:
  // Connects to a server of options.connect_string and establishes a session
  // (a new one, or options.session_id re-attached). Blocks until the session
  // is established or options.session_timeout_ms passes: then fails with
  // CONNECTION_LOSS (no server could be reached) or OPERATION_TIMEOUT (a
  // server was reached but did not answer). Fails with SESSION_EXPIRED when a
  // server refuses to re-attach the session, BAD_ARGUMENTS for a malformed
  // connect string.
  static Result<std::unique_ptr<Client>> Connect(ClientOptions options);

  // Closes the session if it is still open, then stops and joins both
  // threads; callbacks still queued run before it returns. Must not run on
  // the event thread.
  ~Client();

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The session as last negotiated; stable once Connect has returned.
  int64_t session_id() const;
  std::string session_password() const;
  int session_timeout_ms() const;
  // The highest zxid seen in any answer or watch event.
  int64_t last_zxid_seen() const;

  // ---------------------------------------------------------- synchronous
  // Each blocks until the operation ends (at most about one session timeout)
  // and returns the server's error as a Status whose message is the path.

  // Creates a node; returns its final path (with a sequential suffix).
  Result<std::string> Create(std::string_view path, std::string_view data,
                             proto::CreateMode mode = proto::PERSISTENT,
                             std::vector<proto::Acl> acl = OpenAcl());
  Status Delete(std::string_view path, int32_t version = -1);
  // nullopt when the node does not exist. With w, watches the node's data
  // (or its creation when it does not exist).
  Result<std::optional<proto::Stat>> Exists(std::string_view path,
                                            Watcher w = {});
  Result<std::pair<std::string, proto::Stat>> GetData(std::string_view path,
                                                      Watcher w = {});
  Result<proto::Stat> SetData(std::string_view path, std::string_view data,
                              int32_t version = -1);
  // Child names, sorted. Fills *stat when given.
  Result<std::vector<std::string>> GetChildren(std::string_view path,
                                               Watcher w = {},
                                               proto::Stat* stat = nullptr);
  Result<std::pair<std::vector<proto::Acl>, proto::Stat>> GetAcl(
      std::string_view path);
  Result<proto::Stat> SetAcl(std::string_view path,
                             std::vector<proto::Acl> acl,
                             int32_t version = -1);
  // Makes the connected server catch up with the leader.
  Status Sync(std::string_view path);
  // All or nothing. On success, one result per op. On failure, the status of
  // the first failed op (message "op N: path"); when results is not null it
  // receives the per-op results in both cases (empty if the multi never got
  // an answer).
  Result<std::vector<proto::MultiOpResult>> Multi(
      std::vector<proto::MultiOp> ops,
      std::vector<proto::MultiOpResult>* results = nullptr);
  // Adds an identity to the session, e.g. ("digest", "user:password").
  Status AddAuth(std::string_view scheme, std::string_view auth);
  // Ends the session (the server deletes its ephemerals) and reports
  // kClosed. Idempotent; afterwards every operation fails with
  // SESSION_EXPIRED. Returns CONNECTION_LOSS when no server could be told
  // (the session then ends when it times out on the server). May be called
  // from the event thread.
  Status Close();

  // --------------------------------------------------------- asynchronous

  // Sends request (its xid is assigned here; paths are chroot-relative) and
  // calls done exactly once on the event thread with the answer, whose paths
  // are chroot-relative too. A failure that did not come from the server
  // (timeout, connection loss, expiry) is a Response with only xid and err
  // set. With w, the request's watch flag is set and w is registered when the
  // answer is a success (or NO_NODE for exists); w on an operation that
  // cannot watch fails with BAD_ARGUMENTS.
  void Submit(proto::Request request,
              std::function<void(const proto::Response&)> done,
              Watcher w = {});
  // The same, with the answer in a future (never broken: it always gets a
  // value).
  std::future<proto::Response> Submit(proto::Request request, Watcher w = {});

  // Typed forms of the common operations; done runs on the event thread.
  void CreateAsync(std::string_view path, std::string_view data,
                   proto::CreateMode mode,
                   std::function<void(Result<std::string>)> done,
                   std::vector<proto::Acl> acl = OpenAcl());
  void DeleteAsync(std::string_view path, int32_t version,
                   std::function<void(Status)> done);
  void ExistsAsync(std::string_view path,
                   std::function<void(Result<std::optional<proto::Stat>>)> done,
                   Watcher w = {});
  void GetDataAsync(
      std::string_view path,
      std::function<void(Result<std::pair<std::string, proto::Stat>>)> done,
      Watcher w = {});
  void SetDataAsync(std::string_view path, std::string_view data,
                    int32_t version,
                    std::function<void(Result<proto::Stat>)> done);
  void GetChildrenAsync(
      std::string_view path,
      std::function<void(Result<std::vector<std::string>>)> done,
      Watcher w = {});


 private:
  class Impl;

  explicit Client(std::unique_ptr<Impl> impl);

  // Submits and waits for the answer; API_ERROR on the event thread.
  Result<proto::Response> Call(proto::Request request, Watcher w);

  std::unique_ptr<Impl> impl_;
};

}  // namespace canopy

#endif  // CANOPY_CLIENT_H_
