#include "cli/command.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "cli/acl_text.h"

namespace canopy::cli {
namespace {

struct Spec {
  const char* name;
  CommandKind kind;
  const char* usage;
  std::set<std::string> switches;      // flags without a value
  std::set<std::string> valued;        // flags with a value
  size_t min_args;
  size_t max_args;
};

const std::vector<Spec>& Specs() {
  static const std::vector<Spec> specs = {
      {"create", CommandKind::kCreate, "create [-e] [-s] [-c] PATH [DATA]",
       {"-e", "-s", "-c"}, {}, 1, 2},
      {"get", CommandKind::kGet, "get [-w] PATH", {"-w"}, {}, 1, 1},
      {"stat", CommandKind::kStat, "stat PATH", {}, {}, 1, 1},
      {"set", CommandKind::kSet, "set [-v VERSION] PATH DATA", {}, {"-v"}, 2,
       2},
      {"ls", CommandKind::kLs, "ls [-R] [-w] PATH", {"-R", "-w"}, {}, 1, 1},
      {"delete", CommandKind::kDelete, "delete [-v VERSION] PATH", {}, {"-v"},
       1, 1},
      {"deleteall", CommandKind::kDeleteAll, "deleteall PATH", {}, {}, 1, 1},
      {"sync", CommandKind::kSync, "sync PATH", {}, {}, 1, 1},
      {"getacl", CommandKind::kGetAcl, "getacl [-s] PATH", {"-s"}, {}, 1, 1},
      {"setacl", CommandKind::kSetAcl,
       "setacl [-s] [-v VERSION] [-R] PATH ACL", {"-s", "-R"}, {"-v"}, 2, 2},
      {"addauth", CommandKind::kAddAuth, "addauth SCHEME AUTH", {}, {}, 2, 2},
      {"setquota", CommandKind::kSetQuota, "setquota -n|-b|-N|-B VAL PATH",
       {}, {"-n", "-b", "-N", "-B"}, 1, 1},
      {"listquota", CommandKind::kListQuota, "listquota PATH", {}, {}, 1, 1},
      {"delquota", CommandKind::kDelQuota, "delquota [-n|-b|-N|-B] PATH",
       {"-n", "-b", "-N", "-B"}, {}, 1, 1},
      {"dump", CommandKind::kDump, "dump PATH", {}, {}, 1, 1},
      {"load", CommandKind::kLoad, "load [-f] [FILE]", {"-f"}, {}, 0, 1},
      {"watch", CommandKind::kWatch, "watch PATH [--count N]", {},
       {"--count"}, 1, 1},
      {"help", CommandKind::kHelp, "help", {}, {}, 0, 0},
      {"quit", CommandKind::kQuit, "quit", {}, {}, 0, 0},
      {"exit", CommandKind::kQuit, "exit", {}, {}, 0, 0},
  };
  return specs;
}

Status Usage(const Spec& spec, const std::string& why) {
  return Status(proto::BAD_ARGUMENTS, why + "; usage: " + spec.usage);
}

// A word that looks like an option rather than data such as "-1".
bool LooksLikeOption(const std::string& w) {
  return w.size() >= 2 && w[0] == '-' &&
         (std::isalpha(static_cast<unsigned char>(w[1])) || w[1] == '-');
}

Result<int64_t> ParseInt(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status(proto::BAD_ARGUMENTS, "'" + text + "' is not a number");
  }
  return value;
}

}  // namespace

proto::CreateMode Command::mode() const {
  if (container) return proto::CONTAINER;
  if (ephemeral) {
    return sequential ? proto::EPHEMERAL_SEQUENTIAL : proto::EPHEMERAL;
  }
  return sequential ? proto::PERSISTENT_SEQUENTIAL : proto::PERSISTENT;
}

Result<std::vector<std::string>> SplitLine(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i < line.size() && line[i] == '#') return words;
  std::string word;
  bool in_word = false;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\'') {
      const size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) {
        return Status(proto::BAD_ARGUMENTS, "unterminated '");
      }
      word.append(line.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        if (line[i] == '\\' && i + 1 < line.size() &&
            (line[i + 1] == '"' || line[i + 1] == '\\')) {
          ++i;
        }
        word += line[i++];
      }
      if (!closed) return Status(proto::BAD_ARGUMENTS, "unterminated \"");
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[i + 1];
      in_word = true;
      i += 2;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

