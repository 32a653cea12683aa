// Client: lifecycle, the generic Submit and the synchronous wait.
#include "canopy/client.h"

#include <chrono>

#include "client_impl.h"

namespace canopy {
namespace {

// How much longer than the session timeout a synchronous call waits: the
// operation's own deadline fires within one tick of the IO thread, and the
// completion may queue behind other callbacks.
constexpr std::chrono::milliseconds kSyncGrace(2000);

}  // namespace

const char* SessionEventName(SessionEvent event) {
  switch (event) {
    case SessionEvent::kConnected: return "Connected";
    case SessionEvent::kDisconnected: return "Disconnected";
    case SessionEvent::kExpired: return "Expired";
    case SessionEvent::kClosed: return "Closed";
  }
  return "Unknown";
}

std::vector<proto::Acl> OpenAcl() {
  proto::Acl acl;
  acl.set_perms(proto::ALL);
  acl.mutable_id()->set_scheme("world");
  acl.mutable_id()->set_id("anyone");
  return {acl};
}

Result<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  Result<client_internal::ConnectString> connect =
      client_internal::ParseConnectString(options.connect_string);
  if (!connect.ok()) return connect.status();
  if (options.session_timeout_ms <= 0) {
    return Status(proto::BAD_ARGUMENTS, "session timeout must be positive");
  }
  const auto wait = std::chrono::milliseconds(options.session_timeout_ms);
  auto impl = std::make_unique<Impl>(std::move(connect).value(), options);
  if (!impl->io.tls_status().ok()) return impl->io.tls_status();
  std::future<Status> established = impl->io.Start();
  std::unique_ptr<Client> client(new Client(std::move(impl)));
  if (established.wait_for(wait) != std::future_status::ready) {
    return client->impl_->io.ConnectFailure();
  }
  Status s = established.get();
  if (!s.ok()) return s;
  return client;
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() {
  Close();
  impl_->io.Shutdown();
  impl_->events.Stop();
}

int64_t Client::session_id() const { return impl_->io.info().session_id; }

std::string Client::session_password() const {
  return impl_->io.info().password;
}

int Client::session_timeout_ms() const { return impl_->io.info().timeout_ms; }

int64_t Client::last_zxid_seen() const { return impl_->io.last_zxid_seen(); }

void Client::Submit(proto::Request request,
                    std::function<void(const proto::Response&)> done,
                    Watcher w) {
  impl_->io.Submit(std::move(request), std::move(done), std::move(w));
}

std::future<proto::Response> Client::Submit(proto::Request request,
                                            Watcher w) {
  auto promise = std::make_shared<std::promise<proto::Response>>();
  std::future<proto::Response> f = promise->get_future();
  impl_->io.Submit(
      std::move(request),
      [promise](const proto::Response& r) { promise->set_value(r); },
      std::move(w));
  return f;
}

Result<proto::Response> Client::Call(proto::Request request, Watcher w) {
  if (impl_->events.OnQueueThread()) {
    return Status(proto::API_ERROR,
                  "synchronous call from a callback (the event thread)");
  }
  std::future<proto::Response> f = Submit(std::move(request), std::move(w));
  const auto wait =
      std::chrono::milliseconds(session_timeout_ms()) + kSyncGrace;
  if (f.wait_for(wait) != std::future_status::ready) {
    return Status(proto::OPERATION_TIMEOUT, "no completion");
  }
  return f.get();
}

Status Client::Close() {
  // The IO thread resolves this future, so waiting is safe on the event
  // thread too.
  std::future<Status> f = impl_->io.Close();
  const auto wait =
      std::chrono::milliseconds(session_timeout_ms()) + kSyncGrace;
  if (f.wait_for(wait) != std::future_status::ready) {
    return Status(proto::OPERATION_TIMEOUT, "close did not finish");
  }
  return f.get();
}

}  // namespace canopy
