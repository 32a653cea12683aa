// Reads under the shared lock, then writes under the exclusive one.
#include <cstdio>

#include "canopy/recipes/read_write_lock.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::ReadWriteLock lock(*client, "/examples/rwlock", &hub);
  if (!lock.ReadLock().Acquire(10000).ok()) return 1;
  std::puts("reading");
  if (!lock.ReadLock().Release().ok()) return 1;
  if (!lock.WriteLock().Acquire(10000).ok()) return 1;
  std::puts("writing");
  return lock.WriteLock().Release().ok() ? 0 : 1;
}
