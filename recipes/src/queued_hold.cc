#include "src/queued_hold.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "canopy/recipes/path_util.h"

namespace canopy::recipes::internal {

struct QueuedHold::Core : std::enable_shared_from_this<Core> {
  Client& client;
  std::string dir;
  std::string prefix;
  TurnRule rule;
  SessionEventHub* hub;
  std::function<void()> on_lost;
  int subscription = 0;

  mutable std::mutex mu;
  std::condition_variable cv;
  LockState state = LockState::kNotHeld;
  bool busy = false;
  bool session_dead = false;
  uint64_t wakeups = 0;
  std::string node;

  Core(Client& c, std::string d, std::string p, TurnRule r,
       SessionEventHub* h, std::function<void()> l)
      : client(c), dir(std::move(d)), prefix(std::move(p)), rule(std::move(r)),
        hub(h), on_lost(std::move(l)) {}

  void Wake() {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++wakeups;
    }
    cv.notify_all();
  }

  Watcher MakeWatcher() {
    std::weak_ptr<Core> weak = weak_from_this();
    return [weak](const proto::WatchEvent&) {
      if (auto self = weak.lock()) self->Wake();
    };
  }

  void OnSession(SessionEvent event) {
    std::function<void()> lost;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (event == SessionEvent::kDisconnected) {
        if (state == LockState::kHeld) state = LockState::kSuspended;
      } else if (event == SessionEvent::kConnected) {
        if (state == LockState::kSuspended) state = LockState::kHeld;
      } else {
        session_dead = true;
        if (state != LockState::kNotHeld) lost = on_lost;
        state = LockState::kNotHeld;
        node.clear();
      }
      ++wakeups;
    }
    cv.notify_all();
    if (lost) lost();
  }

  Status CreateNode() {
    const std::string tagged = RandomToken() + prefix;
    if (Status s = EnsurePath(client, dir); !s.ok()) return s;
    auto created =
        client.Create(JoinPath(dir, tagged), "", proto::EPHEMERAL_SEQUENTIAL);
    if (created.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      node = created->substr(created->rfind('/') + 1);
      return Status::Ok();
    }
    if (created.status().code() != proto::CONNECTION_LOSS) {
      return created.status();
    }
    auto children = client.GetChildren(dir);
    if (!children.ok()) return children.status();
    for (const auto& name : *children) {
      if (name.rfind(tagged, 0) == 0) {
        std::lock_guard<std::mutex> lock(mu);
        node = name;
        return Status::Ok();
      }
    }
    return created.status();
  }

  void Finish(bool held) {
    std::string drop;
    {
      std::lock_guard<std::mutex> lock(mu);
      busy = false;
      if (held) {
        state = LockState::kHeld;
      } else {
        drop.swap(node);
      }
    }
    if (!drop.empty()) DeleteWithRetry(client, JoinPath(dir, drop));
  }
};

QueuedHold::QueuedHold(Client& client, std::string dir, std::string prefix,
                       TurnRule rule, SessionEventHub* hub,
                       std::function<void()> on_lost)
    : core_(std::make_shared<Core>(client, std::move(dir), std::move(prefix),
                                   std::move(rule), hub, std::move(on_lost))) {
  if (hub) {
    std::weak_ptr<Core> weak = core_;
    core_->subscription = hub->Subscribe([weak](SessionEvent event) {
      if (auto core = weak.lock()) core->OnSession(event);
    });
  }
}

QueuedHold::~QueuedHold() {
  if (core_->hub) core_->hub->Unsubscribe(core_->subscription);
  Release();
}

Status QueuedHold::Acquire(int timeout_ms) {
  Core& c = *core_;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    if (c.busy || c.state != LockState::kNotHeld) {
      return Status(proto::API_ERROR, "already held (not reentrant): " + c.dir);
    }
    c.busy = true;
    c.session_dead = false;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  if (Status s = c.CreateNode(); !s.ok()) {
    c.Finish(false);
    return s;
  }
  bool dir_watch = false;  // read children with a watch this time
  while (true) {
    uint64_t seen;
    std::string mine;
    {
      std::lock_guard<std::mutex> lock(c.mu);
      seen = c.wakeups;
      mine = c.node;
    }
    // Children are read with a watch only when the rule asked for one
    // (then the read is repeated with it), so rules that watch a single
    // node cause no herd effect.
    auto children =
        c.client.GetChildren(c.dir, dir_watch ? c.MakeWatcher() : Watcher{});
    if (!children.ok()) {
      c.Finish(false);
      return children.status();
    }
    const auto sorted = SortedBySequence(*children, "");
    auto it = std::find(sorted.begin(), sorted.end(), mine);
    if (mine.empty() || it == sorted.end()) {
      c.Finish(false);
      return Status(proto::SESSION_EXPIRED, "queued node vanished: " + c.dir);
    }
    const Turn turn = c.rule(sorted, it - sorted.begin());
    if (turn.granted) {
      c.Finish(true);
      return Status::Ok();
    }
    if (!turn.watch.empty()) {
      auto exists = c.client.Exists(JoinPath(c.dir, turn.watch), c.MakeWatcher());
      if (!exists.ok()) {
        c.Finish(false);
        return exists.status();
      }
      if (!exists->has_value()) continue;
    } else if (!dir_watch) {
      dir_watch = true;
      continue;
    }
    std::unique_lock<std::mutex> lock(c.mu);
    auto woken = [&] { return c.wakeups != seen || c.session_dead; };
    bool ok = true;
    if (timeout_ms < 0) {
      c.cv.wait(lock, woken);
    } else {
      ok = c.cv.wait_until(lock, deadline, woken);
    }
    const bool dead = c.session_dead;
    lock.unlock();
    if (dead || !ok) {
      c.Finish(false);
      return Status(dead ? proto::SESSION_EXPIRED : proto::OPERATION_TIMEOUT,
                    c.dir);
    }
  }
}

Status QueuedHold::Release() {
  std::string name;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    name.swap(core_->node);
    core_->state = LockState::kNotHeld;
  }
  if (name.empty()) return Status::Ok();
  return DeleteWithRetry(core_->client, JoinPath(core_->dir, name));
}

LockState QueuedHold::state() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->state;
}

std::string QueuedHold::node_path() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->node.empty() ? "" : JoinPath(core_->dir, core_->node);
}

}  // namespace canopy::recipes::internal
