#include "server/net/four_letter.h"

#include <fmt/format.h>
#include <unistd.h>

#include <map>
#include <sstream>

namespace canopy::net {
namespace {

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string LatencyLine(const pipeline::PipelineStats& stats) {
  const double avg = stats.responses == 0
                         ? 0.0
                         : double(stats.latency_total_ms) /
                               double(stats.responses);
  return fmt::format("Latency min/avg/max: {}/{:.4f}/{}\n",
                     stats.latency_min_ms, avg, stats.latency_max_ms);
}

std::string Srvr(const FourLetterContext& c, bool with_clients) {
  const auto& p = *c.pipeline;
  std::string out = fmt::format("Zookeeper version: {}, built on {}\n",
                                kReportedVersion, __DATE__);
  if (with_clients) {
    out += "Clients:\n";
    for (const auto& conn : c.connections) {
      out += fmt::format(" /{}:{}[1](queued=0,recved={},sent={})\n", conn.ip,
                         conn.port, conn.received, conn.sent);
    }
    out += "\n";
  }
  out += LatencyLine(p.stats());
  out += fmt::format("Received: {}\nSent: {}\nConnections: {}\n",
                     p.stats().requests, p.stats().responses,
                     c.connections.size());
  out += fmt::format("Outstanding: {}\nZxid: 0x{:x}\nMode: {}\nNode count: {}\n",
                     c.outstanding, p.tree().last_zxid(), c.mode,
                     p.tree().node_count());
  return out;
}

std::string Mntr(const FourLetterContext& c) {
  const auto& p = *c.pipeline;
  const auto& s = p.stats();
  const double avg =
      s.responses == 0 ? 0.0 : double(s.latency_total_ms) / double(s.responses);
  std::string out;
  auto line = [&out](const std::string& key, const auto& value) {
    out += fmt::format("{}\t{}\n", key, value);
  };
  line("zk_version", std::string(kReportedVersion) + ", built on " + __DATE__);
  line("zk_avg_latency", fmt::format("{:.4f}", avg));
  line("zk_max_latency", s.latency_max_ms);
  line("zk_min_latency", s.latency_min_ms);
  line("zk_packets_received", s.requests);
  line("zk_packets_sent", s.responses + s.watch_events);
  line("zk_num_alive_connections", c.connections.size());
  line("zk_outstanding_requests", c.outstanding);
  line("zk_server_state", c.mode);
  line("zk_znode_count", p.tree().node_count());
  line("zk_watch_count", p.tree().watches().size());
  line("zk_ephemerals_count", EphemeralCount(p.tree()));
  line("zk_global_sessions", p.session_count());
  line("zk_last_zxid", fmt::format("0x{:x}", p.tree().last_zxid()));
  // The running tree digest and the zxid it is the digest after: members
  // with the same zk_digest_zxid must show the same zk_digest.
  line("zk_digest", fmt::format("{:016x}", p.tree().Digest()));
  line("zk_digest_zxid", fmt::format("0x{:x}", p.tree().last_zxid()));
  line("zk_txns_applied", s.txns_applied);
  line("zk_watch_events_sent", s.watch_events);
  const long open_max = sysconf(_SC_OPEN_MAX);
  line("zk_max_file_descriptor_count", open_max);
  return out;
}

std::string Cons(const FourLetterContext& c) {
  std::string out;
  for (const auto& conn : c.connections) {
    out += fmt::format(" /{}:{}[1](queued=0,recved={},sent={},sid=0x{:x})\n",
                       conn.ip, conn.port, conn.received, conn.sent,
                       uint64_t(conn.session));
  }
  return out + "\n";
}

std::string Wchs(const FourLetterContext& c) {
  const auto& watches = c.pipeline->tree().watches();
  return fmt::format("{} connections watching {} paths\nTotal watches:{}\n",
                     c.connections.size(), watches.SessionsByPath().size(),
                     watches.size());
}

std::string Wchc(const FourLetterContext& c) {
  std::string out;
  for (const auto& [session, paths] :
       c.pipeline->tree().watches().PathsBySession()) {
    out += fmt::format("0x{:x}\n", uint64_t(session));
    for (const auto& path : paths) out += "\t" + path + "\n";
  }
  return out + "\n";
}

std::string Wchp(const FourLetterContext& c) {
  std::string out;
  for (const auto& [path, sessions] :
       c.pipeline->tree().watches().SessionsByPath()) {
    out += path + "\n";
    for (SessionId session : sessions) {
      out += fmt::format("\t0x{:x}\n", uint64_t(session));
    }
  }
  return out + "\n";
}

std::string Dump(const FourLetterContext& c) {
  const auto& tree = c.pipeline->tree();
  std::string out = fmt::format("SessionTracker dump:\nGlobal sessions ({}):\n",
                                tree.sessions().size());
  std::map<SessionId, std::vector<std::string>> with_ephemerals;
  for (const auto& [id, info] : tree.sessions()) {
    out += fmt::format("0x{:x}\t{}ms\n", uint64_t(id), info.timeout_ms);
    auto paths = tree.EphemeralsOf(id);
    if (!paths.empty()) with_ephemerals[id] = std::move(paths);
  }
  out += fmt::format("ephemeral nodes dump:\nSessions with Ephemerals ({}):\n",
                     with_ephemerals.size());
  for (const auto& [id, paths] : with_ephemerals) {
    out += fmt::format("0x{:x}:\n", uint64_t(id));
    for (const auto& path : paths) out += "\t" + path + "\n";
  }
  return out;
}

std::string Envi() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  char cwd[4096] = {0};  // getcwd(nullptr, 0) would leak its buffer per call
  if (getcwd(cwd, sizeof cwd) == nullptr) cwd[0] = '\0';
  return fmt::format(
      "Environment:\nzookeeper.version={}, built on {}\nhost.name={}\n"
      "canopy.version=0.1.0\nos.name=Linux\nuser.dir={}\n",
      kReportedVersion, __DATE__, host, cwd);
}

}  // namespace

