#include "server/config.h"

#include "server/net/four_letter.h"

#include <charconv>
#include <fstream>
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
    auto bad = [&](const std::string& why) {
      return Status(proto::BAD_ARGUMENTS,
                    where + "bad value for " + key + ": '" + value + "' (" +
                        why + ")");
    };
    bool ok = true;
    if (key == "tickTime") {
      ok = ParseNumber<int64_t>(value, 1, 3600 * 1000, &s.tick_ms);
      if (!ok) return bad("milliseconds, 1 to 3600000");
    } else if (key == "dataDir") {
      if (value.empty()) return bad("a directory");
      s.data_dir = value;
    } else if (key == "dataLogDir") {
      if (value.empty()) return bad("a directory");
      s.data_log_dir = value;
    } else if (key == "clientPort") {
      ok = ParseNumber<uint16_t>(value, 0, 65535, &s.port);
      if (!ok) return bad("a port, 0 to 65535");
    } else if (key == "clientPortAddress") {
      if (value.empty()) return bad("an address");
      s.address = value;
    } else if (key == "minSessionTimeout") {
      ok = ParseNumber<int32_t>(value, 1, 1 << 30, &s.min_session_timeout_ms);
      if (!ok) return bad("milliseconds");
    } else if (key == "maxSessionTimeout") {
      ok = ParseNumber<int32_t>(value, 1, 1 << 30, &s.max_session_timeout_ms);
      if (!ok) return bad("milliseconds");
    } else if (key == "snapCount") {
      ok = ParseNumber<int64_t>(value, 2, int64_t(1) << 40, &s.snap_count);
      if (!ok) return bad("a count of at least 2");
    } else if (key == "autopurge.snapRetainCount") {
      ok = ParseNumber<int>(value, 1, 1000, &s.snap_retain_count);
      if (!ok) return bad("a count, 1 to 1000");
    } else if (key == "jute.maxbuffer") {
      ok = ParseNumber<uint32_t>(value, 1024, 1u << 30, &s.max_frame_bytes);
      if (!ok) return bad("bytes, 1024 to 1073741824");
    } else if (key == "maxClientCnxns") {
      ok = ParseNumber<int>(value, 0, 1 << 20, &s.max_client_connections);
      if (!ok) return bad("a count");
    } else if (key == "canopy.maxDataBytes") {
      ok = ParseNumber<int64_t>(value, 0, int64_t(1) << 30, &s.max_data_bytes);
      if (!ok) return bad("bytes");
    } else if (key.rfind("server.", 0) == 0) {
      int64_t id = 0;
      if (!ParseNumber<int64_t>(key.substr(7), 1, 255, &id)) {
        return Status(proto::BAD_ARGUMENTS,
                      where + "bad server id in '" + key + "' (1 to 255)");
      }
      // host:peerPort:electionPort[:observer|:participant][;clientAddr]
      std::string spec = value.substr(0, value.find(';'));
      std::vector<std::string> parts;
      std::stringstream fields(spec);
      for (std::string part; std::getline(fields, part, ':');) {
        parts.push_back(Trim(part));
      }
      net::MemberAddress member;
      if (parts.size() < 2 || parts[0].empty() ||
          !ParseNumber<uint16_t>(parts[1], 1, 65535, &member.peer_port)) {
        return bad("host:peerPort:electionPort[:observer]");
      }
      member.host = parts[0];
      if (parts.size() >= 4) {
        if (parts[3] == "observer") {
          member.observer = true;
        } else if (parts[3] != "participant") {
          return bad("the role must be observer or participant");
        }
      }
      s.members[id] = member;
    } else if (key == "initLimit") {
      if (!ParseNumber<int>(value, 1, 1000, &s.init_limit_ticks)) {
        return bad("ticks, 1 to 1000");
      }
    } else if (key == "syncLimit") {
      if (!ParseNumber<int>(value, 1, 1000, &s.sync_limit_ticks)) {
        return bad("ticks, 1 to 1000");
      }
    } else if (key == "4lw.commands.whitelist") {
      std::vector<std::string> unknown;
      net::ParseWhitelist(value, &unknown);
      for (const auto& word : unknown) {
        config.warnings.push_back(where + "unknown four-letter word " + word);
      }
      s.four_letter_whitelist = value;
    } else if (key == "autopurge.purgeInterval" ||
               key == "admin.enableServer" || key == "admin.serverPort" ||
               key == "standaloneEnabled" || key == "reconfigEnabled") {
      // Accepted; honoured by later issues.
    } else {
      config.warnings.push_back(where + "unknown key " + key);
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
