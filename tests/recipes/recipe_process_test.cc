// Recipes where the participant that dies is a separate OS process killed
// with SIGKILL (no close, no goodbye): its session must expire on the server
// and the survivors must take over. The participants are recipe_actor
// processes (RECIPE_ACTOR_PATH) talking over stdout pipes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "canopy/recipes/distributed_queue.h"
#include "canopy/recipes/group_membership.h"
#include "canopy/recipes/leader_election.h"
#include "canopy/recipes/lock.h"
#include "tests/recipes/recipe_test_util.h"

extern char** environ;

namespace canopy::recipes::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Bound on every wait for an actor or for a takeover. The actors' sessions
// time out after 1 s, so a takeover normally lands well inside this.
constexpr milliseconds kWait{15000};

// One recipe_actor child. The destructor SIGKILLs and reaps it, so no child
// outlives its test even when an assertion bails out early.
class Actor {
 public:
  static std::unique_ptr<Actor> Spawn(const std::vector<std::string>& args) {
    int out[2];
    int in[2];
    if (pipe2(out, O_CLOEXEC) != 0) return nullptr;
    if (pipe2(in, O_CLOEXEC) != 0) {
      close(out[0]);
      close(out[1]);
      return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> full = {RECIPE_ACTOR_PATH};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, RECIPE_ACTOR_PATH, &actions, nullptr,
                               argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
      close(in[1]);
      close(out[0]);
      return nullptr;
    }
    auto actor = std::unique_ptr<Actor>(new Actor());
    actor->pid_ = pid;
    actor->stdin_ = in[1];
    actor->stdout_ = out[0];
    actor->name_ = args.size() > 3 ? args[3] : args[0];
    return actor;
  }

  ~Actor() {
    Kill();
    if (stdin_ >= 0) close(stdin_);
    if (stdout_ >= 0) close(stdout_);
  }

  // SIGKILL and reap (idempotent).
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  bool alive() const { return pid_ > 0; }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& lines() const { return lines_; }
  bool Said(const std::string& line) const {
    return std::find(lines_.begin(), lines_.end(), line) != lines_.end();
  }
  bool SaidPrefix(const std::string& prefix) const {
    return std::any_of(lines_.begin(), lines_.end(), [&](const auto& l) {
      return l.rfind(prefix, 0) == 0;
    });
  }

  // Reads whatever is available now (called after poll said so).
  void Drain() {
    char buf[512];
    const ssize_t n = read(stdout_, buf, sizeof(buf));
    if (n <= 0) {
      eof_ = true;
      return;
    }
    partial_.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = partial_.find('\n')) != std::string::npos) {
      lines_.push_back(partial_.substr(0, nl));
      partial_.erase(0, nl + 1);
    }
  }

  int stdout_fd() const { return eof_ ? -1 : stdout_; }

 private:
  Actor() = default;
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  bool eof_ = false;
  std::string name_;
  std::string partial_;
  std::vector<std::string> lines_;
};

// Reads the actors' output (poll, no sleeping) until cond holds or timeout
// passes; returns cond's final value.
bool Await(const std::vector<Actor*>& actors, const std::function<bool()>& cond,
           milliseconds timeout = kWait) {
  const auto deadline = Clock::now() + timeout;
  while (!cond()) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    std::vector<pollfd> fds;
    std::vector<Actor*> owners;
    for (Actor* a : actors) {
      if (a->stdout_fd() < 0) continue;
      fds.push_back({a->stdout_fd(), POLLIN, 0});
      owners.push_back(a);
    }
    if (fds.empty()) return cond();
    const int n = poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) return cond();
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) owners[i]->Drain();
    }
  }
  return true;
}

std::string Dump(const std::vector<Actor*>& actors) {
  std::string out;
  for (const Actor* a : actors) {
    out += a->name() + (a->alive() ? "" : " (killed)") + ":";
    for (const auto& l : a->lines()) out += " [" + l + "]";
    out += "\n";
  }
  return out;
}

class RecipeProcessTest : public RecipeTest {
 protected:
  Actor* SpawnActor(const std::vector<std::string>& args) {
    auto actor = Actor::Spawn(args);
    EXPECT_NE(actor, nullptr) << "spawn " << RECIPE_ACTOR_PATH;
    if (!actor) return nullptr;
    actors_.push_back(std::move(actor));
    return actors_.back().get();
  }

  void TearDown() override { actors_.clear(); }

  std::vector<std::unique_ptr<Actor>> actors_;
};

TEST_F(RecipeProcessTest, LockPassesOnlyAfterHolderProcessIsKilled) {
  Actor* holder = SpawnActor({"lock", ConnectString(), "/locks/proc"});
  ASSERT_NE(holder, nullptr);
  ASSERT_TRUE(Await({holder}, [&] { return holder->Said("held"); }))
      << Dump({holder});

  HubClient c = Connect();
  ASSERT_NE(c.client, nullptr);
  Lock waiter(*c.client, "/locks/proc", c.hub.get());
  auto tried = waiter.TryAcquire();
  ASSERT_TRUE(tried.ok()) << tried.status().ToString();
  EXPECT_FALSE(*tried) << "took the lock while the actor holds it";
  EXPECT_EQ(waiter.Acquire(300).code(), proto::OPERATION_TIMEOUT);
  EXPECT_FALSE(waiter.IsHeld());

  holder->Kill();
  const auto killed_at = Clock::now();
  Status s = waiter.Acquire(static_cast<int>(kWait.count()));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(waiter.IsHeld());
  EXPECT_LT(Clock::now() - killed_at, kWait);
  ASSERT_TRUE(waiter.Release().ok());
}

