#include "tests/sim/cluster.h"

#include <cstdio>
#include <utility>

#include "server/zab/messages.h"
#include "tests/sim/sim_random.h"

namespace canopy::sim {

Cluster::Cluster(ClusterOptions options, std::string* transcript)
    : Cluster(options, transcript, std::mt19937_64(options.seed)) {}

Cluster::Cluster(ClusterOptions options, std::string* transcript,
                 std::mt19937_64 rng)
    : options_(std::move(options)), transcript_(transcript), rng_(rng) {
  zab::CoreOptions base = options_.core;
  base.voters.clear();
  base.observers.clear();
  for (int id = 1; id <= options_.voters; ++id) base.voters.insert(id);
  for (int i = 1; i <= options_.observers; ++i) {
    base.observers.insert(options_.voters + i);
  }
  const int total = options_.voters + options_.observers;
  for (int id = 1; id <= total; ++id) {
    zab::CoreOptions core = base;
    core.my_id = id;
    if (tracing()) {
      core.trace = [this](std::string_view note) { Note(std::string(note)); };
    }
    members_[id] = std::make_unique<SimMember>(id, std::move(core), this);
  }
  for (auto& [id, member] : members_) {
    member->Start();
    Event tick;
    tick.kind = Kind::kTick;
    tick.member = id;
    tick.time = UniformInt(rng_, 1, options_.tick_ms);
    Push(tick);
  }
}

Cluster::~Cluster() = default;

void Cluster::Note(const std::string& line) {
  if (!transcript_) return;
  char stamp[24];
  std::snprintf(stamp, sizeof(stamp), "[%7lld] ", static_cast<long long>(now_));
  transcript_->append(stamp);
  transcript_->append(line);
  transcript_->push_back('\n');
}

void Cluster::Push(Event event) {
  event.seq = ++seq_;
  queue_.push(std::move(event));
}

bool Cluster::Step() {
  if (queue_.empty()) return false;
  Event event = queue_.top();
  queue_.pop();
  now_ = std::max(now_, event.time);
  ++steps_;
  Run(event);
  return true;
}

void Cluster::RunUntil(int64_t until) {
  while (!checker_.failed() && !queue_.empty() && queue_.top().time <= until) {
    Step();
  }
  if (!checker_.failed()) now_ = std::max(now_, until);
}

bool Cluster::RunUntilTrue(const std::function<bool()>& done,
                           int64_t limit_ms) {
  const int64_t deadline = now_ + limit_ms;
  while (!done()) {
    if (checker_.failed()) return false;
    if (queue_.empty() || queue_.top().time > deadline) {
      now_ = std::max(now_, deadline);
      return done();
    }
    Step();
  }
  return true;
}

void Cluster::Every(int64_t period_ms, std::function<void()> fn) {
  timers_.push_back(Timer{period_ms, std::move(fn)});
  Event event;
  event.kind = Kind::kTimer;
  event.timer = static_cast<int>(timers_.size()) - 1;
  event.time = now_ + period_ms;
  Push(event);
}

void Cluster::Run(const Event& event) {
  SimMember& member = *members_.at(event.member == 0 ? 1 : event.member);
  const bool paused = paused_.count(event.member) != 0;
  switch (event.kind) {
    case Kind::kTimer: {
      Event next = event;
      next.time = now_ + timers_[event.timer].period_ms;
      Push(next);
      timers_[event.timer].fn();
      return;
    }
    case Kind::kTick: {
      Event next = event;
      next.time = now_ + options_.tick_ms;
      Push(next);
      if (member.up() && !paused) member.Tick();
      return;
    }
    case Kind::kDiskDone:
      if (!member.up() || member.incarnation() != event.incarnation) return;
      if (paused || stalled_.count(event.member)) {
        held_[event.member].push_back(event);
        return;
      }
      member.DiskDone();
      return;
    case Kind::kMessage:
    case Kind::kSnapshot:
      if (network_.IsCut(event.from, event.member) || !member.up()) {
        if (tracing() && event.message && Traced(*event.message)) {
          Note("lost " + zab::Describe(*event.message));
        }
        return;
      }
      if (paused) {
        held_[event.member].push_back(event);
        return;
      }
      if (event.kind == Kind::kMessage) {
        member.Deliver(*event.message);
      } else {
        member.DeliverSnapshot(event.from, event.snapshot);
      }
      return;
  }
}

bool Cluster::Traced(const proto::PeerMessage& message) const {
  if (!options_.trace_messages) return false;
  if (options_.trace_heartbeats) return true;
  return !message.has_vote() && !message.has_ping() && !message.has_ping_ack();
}

void Cluster::Send(const proto::PeerMessage& message) {
  if (drop_filter_ && drop_filter_(message)) {
    if (tracing() && Traced(message)) {
      Note("send " + zab::Describe(message) + " [dropped by the script]");
    }
    return;
  }
  const std::vector<int64_t> arrivals = network_.Schedule(
      static_cast<int>(message.from()), static_cast<int>(message.to()), now_,
      rng_);
  if (tracing() && Traced(message)) {
    Note("send " + zab::Describe(message) +
         (arrivals.empty() ? " [lost]" : arrivals.size() > 1 ? " [twice]" : ""));
  }
  auto shared = std::make_shared<const proto::PeerMessage>(message);
  for (int64_t at : arrivals) {
    Event event;
    event.time = at;
    event.kind = Kind::kMessage;
    event.member = static_cast<int>(message.to());
    event.from = static_cast<int>(message.from());
    event.message = shared;
    Push(event);
  }
}

void Cluster::SendSnapshot(int from, int to,
                           std::shared_ptr<const SimSnapshot> snapshot) {
  const std::vector<int64_t> arrivals =
      network_.Schedule(from, to, now_, rng_);
  if (tracing()) {
    Note("m" + std::to_string(from) + " streams its snapshot at " +
         zab::ZxidString(snapshot->zxid) + " to m" + std::to_string(to) +
         (arrivals.empty() ? " [lost]" : ""));
  }
  for (int64_t at : arrivals) {
    Event event;
    event.time = at;
    event.kind = Kind::kSnapshot;
    event.member = to;
    event.from = from;
    event.snapshot = snapshot;
    Push(event);
  }
}

int64_t Cluster::SyncDelay() {
  const bool slow = Chance(rng_, options_.slow_sync_fraction);
  return UniformInt(
      rng_, 1, slow ? options_.slow_sync_max_ms : options_.fast_sync_max_ms);
}

void Cluster::ScheduleDiskDone(int member, uint64_t incarnation, int64_t at) {
  Event event;
  event.time = at;
  event.kind = Kind::kDiskDone;
  event.member = member;
  event.incarnation = incarnation;
  Push(event);
}

void Cluster::Crash(int id) {
  SimMember& member = *members_.at(id);
  if (!member.up()) return;
  Note("FAULT crash m" + std::to_string(id));
  member.Crash();
  paused_.erase(id);
  held_.erase(id);
  for (int other : member_ids()) {
    if (other != id) ReportLost(other, id);
  }
  for (auto it = writes_.begin(); it != writes_.end();) {
    it = it->second.member == id ? writes_.erase(it) : std::next(it);
  }
  for (auto it = reads_.begin(); it != reads_.end();) {
    it = it->second.member == id ? reads_.erase(it) : std::next(it);
  }
}

void Cluster::Restart(int id) {
  SimMember& member = *members_.at(id);
  if (member.up()) return;
  Note("FAULT restart m" + std::to_string(id));
  member.Start();
}

void Cluster::Pause(int id) {
  if (!members_.at(id)->up() || paused_.count(id)) return;
  Note("FAULT pause m" + std::to_string(id));
  paused_.insert(id);
}

void Cluster::Resume(int id) {
  if (!paused_.count(id)) return;
  Note("FAULT resume m" + std::to_string(id));
  paused_.erase(id);
  std::deque<Event> held = std::move(held_[id]);
  held_.erase(id);
  for (const Event& event : held) {
    if (checker_.failed()) return;
    Run(event);
  }
}

void Cluster::Partition(const std::vector<std::set<int>>& groups) {
  if (tracing()) {
    std::string text = "FAULT partition";
    for (const auto& group : groups) {
      text += " {";
      for (int id : group) text += " m" + std::to_string(id);
      text += " }";
    }
    Note(text);
  }
  network_.Partition(groups);
  for (const auto& group : groups) {
    for (int a : group) {
      for (int b : member_ids()) {
        if (!group.count(b)) ReportLost(a, b);
      }
    }
  }
}

void Cluster::ReportLost(int a, int b) {
  if (!options_.report_lost_links || a == b) return;
  if (!members_.at(a)->up() || paused_.count(a)) return;
  Note("LINK m" + std::to_string(a) + " lost m" + std::to_string(b));
  members_.at(a)->PeerLost(b);
}

void Cluster::Cut(int from, int to) {
  Note("FAULT cut m" + std::to_string(from) + "->m" + std::to_string(to));
  network_.Cut(from, to);
  ReportLost(from, to);
}

void Cluster::HealNetwork() {
  Note("FAULT heal the network");
  network_.HealAll();
}

void Cluster::SetFaults(const SimNetwork::Faults& faults) {
  if (tracing()) {
    char text[128];
    std::snprintf(text, sizeof(text),
                  "FAULT network drop=%.3f duplicate=%.3f reorder=%.3f",
                  faults.drop, faults.duplicate, faults.reorder);
    Note(text);
  }
  network_.SetFaults(faults);
}

void Cluster::SetDropFilter(
    std::function<bool(const proto::PeerMessage&)> filter) {
  drop_filter_ = std::move(filter);
}

void Cluster::StallDisk(int id, bool stalled) {
  Note(std::string("FAULT ") + (stalled ? "stall" : "unstall") +
       " the disk of m" + std::to_string(id));
  if (stalled) {
    stalled_.insert(id);
    return;
  }
  stalled_.erase(id);
  if (paused_.count(id)) return;  // Resume runs what waits
  std::deque<Event> held = std::move(held_[id]);
  held_.erase(id);
  for (const Event& event : held) {
    if (checker_.failed()) return;
    Run(event);
  }
}

void Cluster::TakeSnapshot(int id, bool compact) {
  SimMember& member = *members_.at(id);
  if (member.up()) member.TakeSnapshot(compact);
}

std::optional<Zxid> Cluster::Write(int id, const std::string& key,
                                   const std::string& value) {
  if (!members_.count(id)) return std::nullopt;
  SimMember& member = *members_.at(id);
  if (!member.up() || paused_.count(id)) return std::nullopt;
  // Recorded before proposing: the ack may come within the call.
  const Zxid zxid = member.core()->NextZxid();
  writes_[zxid] = PendingWrite{id, member.incarnation(), value};
  checker_.OnWriteProposed(zxid, key, value, now_);
  proto::Txn txn;
  txn.mutable_set_data()->set_path(key);
  txn.mutable_set_data()->set_data(value);
  if (tracing()) {
    Note("client writes " + key + "=" + value + " at m" + std::to_string(id));
  }
  Result<Zxid> result = member.Propose(std::move(txn));
  if (!result.ok() || *result != zxid) {
    writes_.erase(zxid);
    if (tracing()) Note("client write refused: " + result.status().ToString());
    return std::nullopt;
  }
  return zxid;
}

std::optional<uint64_t> Cluster::Read(int id, const std::string& key) {
  if (!members_.count(id)) return std::nullopt;
  SimMember& member = *members_.at(id);
  if (!member.up() || paused_.count(id)) return std::nullopt;
  const uint64_t read_id = next_read_id_++;
  reads_[read_id] = PendingRead{id, member.incarnation(), key, now_};
  if (tracing()) {
    Note("client reads " + key + " at m" + std::to_string(id) + " (sync #" +
         std::to_string(read_id) + ")");
  }
  Status status = member.RequestSyncBarrier(read_id);
  if (!status.ok()) {
    reads_.erase(read_id);
    return std::nullopt;
  }
  return read_id;
}

void Cluster::OnApplied(int id, const proto::Txn& txn) {
  auto it = writes_.find(txn.zxid());
  if (it == writes_.end() || it->second.member != id) return;
  const bool same = it->second.incarnation == members_.at(id)->incarnation() &&
                    it->second.value == txn.set_data().data();
  if (same) {
    checker_.OnClientAck(txn.zxid(), now_);
    acked_.insert(txn.zxid());
    if (tracing()) Note("client ack " + zab::ZxidString(txn.zxid()));
  }
  writes_.erase(it);
}

void Cluster::OnSyncDone(int id, uint64_t read_id, bool ok) {
  auto it = reads_.find(read_id);
  if (it == reads_.end()) return;
  const PendingRead read = it->second;
  reads_.erase(it);
  const SimMember& member = *members_.at(id);
  if (!ok || read.member != id || read.incarnation != member.incarnation()) {
    if (tracing()) Note("client read #" + std::to_string(read_id) + " failed");
    return;
  }
  auto value = member.state().find(read.key);
  const Zxid zxid = value == member.state().end() ? 0 : value->second.second;
  ++reads_done_;
  if (tracing()) {
    Note("client read #" + std::to_string(read_id) + " " + read.key + " = " +
         (zxid ? value->second.first : "<none>") + " (" +
         zab::ZxidString(zxid) + ")");
  }
  checker_.OnRead(read.key, zxid, read.start, now_);
}

std::vector<int> Cluster::ServingLeaders() const {
  std::vector<int> leaders;
  for (const auto& [id, member] : members_) {
    if (member->up() && !paused_.count(id) &&
        member->core()->role() == zab::Role::kLeading &&
        member->core()->serving()) {
      leaders.push_back(id);
    }
  }
  return leaders;
}

std::vector<int> Cluster::member_ids() const {
  std::vector<int> ids;
  for (const auto& [id, member] : members_) ids.push_back(id);
  return ids;
}

}  // namespace canopy::sim
