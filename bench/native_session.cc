// The native dialect: canopy::Client's async Submit.
#include <utility>

#include "canopy/client.h"
#include "session.h"

namespace canopy::bench {

namespace {

class NativeSession final : public Session {
 public:
  explicit NativeSession(std::unique_ptr<Client> client)
      : client_(std::move(client)), open_acl_(OpenAcl()) {}

  void Create(const std::string& path, std::string_view data, CreateKind kind,
              Done done) override {
    proto::Request request;
    auto* create = request.mutable_create();
    create->set_path(path);
    create->set_data(std::string(data));
    create->set_mode(kind == CreateKind::kPersistent
                         ? proto::PERSISTENT
                         : proto::EPHEMERAL_SEQUENTIAL);
    for (const auto& acl : open_acl_) *create->add_acl() = acl;
    Send(std::move(request), std::move(done));
  }

  void Set(const std::string& path, std::string_view data,
           Done done) override {
    proto::Request request;
    auto* set = request.mutable_set_data();
    set->set_path(path);
    set->set_data(std::string(data));
    set->set_version(-1);
    Send(std::move(request), std::move(done));
  }

  void Get(const std::string& path, Done done) override {
    proto::Request request;
    request.mutable_get_data()->set_path(path);
    Send(std::move(request), std::move(done));
  }

  void Exists(const std::string& path, Done done) override {
    proto::Request request;
    request.mutable_exists()->set_path(path);
    Send(std::move(request), std::move(done));
  }

  void GetChildren(const std::string& path, Done done) override {
    proto::Request request;
    request.mutable_get_children()->set_path(path);
    Send(std::move(request), std::move(done));
  }

  void MultiSet(const std::vector<std::string>& paths, std::string_view data,
                Done done) override {
    proto::Request request;
    auto* multi = request.mutable_multi();
    for (const auto& path : paths) {
      auto* set = multi->add_ops()->mutable_set_data();
      set->set_path(path);
      set->set_data(std::string(data));
      set->set_version(-1);
    }
    Send(std::move(request), std::move(done));
  }

  void GetWatch(const std::string& path, WatchFired fired,
                Done done) override {
    client_->GetDataAsync(
        path,
        [done = std::move(done)](
            Result<std::pair<std::string, proto::Stat>> r) {
          done(r.ok() ? kOk : int(r.status().code()));
        },
        [fired = std::move(fired)](const proto::WatchEvent&) { fired(); });
  }

 private:
  void Send(proto::Request request, Done done) {
    client_->Submit(std::move(request),
                    [done = std::move(done)](const proto::Response& r) {
                      done(int(r.err()));
                    });
  }

  std::unique_ptr<Client> client_;
  std::vector<proto::Acl> open_acl_;
};

}  // namespace

Result<std::unique_ptr<Session>> ConnectNative(const std::string& hosts,
                                               int session_timeout_ms) {
  ClientOptions options;
  options.connect_string = hosts;
  options.session_timeout_ms = session_timeout_ms;
  options.shuffle_hosts = false;  // the caller rotates the list
  auto client = Client::Connect(std::move(options));
  if (!client.ok()) return client.status();
  return std::unique_ptr<Session>(
      std::make_unique<NativeSession>(std::move(client).value()));
}

}  // namespace canopy::bench
