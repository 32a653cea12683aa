// Test support for ensembles of real canopy-server processes on loopback:
// free ports, one config and myid per member, and a fault-injecting TCP
// proxy on every member-to-member link the test can cut and heal.
#ifndef CANOPY_TESTS_INTEGRATION_ENSEMBLE_H_
#define CANOPY_TESTS_INTEGRATION_ENSEMBLE_H_

#include <utility>  // before Asio: its C++20 awaitable needs std::exchange

#include <boost/asio.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/server_process.h"

namespace canopy::testing {

// n distinct free 127.0.0.1 TCP ports, held bound until Release().
class PortHolder {
 public:
  explicit PortHolder(int n);
  ~PortHolder();
  const std::vector<int>& ports() const { return ports_; }
  void Release();

 private:
  boost::asio::io_context io_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> held_;
  std::vector<int> ports_;
};

// Forwards every connection made to its port (0: a free one) to a target
// port, until Cut():
// then it drops what it carries and refuses new connections until Heal().
class LinkProxy {
 public:
  LinkProxy(int listen_port, int target_port);
  ~LinkProxy();
  void Cut();
  void Heal();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Ensemble {
 public:
  // Starts n members (ids 1..n) with tickTime tick_ms and extra config
  // lines; with proxies, every link i->j goes through its own LinkProxy.
  // Waits until every member serves. Null on failure. A member that does
  // not come up (a port it was given was taken meanwhile by another test's
  // ephemeral socket) makes it start over on fresh ports, twice at most.
  static std::unique_ptr<Ensemble> Start(int n, int tick_ms = 100,
                                         const std::string& extra = "",
                                         bool proxies = false);
  ~Ensemble();

  int size() const { return int(members_.size()); }
  int client_port(int id) const { return members_[id - 1].client_port; }
  // "127.0.0.1:p1,127.0.0.1:p2,..."
  std::string hosts() const;
  std::string hosts_except(int id) const;
  const std::string& dir(int id) const { return members_[id - 1].dir; }
  bool running(int id) const { return members_[id - 1].process != nullptr; }
  pid_t pid(int id) const;

  // The member whose "srvr" says Mode: leader, or 0.
  int Leader() const;
  // "leader", "follower", "looking", or "" when the member does not answer.
  std::string Mode(int id) const;
  // Waits (bounded) until `id` answers with a serving mode.
  bool WaitServing(int id, int timeout_ms = 20000) const;
  // Waits (bounded) until exactly one running member leads and every other
  // running, uncut member follows it.
  int WaitForLeader(int timeout_ms = 20000) const;

  // Sends sig and waits (bounded) for the member to end; returns its
  // waitpid status, or -1 when it was not running.
  int Kill(int id, int sig = 9);
  bool Restart(int id);
  // Cuts every link to and from `id` (needs proxies).
  void Isolate(int id);
  void Reconnect(int id);
  // Cuts (heals) only the one-way link on which `from` sends to `to`
  // (needs proxies): an asymmetric partition.
  void CutLink(int from, int to);
  void HealLink(int from, int to);
  void Signal(int id, int sig);

 private:
  static std::unique_ptr<Ensemble> TryStart(int n, int tick_ms,
                                            const std::string& extra,
                                            bool proxies);
  struct Member {
    std::string dir;
    int client_port = 0;
    int peer_port = 0;  // where the member listens for peers
    std::string config;
    std::unique_ptr<ServerProcess> process;
  };
  TempDir root_;
  std::vector<Member> members_;
  // proxies_[i][j]: the link from member i+1 to member j+1 (null for i==j).
  std::vector<std::vector<std::unique_ptr<LinkProxy>>> proxies_;
};

}  // namespace canopy::testing

#endif  // CANOPY_TESTS_INTEGRATION_ENSEMBLE_H_
