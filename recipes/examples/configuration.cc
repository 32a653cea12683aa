// Publishes a configuration version and prints the history.
#include <cstdio>

#include "canopy/recipes/configuration.h"
#include "example_util.h"

int main(int argc, char** argv) {
  canopy::recipes::SessionEventHub hub;
  auto client = canopy::recipes::examples::ConnectFromArgs(argc, argv, hub);
  if (!client) return 1;
  canopy::recipes::Configuration config(*client, &hub, "/examples/config");
  auto version = config.Publish("log_level=info");
  if (!version.ok()) {
    std::printf("publish: %s\n", version.status().ToString().c_str());
    return 1;
  }
  std::printf("published version %d\n", *version);
  auto history = config.History();
  if (!history.ok()) return 1;
  for (const auto& v : *history) {
    std::printf("v%d: %s\n", v.version, v.data.c_str());
  }
  return 0;
}
