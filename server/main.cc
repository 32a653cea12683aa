// canopy-server: runs one Canopy member.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>

#include "server/config.h"
#include "server/logging.h"
#include "server/net/server.h"

int main(int argc, char** argv) {
  CLI::App app{"canopy-server: a ZooKeeper-style coordination service"};
  std::string config_path;
  int port = -1;
  std::string data_dir;
  std::string address;
  std::string log_level;
  std::string log_file;
  int64_t log_max_bytes = 0;
  int log_max_files = 0;
  bool no_log_stderr = false;
  bool check_only = false;
  app.add_option("--config", config_path, "zoo.cfg-style configuration file");
  app.add_option("--port", port, "client port (overrides clientPort)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--address", address,
                 "client address (overrides clientPortAddress)");
  app.add_option("--data-dir", data_dir, "data directory (overrides dataDir)");
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error or critical "
                 "(overrides canopy.logLevel; default info)");
  app.add_option("--log-file", log_file,
                 "also log to this file, rotated by size "
                 "(overrides canopy.logFile)");
  app.add_option("--log-max-size", log_max_bytes,
                 "rotate the log file at this many bytes "
                 "(overrides canopy.logMaxSize; default 64 MiB)")
      ->check(CLI::Range(int64_t(4096), int64_t(1) << 40));
  app.add_option("--log-max-files", log_max_files,
                 "rotated log files kept (overrides canopy.logMaxFiles; "
                 "default 5)")
      ->check(CLI::Range(1, 1000));
  app.add_flag("--no-log-stderr", no_log_stderr,
               "log only to the file (needs --log-file or canopy.logFile)");
  int peer_port = 0;
  app.add_option("--peer-port", peer_port,
                 "listen for members on this port instead of the one the "
                 "config advertises (for a proxy in front of it)")
      ->check(CLI::Range(0, 65535));
  app.add_flag("--check-config", check_only,
               "validate the configuration and exit");
  app.set_version_flag("--version",
                       std::string("canopy-server ") + CANOPY_VERSION +
                           " (ZooKeeper protocol " +
                           canopy::net::kReportedVersion + ")");
  CLI11_PARSE(app, argc, argv);

  if (!log_level.empty() && !canopy::IsLogLevel(log_level)) {
    std::fprintf(stderr, "canopy-server: --log-level: unknown level %s\n",
                 log_level.c_str());
    return 2;
  }
  canopy::Config config;
  if (!config_path.empty()) {
    auto loaded = canopy::LoadConfig(config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "canopy-server: %s\n",
                   loaded.status().message().c_str());
      return 2;
    }
    config = std::move(loaded).value();
  }
  // The log goes to stderr and/or a file; stdout carries only the
  // "listening" and "admin" lines.
  if (!log_level.empty()) config.log.level = log_level;
  if (!log_file.empty()) config.log.file = log_file;
  if (log_max_bytes > 0) config.log.max_file_bytes = log_max_bytes;
  if (log_max_files > 0) config.log.max_files = log_max_files;
  if (no_log_stderr) config.log.to_stderr = false;
  if (!config.log.to_stderr && config.log.file.empty()) {
    std::fprintf(stderr, "canopy-server: --no-log-stderr needs a log file\n");
    return 2;
  }
  canopy::LogOptions log_options = config.log;
  if (check_only) {  // validate only: write no log file
    log_options.file.clear();
    log_options.to_stderr = true;
  }
  if (auto status = canopy::SetUpLogging(log_options); !status.ok()) {
    std::fprintf(stderr, "canopy-server: %s\n", status.message().c_str());
    return 2;
  }
  for (const auto& warning : config.warnings) {
    spdlog::warn("{}", warning);
  }
  if (check_only) {
    if (config_path.empty()) {
      std::fprintf(stderr, "canopy-server: --check-config needs --config\n");
      return 2;
    }
    std::printf("%s: OK (%zu warnings)\n", config_path.c_str(),
                config.warnings.size());
    return 0;
  }
  if (port >= 0) config.server.port = uint16_t(port);
  if (!data_dir.empty()) config.server.data_dir = data_dir;
  if (!address.empty()) config.server.address = address;
  config.server.peer_listen_port = uint16_t(peer_port);
  if (auto status = canopy::ReadMyId(&config); !status.ok()) {
    std::fprintf(stderr, "canopy-server: %s\n", status.message().c_str());
    return 2;
  }

  auto server = canopy::net::Server::Open(config.server);
  if (!server.ok()) {
    std::fprintf(stderr, "canopy-server: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // Tests read these lines to learn the ports when they asked for port 0;
  // one write, so a reader that stops after the first line has both.
  std::string ready = "canopy-server listening on " + config.server.address +
                      ":" + std::to_string((*server)->port()) + "\n";
  if ((*server)->admin_port() != 0) {
    ready += "canopy-server admin on " + config.server.admin.address + ":" +
             std::to_string((*server)->admin_port()) + "\n";
  }
  std::fputs(ready.c_str(), stdout);
  std::fflush(stdout);
  (*server)->Run();
  spdlog::info("stopped");
  spdlog::shutdown();
  return 0;
}
