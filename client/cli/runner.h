// Runs CLI commands against one Client, printing results to a stream.
#ifndef CANOPY_CLIENT_CLI_RUNNER_H_
#define CANOPY_CLIENT_CLI_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <istream>
#include <ostream>
#include <string_view>

#include "canopy/client.h"
#include "cli/command.h"

namespace canopy::cli {

// The session's state as the CLI sees it; fed from
// ClientOptions::on_session_event (any thread).
class SessionState {
 public:
  void OnEvent(SessionEvent event);
  // False once the session expired or was closed.
  bool alive() const { return alive_.load(); }
  // How many times a server accepted the session.
  uint64_t connections() const { return connections_.load(); }

 private:
  std::atomic<bool> alive_{true};
  std::atomic<uint64_t> connections_{0};
};

class CommandRunner {
 public:
  // client and session must outlive the runner; out gets each command's
  // output.
  CommandRunner(Client* client, const SessionState* session,
                std::ostream* out);

  // Runs cmd and returns OK or the error to report (its ToString() is the
  // one-line message). help prints the help; quit does nothing. Waits for
  // watch events (get -w, ls -w, watch) end with SESSION_EXPIRED when the
  // session ends.
  Status Run(const Command& cmd);

  // Where `load` without a FILE reads (null, the default: it needs a FILE)
  // and where notes beside a command's output go (default std::cerr).
  void set_input(std::istream* in) { in_ = in; }
  void set_errors(std::ostream* err) { err_ = err; }

 private:
  Status Create(const Command& cmd);
  Status Get(const Command& cmd);
  Status Stat(const Command& cmd);
  Status Ls(const Command& cmd);
  Status LsRecursive(const std::string& path);
  Status DeleteAll(const std::string& path);
  Status Watch(const Command& cmd);
  Status GetAcl(const Command& cmd);
  Status SetAcl(const Command& cmd);
  Status Load(const Command& cmd);

  // Lists path and every node below it, breadth first, path first.
  Result<std::vector<std::string>> Subtree(const std::string& path);

  Client* client_;
  const SessionState* session_;
  std::ostream* out_;
  std::istream* in_ = nullptr;
  std::ostream* err_;
};

// Splits, parses and runs one line. Sets *quit on quit. Prints a failure as
// one line to err and returns it; blank and comment lines are OK.
Status RunLine(std::string_view line, CommandRunner* runner, std::ostream* err,
               bool* quit);

// Runs the lines of in, one command per line, until EOF or quit, going on
// after failures. Returns how many commands failed.
int RunScript(std::istream* in, CommandRunner* runner, std::ostream* err);

}  // namespace canopy::cli

#endif  // CANOPY_CLIENT_CLI_RUNNER_H_
