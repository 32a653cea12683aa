// Joins /examples/group and prints the member list.
#include <cstdio>
#include <unistd.h>

#include "canopy/recipes/group_membership.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::GroupMembership group(
      *client, &hub, "/examples/group",
      [](const std::vector<std::string>& lost) {
        std::printf("lost %zu memberships\n", lost.size());
      });
  const std::string name = "member-" + std::to_string(getpid());
  if (canopy::Status s = group.Join(name, "127.0.0.1:8080"); !s.ok()) {
    std::printf("join: %s\n", s.ToString().c_str());
    return 1;
  }
  auto members = group.List();
  if (!members.ok()) return 1;
  for (const auto& m : *members) {
    std::printf("%s %s\n", m.name.c_str(), m.data.c_str());
  }
  return group.Leave(name).ok() ? 0 : 1;
}