TEST_F(RecipeProcessTest, LeaderProcessKilledAnotherProcessTakesOver) {
  std::vector<Actor*> all;
  for (int i = 0; i < 5; ++i) {
    Actor* a = SpawnActor(
        {"elect", ConnectString(), "/election/proc", "n" + std::to_string(i)});
    ASSERT_NE(a, nullptr);
    all.push_back(a);
  }
  auto leaders = [&](bool alive_only) {
    std::vector<Actor*> out;
    for (Actor* a : all) {
      if (alive_only && !a->alive()) continue;
      if (a->Said("leader " + a->name())) out.push_back(a);
    }
    return out;
  };
  // Everyone has entered (a line each) and someone leads.
  ASSERT_TRUE(Await(all, [&] {
    return !leaders(false).empty() &&
           std::all_of(all.begin(), all.end(),
                       [](Actor* a) { return !a->lines().empty(); });
  })) << Dump(all);
  auto first = leaders(false);
  ASSERT_EQ(first.size(), 1u) << Dump(all);
  Actor* old_leader = first[0];

  HubClient c = Connect();
  ASSERT_NE(c.client, nullptr);
  LeaderElection observer(*c.client, c.hub.get(), "/election/proc", "obs");
  auto data = observer.LeaderData();
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  ASSERT_TRUE(data->has_value());
  EXPECT_EQ(**data, old_leader->name());

  old_leader->Kill();
  const auto killed_at = Clock::now();
  ASSERT_TRUE(Await(all, [&] { return !leaders(true).empty(); })) << Dump(all);
  const auto takeover = Clock::now() - killed_at;
  auto next = leaders(true);
  ASSERT_EQ(next.size(), 1u) << Dump(all);
  EXPECT_NE(next[0], old_leader);
  EXPECT_LT(takeover, kWait);

  // The server agrees, and no second survivor claims leadership meanwhile.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto d = observer.LeaderData();
        return d.ok() && d->has_value() && **d == next[0]->name();
      },
      kWait))
      << Dump(all);
  Await(all, [] { return false; }, milliseconds(200));
  EXPECT_EQ(leaders(true).size(), 1u) << Dump(all);
}

TEST_F(RecipeProcessTest, ItemTakenByKilledProcessGoesToAnotherConsumer) {
  HubClient c = Connect();
  ASSERT_NE(c.client, nullptr);
  DistributedQueue queue(*c.client, "/queues/proc");
  ASSERT_TRUE(queue.Put("job-1").ok());

  Actor* consumer = SpawnActor({"consume", ConnectString(), "/queues/proc"});
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(Await({consumer}, [&] { return consumer->SaidPrefix("took "); }))
      << Dump({consumer});
  EXPECT_TRUE(consumer->Said("took job-1")) << Dump({consumer});

  // Claimed by a live process: nobody else may have it.
  auto early = queue.Take(300);
  EXPECT_FALSE(early.ok()) << "took claimed item " << early->data;
  if (!early.ok()) EXPECT_EQ(early.status().code(), proto::OPERATION_TIMEOUT);

  consumer->Kill();
  auto item = queue.Take(static_cast<int>(kWait.count()));
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  EXPECT_EQ(item->data, "job-1");
  ASSERT_TRUE(queue.Ack(*item).ok());
  auto size = queue.Size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 0);
}

struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> latest;

  bool WaitUntil(const std::vector<std::string>& want, milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] { return latest == want; });
  }
  std::vector<std::string> Latest() {
    std::lock_guard<std::mutex> lock(mu);
    return latest;
  }
};

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return "[" + out + "]";
}

TEST_F(RecipeProcessTest, KilledMemberProcessLeavesTheGroup) {
  HubClient c = Connect();
  ASSERT_NE(c.client, nullptr);
  Seen seen;
  GroupMembership watcher(*c.client, c.hub.get(), "/groups/proc");
  ASSERT_TRUE(watcher
                  .Watch([&](const std::vector<Member>& list) {
                    std::vector<std::string> names;
                    for (const auto& m : list) names.push_back(m.name);
                    {
                      std::lock_guard<std::mutex> lock(seen.mu);
                      seen.latest = std::move(names);
                    }
                    seen.cv.notify_all();
                  })
                  .ok());

  std::vector<Actor*> members;
  for (const char* name : {"m0", "m1", "m2"}) {
    Actor* a = SpawnActor({"join", ConnectString(), "/groups/proc", name});
    ASSERT_NE(a, nullptr);
    members.push_back(a);
  }
  ASSERT_TRUE(Await(members, [&] {
    return std::all_of(members.begin(), members.end(),
                       [](Actor* a) { return a->Said("joined"); });
  })) << Dump(members);
  ASSERT_TRUE(seen.WaitUntil({"m0", "m1", "m2"}, kWait))
      << Join(seen.Latest());

  members[1]->Kill();
  ASSERT_TRUE(seen.WaitUntil({"m0", "m2"}, kWait)) << Join(seen.Latest());
  auto listed = watcher.List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "m0");
  EXPECT_EQ((*listed)[1].name, "m2");
}

}  // namespace
}  // namespace canopy::recipes::testing
