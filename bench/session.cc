#include "session.h"

#include <chrono>
#include <future>
#include <sstream>

namespace canopy::bench {

std::string RotateHosts(const std::string& hosts, int first) {
  // A chroot suffix ("/x") stays at the end.
  const size_t slash = hosts.find('/');
  const std::string list = hosts.substr(0, slash);
  const std::string chroot =
      slash == std::string::npos ? "" : hosts.substr(slash);
  std::vector<std::string> parts;
  std::stringstream in(list);
  for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
  if (parts.empty()) return hosts;
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!out.empty()) out += ',';
    out += parts[(i + size_t(first)) % parts.size()];
  }
  return out + chroot;
}

Result<std::unique_ptr<Session>> Connect(Dialect dialect,
                                         const std::string& hosts,
                                         int first_host,
                                         int session_timeout_ms) {
  const std::string rotated = RotateHosts(hosts, first_host);
  if (dialect == Dialect::kNative) {
    return ConnectNative(rotated, session_timeout_ms);
  }
  return ConnectZooKeeper(rotated, session_timeout_ms);
}

namespace {

int Wait(const std::function<void(Done)>& start, int timeout_ms) {
  auto promise = std::make_shared<std::promise<int>>();
  auto future = promise->get_future();
  start([promise](int err) { promise->set_value(err); });
  if (future.wait_for(std::chrono::milliseconds(timeout_ms)) !=
      std::future_status::ready) {
    return -7;
  }
  return future.get();
}

}  // namespace

int CreateSync(Session& s, const std::string& path, std::string_view data,
               int timeout_ms) {
  return Wait([&](Done done) {
    s.Create(path, data, CreateKind::kPersistent, std::move(done));
  }, timeout_ms);
}

int SetSync(Session& s, const std::string& path, std::string_view data,
            int timeout_ms) {
  return Wait([&](Done done) { s.Set(path, data, std::move(done)); },
              timeout_ms);
}

}  // namespace canopy::bench
