#include "server/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace canopy {

bool IsLogLevel(const std::string& level) {
  static const char* kLevels[] = {"trace", "debug", "info",    "warn",
                                  "warning", "error", "critical", "off"};
  for (const char* known : kLevels) {
    if (level == known) return true;
  }
  return false;
}

Status SetUpLogging(const LogOptions& options) {
  if (!IsLogLevel(options.level)) {
    return Status(proto::BAD_ARGUMENTS, "unknown log level " + options.level);
  }
  std::vector<spdlog::sink_ptr> sinks;
  if (options.to_stderr) {
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  }
  if (!options.file.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          options.file, size_t(options.max_file_bytes),
          size_t(options.max_files)));
    } catch (const spdlog::spdlog_ex& e) {
      return Status(proto::BAD_ARGUMENTS,
                    "cannot open log file " + options.file + ": " + e.what());
    }
  }
  auto logger =
      std::make_shared<spdlog::logger>("canopy", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(options.level));
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  // Warnings and worse reach the file at once; the rest within a second.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return Status();
}

}  // namespace canopy
