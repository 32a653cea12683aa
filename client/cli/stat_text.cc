#include "cli/stat_text.h"

#include <ctime>

#include <fmt/format.h>

namespace canopy::cli {

std::string FormatTime(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  if (ms < 0 && ms % 1000 != 0) --seconds;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return std::string(buf, n);
}

std::string FormatStat(const proto::Stat& s) {
  std::string out;
  out += fmt::format("cZxid = 0x{:x}\n", static_cast<uint64_t>(s.czxid()));
  out += fmt::format("ctime = {}\n", FormatTime(s.ctime()));
  out += fmt::format("mZxid = 0x{:x}\n", static_cast<uint64_t>(s.mzxid()));
  out += fmt::format("mtime = {}\n", FormatTime(s.mtime()));
  out += fmt::format("pZxid = 0x{:x}\n", static_cast<uint64_t>(s.pzxid()));
  out += fmt::format("cversion = {}\n", s.cversion());
  out += fmt::format("dataVersion = {}\n", s.version());
  out += fmt::format("aclVersion = {}\n", s.aversion());
  out += fmt::format("ephemeralOwner = 0x{:x}\n",
                     static_cast<uint64_t>(s.ephemeral_owner()));
  out += fmt::format("dataLength = {}\n", s.data_length());
  out += fmt::format("numChildren = {}\n", s.num_children());
  return out;
}

const char* EventTypeName(proto::EventType type) {
  switch (type) {
    case proto::EVENT_NONE: return "None";
    case proto::NODE_CREATED: return "NodeCreated";
    case proto::NODE_DELETED: return "NodeDeleted";
    case proto::NODE_DATA_CHANGED: return "NodeDataChanged";
    case proto::NODE_CHILDREN_CHANGED: return "NodeChildrenChanged";
    case proto::DATA_WATCH_REMOVED: return "DataWatchRemoved";
    case proto::CHILD_WATCH_REMOVED: return "ChildWatchRemoved";
    case proto::PERSISTENT_WATCH_REMOVED: return "PersistentWatchRemoved";
    default: return "Unknown";
  }
}

std::string FormatEvent(const proto::WatchEvent& event) {
  return std::string(EventTypeName(event.type())) + " " + event.path();
}

}  // namespace canopy::cli
