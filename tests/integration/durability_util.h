// Test support for the durability and zxid roll-over tests: client load that
// records what was acknowledged, mntr parsing, and waits for members to
// agree on their tree digest.
#ifndef CANOPY_TESTS_INTEGRATION_DURABILITY_UTIL_H_
#define CANOPY_TESTS_INTEGRATION_DURABILITY_UTIL_H_

#include <sys/types.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "canopy/client.h"
#include "tests/integration/ensemble.h"

namespace canopy::testing {

// A client of hosts with the given session timeout, or null.
std::unique_ptr<Client> ConnectClient(const std::string& hosts,
                                      int timeout_ms = 4000,
                                      bool shuffle = true);

// Writers, each with its own session, creating distinct nodes
// parent/w<k>-<i> through any member of hosts, and remembering each create
// that was acknowledged (a failed or timed-out one is indeterminate and not
// recorded). Stop() joins them; it is bounded by one session timeout.
class WriteLoad {
 public:
  WriteLoad(const std::string& hosts, const std::string& parent, int writers,
            int session_timeout_ms = 4000);
  ~WriteLoad();
  void Stop();
  size_t acked();
  // Waits (bounded) until `more` further creates were acknowledged.
  bool WaitForMore(size_t more, int timeout_s = 30);
  std::vector<std::string> paths();

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> acked_;
  std::vector<std::thread> threads_;
};

// The answer of "mntr" as key -> value (empty when the member is down).
std::map<std::string, std::string> Mntr(int port);

// Waits (bounded) until every running member answers mntr with the same
// zk_digest_zxid and zk_digest, with no member in "diverged" mode. Returns
// "" on success, else what was seen last (for the failure message). Fails at
// once when two members show different digests at the same zxid.
std::string WaitDigestsAgree(const Ensemble& e, int timeout_ms = 20000);

// The acknowledged paths (children of parent) that member `id` lacks, read
// after a sync. "*" when the member could not be read.
std::vector<std::string> MissingOn(const Ensemble& e, int id,
                                   const std::string& parent,
                                   const std::vector<std::string>& paths);

// Waits (bounded) for process pid to end without reaping it. True if it
// ended.
bool WaitProcessEnd(pid_t pid, int timeout_ms);

// The exit code of an ended, not yet reaped child (left unreaped), or -1
// when it did not exit normally.
int ExitCodeOfEnded(pid_t pid);

// The text of a file ("" if missing).
std::string ReadFile(const std::string& path);

}  // namespace canopy::testing

#endif  // CANOPY_TESTS_INTEGRATION_DURABILITY_UTIL_H_
