// Configuration: a versioned configuration value with history and live
// reload.
//
// Layout: the config path holds the current data (its znode version is the
// config version: 0 = never published); history/NNNNNNNNNN (persistent,
// named by version) keeps every published version's data.
//
// Guarantees
//   * Publish is a compare-and-set multi (setData at the expected version +
//     the history node), so concurrent publishers get distinct, gap-free
//     versions and history always matches the published data.
//   * Watch(callback): callback gets the current version first, then again
//     after every change: each event re-reads (re-arming the watch in the
//     same read), so bursts may be coalesced but the last delivery is the
//     latest version. Versions delivered only increase. Runs on the event
//     thread.
//   * Rollback(v) publishes version v's data again as a new version (the
//     history is append-only).
//
// Connection loss vs. expiry: the configuration is persistent, so nothing
// is lost with a session. On kConnected after kDisconnected the watcher
// re-reads (changes made meanwhile are delivered). After kExpired the
// watch stops (the client is dead): make a new client and Watch again.
// Session events arrive only through the SessionEventHub given here.
//
// Thread-safe; synchronous methods must not run on the event thread.
#ifndef CANOPY_RECIPES_CONFIGURATION_H_
#define CANOPY_RECIPES_CONFIGURATION_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "canopy/client.h"
#include "canopy/recipes/session_events.h"

namespace canopy::recipes {

struct ConfigVersion {
  int32_t version = 0;
  std::string data;
};

class Configuration {
 public:
  using Callback = std::function<void(const ConfigVersion&)>;

  // client and hub must outlive this object.
  Configuration(Client& client, SessionEventHub* hub, std::string path);
  ~Configuration();
  Configuration(const Configuration&) = delete;
  Configuration& operator=(const Configuration&) = delete;

  // Publishes data as the next version; returns that version.
  Result<int32_t> Publish(std::string_view data);
  // The current version (version 0, empty data before any publish).
  Result<ConfigVersion> Read();
  // Starts live reload (one watch per object; a second call replaces the
  // callback).
  Status Watch(Callback callback);
  // Every published version, oldest first.
  Result<std::vector<ConfigVersion>> History();
  // Republishes version's data; returns the new version. NO_NODE when that
  // version was never published.
  Result<int32_t> Rollback(int32_t version);

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_CONFIGURATION_H_
