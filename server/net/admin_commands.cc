#include "server/net/admin_commands.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cctype>

#include "proto/admin.pb.h"

namespace canopy::net {
namespace {

namespace admin = proto::admin;

std::string Hex(uint64_t v) { return fmt::format("0x{:x}", v); }

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options)
           .ok()) {
    return "{\"error\":\"cannot render\"}";
  }
  return out + "\n";
}

void FillStats(const FourLetterContext& c, admin::ServerStats* out) {
  const auto& p = *c.pipeline;
  const auto& s = p.stats();
  out->set_version(kReportedVersion);
  out->set_server_state(c.mode);
  out->set_packets_received(s.requests);
  out->set_packets_sent(s.responses + s.watch_events);
  out->set_num_alive_client_connections(uint32_t(c.connections.size()));
  out->set_outstanding_requests(uint32_t(c.outstanding));
  out->set_min_latency_ms(double(s.latency_min_ms));
  out->set_avg_latency_ms(s.responses == 0 ? 0.0
                                           : double(s.latency_total_ms) /
                                                 double(s.responses));
  out->set_max_latency_ms(double(s.latency_max_ms));
  out->set_node_count(uint32_t(p.tree().node_count()));
  out->set_last_processed_zxid(Hex(uint64_t(p.tree().last_zxid())));
}

void FillConnections(
    const FourLetterContext& c,
    google::protobuf::RepeatedPtrField<admin::Connection>* out) {
  for (const auto& conn : c.connections) {
    auto* row = out->Add();
    row->set_remote_address(conn.ip);
    row->set_remote_port(conn.port);
    row->set_packets_received(conn.received);
    row->set_packets_sent(conn.sent);
    if (conn.session != 0) row->set_session_id(Hex(uint64_t(conn.session)));
  }
}

std::string Srvr(const AdminContext& c, const std::string& name) {
  admin::Srvr out;
  out.set_command(name);
  FillStats(c.status, out.mutable_server_stats());
  if (name == "stat") FillConnections(c.status, out.mutable_connections());
  return ToJson(out);
}

std::string Mntr(const AdminContext& c) {
  const auto& p = *c.status.pipeline;
  admin::Mntr out;
  out.set_command("mntr");
  FillStats(c.status, out.mutable_server_stats());
  out.set_watch_count(uint32_t(p.tree().watches().size()));
  out.set_ephemerals_count(uint32_t(EphemeralCount(p.tree())));
  out.set_global_sessions(uint32_t(p.session_count()));
  out.set_txns_applied(p.stats().txns_applied);
  out.set_watch_events_sent(p.stats().watch_events);
  out.set_requests_forwarded(p.stats().forwarded);
  out.set_max_file_descriptor_count(sysconf(_SC_OPEN_MAX));
  out.set_synced_followers(uint32_t(c.learner_acks.size()));
  return ToJson(out);
}

std::string Leader(const AdminContext& c) {
  const auto& core = c.status.pipeline->core();
  admin::Leader out;
  out.set_command("leader");
  const bool serving = core.serving();
  out.set_is_leader(serving && core.role() == zab::Role::kLeading);
  const int64_t leader = serving ? core.leader_id() : 0;
  out.set_leader_id(uint32_t(leader));
  auto host = c.member_hosts.find(leader);
  if (host != c.member_hosts.end()) out.set_leader_ip(host->second);
  return ToJson(out);
}

std::string ZabStateJson(const AdminContext& c) {
  const auto& core = c.status.pipeline->core();
  admin::ZabState out;
  out.set_command("zabstate");
  out.set_my_id(uint32_t(c.my_id));
  out.set_role(RoleLabel(core.role()));
  out.set_serving(core.serving());
  out.set_leader_id(uint32_t(core.leader_id()));
  out.set_epoch(uint32_t(core.epoch()));
  out.set_accepted_epoch(uint32_t(core.accepted_epoch()));
  out.set_last_logged_zxid(Hex(uint64_t(core.last_logged())));
  out.set_last_committed_zxid(Hex(uint64_t(core.last_committed())));
  out.set_last_applied_zxid(Hex(uint64_t(core.last_applied())));
  out.set_proposals_in_flight(uint32_t(core.in_flight()));
  for (const auto& [id, zxid] : c.learner_acks) {
    (*out.mutable_learner_acked_zxid())[std::to_string(id)] =
        Hex(uint64_t(zxid));
  }
  return ToJson(out);
}

}  // namespace

std::string RoleLabel(zab::Role role) {
  std::string name = zab::RoleName(role);
  for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

const std::vector<std::string>& AdminCommandNames() {
  static const std::vector<std::string> kNames = {
      "conf", "cons", "leader", "mntr", "ruok",
      "srvr", "stat", "wchs", "zabstate"};
  return kNames;
}

std::optional<std::string> AdminCommandJson(const std::string& name,
                                            const AdminContext& c) {
  if (name == "ruok") {
    admin::Ruok out;
    out.set_command(name);
    return ToJson(out);
  }
  if (name == "srvr" || name == "stat") return Srvr(c, name);
  if (name == "mntr") return Mntr(c);
  if (name == "conf") {
    admin::Conf out;
    out.set_command(name);
    for (const auto& [k, v] : c.status.config) (*out.mutable_config())[k] = v;
    return ToJson(out);
  }
  if (name == "cons") {
    admin::Cons out;
    out.set_command(name);
    FillConnections(c.status, out.mutable_connections());
    return ToJson(out);
  }
  if (name == "wchs") {
    const auto& watches = c.status.pipeline->tree().watches();
    admin::Wchs out;
    out.set_command(name);
    out.set_num_connections(uint32_t(c.status.connections.size()));
    out.set_num_paths(uint32_t(watches.SessionsByPath().size()));
    out.set_num_total_watches(uint32_t(watches.size()));
    return ToJson(out);
  }
  if (name == "leader") return Leader(c);
  if (name == "zabstate") return ZabStateJson(c);
  return std::nullopt;
}

bool IsReady(const AdminContext& c, std::string* json) {
  admin::Ready out;
  const auto& core = c.status.pipeline->core();
  if (c.shutting_down) {
    out.set_reason("shutting down");
  } else if (c.status.pipeline->diverged()) {
    out.set_reason("tree diverged from the leader's");
  } else if (!core.serving() || core.leader_id() == 0) {
    out.set_reason("no leader yet, or not synced with it");
  } else {
    out.set_ready(true);
  }
  *json = ToJson(out);
  return out.ready();
}

}  // namespace canopy::net
