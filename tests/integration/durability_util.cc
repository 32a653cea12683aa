#include "tests/integration/durability_util.h"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

namespace canopy::testing {

std::unique_ptr<Client> ConnectClient(const std::string& hosts, int timeout_ms,
                                      bool shuffle) {
  ClientOptions options;
  options.connect_string = hosts;
  options.session_timeout_ms = timeout_ms;
  options.shuffle_hosts = shuffle;
  auto client = Client::Connect(options);
  return client.ok() ? std::move(client).value() : nullptr;
}

WriteLoad::WriteLoad(const std::string& hosts, const std::string& parent,
                     int writers, int session_timeout_ms) {
  for (int w = 0; w < writers; ++w) {
    threads_.emplace_back([this, hosts, parent, w, session_timeout_ms] {
      std::unique_ptr<Client> client;
      for (int i = 0; !stop_; ++i) {
        if (!client) {
          client = ConnectClient(hosts, session_timeout_ms);
          if (!client) continue;  // bounded by the connect timeout
        }
        const std::string path =
            parent + "/w" + std::to_string(w) + "-" + std::to_string(i);
        auto created = client->Create(path, "v");
        if (created.ok()) {
          std::lock_guard lock(mu_);
          acked_.push_back(path);
        } else if (created.status().code() == proto::SESSION_EXPIRED) {
          client.reset();
        }
      }
    });
  }
}

WriteLoad::~WriteLoad() { Stop(); }

void WriteLoad::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

size_t WriteLoad::acked() {
  std::lock_guard lock(mu_);
  return acked_.size();
}

bool WriteLoad::WaitForMore(size_t more, int timeout_s) {
  const size_t target = acked() + more;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (acked() < target && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a poll
  }
  return acked() >= target;
}

std::vector<std::string> WriteLoad::paths() {
  std::lock_guard lock(mu_);
  return acked_;
}

std::map<std::string, std::string> Mntr(int port) {
  std::map<std::string, std::string> out;
  std::istringstream in(FourLetterWord(port, "mntr"));
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

std::string WaitDigestsAgree(const Ensemble& e, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(timeout_ms);
  std::string seen;
  do {
    std::map<std::string, std::pair<std::string, int>> digest_at;  // zxid ->
    std::set<std::string> zxids;
    bool complete = true;
    seen.clear();
    for (int id = 1; id <= e.size(); ++id) {
      if (!e.running(id)) continue;
      auto m = Mntr(e.client_port(id));
      const std::string zxid = m["zk_digest_zxid"];
      const std::string digest = m["zk_digest"];
      seen += "m" + std::to_string(id) + " " + m["zk_server_state"] +
              " zxid " + zxid + " digest " + digest + "; ";
      if (m["zk_server_state"] == "diverged") return "diverged: " + seen;
      if (zxid.empty() || digest.empty() ||
          (m["zk_server_state"] != "leader" &&
           m["zk_server_state"] != "follower")) {
        complete = false;
        continue;
      }
      auto [it, added] = digest_at.try_emplace(zxid, digest, id);
      if (!added && it->second.first != digest) {
        return "different digests at zxid " + zxid + ": " + seen;
      }
      zxids.insert(zxid);
    }
    if (complete && zxids.size() == 1) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a poll
  } while (std::chrono::steady_clock::now() < deadline);
  return "no agreement in time: " + seen;
}

std::vector<std::string> MissingOn(const Ensemble& e, int id,
                                   const std::string& parent,
                                   const std::vector<std::string>& paths) {
  auto client =
      ConnectClient("127.0.0.1:" + std::to_string(e.client_port(id)), 6000);
  if (!client || !client->Sync(parent).ok()) return {"*"};
  auto children = client->GetChildren(parent);
  if (!children.ok()) return {"*"};
  std::set<std::string> have(children->begin(), children->end());
  std::vector<std::string> missing;
  for (const auto& path : paths) {
    if (have.count(path.substr(parent.size() + 1)) == 0) {
      missing.push_back(path);
    }
  }
  return missing;
}

bool WaitProcessEnd(pid_t pid, int timeout_ms) {
  const int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return true;  // already reaped
  pollfd p{pidfd, POLLIN, 0};
  const bool ended = poll(&p, 1, timeout_ms) > 0;
  close(pidfd);
  return ended;
}

int ExitCodeOfEnded(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid != pid || info.si_code != CLD_EXITED) {
    return -1;
  }
  return info.si_status;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace canopy::testing
