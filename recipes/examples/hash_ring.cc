// Joins /examples/ring as a member and prints which member owns some keys.
#include <cstdio>
#include <unistd.h>

#include "canopy/recipes/hash_ring.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::GroupMembership self(*client, &hub, "/examples/ring");
  const std::string name = "worker-" + std::to_string(getpid());
  if (!self.Join(name, "").ok()) return 1;
  // A one-shot read of the members into a ring (HashRing follows live).
  auto members = self.List();
  if (!members.ok()) return 1;
  std::vector<std::string> names;
  for (const auto& m : *members) names.push_back(m.name);
  canopy::recipes::ConsistentHash ring(100);
  ring.SetMembers(names);
  for (const char* key : {"user:1", "user:2", "order:42"}) {
    std::printf("%s -> %s\n", key, ring.Owner(key).value_or("?").c_str());
  }
  return 0;
}
