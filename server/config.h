// zoo.cfg-style configuration: "key=value" lines, '#' comments, blank lines.
//
// ParseConfig understands the keys Canopy honours (a table of key handlers
// in config.cc) and stops at the first bad value with
// "file:LINE: key: bad value 'v' (expected ...)". Unknown keys are
// collected as warnings, not errors, so a ZooKeeper config file works
// unchanged.
#ifndef CANOPY_SERVER_CONFIG_H_
#define CANOPY_SERVER_CONFIG_H_

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/logging.h"
#include "server/net/server.h"

namespace canopy {

struct Config {
  net::ServerOptions server;
  LogOptions log;  // canopy.log* keys
  std::vector<std::string> warnings;  // "file:line: unknown key x"
};

// Parses text (named `source` in messages). On error the status message is
// "source:line: what is wrong".
Result<Config> ParseConfig(const std::string& text, const std::string& source);
// Reads and parses a file.
Result<Config> LoadConfig(const std::string& path);
// Sets server_id from the "myid" file in the data dir when the config names
// several members (a one-member config uses that member's id).
Status ReadMyId(Config* config);

}  // namespace canopy

#endif  // CANOPY_SERVER_CONFIG_H_
