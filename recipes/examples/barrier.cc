// A single-participant double barrier and a set/remove barrier.
#include <cstdio>

#include "canopy/recipes/barrier.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::Barrier gate(*client, "/examples/gate");
  if (!gate.Set().ok() || !gate.Remove().ok() || !gate.Wait(1000).ok()) {
    return 1;
  }
  std::puts("gate opened");
  canopy::recipes::DoubleBarrier together(*client, "/examples/double",
                                          "solo", 1);
  if (!together.Enter(5000).ok()) return 1;
  std::puts("entered; computing");
  if (!together.Leave(5000).ok()) return 1;
  std::puts("left");
  return 0;
}
