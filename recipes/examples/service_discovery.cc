// Registers an instance of service "echo" and lists the instances.
#include <cstdio>

#include "canopy/recipes/service_discovery.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::ServiceDiscovery discovery(*client, &hub);
  canopy::Status s =
      discovery.Register("echo", {"127.0.0.1", 7007, "version=1"});
  if (!s.ok()) {
    std::printf("register: %s\n", s.ToString().c_str());
    return 1;
  }
  auto instances = discovery.List("echo");
  if (!instances.ok()) return 1;
  for (const auto& i : *instances) {
    std::printf("%s:%d %s\n", i.address.c_str(), i.port, i.payload.c_str());
  }
  return 0;
}
