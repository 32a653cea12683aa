// Takes one of two leases on /examples/semaphore and gives it back.
#include <cstdio>

#include "canopy/recipes/semaphore.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::Semaphore semaphore(*client, "/examples/semaphore", 2, &hub,
                                       [] { std::puts("lease lost"); });
  canopy::Status s = semaphore.Acquire(10000);
  std::printf("acquire: %s\n", s.ToString().c_str());
  if (!s.ok()) return 1;
  return semaphore.Release().ok() ? 0 : 1;
}
