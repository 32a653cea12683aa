#include "canopy/recipes/lock.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "canopy/recipes/path_util.h"

namespace canopy::recipes {
namespace {
constexpr char kMarker[] = "-lock-";
}  // namespace

struct Lock::Core : std::enable_shared_from_this<Lock::Core> {
  Client& client;
  std::string path;
  SessionEventHub* hub;
  Options options;
  int subscription = 0;

  mutable std::mutex mu;
  std::condition_variable cv;
  LockState state = LockState::kNotHeld;
  bool busy = false;        // an Acquire/TryAcquire is running
  bool session_dead = false;
  uint64_t wakeups = 0;     // bumped by watches and session events
  std::string node;         // our node's name (not path), empty if none
  std::string watched;

  Core(Client& c, std::string p, SessionEventHub* h, Options o)
      : client(c), path(std::move(p)), hub(h), options(std::move(o)) {}

  void OnSession(SessionEvent event) {
    std::function<void()> lost;
    {
      std::lock_guard<std::mutex> lock(mu);
      switch (event) {
        case SessionEvent::kDisconnected:
          if (state == LockState::kHeld) state = LockState::kSuspended;
          break;
        case SessionEvent::kConnected:
          if (state == LockState::kSuspended) state = LockState::kHeld;
          break;
        case SessionEvent::kExpired:
        case SessionEvent::kClosed:
          session_dead = true;
          if (state != LockState::kNotHeld) lost = options.on_lost;
          state = LockState::kNotHeld;
          node.clear();
          break;
      }
      ++wakeups;
    }
    cv.notify_all();
    if (lost) lost();
  }

  // Creates our node (protected against lost create answers).
  Status CreateNode() {
    const std::string prefix = RandomToken() + kMarker;
    if (Status s = EnsurePath(client, path); !s.ok()) return s;
    auto created = client.Create(JoinPath(path, prefix), options.data,
                                 proto::EPHEMERAL_SEQUENTIAL);
    if (created.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      node = created->substr(created->rfind('/') + 1);
      return Status::Ok();
    }
    if (created.status().code() != proto::CONNECTION_LOSS) {
      return created.status();
    }
    // The create may have happened: look for our token.
    auto children = client.GetChildren(path);
    if (!children.ok()) return children.status();
    for (const auto& name : *children) {
      if (name.rfind(prefix, 0) == 0) {
        std::lock_guard<std::mutex> lock(mu);
        node = name;
        return Status::Ok();
      }
    }
    return created.status();
  }

  void DeleteNode() {
    std::string name;
    {
      std::lock_guard<std::mutex> lock(mu);
      name.swap(node);
      watched.clear();
      state = LockState::kNotHeld;
    }
    if (!name.empty()) DeleteWithRetry(client, JoinPath(path, name));
  }

  // One pass: OK+true when we are first; OK+false after arming a watch on
  // the predecessor (the caller waits for it).
  Result<bool> Check(bool arm_watch, uint64_t* seen_wakeups) {
    auto children = client.GetChildren(path);
    if (!children.ok()) return children.status();
    const auto sorted = SortedBySequence(*children, kMarker);
    std::string mine;
    {
      std::lock_guard<std::mutex> lock(mu);
      mine = node;
      *seen_wakeups = wakeups;
    }
    auto it = std::find(sorted.begin(), sorted.end(), mine);
    if (mine.empty() || it == sorted.end()) {
      return Status(proto::SESSION_EXPIRED, "lock node vanished: " + path);
    }
    if (it == sorted.begin()) return true;
    if (!arm_watch) return false;
    const std::string predecessor = JoinPath(path, *(it - 1));
    std::weak_ptr<Core> weak = weak_from_this();
    auto exists = client.Exists(predecessor, [weak](const proto::WatchEvent&) {
      if (auto self = weak.lock()) {
        {
          std::lock_guard<std::mutex> lock(self->mu);
          ++self->wakeups;
        }
        self->cv.notify_all();
      }
    });
    if (!exists.ok()) return exists.status();
    std::lock_guard<std::mutex> lock(mu);
    if (!exists->has_value()) {
      ++wakeups;  // already gone: look again at once
    } else {
      watched = predecessor;
    }
    return false;
  }

