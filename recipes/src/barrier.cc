#include "canopy/recipes/barrier.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "canopy/recipes/path_util.h"

namespace canopy::recipes {
namespace {

constexpr char kReady[] = "ready";

// A flag that watches bump and waiters wait on; shared with watchers so a
// late watch after the owner is gone is harmless.
struct Signal : std::enable_shared_from_this<Signal> {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t count = 0;

  uint64_t Now() {
    std::lock_guard<std::mutex> lock(mu);
    return count;
  }
  Watcher MakeWatcher() {
    std::weak_ptr<Signal> weak = weak_from_this();
    return [weak](const proto::WatchEvent&) {
      if (auto self = weak.lock()) {
        {
          std::lock_guard<std::mutex> lock(self->mu);
          ++self->count;
        }
        self->cv.notify_all();
      }
    };
  }
  // False when the deadline passed first.
  bool WaitChange(uint64_t seen, std::chrono::steady_clock::time_point deadline,
                  bool forever) {
    std::unique_lock<std::mutex> lock(mu);
    auto changed = [&] { return count != seen; };
    if (forever) {
      cv.wait(lock, changed);
      return true;
    }
    return cv.wait_until(lock, deadline, changed);
  }
};

std::chrono::steady_clock::time_point Deadline(int timeout_ms) {
  return std::chrono::steady_clock::now() +
         std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
}

}  // namespace

struct Barrier::Core {
  Client& client;
  std::string path;
  std::shared_ptr<Signal> signal = std::make_shared<Signal>();
};

Barrier::Barrier(Client& client, std::string path)
    : core_(std::make_shared<Core>(Core{client, std::move(path)})) {}
Barrier::~Barrier() = default;

Status Barrier::Set() { return EnsurePath(core_->client, core_->path); }

Status Barrier::Remove() {
  Status s = core_->client.Delete(core_->path);
  return s.code() == proto::NO_NODE ? Status::Ok() : s;
}

Status Barrier::Wait(int timeout_ms) {
  const auto deadline = Deadline(timeout_ms);
  while (true) {
    const uint64_t seen = core_->signal->Now();
    auto exists = core_->client.Exists(core_->path, core_->signal->MakeWatcher());
    if (!exists.ok()) {
      const ErrorCode code = exists.status().code();
      if (code != proto::CONNECTION_LOSS && code != proto::OPERATION_TIMEOUT) {
        return exists.status();
      }
    } else if (!exists->has_value()) {
      return Status::Ok();
    }
    if (!core_->signal->WaitChange(seen, deadline, timeout_ms < 0)) {
      return Status(proto::OPERATION_TIMEOUT, core_->path);
    }
  }
}

struct DoubleBarrier::Core {
  Client& client;
  std::string path;
  std::string name;
  int participants;
  std::shared_ptr<Signal> signal = std::make_shared<Signal>();

  // Participant names (without "ready").
  Result<int> Count(bool watch) {
    auto children =
        client.GetChildren(path, watch ? signal->MakeWatcher() : Watcher{});
    if (!children.ok()) return children.status();
    int n = 0;
    for (const auto& c : *children) n += c != kReady;
    return n;
  }
};

DoubleBarrier::DoubleBarrier(Client& client, std::string path,
                             std::string name, int participants)
    : core_(std::make_shared<Core>(
          Core{client, std::move(path), std::move(name), participants})) {}
DoubleBarrier::~DoubleBarrier() = default;

Status DoubleBarrier::Enter(int timeout_ms) {
  const auto deadline = Deadline(timeout_ms);
  Core& c = *core_;
  if (Status s = EnsurePath(c.client, c.path); !s.ok()) return s;
  const std::string ready = JoinPath(c.path, kReady);
  // Watch "ready" before joining so its creation cannot be missed.
  uint64_t seen = c.signal->Now();
  auto exists = c.client.Exists(ready, c.signal->MakeWatcher());
  if (!exists.ok()) return exists.status();
  auto created = c.client.Create(JoinPath(c.path, c.name), "", proto::EPHEMERAL);
  if (!created.ok() && created.status().code() != proto::NODE_EXISTS) {
    return created.status();
  }
  if (exists->has_value()) return Status::Ok();
  auto count = c.Count(false);
  if (!count.ok()) return count.status();
  if (*count >= c.participants) {
    auto made = c.client.Create(ready, "");
    if (!made.ok() && made.status().code() != proto::NODE_EXISTS) {
      return made.status();
    }
    return Status::Ok();
  }
  while (true) {
    if (!c.signal->WaitChange(seen, deadline, timeout_ms < 0)) {
      return Status(proto::OPERATION_TIMEOUT, c.path);
    }
    seen = c.signal->Now();
    auto again = c.client.Exists(ready, c.signal->MakeWatcher());
    if (!again.ok()) return again.status();
    if (again->has_value()) return Status::Ok();
  }
}

Status DoubleBarrier::Leave(int timeout_ms) {
  const auto deadline = Deadline(timeout_ms);
  Core& c = *core_;
  Status s = c.client.Delete(JoinPath(c.path, c.name));
  if (!s.ok() && s.code() != proto::NO_NODE) return s;
  while (true) {
    const uint64_t seen = c.signal->Now();
    auto count = c.Count(/*watch=*/true);
    if (!count.ok()) return count.status();
    if (*count == 0) return Status::Ok();
    if (!c.signal->WaitChange(seen, deadline, timeout_ms < 0)) {
      return Status(proto::OPERATION_TIMEOUT, c.path);
    }
  }
}

}  // namespace canopy::recipes