size_t EphemeralCount(const tree::DataTree& tree) {
  size_t count = 0;
  for (const auto& [id, info] : tree.sessions()) {
    count += tree.EphemeralsOf(id).size();
  }
  return count;
}

const std::set<std::string>& KnownFourLetterWords() {
  static const std::set<std::string> kWords = {
      "ruok", "srvr", "stat", "mntr", "conf", "cons",
      "envi", "wchs", "wchc", "wchp", "dump", "isro"};
  return kWords;
}

std::set<std::string> ParseWhitelist(const std::string& value,
                                     std::vector<std::string>* unknown) {
  std::set<std::string> out;
  std::stringstream in(value);
  std::string word;
  while (std::getline(in, word, ',')) {
    word = Trim(word);
    if (word.empty()) continue;
    if (word == "*") return KnownFourLetterWords();
    if (KnownFourLetterWords().count(word)) {
      out.insert(word);
    } else if (unknown) {
      unknown->push_back(word);
    }
  }
  return out;
}

std::string AnswerFourLetterWord(const std::string& word,
                                 const std::set<std::string>& whitelist,
                                 const FourLetterContext& c) {
  if (whitelist.count(word) == 0) {
    return word + " is not executed because it is not in the whitelist.\n";
  }
  if (word == "ruok") return "imok";
  if (word == "isro") return "rw";
  if (word == "srvr") return Srvr(c, false);
  if (word == "stat") return Srvr(c, true);
  if (word == "mntr") return Mntr(c);
  if (word == "cons") return Cons(c);
  if (word == "wchs") return Wchs(c);
  if (word == "wchc") return Wchc(c);
  if (word == "wchp") return Wchp(c);
  if (word == "dump") return Dump(c);
  if (word == "envi") return Envi();
  if (word == "conf") {
    std::string out;
    for (const auto& [k, v] : c.config) out += k + "=" + v + "\n";
    return out;
  }
  return "";
}

}  // namespace canopy::net