  bool StartAttempt() {
    std::lock_guard<std::mutex> lock(mu);
    if (busy || state != LockState::kNotHeld) return false;
    busy = true;
    session_dead = false;
    return true;
  }

  void EndAttempt(bool held) {
    std::lock_guard<std::mutex> lock(mu);
    busy = false;
    watched.clear();
    if (held) state = LockState::kHeld;
  }
};

Lock::Lock(Client& client, std::string path, SessionEventHub* hub,
           Options options)
    : core_(std::make_shared<Core>(client, std::move(path), hub,
                                   std::move(options))) {
  if (hub) {
    std::weak_ptr<Core> weak = core_;
    core_->subscription = hub->Subscribe([weak](SessionEvent event) {
      if (auto core = weak.lock()) core->OnSession(event);
    });
  }
}

Lock::~Lock() {
  if (core_->hub) core_->hub->Unsubscribe(core_->subscription);
  Release();
}

Status Lock::Acquire(int timeout_ms) {
  if (!core_->StartAttempt()) {
    return Status(proto::API_ERROR, "lock already held or being acquired (not reentrant): " + core_->path);
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  if (Status s = core_->CreateNode(); !s.ok()) {
    core_->EndAttempt(false);
    return s;
  }
  while (true) {
    uint64_t seen = 0;
    auto first = core_->Check(/*arm_watch=*/true, &seen);
    bool retry_soon = false;
    if (!first.ok() && IsTransient(first.status())) {
      retry_soon = true;  // the session may survive: keep our place
    } else if (!first.ok()) {
      core_->DeleteNode();
      core_->EndAttempt(false);
      return first.status();
    }
    if (!retry_soon && *first) {
      core_->EndAttempt(true);
      return Status::Ok();
    }
    std::unique_lock<std::mutex> lock(core_->mu);
    auto woken = [&] { return core_->wakeups != seen || core_->session_dead; };
    bool ok = true;
    if (retry_soon) {
      // Back off briefly before looking again (bounded by the deadline).
      auto until = std::chrono::steady_clock::now() +
                   std::chrono::milliseconds(100);
      if (timeout_ms >= 0 && deadline < until) until = deadline;
      core_->cv.wait_until(lock, until, woken);
      ok = timeout_ms < 0 || std::chrono::steady_clock::now() < deadline;
    } else if (timeout_ms < 0) {
      core_->cv.wait(lock, woken);
    } else {
      ok = core_->cv.wait_until(lock, deadline, woken);
    }
    const bool dead = core_->session_dead;
    lock.unlock();
    if (dead) {
      core_->DeleteNode();
      core_->EndAttempt(false);
      return Status(proto::SESSION_EXPIRED, core_->path);
    }
    if (!ok) {
      core_->DeleteNode();
      core_->EndAttempt(false);
      return Status(proto::OPERATION_TIMEOUT, core_->path);
    }
  }
}

Result<bool> Lock::TryAcquire() {
  if (!core_->StartAttempt()) {
    return Status(proto::API_ERROR, "lock already held or being acquired (not reentrant): " + core_->path);
  }
  if (Status s = core_->CreateNode(); !s.ok()) {
    core_->EndAttempt(false);
    return s;
  }
  uint64_t seen = 0;
  auto first = core_->Check(/*arm_watch=*/false, &seen);
  if (!first.ok() || !*first) core_->DeleteNode();
  core_->EndAttempt(first.ok() && *first);
  return first;
}

Status Lock::Release() {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    name.swap(core_->node);
    core_->state = LockState::kNotHeld;
  }
  if (name.empty()) return Status::Ok();
  return DeleteWithRetry(core_->client, JoinPath(core_->path, name));
}

bool Lock::IsHeld() const { return state() == LockState::kHeld; }

LockState Lock::state() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->state;
}

std::string Lock::node_path() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->node.empty() ? "" : JoinPath(core_->path, core_->node);
}

std::string Lock::watched_path() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->watched;
}

}  // namespace canopy::recipes
