// canopy-server: runs one Canopy member.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>

#include "server/config.h"
#include "server/net/server.h"

int main(int argc, char** argv) {
  CLI::App app{"canopy-server: a ZooKeeper-style coordination service"};
  std::string config_path;
  int port = -1;
  std::string data_dir;
  std::string address;
  std::string log_level = "info";
  bool check_only = false;
  app.add_option("--config", config_path, "zoo.cfg-style configuration file");
  app.add_option("--port", port, "client port (overrides clientPort)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--address", address,
                 "client address (overrides clientPortAddress)");
  app.add_option("--data-dir", data_dir, "data directory (overrides dataDir)");
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error or critical");
  int peer_port = 0;
  app.add_option("--peer-port", peer_port,
                 "listen for members on this port instead of the one the "
                 "config advertises (for a proxy in front of it)")
      ->check(CLI::Range(0, 65535));
  app.add_flag("--check-config", check_only,
               "validate the configuration and exit");
  app.set_version_flag("--version", "canopy-server 0.1.0");
  CLI11_PARSE(app, argc, argv);

  // The log goes to stderr; stdout carries only the "listening" line.
  spdlog::set_default_logger(spdlog::stderr_color_mt("canopy"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  canopy::Config config;
  if (!config_path.empty()) {
    auto loaded = canopy::LoadConfig(config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "canopy-server: %s\n",
                   loaded.status().message().c_str());
      return 2;
    }
    config = std::move(loaded).value();
    for (const auto& warning : config.warnings) {
      spdlog::warn("{}", warning);
    }
  }
  if (check_only) {
    std::printf("%s: OK\n", config_path.c_str());
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
  // Tests read this line to learn the port when they asked for port 0.
  std::printf("canopy-server listening on %s:%u\n",
              config.server.address.c_str(), unsigned((*server)->port()));
  std::fflush(stdout);
  (*server)->Run();
  spdlog::info("stopped");
  return 0;
}
