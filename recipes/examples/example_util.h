// Shared by the recipe examples: connect to argv[1] (default
// 127.0.0.1:2181) with a SessionEventHub.
#ifndef CANOPY_RECIPES_EXAMPLES_EXAMPLE_UTIL_H_
#define CANOPY_RECIPES_EXAMPLES_EXAMPLE_UTIL_H_

#include <cstdio>
#include <memory>

#include "canopy/client.h"
#include "canopy/recipes/session_events.h"

namespace canopy::recipes::examples {

inline std::unique_ptr<Client> ConnectFromArgs(int argc, char** argv,
                                               SessionEventHub& hub) {
  ClientOptions options;
  options.connect_string = argc > 1 ? argv[1] : "127.0.0.1:2181";
  auto client = ConnectWithHub(std::move(options), hub);
  if (!client.ok()) {
    std::fprintf(stderr, "connect: %s\n", client.status().ToString().c_str());
    return nullptr;
  }
  return std::move(client).value();
}

}  // namespace canopy::recipes::examples

#endif  // CANOPY_RECIPES_EXAMPLES_EXAMPLE_UTIL_H_
