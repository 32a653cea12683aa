#include "canopy/recipes/leader_election.h"

#include <algorithm>
#include <mutex>

#include "canopy/recipes/path_util.h"

namespace canopy::recipes {
namespace {
constexpr char kMarker[] = "-n-";
}  // namespace

struct LeaderElection::Core : std::enable_shared_from_this<Core> {
  Client& client;
  SessionEventHub* hub;
  std::string path;
  std::string data;
  Callbacks callbacks;
  int subscription = 0;

  mutable std::mutex mu;
  std::string node;  // our node's name, empty when not running
  bool first = false;
  bool connected = true;
  bool acting = false;
  bool lost = false;

  Core(Client& c, SessionEventHub* h, std::string p, std::string d,
       Callbacks cb)
      : client(c), hub(h), path(std::move(p)), data(std::move(d)),
        callbacks(std::move(cb)) {}

  // Recomputes acting from first/connected/node and runs the callback for
  // a change. Call without mu held.
  void Update() {
    std::function<void()> callback;
    {
      std::lock_guard<std::mutex> lock(mu);
      const bool now = first && connected && !node.empty();
      if (now == acting) return;
      acting = now;
      callback = now ? callbacks.on_elected : callbacks.on_revoked;
    }
    if (callback) callback();
  }

  void OnSession(SessionEvent event) {
    {
      std::lock_guard<std::mutex> lock(mu);
      switch (event) {
        case SessionEvent::kDisconnected:
          connected = false;
          break;
        case SessionEvent::kConnected:
          connected = true;
          break;
        case SessionEvent::kExpired:
        case SessionEvent::kClosed:
          if (!node.empty()) lost = true;
          node.clear();
          first = false;
          break;
      }
    }
    Update();
    if (event == SessionEvent::kConnected) CheckAsync();  // re-arm watches
  }

  void CheckAsync() {
    std::weak_ptr<Core> weak = weak_from_this();
    client.GetChildrenAsync(
        path, [weak](Result<std::vector<std::string>> children) {
          auto self = weak.lock();
          if (!self || !children.ok()) return;  // kConnected re-checks
          self->OnChildren(*children);
        });
  }

  void OnChildren(const std::vector<std::string>& children) {
    const auto sorted = SortedBySequence(children, kMarker);
    std::string predecessor;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = std::find(sorted.begin(), sorted.end(), node);
      if (node.empty() || it == sorted.end()) return;
      if (it == sorted.begin()) {
        first = true;
      } else {
        predecessor = JoinPath(path, *(it - 1));
      }
    }
    if (predecessor.empty()) {
      Update();
      return;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    client.ExistsAsync(
        predecessor,
        [weak](Result<std::optional<proto::Stat>> stat) {
          auto self = weak.lock();
          if (self && stat.ok() && !stat->has_value()) self->CheckAsync();
        },
        [weak](const proto::WatchEvent&) {
          if (auto self = weak.lock()) self->CheckAsync();
        });
  }
};

LeaderElection::LeaderElection(Client& client, SessionEventHub* hub,
                               std::string path, std::string data,
                               Callbacks callbacks)
    : core_(std::make_shared<Core>(client, hub, std::move(path),
                                   std::move(data), std::move(callbacks))) {
  if (hub) {
    std::weak_ptr<Core> weak = core_;
    core_->subscription = hub->Subscribe([weak](SessionEvent event) {
      if (auto core = weak.lock()) core->OnSession(event);
    });
  }
}

LeaderElection::~LeaderElection() {
  if (core_->hub) core_->hub->Unsubscribe(core_->subscription);
  Resign();
}

Status LeaderElection::Start() {
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    if (!core_->node.empty()) {
      return Status(proto::API_ERROR, "already running: " + core_->path);
    }
    core_->lost = false;
  }
  if (Status s = EnsurePath(core_->client, core_->path); !s.ok()) return s;
  const std::string prefix = RandomToken() + kMarker;
  auto created = core_->client.Create(JoinPath(core_->path, prefix),
                                      core_->data, proto::EPHEMERAL_SEQUENTIAL);
  std::string name;
  if (created.ok()) {
    name = created->substr(created->rfind('/') + 1);
  } else if (created.status().code() == proto::CONNECTION_LOSS) {
    auto children = core_->client.GetChildren(core_->path);
    if (!children.ok()) return children.status();
    for (const auto& child : *children) {
      if (child.rfind(prefix, 0) == 0) name = child;
    }
    if (name.empty()) return created.status();
  } else {
    return created.status();
  }
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->node = name;
    core_->first = false;
  }
  core_->CheckAsync();
  return Status::Ok();
}

Status LeaderElection::Resign() {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    name.swap(core_->node);
    core_->first = false;
  }
  core_->Update();
  if (name.empty()) return Status::Ok();
  return DeleteWithRetry(core_->client, JoinPath(core_->path, name));
}

bool LeaderElection::IsLeader() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->acting;
}

bool LeaderElection::is_lost() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->lost;
}

Result<std::optional<std::string>> LeaderElection::LeaderData() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto children = core_->client.GetChildren(core_->path);
    if (!children.ok()) {
      if (children.status().code() == proto::NO_NODE) {
        return std::optional<std::string>();
      }
      return children.status();
    }
    const auto sorted = SortedBySequence(*children, kMarker);
    if (sorted.empty()) return std::optional<std::string>();
    auto got = core_->client.GetData(JoinPath(core_->path, sorted.front()));
    if (got.ok()) return std::optional<std::string>(got->first);
    if (got.status().code() != proto::NO_NODE) return got.status();
    // The leader went between the two reads: look again.
  }
  return Status(proto::OPERATION_TIMEOUT, "leader kept changing: " + core_->path);
}

}  // namespace canopy::recipes
