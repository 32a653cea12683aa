// Runs for leadership of /examples/election, prints the leader, resigns.
#include <cstdio>

#include "canopy/recipes/leader_election.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::LeaderElection::Callbacks callbacks;
  callbacks.on_elected = [] { std::puts("elected: acting as leader"); };
  callbacks.on_revoked = [] { std::puts("revoked: stop acting as leader"); };
  canopy::recipes::LeaderElection election(*client, &hub, "/examples/election",
                                           "example:9000", callbacks);
  if (canopy::Status s = election.Start(); !s.ok()) {
    std::printf("start: %s\n", s.ToString().c_str());
    return 1;
  }
  auto leader = election.LeaderData();
  if (leader.ok()) {
    std::printf("leader data: %s\n", leader->value_or("(none)").c_str());
  }
  return election.Resign().ok() ? 0 : 1;
}
