// The ZooKeeper dialect: libzookeeper-mt's async C API. Each handle has its
// own IO thread and completion thread; completions and watchers run on the
// latter.
#include <zookeeper/zookeeper.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <utility>

#include "session.h"

namespace canopy::bench {

namespace {

struct Call {
  Done done;
  std::vector<std::string> paths;        // multi: kept until the completion
  std::vector<zoo_op_result_t> results;  // multi: filled by the library
};

struct WatchCtx {
  class ZkSession* owner;
  WatchFired fired;
};

void VoidDone(int rc, const void* data) {
  std::unique_ptr<Call> call(static_cast<Call*>(const_cast<void*>(data)));
  call->done(rc);
}
void StringDone(int rc, const char*, const void* data) { VoidDone(rc, data); }
void StatDone(int rc, const struct Stat*, const void* data) {
  VoidDone(rc, data);
}
void DataDone(int rc, const char*, int, const struct Stat*, const void* data) {
  VoidDone(rc, data);
}
void StringsDone(int rc, const struct String_vector*, const void* data) {
  VoidDone(rc, data);
}

class ZkSession final : public Session {
 public:
  ZkSession() = default;
  ~ZkSession() override {
    if (zh_ != nullptr) zookeeper_close(zh_);
    std::lock_guard lock(watch_mu_);
    for (WatchCtx* ctx : watches_) delete ctx;
  }

  // Starts the handle and waits for the session (bounded by timeout_ms).
  Status Open(const std::string& hosts, int timeout_ms) {
    zh_ = zookeeper_init(hosts.c_str(), &ZkSession::SessionWatcher,
                         timeout_ms, nullptr, this, 0);
    if (zh_ == nullptr) {
      return Status(proto::BAD_ARGUMENTS, "zookeeper_init failed: " + hosts);
    }
    std::unique_lock lock(state_mu_);
    const bool up = state_cv_.wait_for(
        lock, std::chrono::milliseconds(timeout_ms),
        [&] { return state_ == ZOO_CONNECTED_STATE || expired_; });
    if (!up || expired_) {
      return Status(proto::CONNECTION_LOSS, "no ZooKeeper session: " + hosts);
    }
    return Status::Ok();
  }

  void Create(const std::string& path, std::string_view data, CreateKind kind,
              Done done) override {
    const int mode = kind == CreateKind::kPersistent
                         ? ZOO_PERSISTENT
                         : ZOO_EPHEMERAL_SEQUENTIAL;
    auto* call = new Call{std::move(done), {}, {}};
    Check(zoo_acreate(zh_, path.c_str(), data.data(), int(data.size()),
                      &ZOO_OPEN_ACL_UNSAFE, mode, StringDone, call),
          call);
  }

  void Set(const std::string& path, std::string_view data,
           Done done) override {
    auto* call = new Call{std::move(done), {}, {}};
    Check(zoo_aset(zh_, path.c_str(), data.data(), int(data.size()), -1,
                   StatDone, call),
          call);
  }

  void Get(const std::string& path, Done done) override {
    auto* call = new Call{std::move(done), {}, {}};
    Check(zoo_aget(zh_, path.c_str(), 0, DataDone, call), call);
  }

  void Exists(const std::string& path, Done done) override {
    auto* call = new Call{std::move(done), {}, {}};
    Check(zoo_aexists(zh_, path.c_str(), 0, StatDone, call), call);
  }

  void GetChildren(const std::string& path, Done done) override {
    auto* call = new Call{std::move(done), {}, {}};
    Check(zoo_aget_children(zh_, path.c_str(), 0, StringsDone, call), call);
  }

  void MultiSet(const std::vector<std::string>& paths, std::string_view data,
                Done done) override {
    auto* call = new Call{std::move(done), paths, {}};
    call->results.resize(paths.size());
    std::vector<zoo_op_t> ops(paths.size());
    for (size_t i = 0; i < paths.size(); ++i) {
      zoo_set_op_init(&ops[i], call->paths[i].c_str(), data.data(),
                      int(data.size()), -1, nullptr);
    }
    Check(zoo_amulti(zh_, int(ops.size()), ops.data(), call->results.data(),
                     VoidDone, call),
          call);
  }

  void GetWatch(const std::string& path, WatchFired fired,
                Done done) override {
    auto* ctx = new WatchCtx{this, std::move(fired)};
    {
      std::lock_guard lock(watch_mu_);
      watches_.insert(ctx);
    }
    auto* call = new Call{std::move(done), {}, {}};
    Check(zoo_awget(zh_, path.c_str(), &ZkSession::NodeWatcher, ctx, DataDone,
                    call),
          call);
  }

 private:
  // A call the library refused never completes: complete it here.
  static void Check(int rc, Call* call) {
    if (rc != ZOK) VoidDone(rc, call);
  }

  static void SessionWatcher(zhandle_t*, int type, int state, const char*,
                             void* context) {
    if (type != ZOO_SESSION_EVENT) return;
    auto* self = static_cast<ZkSession*>(context);
    std::lock_guard lock(self->state_mu_);
    self->state_ = state;
    if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
      self->expired_ = true;
    }
    self->state_cv_.notify_all();
  }

  static void NodeWatcher(zhandle_t*, int type, int, const char*,
                          void* context) {
    if (type == ZOO_SESSION_EVENT) return;  // the watch stays registered
    auto* ctx = static_cast<WatchCtx*>(context);
    {
      std::lock_guard lock(ctx->owner->watch_mu_);
      ctx->owner->watches_.erase(ctx);
    }
    ctx->fired();
    delete ctx;
  }

  zhandle_t* zh_ = nullptr;
  std::mutex state_mu_;
  std::condition_variable state_cv_;
  int state_ = 0;
  bool expired_ = false;
  std::mutex watch_mu_;
  std::set<WatchCtx*> watches_;  // armed watches, freed at close
};

}  // namespace

Result<std::unique_ptr<Session>> ConnectZooKeeper(const std::string& hosts,
                                                  int session_timeout_ms) {
  static std::once_flag once;
  std::call_once(once, [] {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zoo_deterministic_conn_order(1);  // the caller rotates the list
  });
  auto session = std::make_unique<ZkSession>();
  Status status = session->Open(hosts, session_timeout_ms);
  if (!status.ok()) return status;
  return std::unique_ptr<Session>(std::move(session));
}

}  // namespace canopy::bench
