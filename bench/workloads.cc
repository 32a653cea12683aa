#include "workloads.h"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace canopy::bench {

namespace {

std::string Sub(const LoadOptions& o, const char* dir) {
  return o.prefix + "/" + dir;
}

// Creates paths in order with at most `window` outstanding; NodeExists is
// fine. Parents must come before their children in paths.
Status CreateAll(Session& session, const std::vector<std::string>& paths,
                 const std::string& value) {
  constexpr int kWindow = 64;
  std::mutex mu;
  std::condition_variable cv;
  int outstanding = 0;
  int failure = 0;
  std::string failed_path;
  // A parent must exist before its children are sent: creates of one
  // session are applied in order, so pipelining keeps that.
  for (const auto& path : paths) {
    {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(60),
                       [&] { return outstanding < kWindow; })) {
        return Status(proto::OPERATION_TIMEOUT, "set-up stalled at " + path);
      }
      if (failure != 0) break;
      ++outstanding;
    }
    session.Create(path, value, CreateKind::kPersistent,
                   [&, path](int err) {
                     std::lock_guard lock(mu);
                     if (err != kOk && err != kNodeExists && failure == 0) {
                       failure = err;
                       failed_path = path;
                     }
                     --outstanding;
                     cv.notify_all();
                   });
  }
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, std::chrono::seconds(60),
                   [&] { return outstanding == 0; })) {
    return Status(proto::OPERATION_TIMEOUT, "set-up did not finish");
  }
  if (failure != 0) {
    return Status(ErrorCode(failure), "set-up create " + failed_path);
  }
  return Status::Ok();
}

}  // namespace

std::string FanoutPath(const LoadOptions& options) {
  return Sub(options, "w");
}

Status SetUp(Session& session, const LoadOptions& o,
             const std::string& run_tag) {
  const std::string value(size_t(o.value_bytes), 'v');
  std::vector<std::string> paths;
  // Every component of the prefix, then the workload's own nodes.
  for (size_t at = o.prefix.find('/', 1); ; at = o.prefix.find('/', at + 1)) {
    paths.push_back(o.prefix.substr(0, at));
    if (at == std::string::npos) break;
  }
  switch (o.workload) {
    case Workload::kCreate:
      paths.push_back(Sub(o, "c"));
      for (int k = 0; k < o.spread; ++k) {
        paths.push_back(Sub(o, "c") + "/d" + std::to_string(k));
      }
      break;
    case Workload::kCreateEphemeralSequential:
      paths.push_back(Sub(o, "e"));
      break;
    case Workload::kSet:
    case Workload::kGet:
    case Workload::kExists:
    case Workload::kMixed:
      paths.push_back(Sub(o, "n"));
      for (int i = 0; i < o.sessions; ++i) {
        paths.push_back(Sub(o, "n") + "/s" + std::to_string(i));
      }
      break;
    case Workload::kGetChildren:
      paths.push_back(Sub(o, "k"));
      for (int j = 0; j < o.children; ++j) {
        paths.push_back(Sub(o, "k") + "/k" + std::to_string(j));
      }
      break;
    case Workload::kMulti:
      paths.push_back(Sub(o, "m"));
      for (int i = 0; i < o.sessions; ++i) {
        for (int j = 0; j < o.multi_ops; ++j) {
          paths.push_back(Sub(o, "m") + "/s" + std::to_string(i) + "-" +
                          std::to_string(j));
        }
      }
      break;
    case Workload::kWatchFanout:
      paths.push_back(FanoutPath(o));
      break;
  }
  (void)run_tag;
  return CreateAll(session, paths, value);
}

OpSource::OpSource(const LoadOptions& options, const std::string& run_tag,
                   int index)
    : options_(options),
      value_(size_t(options.value_bytes), 'v'),
      rng_(options.seed * 1000003u + uint64_t(index)),
      index_(index) {
  const std::string s = fmt::format("s{}", index);
  own_path_ = Sub(options, "n") + "/" + s;
  create_stem_ = run_tag + "-" + s + "-";
  ephemeral_stem_ = Sub(options, "e") + "/" + s + "-";
  children_parent_ = Sub(options, "k");
  for (int j = 0; j < options.multi_ops; ++j) {
    multi_paths_.push_back(Sub(options, "m") + "/" + s + "-" +
                           std::to_string(j));
  }
}

void OpSource::Issue(Session& session, Done done) {
  const uint64_t n = counter_++;
  switch (options_.workload) {
    case Workload::kCreate: {
      std::string path = Sub(options_, "c") + "/";
      if (options_.spread > 0) {
        const uint64_t k =
            (n * 7919u + uint64_t(index_)) % uint64_t(options_.spread);
        path += fmt::format("d{}/", k);
      }
      path += create_stem_ + std::to_string(n);
      session.Create(path, value_, CreateKind::kPersistent, std::move(done));
      return;
    }
    case Workload::kCreateEphemeralSequential:
      session.Create(ephemeral_stem_, value_, CreateKind::kEphemeralSequential,
                     std::move(done));
      return;
    case Workload::kSet:
      session.Set(own_path_, value_, std::move(done));
      return;
    case Workload::kGet:
      session.Get(own_path_, std::move(done));
      return;
    case Workload::kExists:
      session.Exists(own_path_, std::move(done));
      return;
    case Workload::kGetChildren:
      session.GetChildren(children_parent_, std::move(done));
      return;
    case Workload::kMixed: {
      std::uniform_real_distribution<double> coin(0.0, 1.0);
      if (coin(rng_) < options_.read_ratio) {
        session.Get(own_path_, std::move(done));
      } else {
        session.Set(own_path_, value_, std::move(done));
      }
      return;
    }
    case Workload::kMulti:
      session.MultiSet(multi_paths_, value_, std::move(done));
      return;
    case Workload::kWatchFanout:
      done(-8);  // not a windowed workload (watch_fanout.h runs it)
      return;
  }
}

}  // namespace canopy::bench
