// Admin commands: the JSON answers of the admin HTTP endpoint's
// /commands/<name> (ruok, srvr, stat, mntr, conf, cons, wchs, leader,
// zabstate) and /ready. They are made from the same data as the
// four-letter words (FourLetterContext), rendered with protobuf's JSON
// mapping of proto/admin.proto. Pure functions of the context: the caller
// builds it on the thread that owns the pipeline.
#ifndef CANOPY_SERVER_NET_ADMIN_COMMANDS_H_
#define CANOPY_SERVER_NET_ADMIN_COMMANDS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/net/four_letter.h"

namespace canopy::net {

struct AdminContext {
  FourLetterContext status;  // pipeline, mode, connections, config
  int64_t my_id = 1;
  std::map<int64_t, std::string> member_hosts;  // server.N hosts
  std::map<int64_t, Zxid> learner_acks;         // leader only
  bool shutting_down = false;
};

// A ZAB role as admin answers and metrics name it: "looking", "following",
// "leading" or "observing".
std::string RoleLabel(zab::Role role);

// The command names /commands/ knows, in a stable order.
const std::vector<std::string>& AdminCommandNames();

// The JSON answer for command `name`, or nullopt for an unknown name.
std::optional<std::string> AdminCommandJson(const std::string& name,
                                            const AdminContext& context);

// /ready: whether this member serves clients (it has a leader and is
// synced with it, and is not shutting down), with the JSON body.
bool IsReady(const AdminContext& context, std::string* json);

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_ADMIN_COMMANDS_H_
