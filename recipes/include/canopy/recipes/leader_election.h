// LeaderElection: one leader among candidates (ZooKeeper's election
// recipe).
//
// Each candidate owns an EPHEMERAL_SEQUENTIAL node "<token>-n-NNNNNNNNNN"
// under the election path holding its data (e.g. its address); the lowest
// node leads. A candidate watches only the node just below its own (no
// herd effect) and re-checks when that node goes.
//
// Guarantees
//   * The server never sees two leaders: leadership is ownership of the
//     lowest node.
//   * IsLeader() is this candidate's belief; it is true only while the
//     candidate is first AND its connection is up, so two live, connected
//     candidates never both believe they lead for longer than it takes a
//     session event to arrive.
//   * on_elected runs when the belief turns true, on_revoked when it turns
//     false (paired: never two on_elected without an on_revoked between).
//     Both run on the client's event thread (Resign's on_revoked runs on
//     the caller's thread) and must not make synchronous client calls.
//
// Connection loss vs. expiry
//   * kDisconnected: a leader MUST stop acting as leader (on_revoked runs):
//     its session may expire while it cannot hear about it. On kConnected
//     the session survived, so its node is still the lowest and on_elected
//     runs again.
//   * kExpired / kClosed: the node is gone; leadership is lost for good
//     (on_revoked if it was acting; is_lost() turns true). Make a new client
//     and a new LeaderElection to run again.
//   Session events arrive only through the SessionEventHub given here.
//
// Start/Resign are not reentrant: Start on a running candidate returns
// API_ERROR. Synchronous methods must not run on the event thread.
#ifndef CANOPY_RECIPES_LEADER_ELECTION_H_
#define CANOPY_RECIPES_LEADER_ELECTION_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "canopy/client.h"
#include "canopy/recipes/session_events.h"

namespace canopy::recipes {

class LeaderElection {
 public:
  struct Callbacks {
    std::function<void()> on_elected;
    std::function<void()> on_revoked;
  };

  // client and hub must outlive this object.
  LeaderElection(Client& client, SessionEventHub* hub, std::string path,
                 std::string data, Callbacks callbacks = {});
  // Resigns if running.
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  // Enters the election (creates the candidate node). Returns once the node
  // exists; leadership is then reported through the callbacks.
  Status Start();
  // Leaves the election (deletes the node); on_revoked runs if leading.
  Status Resign();

  bool IsLeader() const;
  // True after the session expired or closed while running.
  bool is_lost() const;
  // The current leader's data, nullopt when there is no candidate. Works
  // for any LeaderElection on the path, started or not.
  Result<std::optional<std::string>> LeaderData();

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_LEADER_ELECTION_H_
