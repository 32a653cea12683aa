#include "tests/nemesis/workloads.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "canopy/client.h"
#include "canopy/recipes/lock.h"
#include "canopy/recipes/session_events.h"

namespace canopy::nemesis {

namespace {

constexpr char kRoot[] = "/nem";
constexpr char kRegisters[] = "/nem/r";
constexpr char kCounter[] = "/nem/counter";
constexpr char kSequential[] = "/nem/seq";
constexpr char kSet[] = "/nem/set";
constexpr char kLock[] = "/nem/lock";

std::string KeyPath(int k) { return std::string(kRegisters) + "/k" + std::to_string(k); }

// ok, fail (the server refused: no effect) or unknown.
Outcome Classify(const Status& status) {
  if (status.ok()) return Outcome::kOk;
  switch (status.code()) {
    case proto::BAD_VERSION:
    case proto::NO_NODE:
    case proto::NODE_EXISTS:
    case proto::NOT_EMPTY:
    case proto::BAD_ARGUMENTS:
    case proto::NO_AUTH:
    case proto::INVALID_ACL:
      return Outcome::kFail;
    default:
      return Outcome::kUnknown;
  }
}

bool SessionGone(const Status& status) {
  return status.code() == proto::SESSION_EXPIRED ||
         status.code() == proto::API_ERROR;
}

std::unique_ptr<Client> ConnectOnce(const std::string& hosts, int timeout_ms,
                                    bool shuffle = true) {
  ClientOptions options;
  options.connect_string = hosts;
  options.session_timeout_ms = timeout_ms;
  options.shuffle_hosts = shuffle;
  auto client = Client::Connect(options);
  return client.ok() ? std::move(client).value() : nullptr;
}

// Connects, retrying until it works, `stop` is set, or `budget_ms` passes.
std::unique_ptr<Client> ConnectRetrying(const std::string& hosts,
                                        int timeout_ms,
                                        const std::atomic<bool>* stop,
                                        int budget_ms) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(budget_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (stop && stop->load()) return nullptr;
    if (auto c = ConnectOnce(hosts, timeout_ms)) return c;
    // Connect itself waits up to timeout_ms for a member; a refused
    // connection returns at once, so pace the retries a little.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return nullptr;
}

}  // namespace

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Workloads::Workloads(testing::Ensemble& ensemble, WorkloadOptions options,
                     std::function<void(std::string)> log)
    : ensemble_(ensemble), options_(options), log_(std::move(log)) {}

Workloads::~Workloads() { Stop(); }

std::unique_ptr<Workloads> Workloads::Setup(
    testing::Ensemble& ensemble, WorkloadOptions options,
    std::function<void(std::string)> log) {
  auto w = std::unique_ptr<Workloads>(
      new Workloads(ensemble, options, std::move(log)));
  auto client = ConnectRetrying(ensemble.hosts(), options.session_timeout_ms,
                                nullptr, 30000);
  if (!client) return nullptr;
  std::vector<std::pair<std::string, std::string>> nodes = {
      {kRoot, ""},      {kRegisters, ""}, {kCounter, "0"},
      {kSequential, ""}, {kSet, ""},      {kLock, ""}};
  for (int k = 0; k < options.register_keys; ++k) {
    nodes.push_back({KeyPath(k), ""});
  }
  for (const auto& [path, data] : nodes) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      auto r = client->Create(path, data);
      if (r.ok() || r.status().code() == proto::NODE_EXISTS) break;
      if (std::chrono::steady_clock::now() > deadline) return nullptr;
    }
  }
  return w;
}

void Workloads::Start() {
  int process = 0;
  for (int i = 0; i < options_.register_clients; ++i) {
    threads_.emplace_back([this, p = process++] { RegisterLoop(p); });
  }
  for (int i = 0; i < 2; ++i) {
    threads_.emplace_back([this, p = process++] { SequentialLoop(p); });
  }
  threads_.emplace_back([this, p = process++] { SetLoop(p); });
  for (int i = 0; i < options_.lock_clients; ++i) {
    threads_.emplace_back([this, p = process++] { LockLoop(p); });
  }
}

