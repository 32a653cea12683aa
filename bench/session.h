// Session: one client session as the load generator sees it — the handful of
// async operations the workloads use, the same for every dialect.
//
// Every call returns at once and runs its callback exactly once with a
// ZooKeeper error code (0 OK, -101 NoNode, -110 NodeExists, ...; Canopy uses
// the same numbers). Callbacks of one session run one at a time on that
// session's own callback thread; they may issue further calls. The blocking
// helpers below must not be called from a callback.
#ifndef CANOPY_BENCH_SESSION_H_
#define CANOPY_BENCH_SESSION_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "options.h"

namespace canopy::bench {

using Done = std::function<void(int err)>;
using WatchFired = std::function<void()>;

enum class CreateKind { kPersistent, kEphemeralSequential };

inline constexpr int kOk = 0;
inline constexpr int kNoNode = -101;
inline constexpr int kNodeExists = -110;

class Session {
 public:
  virtual ~Session() = default;

  virtual void Create(const std::string& path, std::string_view data,
                      CreateKind kind, Done done) = 0;
  virtual void Set(const std::string& path, std::string_view data,
                   Done done) = 0;
  virtual void Get(const std::string& path, Done done) = 0;
  virtual void Exists(const std::string& path, Done done) = 0;
  virtual void GetChildren(const std::string& path, Done done) = 0;
  // One multi of setData(path, data, -1) for each path.
  virtual void MultiSet(const std::vector<std::string>& paths,
                        std::string_view data, Done done) = 0;
  // getData that leaves a one-shot data watch; fired runs once, on the
  // callback thread, when the watch fires (never if it does not).
  virtual void GetWatch(const std::string& path, WatchFired fired,
                        Done done) = 0;
};

// Opens one session of the given dialect on hosts. first_host rotates the
// host list so that sessions spread evenly over an ensemble, in a fixed way
// for both dialects.
Result<std::unique_ptr<Session>> Connect(Dialect dialect,
                                         const std::string& hosts,
                                         int first_host,
                                         int session_timeout_ms);

// The dialects' own connectors (native_session.cc, zk_session.cc).
Result<std::unique_ptr<Session>> ConnectNative(const std::string& hosts,
                                               int session_timeout_ms);
Result<std::unique_ptr<Session>> ConnectZooKeeper(const std::string& hosts,
                                                  int session_timeout_ms);

// "a,b,c" rotated to start at element first % 3: "b,c,a" for first 1.
std::string RotateHosts(const std::string& hosts, int first);

// Blocking forms for set-up; they wait at most timeout_ms (then -7,
// OperationTimeout).
int CreateSync(Session& s, const std::string& path, std::string_view data,
               int timeout_ms = 30000);
int SetSync(Session& s, const std::string& path, std::string_view data,
            int timeout_ms = 30000);

}  // namespace canopy::bench

#endif  // CANOPY_BENCH_SESSION_H_