Result<Command> ParseCommand(const std::vector<std::string>& words) {
  if (words.empty()) return Status(proto::BAD_ARGUMENTS, "no command");
  const Spec* spec = nullptr;
  for (const Spec& s : Specs()) {
    if (words[0] == s.name) spec = &s;
  }
  if (spec == nullptr) {
    return Status(proto::BAD_ARGUMENTS,
                  "unknown command '" + words[0] + "'; try help");
  }
  std::set<std::string> switches;
  std::map<std::string, std::string> values;
  std::vector<std::string> args;
  bool flags_done = false;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (!flags_done && w == "--") {
      flags_done = true;
    } else if (!flags_done && spec->switches.count(w)) {
      switches.insert(w);
    } else if (!flags_done && spec->valued.count(w)) {
      if (i + 1 == words.size()) return Usage(*spec, w + " needs a value");
      values[w] = words[++i];
    } else if (!flags_done && LooksLikeOption(w)) {
      return Usage(*spec, "unknown option " + w);
    } else {
      args.push_back(w);
    }
  }
  if (args.size() < spec->min_args) return Usage(*spec, "missing argument");
  if (args.size() > spec->max_args) return Usage(*spec, "too many arguments");

  Command cmd;
  cmd.kind = spec->kind;
  cmd.ephemeral = switches.count("-e") > 0;
  cmd.sequential = switches.count("-s") > 0;
  cmd.container = switches.count("-c") > 0;
  cmd.watch = switches.count("-w") > 0;
  cmd.recursive = switches.count("-R") > 0;
  if (cmd.container && (cmd.ephemeral || cmd.sequential)) {
    return Usage(*spec, "-c cannot be combined with -e or -s");
  }
  if (auto it = values.find("-v"); it != values.end()) {
    Result<int64_t> v = ParseInt(it->second);
    if (!v.ok() || *v < -1 || *v > INT32_MAX) {
      return Usage(*spec, "bad version '" + it->second + "'");
    }
    cmd.version = static_cast<int32_t>(*v);
  }
  if (auto it = values.find("--count"); it != values.end()) {
    Result<int64_t> n = ParseInt(it->second);
    if (!n.ok() || *n <= 0 || *n > INT32_MAX) {
      return Usage(*spec, "bad count '" + it->second + "'");
    }
    cmd.count = static_cast<int>(*n);
  }
  // The quota flags: values for setquota, switches for delquota.
  const std::pair<const char*, int64_t*> quota_flags[] = {
      {"-n", &cmd.quota_count},
      {"-b", &cmd.quota_bytes},
      {"-N", &cmd.quota_count_hard},
      {"-B", &cmd.quota_bytes_hard}};
  switch (cmd.kind) {
    case CommandKind::kGetAcl:
    case CommandKind::kSetAcl:
      cmd.print_stat = cmd.sequential;  // -s
      cmd.sequential = false;
      break;
    case CommandKind::kSetQuota: {
      bool any = false;
      for (const auto& [flag, field] : quota_flags) {
        auto it = values.find(flag);
        if (it == values.end()) continue;
        Result<int64_t> v = ParseInt(it->second);
        if (!v.ok() || *v <= 0) {
          return Usage(*spec, std::string(flag) + " must be a number above 0");
        }
        *field = *v;
        any = true;
      }
      if (!any) return Usage(*spec, "give at least one of -n -b -N -B");
      break;
    }
    case CommandKind::kDelQuota:
      for (const auto& [flag, field] : quota_flags) {
        if (switches.count(flag)) *field = 0;
      }
      break;
    case CommandKind::kLoad:
      cmd.overwrite = switches.count("-f") > 0;
      if (!args.empty()) cmd.file = args[0];
      return cmd;
    default:
      break;
  }
  switch (cmd.kind) {
    case CommandKind::kAddAuth:
      cmd.scheme = args[0];
      cmd.auth = args[1];
      break;
    case CommandKind::kSetAcl: {
      cmd.path = args[0];
      Result<std::vector<proto::Acl>> acl = ParseAcl(args[1]);
      if (!acl.ok()) return acl.status();
      cmd.acl = std::move(acl).value();
      break;
    }
    case CommandKind::kHelp:
    case CommandKind::kQuit:
      break;
    default:
      cmd.path = args[0];
      if (args.size() > 1) cmd.data = args[1];
      break;
  }
  return cmd;
}

std::string HelpText() {
  std::string out = "commands:\n";
  for (const Spec& s : Specs()) {
    if (std::string_view(s.name) == "exit") continue;
    out += "  ";
    out += s.usage;
    out += '\n';
  }
  return out;
}

}  // namespace canopy::cli