void Workloads::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void Workloads::Record(RegisterOp op) {
  if (op.outcome == Outcome::kOk) ++acked_;
  std::lock_guard lock(mu_);
  registers_.push_back(std::move(op));
}

void Workloads::RegisterLoop(int process) {
  std::mt19937_64 rng(options_.seed * 1000 + uint64_t(process));
  std::unique_ptr<Client> client;
  std::map<int, int32_t> known_version;
  for (int i = 0; !stop_; ++i) {
    if (!client) {
      client = ConnectRetrying(ensemble_.hosts(), options_.session_timeout_ms,
                               &stop_, 1 << 30);
      if (!client) return;
    }
    const int k = int(rng() % uint64_t(options_.register_keys));
    const std::string path = KeyPath(k);
    RegisterOp op;
    op.process = process;
    op.key = path;
    const int dice = int(rng() % 10);
    Status status;
    op.invoke_time = NowNs();
    if (dice < 4) {
      op.kind = OpKind::kRead;
      status = client->Sync(path);
      if (status.ok()) {
        auto r = client->GetData(path);
        status = r.status();
        if (r.ok()) {
          op.value = r->first;
          op.version = r->second.version();
          known_version[k] = op.version;
        }
      }
    } else {
      op.kind = dice < 7 ? OpKind::kWrite : OpKind::kCas;
      op.value = "p" + std::to_string(process) + "-" + std::to_string(i);
      op.expected_version = op.kind == OpKind::kCas ? known_version[k] : -1;
      auto r = client->SetData(path, op.value, op.expected_version);
      status = r.status();
      if (r.ok()) {
        op.version = r->version();
        known_version[k] = op.version;
      }
    }
    op.complete_time = NowNs();
    op.outcome = Classify(status);
    if (op.kind == OpKind::kRead && op.outcome == Outcome::kFail) {
      op.outcome = Outcome::kUnknown;  // a read has no definite failure here
    }
    Record(op);
    if (SessionGone(status)) client.reset();
  }
}

void Workloads::SequentialLoop(int process) {
  std::unique_ptr<Client> client;
  for (int i = 0; !stop_; ++i) {
    if (!client) {
      client = ConnectRetrying(ensemble_.hosts(), options_.session_timeout_ms,
                               &stop_, 1 << 30);
      if (!client) return;
    }
    CreateOp op;
    op.process = process;
    op.token = "s" + std::to_string(process) + "-" + std::to_string(i);
    op.invoke_time = NowNs();
    auto r = client->Create(std::string(kSequential) + "/s-", op.token,
                            proto::PERSISTENT_SEQUENTIAL);
    op.complete_time = NowNs();
    op.outcome = Classify(r.status());
    if (r.ok()) {
      op.name = r->substr(std::string(kSequential).size() + 1);
      ++acked_;
    }
    {
      std::lock_guard lock(mu_);
      sequential_.push_back(op);
    }
    if (SessionGone(r.status())) client.reset();
  }
}

void Workloads::SetLoop(int process) {
  std::unique_ptr<Client> client;
  for (int i = 0; !stop_; ++i) {
    if (!client) {
      client = ConnectRetrying(ensemble_.hosts(), options_.session_timeout_ms,
                               &stop_, 1 << 30);
      if (!client) return;
    }
    CreateOp op;
    op.process = process;
    op.token = "c" + std::to_string(process) + "-" + std::to_string(i);
    op.invoke_time = NowNs();
    auto r = client->Create(std::string(kSet) + "/" + op.token, "x");
    op.complete_time = NowNs();
    op.outcome = Classify(r.status());
    if (r.ok()) {
      op.name = op.token;
      ++acked_;
    }
    {
      std::lock_guard lock(mu_);
      set_.push_back(op);
    }
    if (SessionGone(r.status())) client.reset();
  }
}

