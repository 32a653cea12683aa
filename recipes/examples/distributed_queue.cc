// Puts three items on /examples/queue and takes them back in order.
#include <cstdio>

#include "canopy/recipes/distributed_queue.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::DistributedQueue queue(*client, "/examples/queue");
  for (const char* data : {"one", "two", "three"}) {
    if (!queue.Put(data).ok()) return 1;
  }
  for (int i = 0; i < 3; ++i) {
    auto item = queue.Take(5000);
    if (!item.ok()) {
      std::printf("take: %s\n", item.status().ToString().c_str());
      return 1;
    }
    std::printf("%s: %s\n", item->name.c_str(), item->data.c_str());
    if (!queue.Ack(*item).ok()) return 1;
  }
  return 0;
}
