#include "cli/interactive.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#ifdef CANOPY_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace canopy::cli {
namespace {

std::string HistoryFile() {
  const char* home = std::getenv("HOME");
  return home == nullptr ? std::string() : std::string(home) + "/.canopy_history";
}

// One line from the terminal without its newline; false at EOF.
bool ReadLine(const std::string& prompt, std::string* line) {
#ifdef CANOPY_HAVE_LIBEDIT
  std::unique_ptr<char, decltype(&std::free)> raw(readline(prompt.c_str()),
                                                  &std::free);
  if (raw == nullptr) return false;
  *line = raw.get();
  if (line->find_first_not_of(" \t") != std::string::npos) {
    add_history(raw.get());
  }
  return true;
#else
  std::cout << prompt << std::flush;
  return static_cast<bool>(std::getline(std::cin, *line));
#endif
}

}  // namespace

int RunInteractive(CommandRunner* runner, const std::string& hosts) {
  const std::string history = HistoryFile();
#ifdef CANOPY_HAVE_LIBEDIT
  using_history();
  if (!history.empty()) read_history(history.c_str());
#endif
  int failures = 0;
  bool quit = false;
  std::string line;
  for (int n = 0; !quit; ++n) {
    const std::string prompt =
        "[canopy: " + hosts + "] " + std::to_string(n) + "> ";
    if (!ReadLine(prompt, &line)) {
      std::cout << std::endl;
      break;
    }
    if (!RunLine(line, runner, &std::cerr, &quit).ok()) ++failures;
  }
#ifdef CANOPY_HAVE_LIBEDIT
  if (!history.empty()) write_history(history.c_str());
#endif
  return failures;
}

}  // namespace canopy::cli
