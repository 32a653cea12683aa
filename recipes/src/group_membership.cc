#include "canopy/recipes/group_membership.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "canopy/recipes/path_util.h"

namespace canopy::recipes {

struct GroupMembership::Core : std::enable_shared_from_this<Core> {
  Client& client;
  SessionEventHub* hub;
  std::string path;
  LostCallback on_lost;
  int subscription = 0;

  std::mutex mu;
  std::set<std::string> joined;
  ListCallback callback;
  bool watching = false;
  uint64_t next_read = 0;       // generation of the next read
  uint64_t last_delivered = 0;  // generation of the last delivery

  Core(Client& c, SessionEventHub* h, std::string p, LostCallback l)
      : client(c), hub(h), path(std::move(p)), on_lost(std::move(l)) {}

  void OnSession(SessionEvent event) {
    if (event == SessionEvent::kConnected) {
      bool rearm;
      {
        std::lock_guard<std::mutex> lock(mu);
        rearm = watching;
      }
      if (rearm) ReadAsync();
      return;
    }
    if (event != SessionEvent::kExpired && event != SessionEvent::kClosed) {
      return;
    }
    std::vector<std::string> lost;
    {
      std::lock_guard<std::mutex> lock(mu);
      lost.assign(joined.begin(), joined.end());
      joined.clear();
      watching = false;
    }
    if (!lost.empty() && on_lost) on_lost(lost);
  }

  // Reads the children (re-arming the watch) then every member's data, and
  // delivers the list if nothing newer was delivered already.
  void ReadAsync() {
    uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!watching) return;
      generation = ++next_read;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    client.GetChildrenAsync(
        path,
        [weak, generation](Result<std::vector<std::string>> children) {
          auto self = weak.lock();
          if (!self || !children.ok()) return;  // kConnected re-reads
          self->ReadData(generation, *children);
        },
        [weak](const proto::WatchEvent&) {
          if (auto self = weak.lock()) self->ReadAsync();
        });
  }

  struct Gather {
    std::mutex mu;
    size_t pending = 0;
    std::map<std::string, std::string> members;
  };

  void ReadData(uint64_t generation, const std::vector<std::string>& names) {
    auto gather = std::make_shared<Gather>();
    gather->pending = names.size();
    if (names.empty()) {
      Deliver(generation, {});
      return;
    }
    std::weak_ptr<Core> weak = weak_from_this();
    for (const auto& name : names) {
      client.GetDataAsync(
          JoinPath(path, name),
          [weak, gather, generation,
           name](Result<std::pair<std::string, proto::Stat>> got) {
            bool done;
            {
              std::lock_guard<std::mutex> lock(gather->mu);
              if (got.ok()) gather->members[name] = got->first;
              done = --gather->pending == 0;
            }
            if (!done) return;
            auto self = weak.lock();
            if (!self) return;
            std::vector<Member> list;
            for (auto& [n, d] : gather->members) list.push_back({n, d});
            self->Deliver(generation, list);
          });
    }
  }

  void Deliver(uint64_t generation, const std::vector<Member>& list) {
    ListCallback cb;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!watching || generation <= last_delivered) return;
      last_delivered = generation;
      cb = callback;
    }
    if (cb) cb(list);
  }
};

GroupMembership::GroupMembership(Client& client, SessionEventHub* hub,
                                 std::string path, LostCallback on_lost)
    : core_(std::make_shared<Core>(client, hub, std::move(path),
                                   std::move(on_lost))) {
  if (hub) {
    std::weak_ptr<Core> weak = core_;
    core_->subscription = hub->Subscribe([weak](SessionEvent event) {
      if (auto core = weak.lock()) core->OnSession(event);
    });
  }
}

GroupMembership::~GroupMembership() {
  if (core_->hub) core_->hub->Unsubscribe(core_->subscription);
  std::set<std::string> joined;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->watching = false;
    joined.swap(core_->joined);
  }
  for (const auto& name : joined) {
    core_->client.Delete(JoinPath(core_->path, name));
  }
}

Status GroupMembership::Join(const std::string& name,
                             const std::string& data) {
  if (Status s = EnsurePath(core_->client, core_->path); !s.ok()) return s;
  auto created = core_->client.Create(JoinPath(core_->path, name), data,
                                      proto::EPHEMERAL);
  if (!created.ok()) return created.status();
  std::lock_guard<std::mutex> lock(core_->mu);
  core_->joined.insert(name);
  return Status::Ok();
}

Status GroupMembership::Leave(const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->joined.erase(name);
  }
  return core_->client.Delete(JoinPath(core_->path, name));
}

Result<std::vector<Member>> GroupMembership::List() {
  auto children = core_->client.GetChildren(core_->path);
  if (!children.ok()) {
    if (children.status().code() == proto::NO_NODE) {
      return std::vector<Member>();
    }
    return children.status();
  }
  std::vector<Member> out;
  for (const auto& name : *children) {
    auto got = core_->client.GetData(JoinPath(core_->path, name));
    if (got.ok()) {
      out.push_back({name, got->first});
    } else if (got.status().code() != proto::NO_NODE) {
      return got.status();
    }
  }
  return out;
}

Status GroupMembership::Watch(ListCallback callback) {
  if (Status s = EnsurePath(core_->client, core_->path); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->callback = std::move(callback);
    core_->watching = true;
  }
  core_->ReadAsync();
  return Status::Ok();
}

}  // namespace canopy::recipes
