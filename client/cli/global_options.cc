#include "cli/global_options.h"

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace canopy::cli {

Result<GlobalOptions> ParseGlobalOptions(int argc, const char* const* argv) {
  GlobalOptions opts;
  CLI::App app("canopy: the Canopy command line client. With a command, runs "
               "it and exits; without, reads commands from standard input "
               "(an interactive shell on a terminal).",
               "canopy");
  app.add_option("-s,--server", opts.hosts,
                 "connect string: host:port[,host:port...][/chroot]")
      ->capture_default_str();
  app.add_option("--timeout", opts.timeout_ms, "session timeout in ms")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--auth", opts.auth,
                 "SCHEME:AUTH added to the session first, e.g. "
                 "digest:user:password (repeatable)")
      ->type_size(1)
      ->allow_extra_args(false);
  app.add_option("--tls-ca", opts.tls_ca_file,
                 "connect with TLS; the server's certificate must chain to "
                 "this PEM CA bundle");
  app.add_option("--tls-cert", opts.tls_cert_file,
                 "PEM client certificate to present (with --tls-key)");
  app.add_option("--tls-key", opts.tls_key_file,
                 "PEM private key of --tls-cert");
  app.prefix_command();
  app.footer(HelpText());
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    opts.help = true;
    opts.help_text = app.help();
    return opts;
  } catch (const CLI::ParseError& e) {
    return Status(proto::BAD_ARGUMENTS, e.what());
  }
  opts.command = app.remaining();
  // prefix_command() passes an unknown option through as the "command".
  if (!opts.command.empty() && opts.command[0].size() > 1 &&
      opts.command[0][0] == '-') {
    return Status(proto::BAD_ARGUMENTS,
                  "unknown option " + opts.command[0] + "; try --help");
  }
  return opts;
}

}  // namespace canopy::cli
