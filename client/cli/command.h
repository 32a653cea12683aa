// The CLI's commands: splitting a shell line into words and parsing words
// into a Command. Pure functions, no IO.
#ifndef CANOPY_CLIENT_CLI_COMMAND_H_
#define CANOPY_CLIENT_CLI_COMMAND_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::cli {

enum class CommandKind {
  kCreate,     // create [-e] [-s] [-c] PATH [DATA]
  kGet,        // get [-w] PATH
  kStat,       // stat PATH
  kSet,        // set [-v VERSION] PATH DATA
  kLs,         // ls [-R] [-w] PATH
  kDelete,     // delete [-v VERSION] PATH
  kDeleteAll,  // deleteall PATH
  kSync,       // sync PATH
  kGetAcl,     // getacl [-s] PATH
  kSetAcl,     // setacl [-s] [-v VERSION] [-R] PATH ACL
  kAddAuth,    // addauth SCHEME AUTH
  kSetQuota,   // setquota -n|-b|-N|-B VAL PATH (one or more of the four)
  kListQuota,  // listquota PATH
  kDelQuota,   // delquota [-n|-b|-N|-B] PATH
  kDump,       // dump PATH: the subtree as JSON on stdout
  kLoad,       // load [-f] [FILE]: recreates a dump (stdin without FILE)
  kWatch,      // watch PATH [--count N]
  kHelp,       // help
  kQuit,       // quit (or exit)
};

struct Command {
  CommandKind kind = CommandKind::kHelp;
  std::string path;
  std::string data;                // create, set
  bool ephemeral = false;          // create -e
  bool sequential = false;         // create -s
  bool container = false;          // create -c
  bool watch = false;              // get -w, ls -w
  bool recursive = false;          // ls -R, setacl -R
  bool print_stat = false;         // getacl -s, setacl -s
  int32_t version = -1;            // set -v, delete -v
  int count = 0;                   // watch --count; 0 = no limit
  std::vector<proto::Acl> acl;     // setacl
  std::string scheme;              // addauth
  std::string auth;                // addauth
  // setquota: the limits given (-1 when not given); delquota: the limits
  // to remove (0 marks one; none marked removes the whole quota).
  int64_t quota_count = -1;        // -n: soft limit on the node count
  int64_t quota_bytes = -1;        // -b: soft limit on the data bytes
  int64_t quota_count_hard = -1;   // -N: hard limit on the node count
  int64_t quota_bytes_hard = -1;   // -B: hard limit on the data bytes
  bool overwrite = false;          // load -f
  std::string file;                // load FILE; empty: standard input

  // The create mode the create flags ask for.
  proto::CreateMode mode() const;
};

// Splits a shell line into words on blanks. '...' is literal; "..." allows
// \" and \\; a backslash outside quotes escapes the next character. A line
// that is blank or starts with '#' has no words. BAD_ARGUMENTS for an
// unterminated quote.
Result<std::vector<std::string>> SplitLine(std::string_view line);

// Parses words (the command name first). Flags may come before or after the
// positional arguments; "--" ends the flags. BAD_ARGUMENTS with the
// command's usage for unknown commands or options, missing or extra
// arguments, bad numbers; INVALID_ACL for a malformed setacl ACL.
Result<Command> ParseCommand(const std::vector<std::string>& words);

// One line per command with its usage.
std::string HelpText();

}  // namespace canopy::cli

#endif  // CANOPY_CLIENT_CLI_COMMAND_H_
