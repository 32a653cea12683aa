#include "server/config.h"

#include "server/net/four_letter.h"
#include "server/net/security_config.h"

#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

namespace canopy {
namespace {

std::string Trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

template <typename T>
bool ParseNumber(const std::string& text, T min, T max, T* out) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                   value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return false;
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

// One line being parsed, for a key's handler.
struct KeyLine {
  const std::string& key;
  const std::string& value;
  const std::string& where;  // "file:line: "
  Config& config;
};

// What a key does with its value: nullopt when the value is good (and
// stored), else what was expected ("milliseconds, 1 to 3600000").
using KeyHandler = std::function<std::optional<std::string>(KeyLine&)>;

// A numeric key stored in the field `field` returns.
template <typename T, typename Field>
KeyHandler Number(Field field, T min, T max, std::string expected) {
  return [=](KeyLine& line) -> std::optional<std::string> {
    T parsed{};
    if (!ParseNumber<T>(line.value, min, max, &parsed)) return expected;
    field(line.config) = parsed;
    return std::nullopt;
  };
}

// A non-empty text key.
template <typename Field>
KeyHandler Text(Field field, std::string expected) {
  return [=](KeyLine& line) -> std::optional<std::string> {
    if (line.value.empty()) return expected;
    field(line.config) = line.value;
    return std::nullopt;
  };
}

// true/false (yes/no).
template <typename Field>
KeyHandler Bool(Field field) {
  return [=](KeyLine& line) -> std::optional<std::string> {
    if (line.value == "true" || line.value == "yes") {
      field(line.config) = true;
    } else if (line.value == "false" || line.value == "no") {
      field(line.config) = false;
    } else {
      return "true or false";
    }
    return std::nullopt;
  };
}

// A key ZooKeeper knows that Canopy accepts and ignores.
KeyHandler Ignored() {
  return [](KeyLine&) -> std::optional<std::string> { return std::nullopt; };
}

// server.N=host:peerPort:electionPort[:observer|:participant][;clientAddr]
std::optional<std::string> ServerLine(KeyLine& line) {
  int64_t id = 0;
  if (!ParseNumber<int64_t>(line.key.substr(7), 1, 255, &id)) {
    return "a server id from 1 to 255 in the key";
  }
  const std::string spec = line.value.substr(0, line.value.find(';'));
  std::vector<std::string> parts;
  std::stringstream fields(spec);
  for (std::string part; std::getline(fields, part, ':');) {
    parts.push_back(Trim(part));
  }
  net::MemberAddress member;
  if (parts.size() < 2 || parts[0].empty() ||
      !ParseNumber<uint16_t>(parts[1], 1, 65535, &member.peer_port)) {
    return "host:peerPort:electionPort[:observer]";
  }
  member.host = parts[0];
  if (parts.size() >= 4) {
    if (parts[3] == "observer") {
      member.observer = true;
    } else if (parts[3] != "participant") {
      return "host:peerPort:electionPort[:observer|:participant]";
    }
  }
  line.config.server.members[id] = member;
  return std::nullopt;
}

#define CANOPY_FIELD(expr) [](Config & c) -> auto& { return c.expr; }

// Every key Canopy understands. To add one, add a row.
const std::map<std::string, KeyHandler>& KeyHandlers() {
  static const std::map<std::string, KeyHandler> kHandlers = {
      {"tickTime", Number<int64_t>(CANOPY_FIELD(server.tick_ms), 1,
                                   3600 * 1000,
                                   "milliseconds, 1 to 3600000")},
      {"initLimit", Number<int>(CANOPY_FIELD(server.init_limit_ticks), 1,
                                1000, "ticks, 1 to 1000")},
      {"syncLimit", Number<int>(CANOPY_FIELD(server.sync_limit_ticks), 1,
                                1000, "ticks, 1 to 1000")},
      {"dataDir", Text(CANOPY_FIELD(server.data_dir), "a directory")},
      {"dataLogDir", Text(CANOPY_FIELD(server.data_log_dir), "a directory")},
      {"clientPort", Number<uint16_t>(CANOPY_FIELD(server.port), 0, 65535,
                                      "a port, 0 to 65535")},
      {"clientPortAddress",
       Text(CANOPY_FIELD(server.address), "an address")},
      {"minSessionTimeout",
       Number<int32_t>(CANOPY_FIELD(server.min_session_timeout_ms), 1,
                       1 << 30, "milliseconds")},
      {"maxSessionTimeout",
       Number<int32_t>(CANOPY_FIELD(server.max_session_timeout_ms), 1,
                       1 << 30, "milliseconds")},
      {"snapCount", Number<int64_t>(CANOPY_FIELD(server.snap_count), 2,
                                    int64_t(1) << 40,
                                    "a count of at least 2")},
      {"autopurge.snapRetainCount",
       Number<int>(CANOPY_FIELD(server.snap_retain_count), 1, 1000,
                   "a count, 1 to 1000")},
      {"autopurge.purgeInterval",
       Number<int64_t>(CANOPY_FIELD(server.purge_interval_hours), 0,
                       24 * 365, "hours, 0 (purge after each snapshot) "
                                 "to 8760")},
      {"jute.maxbuffer",
       Number<uint32_t>(CANOPY_FIELD(server.max_frame_bytes), 1024, 1u << 30,
                        "bytes, 1024 to 1073741824")},
      {"maxClientCnxns",
       Number<int>(CANOPY_FIELD(server.max_client_connections), 0, 1 << 20,
                   "a count, 0 for no limit")},
      {"globalOutstandingLimit",
       Number<int64_t>(CANOPY_FIELD(server.max_requests_in_flight), 1,
                       int64_t(1) << 24, "a count of at least 1")},
      {"connectionMaxTokens",
       Number<int64_t>(CANOPY_FIELD(server.connection_throttle.max_tokens), 0,
                       int64_t(1) << 30, "a count, 0 disables")},
      {"connectionTokenFillTime",
       Number<int64_t>(CANOPY_FIELD(server.connection_throttle.fill_time_ms),
                       1, 3600 * 1000, "milliseconds, at least 1")},
      {"connectionTokenFillCount",
       Number<int64_t>(CANOPY_FIELD(server.connection_throttle.fill_count), 1,
                       int64_t(1) << 30, "a count, at least 1")},
      {"canopy.maxDataBytes",
       Number<int64_t>(CANOPY_FIELD(server.max_data_bytes), 0,
                       int64_t(1) << 30, "bytes")},
      {"canopy.zxidCounterLimit",
       Number<int64_t>(CANOPY_FIELD(server.zxid_counter_limit), 2,
                       0xffffffffLL, "a zxid counter, 2 to 4294967295")},
      {"canopy.shutdownTimeoutMs",
       Number<int64_t>(CANOPY_FIELD(server.drain_timeout_ms), 0,
                       3600 * 1000, "milliseconds")},
      {"4lw.commands.whitelist",
       [](KeyLine& line) -> std::optional<std::string> {
         std::vector<std::string> unknown;
         net::ParseWhitelist(line.value, &unknown);
         for (const auto& word : unknown) {
           line.config.warnings.push_back(line.where +
                                          "unknown four-letter word " + word);
         }
         line.config.server.four_letter_whitelist = line.value;
         return std::nullopt;
       }},
      {"admin.enableServer", Bool(CANOPY_FIELD(server.admin.enabled))},
      {"admin.serverAddress",
       Text(CANOPY_FIELD(server.admin.address), "an address")},
      {"admin.serverPort",
       Number<uint16_t>(CANOPY_FIELD(server.admin.port), 0, 65535,
                        "a port, 0 to 65535 (0 picks a free one)")},
      {"canopy.logLevel",
       [](KeyLine& line) -> std::optional<std::string> {
         if (!IsLogLevel(line.value)) {
           return "trace, debug, info, warn, error, critical or off";
         }
         line.config.log.level = line.value;
         return std::nullopt;
       }},
      {"canopy.logFile", Text(CANOPY_FIELD(log.file), "a file path")},
      {"canopy.logMaxSize",
       Number<int64_t>(CANOPY_FIELD(log.max_file_bytes), 4096,
                       int64_t(1) << 40, "bytes, at least 4096")},
      {"canopy.logMaxFiles", Number<int>(CANOPY_FIELD(log.max_files), 1,
                                         1000, "a count, 1 to 1000")},
      {"canopy.logToStderr", Bool(CANOPY_FIELD(log.to_stderr))},
      {"standaloneEnabled", Ignored()},
      {"reconfigEnabled", Ignored()},
      {"admin.idleTimeout", Ignored()},
      {"admin.commandURL", Ignored()},
  };
  return kHandlers;
}

#undef CANOPY_FIELD

}  // namespace

Result<Config> ParseConfig(const std::string& text,
                           const std::string& source) {
  Config config;
  auto& s = config.server;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const auto where = source + ":" + std::to_string(line_no) + ": ";
    const auto eq = trimmed.find('=');
    if (eq == std::string::npos) {
      return Status(proto::BAD_ARGUMENTS,
                    where + "expected key=value, got '" + trimmed + "'");
    }
    const std::string key = Trim(trimmed.substr(0, eq));
    const std::string value = Trim(trimmed.substr(eq + 1));
    KeyLine key_line{key, value, where, config};
    std::optional<std::string> expected;
    if (key.rfind("server.", 0) == 0) {
      expected = ServerLine(key_line);
    } else if (auto it = KeyHandlers().find(key);
               it != KeyHandlers().end()) {
      expected = it->second(key_line);
    } else if (std::string why;
               ParseSecurityKey(key, value, &s.security, &why)) {
      if (!why.empty()) expected = why;
    } else {
      config.warnings.push_back(where + "unknown key " + key + " (ignored)");
      continue;
    }
    if (expected) {
      return Status(proto::BAD_ARGUMENTS, where + key + ": bad value '" +
                                              value + "' (expected " +
                                              *expected + ")");
    }
  }
  if (s.min_session_timeout_ms > 0 && s.max_session_timeout_ms > 0 &&
      s.min_session_timeout_ms > s.max_session_timeout_ms) {
    return Status(proto::BAD_ARGUMENTS,
                  source + ": minSessionTimeout is above maxSessionTimeout");
  }
  return config;
}

Status ReadMyId(Config* config) {
  if (config->server.members.size() <= 1) {
    if (config->server.members.size() == 1) {
      config->server.server_id = config->server.members.begin()->first;
    }
    return Status();
  }
  const std::string path = config->server.data_dir + "/myid";
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) {
    return Status(proto::BAD_ARGUMENTS,
                  "an ensemble member needs its id in " + path);
  }
  int64_t id = 0;
  if (!ParseNumber<int64_t>(Trim(text), 1, 255, &id)) {
    return Status(proto::BAD_ARGUMENTS, path + ": bad id '" + text + "'");
  }
  if (config->server.members.count(id) == 0) {
    return Status(proto::BAD_ARGUMENTS,
                  path + ": id " + std::to_string(id) +
                      " has no server." + std::to_string(id) + " line");
  }
  config->server.server_id = id;
  return Status();
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status(proto::BAD_ARGUMENTS, "cannot read config file " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace canopy
