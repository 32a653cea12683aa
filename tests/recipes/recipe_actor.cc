// A recipe participant in its own OS process, for recipe_process_test: it
// takes a role, reports on stdout (one flushed line per event), then blocks
// reading stdin until EOF so the test can SIGKILL it while it holds state.
//
//   recipe_actor lock    HOSTS PATH        -> "held"
//   recipe_actor elect   HOSTS PATH NAME   -> "follower NAME" / "leader NAME"
//   recipe_actor consume HOSTS PATH        -> "took <data>" (never acked)
//   recipe_actor join    HOSTS PATH NAME   -> "joined"
//
// Errors go to stderr and end the process with status 1.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "canopy/client.h"
#include "canopy/recipes/distributed_queue.h"
#include "canopy/recipes/group_membership.h"
#include "canopy/recipes/leader_election.h"
#include "canopy/recipes/lock.h"
#include "canopy/recipes/session_events.h"

namespace {

using namespace canopy;
using namespace canopy::recipes;

constexpr int kSessionTimeoutMs = 1000;

std::mutex g_out_mu;

void Say(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_out_mu);
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "recipe_actor: %s: %s\n", what.c_str(),
               s.ToString().c_str());
  return 1;
}

// Blocks until stdin reaches EOF (the test closed it or died).
void BlockOnStdin() {
  char buf[256];
  while (true) {
    const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n == 0) return;
    if (n < 0 && errno != EINTR) return;
  }
}

int Usage() {
  std::fprintf(stderr,
               "usage: recipe_actor lock|consume HOSTS PATH\n"
               "       recipe_actor elect|join HOSTS PATH NAME\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return Usage();
  const std::string mode = argv[1];
  const std::string path = argv[3];
  const bool needs_name = mode == "elect" || mode == "join";
  if (needs_name && argc < 5) return Usage();
  const std::string name = needs_name ? argv[4] : "";

  SessionEventHub hub;
  ClientOptions options;
  options.connect_string = argv[2];
  options.session_timeout_ms = kSessionTimeoutMs;
  auto connected = ConnectWithHub(std::move(options), hub);
  if (!connected.ok()) return Fail("connect", connected.status());
  std::unique_ptr<Client> client = std::move(connected).value();

  if (mode == "lock") {
    Lock lock(*client, path, &hub);
    if (Status s = lock.Acquire(-1); !s.ok()) return Fail("acquire", s);
    Say("held");
    BlockOnStdin();
    return 0;
  }
  if (mode == "elect") {
    LeaderElection::Callbacks callbacks;
    callbacks.on_elected = [&] { Say("leader " + name); };
    callbacks.on_revoked = [&] { Say("revoked " + name); };
    LeaderElection election(*client, &hub, path, name, std::move(callbacks));
    if (Status s = election.Start(); !s.ok()) return Fail("start", s);
    if (!election.IsLeader()) Say("follower " + name);
    BlockOnStdin();
    return 0;
  }
  if (mode == "consume") {
    DistributedQueue queue(*client, path);
    auto item = queue.Take(-1);
    if (!item.ok()) return Fail("take", item.status());
    Say("took " + item->data);
    BlockOnStdin();
    return 0;
  }
  if (mode == "join") {
    GroupMembership group(*client, &hub, path);
    if (Status s = group.Join(name, name); !s.ok()) return Fail("join", s);
    Say("joined");
    BlockOnStdin();
    return 0;
  }
  return Usage();
}
