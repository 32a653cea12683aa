// canopy: the command line client. See HelpText() for the commands.
//
//   canopy [-s HOSTS] [--timeout MS] [COMMAND ARGS...]
//
// With a command: runs it once and exits 0 on success, else prints one line
// naming the error (e.g. "NoNode: /a") to stderr and exits 1. Without: an
// interactive shell when stdin is a terminal, else one command per line from
// stdin through one session, exiting 1 if any failed. Bad options exit 2.
#include <unistd.h>

#include <iostream>
#include <optional>

#include "canopy/client.h"
#include "cli/command.h"
#include "cli/global_options.h"
#include "cli/interactive.h"
#include "cli/runner.h"

namespace {

int Main(int argc, char** argv) {
  using namespace canopy;
  using namespace canopy::cli;
  Result<GlobalOptions> opts = ParseGlobalOptions(argc, argv);
  if (!opts.ok()) {
    std::cerr << opts.status().ToString() << std::endl;
    return 2;
  }
  if (opts->help) {
    std::cout << opts->help_text;
    return 0;
  }
  std::optional<Command> one;
  if (!opts->command.empty()) {
    Result<Command> cmd = ParseCommand(opts->command);
    if (!cmd.ok()) {
      std::cerr << cmd.status().ToString() << std::endl;
      return 2;
    }
    if (cmd->kind == CommandKind::kHelp) {
      std::cout << HelpText();
      return 0;
    }
    if (cmd->kind == CommandKind::kQuit) return 0;
    one = std::move(cmd).value();
  }
  const bool interactive = !one && isatty(STDIN_FILENO);

  SessionState session;
  ClientOptions client_options;
  client_options.connect_string = opts->hosts;
  client_options.session_timeout_ms = opts->timeout_ms;
  client_options.tls_ca_file = opts->tls_ca_file;
  client_options.tls_cert_file = opts->tls_cert_file;
  client_options.tls_key_file = opts->tls_key_file;
  client_options.on_session_event = [&session, interactive](SessionEvent e) {
    const bool was_connected = session.connections() > 0;
    session.OnEvent(e);
    if (e == SessionEvent::kExpired) {
      std::cerr << "canopy: session expired" << std::endl;
    } else if (interactive && e == SessionEvent::kDisconnected) {
      std::cerr << "canopy: disconnected, reconnecting" << std::endl;
    } else if (interactive && e == SessionEvent::kConnected && was_connected) {
      std::cerr << "canopy: reconnected" << std::endl;
    }
  };
  Result<std::unique_ptr<Client>> client = Client::Connect(client_options);
  if (!client.ok()) {
    std::cerr << client.status().ToString() << std::endl;
    return 1;
  }
  for (const std::string& identity : opts->auth) {
    const size_t colon = identity.find(':');
    Status added =
        colon == std::string::npos
            ? Status(proto::BAD_ARGUMENTS,
                     "--auth " + identity + ": expected SCHEME:AUTH")
            : (*client)->AddAuth(identity.substr(0, colon),
                                 identity.substr(colon + 1));
    if (!added.ok()) {
      std::cerr << added.ToString() << std::endl;
      (*client)->Close();
      return 1;
    }
  }
  CommandRunner runner(client->get(), &session, &std::cout);
  int rc = 0;
  if (one) {
    runner.set_input(&std::cin);  // load without FILE
    Status s = runner.Run(*one);
    if (!s.ok()) {
      std::cerr << s.ToString() << std::endl;
      rc = 1;
    }
  } else if (interactive) {
    rc = RunInteractive(&runner, opts->hosts) > 0 ? 1 : 0;
  } else {
    rc = RunScript(&std::cin, &runner, &std::cerr) > 0 ? 1 : 0;
  }
  (*client)->Close();
  return rc;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
