// The interactive shell: line editing and history through libedit.
#ifndef CANOPY_CLIENT_CLI_INTERACTIVE_H_
#define CANOPY_CLIENT_CLI_INTERACTIVE_H_

#include <string>

#include "cli/runner.h"

namespace canopy::cli {

// Reads commands from the terminal with the prompt "[canopy: hosts] N> "
// until EOF (Ctrl-D) or quit, runs each and prints failures to stderr.
// History is kept in ~/.canopy_history. Returns how many commands failed.
int RunInteractive(CommandRunner* runner, const std::string& hosts);

}  // namespace canopy::cli

#endif  // CANOPY_CLIENT_CLI_INTERACTIVE_H_
