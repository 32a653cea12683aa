// The canopy program's own options, before the command.
#ifndef CANOPY_CLIENT_CLI_GLOBAL_OPTIONS_H_
#define CANOPY_CLIENT_CLI_GLOBAL_OPTIONS_H_

#include <string>
#include <vector>

#include "common/status.h"

namespace canopy::cli {

struct GlobalOptions {
  std::string hosts = "127.0.0.1:2181";  // -s: a connect string
  int timeout_ms = 10000;                // --timeout: the session timeout
  // --auth SCHEME:AUTH (repeatable), e.g. digest:user:pw: identities added
  // to the session (addauth) before any command runs.
  std::vector<std::string> auth;
  // --tls-ca, --tls-cert, --tls-key: PEM files for a TLS connection (a
  // server's secureClientPort); see ClientOptions::tls_ca_file.
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::vector<std::string> command;      // the command and its words, if any
  bool help = false;                     // -h/--help was given
  std::string help_text;                 // what to print for help
};

// Parses argv (argv[0] is the program). Parsing stops at the first word that
// is not an option: it and every word after it are the command, so a
// command's own flags (create -s) are not taken for global ones.
// BAD_ARGUMENTS with CLI11's message on a bad option.
Result<GlobalOptions> ParseGlobalOptions(int argc, const char* const* argv);

}  // namespace canopy::cli

#endif  // CANOPY_CLIENT_CLI_GLOBAL_OPTIONS_H_
