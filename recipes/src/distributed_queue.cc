#include "canopy/recipes/distributed_queue.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "canopy/recipes/path_util.h"

namespace canopy::recipes {
namespace {
constexpr char kMarker[] = "item-";
}  // namespace

struct DistributedQueue::Core : std::enable_shared_from_this<Core> {
  Client& client;
  std::string items;
  std::string claims;
  bool ready = false;

  std::mutex mu;
  std::condition_variable cv;
  uint64_t changes = 0;  // bumped by child watches

  Core(Client& c, const std::string& path)
      : client(c), items(JoinPath(path, "items")),
        claims(JoinPath(path, "claims")) {}

  Status EnsureReady() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (ready) return Status::Ok();
    }
    if (Status s = EnsurePath(client, items); !s.ok()) return s;
    if (Status s = EnsurePath(client, claims); !s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu);
    ready = true;
    return Status::Ok();
  }

  Watcher MakeWatcher() {
    std::weak_ptr<Core> weak = weak_from_this();
    return [weak](const proto::WatchEvent&) {
      if (auto self = weak.lock()) {
        {
          std::lock_guard<std::mutex> lock(self->mu);
          ++self->changes;
        }
        self->cv.notify_all();
      }
    };
  }

  // Tries to claim one item from the current listing. OK+item, or
  // NO_NODE when nothing is claimable (then the caller waits).
  Result<QueueItem> TryClaim(bool watch) {
    auto listed = client.GetChildren(items, watch ? MakeWatcher() : Watcher{});
    if (!listed.ok()) return listed.status();
    auto claimed = client.GetChildren(claims, watch ? MakeWatcher() : Watcher{});
    if (!claimed.ok()) return claimed.status();
    const std::set<std::string> taken(claimed->begin(), claimed->end());
    for (const auto& name : SortedBySequence(*listed, kMarker)) {
      if (taken.count(name)) continue;
      auto claim = client.Create(JoinPath(claims, name), "", proto::EPHEMERAL);
      if (!claim.ok()) {
        if (claim.status().code() == proto::NODE_EXISTS) continue;
        return claim.status();
      }
      auto got = client.GetData(JoinPath(items, name));
      if (got.ok()) return QueueItem{name, got->first};
      client.Delete(JoinPath(claims, name));
      if (got.status().code() != proto::NO_NODE) return got.status();
      // Acked by a previous claimant between our two listings: skip.
    }
    return Status(proto::NO_NODE, items);
  }
};

DistributedQueue::DistributedQueue(Client& client, std::string path)
    : core_(std::make_shared<Core>(client, path)) {}

DistributedQueue::~DistributedQueue() = default;

Result<std::string> DistributedQueue::Put(std::string_view data) {
  if (Status s = core_->EnsureReady(); !s.ok()) return s;
  auto created = core_->client.Create(JoinPath(core_->items, kMarker), data,
                                      proto::PERSISTENT_SEQUENTIAL);
  if (!created.ok()) return created.status();
  return created->substr(created->rfind('/') + 1);
}

Result<QueueItem> DistributedQueue::Take(int timeout_ms) {
  if (Status s = core_->EnsureReady(); !s.ok()) return s;
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  while (true) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      seen = core_->changes;
    }
    // First look without watches; arm them only before waiting.
    auto item = core_->TryClaim(/*watch=*/false);
    if (item.ok()) return item;
    if (item.status().code() == proto::NO_NODE) {
      item = core_->TryClaim(/*watch=*/true);
      if (item.ok()) return item;
    }
    const ErrorCode code = item.status().code();
    if (code != proto::NO_NODE && code != proto::CONNECTION_LOSS &&
        code != proto::OPERATION_TIMEOUT) {
      return item.status();
    }
    std::unique_lock<std::mutex> lock(core_->mu);
    auto changed = [&] { return core_->changes != seen; };
    if (timeout_ms < 0) {
      core_->cv.wait(lock, changed);
    } else if (!core_->cv.wait_until(lock, deadline, changed)) {
      return Status(proto::OPERATION_TIMEOUT, core_->items);
    }
  }
}

Status DistributedQueue::Ack(const QueueItem& item) {
  std::vector<proto::MultiOp> ops(2);
  ops[0].mutable_delete_()->set_path(JoinPath(core_->claims, item.name));
  ops[0].mutable_delete_()->set_version(-1);
  ops[1].mutable_delete_()->set_path(JoinPath(core_->items, item.name));
  ops[1].mutable_delete_()->set_version(-1);
  auto done = core_->client.Multi(std::move(ops));
  return done.status();
}

Status DistributedQueue::Release(const QueueItem& item) {
  return core_->client.Delete(JoinPath(core_->claims, item.name));
}

Result<int> DistributedQueue::Size() {
  if (Status s = core_->EnsureReady(); !s.ok()) return s;
  auto listed = core_->client.GetChildren(core_->items);
  if (!listed.ok()) return listed.status();
  return static_cast<int>(listed->size());
}

}  // namespace canopy::recipes
