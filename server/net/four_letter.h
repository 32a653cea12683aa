// Four-letter words: ZooKeeper's plain-text admin commands on the client
// port ("ruok", "srvr", "mntr", ...), answered in ZooKeeper's formats so that
// existing monitoring scripts read them.
#ifndef CANOPY_SERVER_NET_FOUR_LETTER_H_
#define CANOPY_SERVER_NET_FOUR_LETTER_H_

#include <set>
#include <string>
#include <vector>

#include "server/pipeline/pipeline.h"

namespace canopy::net {

// The version string Canopy reports where ZooKeeper reports its own: the
// ZooKeeper protocol level it speaks, then Canopy's version. Clients that
// parse "major.minor.patch" from it (kazoo) see 3.9.0.
inline constexpr const char* kReportedVersion = "3.9.0-canopy-0.1.0";

// One client connection as "cons" lists it.
struct ConnectionInfo {
  std::string ip;
  uint16_t port = 0;
  uint64_t received = 0;
  uint64_t sent = 0;
  SessionId session = 0;
};

// Everything the answers are made from.
struct FourLetterContext {
  const pipeline::Pipeline* pipeline = nullptr;
  std::string mode = "standalone";  // standalone, leader, follower, observer
  std::vector<ConnectionInfo> connections;
  std::vector<std::pair<std::string, std::string>> config;  // for "conf"
  int64_t outstanding = 0;
};

// Ephemeral znodes held by all sessions.
size_t EphemeralCount(const tree::DataTree& tree);

// Every word Canopy knows.
const std::set<std::string>& KnownFourLetterWords();

// Parses a 4lw.commands.whitelist value ("srvr, ruok" or "*"); unknown words
// are returned in `unknown`.
std::set<std::string> ParseWhitelist(const std::string& value,
                                     std::vector<std::string>* unknown);

// The answer to a known word. A word not in the whitelist gets ZooKeeper's
// refusal text.
std::string AnswerFourLetterWord(const std::string& word,
                                 const std::set<std::string>& whitelist,
                                 const FourLetterContext& context);

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_FOUR_LETTER_H_
