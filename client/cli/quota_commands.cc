#include "cli/quota_commands.h"

#include <utility>
#include <vector>

#include "common/stats_track.h"

namespace canopy::cli {
namespace {

constexpr char kQuotaRoot[] = "/zookeeper/quota";

// The limits a command names, with the StatsTrack key of each.
std::vector<std::pair<std::string_view, int64_t>> GivenLimits(
    const Command& cmd) {
  return {{StatsTrack::kCount, cmd.quota_count},
          {StatsTrack::kBytes, cmd.quota_bytes},
          {StatsTrack::kCountHardLimit, cmd.quota_count_hard},
          {StatsTrack::kByteHardLimit, cmd.quota_bytes_hard}};
}

Status CheckQuotaPath(const std::string& path) {
  if (path == "/" || path == "/zookeeper" || path.starts_with("/zookeeper/")) {
    return Status(proto::BAD_ARGUMENTS,
                  "cannot set a quota on " + path +
                      " (only below / and outside /zookeeper)");
  }
  return Status::Ok();
}

// Creates a node, taking NODE_EXISTS as success.
Status CreateIfMissing(Client* client, const std::string& path,
                       const std::string& data) {
  Result<std::string> made = client->Create(path, data);
  if (made.ok() || made.status().code() == proto::NODE_EXISTS) {
    return Status::Ok();
  }
  return made.status();
}

}  // namespace

std::string QuotaLimitsPath(const std::string& path) {
  return kQuotaRoot + path + "/zookeeper_limits";
}

std::string QuotaStatsPath(const std::string& path) {
  return kQuotaRoot + path + "/zookeeper_stats";
}

Status SetQuota(Client* client, const Command& cmd) {
  const std::string& path = cmd.path;
  if (Status s = CheckQuotaPath(path); !s.ok()) return s;
  Result<std::optional<proto::Stat>> exists = client->Exists(path);
  if (!exists.ok()) return exists.status();
  if (!exists->has_value()) return Status(proto::NO_NODE, path);

  // The directories /zookeeper/quota/a, /zookeeper/quota/a/b, ...
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string dir =
        kQuotaRoot + (slash == std::string::npos ? path : path.substr(0, slash));
    if (Status s = CreateIfMissing(client, dir, ""); !s.ok()) return s;
    if (slash == std::string::npos) break;
  }

  const std::string limits_path = QuotaLimitsPath(path);
  StatsTrack limits;
  for (const auto& [key, value] : GivenLimits(cmd)) limits.Set(key, value);
  Result<std::string> made = client->Create(limits_path, limits.ToString());
  if (made.ok()) {
    // The server replaces this with the subtree's real usage.
    StatsTrack usage;
    usage.Set(StatsTrack::kCount, 0);
    usage.Set(StatsTrack::kBytes, 0);
    return CreateIfMissing(client, QuotaStatsPath(path), usage.ToString());
  }
  if (made.status().code() != proto::NODE_EXISTS) return made.status();
  // A quota exists: merge the given limits into it.
  auto current = client->GetData(limits_path);
  if (!current.ok()) return current.status();
  StatsTrack merged = StatsTrack::Parse(current->first);
  for (const auto& [key, value] : GivenLimits(cmd)) {
    if (value > -1) merged.Set(key, value);
  }
  Status s = client->SetData(limits_path, merged.ToString(),
                             current->second.version())
                 .status();
  if (!s.ok()) return s;
  // A quota whose stats node went missing gets it back.
  StatsTrack usage;
  usage.Set(StatsTrack::kCount, 0);
  usage.Set(StatsTrack::kBytes, 0);
  return CreateIfMissing(client, QuotaStatsPath(path), usage.ToString());
}

Status ListQuota(Client* client, const Command& cmd, std::ostream* out) {
  const std::string& path = cmd.path;
  auto limits = client->GetData(QuotaLimitsPath(path));
  if (!limits.ok()) {
    if (limits.status().code() == proto::NO_NODE) {
      return Status(proto::NO_NODE, "no quota on " + path);
    }
    return limits.status();
  }
  *out << "Output quota for " << path << " "
       << StatsTrack::Parse(limits->first).ToString() << '\n';
  auto usage = client->GetData(QuotaStatsPath(path));
  if (usage.ok()) {
    *out << "Output stat for " << path << " "
         << StatsTrack::Parse(usage->first).ToString() << '\n';
  } else if (usage.status().code() != proto::NO_NODE) {
    return usage.status();
  }
  *out << std::flush;
  return Status::Ok();
}

Status DelQuota(Client* client, const Command& cmd) {
  const std::string& path = cmd.path;
  const std::string limits_path = QuotaLimitsPath(path);
  auto current = client->GetData(limits_path);
  if (!current.ok()) {
    if (current.status().code() == proto::NO_NODE) {
      return Status(proto::NO_NODE, "no quota on " + path);
    }
    return current.status();
  }
  bool some = false;
  StatsTrack limits = StatsTrack::Parse(current->first);
  for (const auto& [key, marked] : GivenLimits(cmd)) {
    if (marked < 0) continue;
    limits.Set(key, -1);
    some = true;
  }
  if (some) {
    return client
        ->SetData(limits_path, limits.ToString(), current->second.version())
        .status();
  }
  for (const std::string& node : {limits_path, QuotaStatsPath(path)}) {
    Status s = client->Delete(node);
    if (!s.ok() && s.code() != proto::NO_NODE) return s;
  }
  // Trim the directories left empty, up to /zookeeper/quota itself.
  std::string dir = kQuotaRoot + path;
  while (dir.size() > sizeof(kQuotaRoot) - 1) {
    Status s = client->Delete(dir);
    // Not empty (another quota below it) or already gone: stop here.
    if (!s.ok()) break;
    dir = dir.substr(0, dir.rfind('/'));
  }
  return Status::Ok();
}

}  // namespace canopy::cli
