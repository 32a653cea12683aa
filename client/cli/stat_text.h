// zkCli-style text for stats and watch events.
#ifndef CANOPY_CLIENT_CLI_STAT_TEXT_H_
#define CANOPY_CLIENT_CLI_STAT_TEXT_H_

#include <cstdint>
#include <string>

#include "proto/canopy.pb.h"

namespace canopy::cli {

// ms since the epoch as Java's Date.toString in UTC, e.g.
// "Thu Jan 01 00:00:00 UTC 1970".
std::string FormatTime(int64_t ms);

// The eleven "name = value" lines of zkCli's stat, each ending in '\n':
// cZxid, ctime, mZxid, mtime, pZxid, cversion, dataVersion, aclVersion,
// ephemeralOwner, dataLength, numChildren (zxids and owner in hex).
std::string FormatStat(const proto::Stat& stat);

// ZooKeeper's name of an event type: "NodeCreated", "NodeDataChanged", ...
const char* EventTypeName(proto::EventType type);

// "NodeDataChanged /path".
std::string FormatEvent(const proto::WatchEvent& event);

}  // namespace canopy::cli

#endif  // CANOPY_CLIENT_CLI_STAT_TEXT_H_
