#include "canopy/recipes/configuration.h"

#include <cstdio>
#include <mutex>

#include "canopy/recipes/path_util.h"

namespace canopy::recipes {
namespace {

std::string VersionName(int32_t version) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010d", version);
  return buf;
}

}  // namespace

struct Configuration::Core : std::enable_shared_from_this<Core> {
  Client& client;
  SessionEventHub* hub;
  std::string path;
  std::string history;
  int subscription = 0;

  std::mutex mu;
  Callback callback;
  bool watching = false;
  int32_t delivered = -1;

  Core(Client& c, SessionEventHub* h, std::string p)
      : client(c), hub(h), path(std::move(p)),
        history(JoinPath(path, "history")) {}

  Status EnsureReady() {
    if (Status s = EnsurePath(client, path); !s.ok()) return s;
    return EnsurePath(client, history);
  }

  void OnSession(SessionEvent event) {
    if (event == SessionEvent::kConnected) {
      ReadAsync();
    } else if (event == SessionEvent::kExpired ||
               event == SessionEvent::kClosed) {
      std::lock_guard<std::mutex> lock(mu);
      watching = false;
    }
  }

  void ReadAsync() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!watching) return;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    client.GetDataAsync(
        path,
        [weak](Result<std::pair<std::string, proto::Stat>> got) {
          auto self = weak.lock();
          if (!self || !got.ok()) return;  // kConnected re-reads
          self->Deliver({got->second.version(), got->first});
        },
        [weak](const proto::WatchEvent&) {
          if (auto self = weak.lock()) self->ReadAsync();
        });
  }

  void Deliver(const ConfigVersion& config) {
    Callback cb;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!watching || config.version <= delivered) return;
      delivered = config.version;
      cb = callback;
    }
    if (cb) cb(config);
  }
};

Configuration::Configuration(Client& client, SessionEventHub* hub,
                             std::string path)
    : core_(std::make_shared<Core>(client, hub, std::move(path))) {
  if (hub) {
    std::weak_ptr<Core> weak = core_;
    core_->subscription = hub->Subscribe([weak](SessionEvent event) {
      if (auto core = weak.lock()) core->OnSession(event);
    });
  }
}

Configuration::~Configuration() {
  if (core_->hub) core_->hub->Unsubscribe(core_->subscription);
  std::lock_guard<std::mutex> lock(core_->mu);
  core_->watching = false;
}

Result<int32_t> Configuration::Publish(std::string_view data) {
  if (Status s = core_->EnsureReady(); !s.ok()) return s;
  while (true) {
    auto stat = core_->client.Exists(core_->path);
    if (!stat.ok()) return stat.status();
    if (!stat->has_value()) return Status(proto::NO_NODE, core_->path);
    const int32_t current = (*stat)->version();
    const int32_t next = current + 1;
    std::vector<proto::MultiOp> ops(2);
    auto* set = ops[0].mutable_set_data();
    set->set_path(core_->path);
    set->set_data(std::string(data));
    set->set_version(current);
    auto* create = ops[1].mutable_create();
    create->set_path(JoinPath(core_->history, VersionName(next)));
    create->set_data(std::string(data));
    for (const auto& acl : OpenAcl()) *create->add_acl() = acl;
    create->set_mode(proto::PERSISTENT);
    auto done = core_->client.Multi(std::move(ops));
    if (done.ok()) return next;
    const ErrorCode code = done.status().code();
    // Another publisher won this version: try the next one.
    if (code != proto::BAD_VERSION && code != proto::NODE_EXISTS) {
      return done.status();
    }
  }
}

Result<ConfigVersion> Configuration::Read() {
  auto got = core_->client.GetData(core_->path);
  if (!got.ok()) {
    if (got.status().code() == proto::NO_NODE) return ConfigVersion{};
    return got.status();
  }
  return ConfigVersion{got->second.version(), got->first};
}

Status Configuration::Watch(Callback callback) {
  if (Status s = core_->EnsureReady(); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->callback = std::move(callback);
    core_->watching = true;
    core_->delivered = -1;
  }
  core_->ReadAsync();
  return Status::Ok();
}

Result<std::vector<ConfigVersion>> Configuration::History() {
  auto children = core_->client.GetChildren(core_->history);
  if (!children.ok()) {
    if (children.status().code() == proto::NO_NODE) {
      return std::vector<ConfigVersion>();
    }
    return children.status();
  }
  std::vector<ConfigVersion> out;
  for (const auto& name : *children) {  // sorted; names are zero-padded
    auto got = core_->client.GetData(JoinPath(core_->history, name));
    if (!got.ok()) return got.status();
    out.push_back({static_cast<int32_t>(std::stol(name)), got->first});
  }
  return out;
}

Result<int32_t> Configuration::Rollback(int32_t version) {
  auto got = core_->client.GetData(
      JoinPath(core_->history, VersionName(version)));
  if (!got.ok()) return got.status();
  return Publish(got->first);
}

}  // namespace canopy::recipes
