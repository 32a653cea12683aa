// zkCli's quota commands on the public client API. A quota on PATH is two
// znodes that ZooKeeper's tools and Canopy's share:
//   /zookeeper/quota<PATH>/zookeeper_limits  the limits (StatsTrack text)
//   /zookeeper/quota<PATH>/zookeeper_stats   the usage, kept by the server
// Soft limits (-n count, -b bytes) only make the server log a warning when
// exceeded; hard limits (-N, -B) make it refuse the write with
// QUOTA_EXCEEDED.
#ifndef CANOPY_CLIENT_CLI_QUOTA_COMMANDS_H_
#define CANOPY_CLIENT_CLI_QUOTA_COMMANDS_H_

#include <ostream>
#include <string>

#include "canopy/client.h"
#include "cli/command.h"

namespace canopy::cli {

// "/zookeeper/quota" + path + "/zookeeper_limits" (and "_stats").
std::string QuotaLimitsPath(const std::string& path);
std::string QuotaStatsPath(const std::string& path);

// setquota: creates the quota's znodes (and the directories above them) or
// merges the given limits into the existing ones. NO_NODE when path does
// not exist; BAD_ARGUMENTS for "/" and paths under /zookeeper. Unlike zkCli,
// a quota may sit above or below another: the server keeps and enforces
// each.
Status SetQuota(Client* client, const Command& cmd);

// listquota: prints zkCli's lines "Output quota for PATH <limits>" and
// "Output stat for PATH <usage>"; NO_NODE ("no quota on PATH") without one.
Status ListQuota(Client* client, const Command& cmd, std::ostream* out);

// delquota: with flags, resets those limits to -1; without, deletes the
// quota's znodes and the directories left empty above them. NO_NODE when
// there is no quota on path.
Status DelQuota(Client* client, const Command& cmd);

}  // namespace canopy::cli

#endif  // CANOPY_CLIENT_CLI_QUOTA_COMMANDS_H_