void Workloads::LockLoop(int process) {
  while (!stop_) {
    recipes::SessionEventHub hub;
    auto disconnects = std::make_shared<std::atomic<int>>(0);
    hub.Subscribe([disconnects](SessionEvent e) {
      if (e != SessionEvent::kConnected) ++*disconnects;
    });
    std::unique_ptr<Client> client;
    {
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::hours(1);
      while (!stop_ && !client && std::chrono::steady_clock::now() < deadline) {
        ClientOptions options;
        options.connect_string = ensemble_.hosts();
        options.session_timeout_ms = options_.session_timeout_ms;
        auto c = recipes::ConnectWithHub(options, hub);
        if (c.ok()) {
          client = std::move(c).value();
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    }
    if (!client) return;
    bool session_gone = false;
    {
      recipes::Lock lock(*client, kLock, &hub);
      while (!stop_ && !session_gone) {
        const Status acquired = lock.Acquire(2000);
        if (!acquired.ok()) {
          session_gone = SessionGone(acquired);
          continue;
        }
        LockHold hold;
        hold.process = process;
        hold.enter_time = NowNs();
        const int disconnects_at_enter = disconnects->load();
        RegisterOp read;
        read.process = process;
        read.kind = OpKind::kRead;
        read.key = kCounter;
        read.invoke_time = NowNs();
        Status status = client->Sync(kCounter);
        if (status.ok()) {
          auto r = client->GetData(kCounter);
          status = r.status();
          if (r.ok()) {
            read.value = r->first;
            read.version = r->second.version();
          }
        }
        read.complete_time = NowNs();
        read.outcome = status.ok() ? Outcome::kOk : Outcome::kUnknown;
        const bool have_read = status.ok();
        Record(read);
        if (have_read) {
          RegisterOp cas;
          cas.process = process;
          cas.kind = OpKind::kCas;
          cas.key = kCounter;
          cas.expected_version = read.version;
          cas.value = std::to_string(std::stoll(read.value) + 1);
          cas.invoke_time = NowNs();
          auto r = client->SetData(kCounter, cas.value, cas.expected_version);
          cas.complete_time = NowNs();
          cas.outcome = Classify(r.status());
          if (r.ok()) cas.version = r->version();
          status = r.status();
          {
            std::lock_guard guard(mu_);
            if (cas.outcome == Outcome::kOk) ++counter_acked_;
            if (cas.outcome == Outcome::kUnknown) ++counter_unknown_;
          }
          Record(cas);
        }
        hold.exit_time = NowNs();
        hold.clean = disconnects->load() == disconnects_at_enter &&
                     lock.state() == recipes::LockState::kHeld;
        {
          std::lock_guard guard(mu_);
          holds_.push_back(hold);
        }
        session_gone = SessionGone(status);
        lock.Release();
      }
    }
  }
}

WorkloadVerdict Workloads::Check() {
  Stop();
  WorkloadVerdict v;
  auto problem = [&](std::string p) {
    if (log_) log_("PROBLEM: " + p);
    v.problems.push_back(std::move(p));
  };
  auto client = ConnectRetrying(ensemble_.hosts(), options_.session_timeout_ms,
                                nullptr, 60000);
  if (!client) {
    problem("no member accepted a session after the faults were healed");
    return v;
  }
  // Final synced reads join the register history.
  std::vector<std::string> keys;
  for (int k = 0; k < options_.register_keys; ++k) keys.push_back(KeyPath(k));
  keys.push_back(kCounter);
  std::map<std::string, std::pair<std::string, int32_t>> final_state;
  for (const std::string& key : keys) {
    Status status;
    RegisterOp op;
    for (int attempt = 0; attempt < 5; ++attempt) {
      op = RegisterOp{};
      op.process = 999;
      op.kind = OpKind::kRead;
      op.key = key;
      op.invoke_time = NowNs();
      status = client->Sync(key);
      if (status.ok()) {
        auto r = client->GetData(key);
        status = r.status();
        if (r.ok()) {
          op.value = r->first;
          op.version = r->second.version();
        }
      }
      op.complete_time = NowNs();
      if (status.ok()) break;
    }
    if (!status.ok()) {
      problem("final read of " + key + " failed: " + status.ToString());
      continue;
    }
    op.outcome = Outcome::kOk;
    final_state[key] = {op.value, op.version};
    std::lock_guard lock(mu_);
    registers_.push_back(op);
  }

  std::lock_guard lock(mu_);
  // Registers, counter included.
  std::map<std::string, RegisterState> initial;
  for (const std::string& key : keys) initial[key] = RegisterState{"", 0};
  initial[kCounter] = RegisterState{"0", 0};
  v.linearizability = CheckRegisters(registers_, initial);
  v.register_ops = v.linearizability.ops;
  v.register_unknown = v.linearizability.indeterminate;
  if (!v.linearizability.ok()) {
    // The failing key's whole history, for a person (or a replay) to read.
    const std::string dump = "/tmp/canopy-nemesis-seed" +
                             std::to_string(options_.seed) + "-history.txt";
    if (std::FILE* f = std::fopen(dump.c_str(), "w")) {
      for (const RegisterOp& op : registers_) {
        if (op.key == v.linearizability.key) {
          std::fprintf(f, "%s\n", DescribeOp(op).c_str());
        }
      }
      std::fclose(f);
      if (log_) log_("history of " + v.linearizability.key + " in " + dump);
    }
    problem(std::string("register history ") +
            VerdictName(v.linearizability.verdict) + ": " +
            v.linearizability.explanation);
  }

  // Sequential creates.
  auto children_with_data = [&](const std::string& parent,
                                std::map<std::string, std::string>* out) {
    auto names = client->GetChildren(parent);
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      auto d = client->GetData(parent + "/" + name);
      if (!d.ok()) return d.status();
      (*out)[name] = d->first;
    }
    return Status::Ok();
  };
  std::map<std::string, std::string> seq_children;
  if (Status s = client->Sync(kSequential); !s.ok()) {
    problem("final sync failed: " + s.ToString());
  }
  if (Status s = children_with_data(kSequential, &seq_children); !s.ok()) {
    problem("final listing of " + std::string(kSequential) +
            " failed: " + s.ToString());
  }
  std::map<std::string, const CreateOp*> by_name;
  std::map<std::string, const CreateOp*> by_token;
  std::vector<const CreateOp*> acked_seq;
  for (const CreateOp& op : sequential_) {
    ++v.creates;
    if (op.outcome == Outcome::kUnknown) ++v.creates_unknown;
    by_token[op.token] = &op;
    if (op.outcome != Outcome::kOk) continue;
    acked_seq.push_back(&op);
    if (auto [it, fresh] = by_name.emplace(op.name, &op); !fresh) {
      problem("duplicate sequential name " + op.name + " for " + op.token +
              " and " + it->second->token);
    }
    const auto child = seq_children.find(op.name);
    if (child == seq_children.end()) {
      problem("acknowledged sequential create lost: " + op.name + " (" +
              op.token + ")");
    } else if (child->second != op.token) {
      problem("sequential node " + op.name + " holds " + child->second +
              ", acknowledged to " + op.token);
    }
  }
  std::set<std::string> tokens_seen;
  for (const auto& [name, token] : seq_children) {
    if (!tokens_seen.insert(token).second) {
      problem("token " + token + " created twice (second as " + name + ")");
    }
    const auto it = by_token.find(token);
    if (it == by_token.end() || it->second->outcome == Outcome::kFail) {
      problem("sequential node " + name + " holds " + token +
              ", which no create that may have succeeded wrote");
    }
  }
  // Real-time order: a create acknowledged before another began has the
  // lower sequence number.
  {
    std::vector<const CreateOp*> by_complete = acked_seq;
    std::sort(by_complete.begin(), by_complete.end(),
              [](auto* a, auto* b) { return a->complete_time < b->complete_time; });
    std::vector<const CreateOp*> by_invoke = acked_seq;
    std::sort(by_invoke.begin(), by_invoke.end(),
              [](auto* a, auto* b) { return a->invoke_time < b->invoke_time; });
    size_t j = 0;
    const CreateOp* max_before = nullptr;
    for (const CreateOp* b : by_invoke) {
      while (j < by_complete.size() &&
             by_complete[j]->complete_time < b->invoke_time) {
        if (!max_before || by_complete[j]->name > max_before->name) {
          max_before = by_complete[j];
        }
        ++j;
      }
      if (max_before && max_before->name >= b->name) {
        problem("sequential " + b->name + " (" + b->token +
                ") began after " + max_before->name + " (" +
                max_before->token + ") was acknowledged, yet is not after it");
        break;
      }
    }
  }

  // The set.
  auto set_children = client->GetChildren(kSet);
  if (!set_children.ok()) {
    problem("final listing of " + std::string(kSet) +
            " failed: " + set_children.status().ToString());
  } else {
    const std::set<std::string> present(set_children->begin(),
                                        set_children->end());
    std::map<std::string, Outcome> attempted;
    for (const CreateOp& op : set_) {
      ++v.creates;
      if (op.outcome == Outcome::kUnknown) ++v.creates_unknown;
      attempted[op.token] = op.outcome;
      if (op.outcome == Outcome::kOk && !present.count(op.token)) {
        problem("acknowledged set element lost: " + op.token);
      }
    }
    for (const std::string& name : present) {
      const auto it = attempted.find(name);
      if (it == attempted.end() || it->second == Outcome::kFail) {
        problem("set element " + name + " present but never added");
      }
    }
  }

  // The lock and its counter.
  std::vector<LockHold> clean;
  for (const LockHold& h : holds_) {
    ++v.lock_holds;
    if (h.clean) clean.push_back(h);
  }
  std::sort(clean.begin(), clean.end(),
            [](auto& a, auto& b) { return a.enter_time < b.enter_time; });
  int64_t latest_exit = 0;
  int latest_process = -1;
  for (const LockHold& h : clean) {
    if (latest_process >= 0 && h.enter_time < latest_exit &&
        h.process != latest_process) {
      problem("two lock holders at once: p" + std::to_string(h.process) +
              " entered at " + std::to_string(h.enter_time) + " before p" +
              std::to_string(latest_process) + " left at " +
              std::to_string(latest_exit));
    }
    if (h.exit_time > latest_exit) {
      latest_exit = h.exit_time;
      latest_process = h.process;
    }
  }
  v.counter_acked = counter_acked_;
  v.counter_unknown = counter_unknown_;
  if (final_state.count(kCounter)) {
    v.counter = std::stoll(final_state[kCounter].first);
    if (v.counter < counter_acked_ ||
        v.counter > counter_acked_ + counter_unknown_) {
      problem("counter is " + std::to_string(v.counter) + " after " +
              std::to_string(counter_acked_) + " acknowledged and " +
              std::to_string(counter_unknown_) + " unknown increments");
    }
  }

  // Every running member agrees with the final state.
  for (int id = 1; id <= ensemble_.size(); ++id) {
    if (!ensemble_.running(id)) continue;
    auto member = ConnectOnce("127.0.0.1:" + std::to_string(
                                  ensemble_.client_port(id)),
                              options_.session_timeout_ms, false);
    if (!member) {
      problem("member " + std::to_string(id) + " refused a session at the end");
      continue;
    }
    if (Status s = member->Sync("/"); !s.ok()) {
      problem("member " + std::to_string(id) + " could not sync: " +
              s.ToString());
      continue;
    }
    for (const auto& [key, state] : final_state) {
      auto r = member->GetData(key);
      if (!r.ok() || r->first != state.first ||
          r->second.version() != state.second) {
        problem("member " + std::to_string(id) + " disagrees on " + key +
                (r.ok() ? ": '" + r->first + "' v" +
                              std::to_string(r->second.version())
                        : ": " + r.status().ToString()) +
                " vs '" + state.first + "' v" + std::to_string(state.second));
      }
    }
    auto seq = member->GetChildren(kSequential);
    if (!seq.ok() || seq->size() != seq_children.size()) {
      problem("member " + std::to_string(id) + " has " +
              (seq.ok() ? std::to_string(seq->size()) : seq.status().ToString()) +
              " sequential nodes, not " + std::to_string(seq_children.size()));
    }
  }
  return v;
}

}  // namespace canopy::nemesis
