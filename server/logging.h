// Logging for canopy-server: spdlog to stderr and/or a size-rotated file.
//
// Every event is one line: "2026-01-02 03:04:05.678 info message". Lines
// about a session name it as ZooKeeper does (session 0x1a2b...), and lines
// about a txn name its zxid (zxid 0x...).
//
// Configured by flags (--log-level, --log-file, --log-max-size,
// --log-max-files, --no-log-stderr) or zoo.cfg keys (canopy.logLevel,
// canopy.logFile, canopy.logMaxSize, canopy.logMaxFiles, canopy.logToStderr);
// flags win. Call SetUpLogging once, before other threads start.
#ifndef CANOPY_SERVER_LOGGING_H_
#define CANOPY_SERVER_LOGGING_H_

#include <cstdint>
#include <string>

#include "common/status.h"

namespace canopy {

struct LogOptions {
  // trace, debug, info, warn, error, critical or off.
  std::string level = "info";
  bool to_stderr = true;
  // Empty: no file. Otherwise lines also go to this file, which rotates at
  // max_file_bytes into FILE.1 .. FILE.<max_files>.
  std::string file;
  int64_t max_file_bytes = 64 << 20;
  int max_files = 5;
};

// True when level names a spdlog level.
bool IsLogLevel(const std::string& level);

// Installs the default logger "canopy" with the sinks options ask for.
// Fails (and changes nothing) when the file cannot be opened.
Status SetUpLogging(const LogOptions& options);

}  // namespace canopy

#endif  // CANOPY_SERVER_LOGGING_H_
