#include "cli/runner.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli/acl_text.h"
#include "cli/dump_load.h"
#include "cli/quota_commands.h"
#include "cli/stat_text.h"

namespace canopy::cli {
namespace {

std::string ChildPath(const std::string& parent, const std::string& child) {
  return parent == "/" ? "/" + child : parent + "/" + child;
}

enum class WatchSlot { kData, kChild };

// Watch events handed from the client's event thread to the CLI thread. Holds
// at most one entry per armed watcher, and the CLI arms at most two at a time
// (more only briefly after a reconnect).
class EventSink {
 public:
  struct Fired {
    proto::WatchEvent event;
    WatchSlot slot;
  };
  enum class Outcome { kEvent, kReconnected, kSessionEnded };

  static Watcher MakeWatcher(std::shared_ptr<EventSink> sink, WatchSlot slot) {
    return [sink, slot](const proto::WatchEvent& e) {
      {
        std::lock_guard lock(sink->mu_);
        sink->queue_.push_back(Fired{e, slot});
      }
      sink->cv_.notify_one();
    };
  }

  // Waits until an event arrives (*fired gets it), the session reconnects
  // (a server accepted it again since connections_seen), or it ends.
  Outcome Wait(const SessionState& session, uint64_t connections_seen,
               Fired* fired) {
    std::unique_lock lock(mu_);
    for (;;) {
      if (!queue_.empty()) {
        *fired = std::move(queue_.front());
        queue_.pop_front();
        return Outcome::kEvent;
      }
      if (!session.alive()) return Outcome::kSessionEnded;
      if (session.connections() != connections_seen) {
        return Outcome::kReconnected;
      }
      // The session's state changes without a notify on this cv: poll it.
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Fired> queue_;
};

Status SessionEnded() {
  return Status(proto::SESSION_EXPIRED, "session ended while waiting for a watch");
}

}  // namespace

void SessionState::OnEvent(SessionEvent event) {
  switch (event) {
    case SessionEvent::kConnected:
      connections_.fetch_add(1);
      break;
    case SessionEvent::kDisconnected:
      break;
    case SessionEvent::kExpired:
    case SessionEvent::kClosed:
      alive_.store(false);
      break;
  }
}

CommandRunner::CommandRunner(Client* client, const SessionState* session,
                             std::ostream* out)
    : client_(client), session_(session), out_(out), err_(&std::cerr) {}

Status CommandRunner::Run(const Command& cmd) {
  switch (cmd.kind) {
    case CommandKind::kCreate:
      return Create(cmd);
    case CommandKind::kGet:
      return Get(cmd);
    case CommandKind::kStat:
      return Stat(cmd);
    case CommandKind::kSet:
      return client_->SetData(cmd.path, cmd.data, cmd.version).status();
    case CommandKind::kLs:
      return cmd.recursive ? LsRecursive(cmd.path) : Ls(cmd);
    case CommandKind::kDelete:
      return client_->Delete(cmd.path, cmd.version);
    case CommandKind::kDeleteAll:
      return DeleteAll(cmd.path);
    case CommandKind::kSync:
      return client_->Sync(cmd.path);
    case CommandKind::kGetAcl:
      return GetAcl(cmd);
    case CommandKind::kSetAcl:
      return SetAcl(cmd);
    case CommandKind::kAddAuth:
      return client_->AddAuth(cmd.scheme, cmd.auth);
    case CommandKind::kSetQuota:
      return SetQuota(client_, cmd);
    case CommandKind::kListQuota:
      return ListQuota(client_, cmd, out_);
    case CommandKind::kDelQuota:
      return DelQuota(client_, cmd);
    case CommandKind::kDump:
      return RunDump(client_, cmd.path, out_, err_);
    case CommandKind::kLoad:
      return Load(cmd);
    case CommandKind::kWatch:
      return Watch(cmd);
    case CommandKind::kHelp:
      *out_ << HelpText() << std::flush;
      return Status::Ok();
    case CommandKind::kQuit:
      return Status::Ok();
  }
  return Status(proto::API_ERROR, "unknown command");
}

Status CommandRunner::Create(const Command& cmd) {
  Result<std::string> created = client_->Create(cmd.path, cmd.data, cmd.mode());
  if (!created.ok()) return created.status();
  *out_ << *created << std::endl;
  return Status::Ok();
}

Status CommandRunner::Get(const Command& cmd) {
  auto sink = std::make_shared<EventSink>();
  for (;;) {
    const uint64_t connections = session_->connections();
    Watcher w;
    if (cmd.watch) w = EventSink::MakeWatcher(sink, WatchSlot::kData);
    auto got = client_->GetData(cmd.path, std::move(w));
    if (!got.ok()) return got.status();
    *out_ << got->first << std::endl;
    if (!cmd.watch) return Status::Ok();
    EventSink::Fired fired;
    switch (sink->Wait(*session_, connections, &fired)) {
      case EventSink::Outcome::kEvent:
        *out_ << FormatEvent(fired.event) << std::endl;
        return Status::Ok();
      case EventSink::Outcome::kSessionEnded:
        return SessionEnded();
      case EventSink::Outcome::kReconnected:
        break;  // the new server may not hold the watch: read and watch again
    }
  }
}

Status CommandRunner::Stat(const Command& cmd) {
  Result<std::optional<proto::Stat>> stat = client_->Exists(cmd.path);
  if (!stat.ok()) return stat.status();
  if (!stat->has_value()) return Status(proto::NO_NODE, cmd.path);
  *out_ << FormatStat(**stat) << std::flush;
  return Status::Ok();
}

Status CommandRunner::Ls(const Command& cmd) {
  auto sink = std::make_shared<EventSink>();
  for (;;) {
    const uint64_t connections = session_->connections();
    Watcher w;
    if (cmd.watch) w = EventSink::MakeWatcher(sink, WatchSlot::kChild);
    auto children = client_->GetChildren(cmd.path, std::move(w));
    if (!children.ok()) return children.status();
    for (const std::string& c : *children) *out_ << c << '\n';
    *out_ << std::flush;
    if (!cmd.watch) return Status::Ok();
    EventSink::Fired fired;
    switch (sink->Wait(*session_, connections, &fired)) {
      case EventSink::Outcome::kEvent:
        *out_ << FormatEvent(fired.event) << std::endl;
        return Status::Ok();
      case EventSink::Outcome::kSessionEnded:
        return SessionEnded();
      case EventSink::Outcome::kReconnected:
        break;
    }
  }
}

Result<std::vector<std::string>> CommandRunner::Subtree(
    const std::string& path) {
  std::vector<std::string> nodes = {path};
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto children = client_->GetChildren(nodes[i]);
    if (!children.ok()) {
      // A node deleted while we walk is simply not there any more.
      if (i > 0 && children.status().code() == proto::NO_NODE) continue;
      return children.status();
    }
    for (const std::string& c : *children) {
      nodes.push_back(ChildPath(nodes[i], c));
    }
  }
  return nodes;
}

Status CommandRunner::LsRecursive(const std::string& path) {
  Result<std::vector<std::string>> nodes = Subtree(path);
  if (!nodes.ok()) return nodes.status();
  for (const std::string& n : *nodes) *out_ << n << '\n';
  *out_ << std::flush;
  return Status::Ok();
}

Status CommandRunner::DeleteAll(const std::string& path) {
  Result<std::vector<std::string>> nodes = Subtree(path);
  if (!nodes.ok()) return nodes.status();
  // Children before parents; the root itself cannot be deleted.
  for (auto it = nodes->rbegin(); it != nodes->rend(); ++it) {
    if (*it == "/") continue;
    Status s = client_->Delete(*it);
    if (!s.ok() && s.code() != proto::NO_NODE) return s;
  }
  return Status::Ok();
}

Status CommandRunner::GetAcl(const Command& cmd) {
  auto acl = client_->GetAcl(cmd.path);
  if (!acl.ok()) return acl.status();
  *out_ << FormatAcl(acl->first);
  if (cmd.print_stat) *out_ << FormatStat(acl->second);
  *out_ << std::flush;
  return Status::Ok();
}

Status CommandRunner::SetAcl(const Command& cmd) {
  std::vector<std::string> nodes = {cmd.path};
  if (cmd.recursive) {
    Result<std::vector<std::string>> subtree = Subtree(cmd.path);
    if (!subtree.ok()) return subtree.status();
    nodes = std::move(subtree).value();
  }
  for (const std::string& node : nodes) {
    Result<proto::Stat> stat = client_->SetAcl(node, cmd.acl, cmd.version);
    if (!stat.ok()) {
      // Deleted while we walk the subtree: nothing to protect any more.
      if (node != cmd.path && stat.status().code() == proto::NO_NODE) continue;
      return stat.status();
    }
    if (cmd.print_stat && node == cmd.path) *out_ << FormatStat(*stat);
  }
  *out_ << std::flush;
  return Status::Ok();
}

Status CommandRunner::Load(const Command& cmd) {
  if (cmd.file.empty()) {
    if (in_ == nullptr) {
      return Status(proto::BAD_ARGUMENTS,
                    "load reads standard input only as a one-shot command; "
                    "usage: load [-f] FILE");
    }
    return RunLoad(client_, in_, cmd.overwrite, out_);
  }
  std::ifstream file(cmd.file, std::ios::binary);
  if (!file) return Status(proto::BAD_ARGUMENTS, "cannot read " + cmd.file);
  return RunLoad(client_, &file, cmd.overwrite, out_);
}

Status CommandRunner::Watch(const Command& cmd) {
  // A data watch (exists: it also sees creation) and a child watch (only
  // while the node exists), each re-armed after it fires. A deletion fires
  // both with the same event; it is printed once.
  auto sink = std::make_shared<EventSink>();
  bool data_armed = false;
  bool child_armed = false;
  int printed = 0;
  std::optional<EventSink::Fired> last;
  for (;;) {
    const uint64_t connections = session_->connections();
    if (!data_armed) {
      auto s = client_->Exists(cmd.path,
                               EventSink::MakeWatcher(sink, WatchSlot::kData));
      if (!s.ok()) return s.status();
      data_armed = true;
    }
    if (!child_armed) {
      auto c = client_->GetChildren(
          cmd.path, EventSink::MakeWatcher(sink, WatchSlot::kChild));
      if (c.ok()) {
        child_armed = true;
      } else if (c.status().code() != proto::NO_NODE) {
        return c.status();
      }
    }
    EventSink::Fired fired;
    switch (sink->Wait(*session_, connections, &fired)) {
      case EventSink::Outcome::kSessionEnded:
        return SessionEnded();
      case EventSink::Outcome::kReconnected:
        data_armed = child_armed = false;
        continue;
      case EventSink::Outcome::kEvent:
        break;
    }
    if (fired.slot == WatchSlot::kData) data_armed = false;
    if (fired.slot == WatchSlot::kChild) child_armed = false;
    // One change seen by two watchers (a deletion fires both; after a
    // reconnect a watch may be registered twice): the same type, path and
    // zxid. Without a zxid only the data/child pair can be told apart.
    const bool duplicate =
        last && last->event.type() == fired.event.type() &&
        last->event.path() == fired.event.path() &&
        last->event.zxid() == fired.event.zxid() &&
        (fired.event.zxid() != 0 || last->slot != fired.slot);
    if (duplicate) continue;
    last = fired;
    *out_ << FormatEvent(fired.event) << std::endl;
    if (cmd.count > 0 && ++printed >= cmd.count) return Status::Ok();
  }
}

Status RunLine(std::string_view line, CommandRunner* runner, std::ostream* err,
               bool* quit) {
  Result<std::vector<std::string>> words = SplitLine(line);
  Status s;
  if (!words.ok()) {
    s = words.status();
  } else if (words->empty()) {
    return Status::Ok();
  } else {
    Result<Command> cmd = ParseCommand(*words);
    if (!cmd.ok()) {
      s = cmd.status();
    } else if (cmd->kind == CommandKind::kQuit) {
      *quit = true;
      return Status::Ok();
    } else {
      s = runner->Run(*cmd);
    }
  }
  if (!s.ok()) *err << s.ToString() << std::endl;
  return s;
}

int RunScript(std::istream* in, CommandRunner* runner, std::ostream* err) {
  int failures = 0;
  bool quit = false;
  std::string line;
  while (!quit && std::getline(*in, line)) {
    if (!RunLine(line, runner, err, &quit).ok()) ++failures;
  }
  return failures;
}

}  // namespace canopy::cli
