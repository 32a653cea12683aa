// Takes /examples/lock, "works" while holding it, releases it.
#include <cstdio>

#include "canopy/recipes/lock.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::Lock::Options options;
  options.on_lost = [] { std::puts("lock lost (session ended)"); };
  canopy::recipes::Lock lock(*client, "/examples/lock", &hub, options);
  canopy::Status s = lock.Acquire(10000);
  if (!s.ok()) {
    std::printf("acquire: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("holding %s\n", lock.node_path().c_str());
  s = lock.Release();
  std::printf("released: %s\n", s.ToString().c_str());
  return s.ok() ? 0 : 1;
}
