// Fuzzes the zoo.cfg parser: the input is the text of a config file.
// ParseConfig must return a Config or a Status naming the line, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  canopy::Result<canopy::Config> config =
      canopy::ParseConfig(text, "fuzz.cfg");
  if (!config.ok()) {
    // The message names the source: "fuzz.cfg:LINE: ...".
    if (config.status().message().rfind("fuzz.cfg", 0) != 0) __builtin_trap();
  }
  return 0;
}
