// Backup and restore of a subtree through the public client API: `dump PATH`
// writes it as JSON (the Dump message of proto/dump.proto, in protobuf's JSON
// mapping), `load` recreates it. Ephemeral nodes are left out (listed in the
// dump); so is /zookeeper below the dumped path. Containers and TTL nodes
// come back as persistent nodes: the client API does not tell them apart.
#ifndef CANOPY_CLIENT_CLI_DUMP_LOAD_H_
#define CANOPY_CLIENT_CLI_DUMP_LOAD_H_

#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "canopy/client.h"
#include "common/status.h"
#include "proto/dump.pb.h"

namespace canopy::cli {

// The format tag a dump carries and load requires.
inline constexpr char kDumpFormat[] = "canopy-dump/1";

// Reads the subtree at root, parents first and children in name order, as
// one consistent-enough walk (nodes changed during the walk appear as they
// were when read; nodes deleted during it are left out). NO_NODE when root
// does not exist.
Result<proto::Dump> ReadSubtree(Client* client, const std::string& root);

// The dump as indented JSON, and back. BAD_ARGUMENTS for text that is not a
// dump of a known format.
Result<std::string> DumpToJson(const proto::Dump& dump);
Result<proto::Dump> DumpFromJson(std::string_view json);

struct LoadReport {
  size_t created = 0;      // nodes created
  size_t overwritten = 0;  // existing nodes given the dump's data and ACL
};

// Recreates the dump's nodes at their paths: creates missing parents of the
// root (empty, open ACL), then every node with its data and ACL, pipelined.
// An existing node is NODE_EXISTS naming it, unless overwrite, when it gets
// the dump's data and ACL instead ("/" is only ever overwritten, never an
// error). Not atomic: on failure the nodes before the failing one stay.
Result<LoadReport> LoadDump(Client* client, const proto::Dump& dump,
                            bool overwrite);

// The commands: dump writes JSON to out; load reads all of in.
Status RunDump(Client* client, const std::string& root, std::ostream* out,
               std::ostream* err);
Status RunLoad(Client* client, std::istream* in, bool overwrite,
               std::ostream* out);

}  // namespace canopy::cli

#endif  // CANOPY_CLIENT_CLI_DUMP_LOAD_H_
