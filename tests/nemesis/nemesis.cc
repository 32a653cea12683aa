#include "tests/nemesis/nemesis.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

namespace canopy::nemesis {

namespace fs = std::filesystem;

namespace {

constexpr Fault kAll[] = {
    Fault::kPartitionMajority, Fault::kIsolateLeader, Fault::kBridge,
    Fault::kOneWayFromLeader,  Fault::kOneWayToLeader, Fault::kKillOne,
    Fault::kKillLeader,        Fault::kKillAll,        Fault::kPauseLeader,
    Fault::kPauseOne,          Fault::kCrashInSync,    Fault::kDiskFull,
};

std::string Set(const std::set<int>& s) {
  std::string out = "{";
  for (int id : s) out += (out.size() > 1 ? "," : "") + std::to_string(id);
  return out + "}";
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// The bytes appended to `path` since `*offset` (which moves past them).
std::string ReadNew(const std::string& path, std::streamoff* offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  if (end <= *offset) return "";
  in.seekg(*offset);
  std::string out(size_t(end - *offset), '\0');
  in.read(out.data(), std::streamsize(out.size()));
  *offset = end;
  return out;
}

}  // namespace

bool MemberEnded(const testing::Ensemble& ensemble, int id) {
  const pid_t pid = ensemble.pid(id);
  if (pid <= 0) return false;  // not running: killed on purpose
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  if (!(stat >> pid_field >> comm >> state)) return true;
  return state == "Z" || state == "X";
}

const char* FaultName(Fault fault) {
  switch (fault) {
    case Fault::kPartitionMajority: return "partition";
    case Fault::kIsolateLeader: return "isolate-leader";
    case Fault::kBridge: return "bridge";
    case Fault::kOneWayFromLeader: return "one-way-from-leader";
    case Fault::kOneWayToLeader: return "one-way-to-leader";
    case Fault::kKillOne: return "kill-one";
    case Fault::kKillLeader: return "kill-leader";
    case Fault::kKillAll: return "kill-all";
    case Fault::kPauseLeader: return "pause-leader";
    case Fault::kPauseOne: return "pause-one";
    case Fault::kCrashInSync: return "crash-in-sync";
    case Fault::kDiskFull: return "disk-full";
  }
  return "?";
}

std::vector<Fault> AllFaults() { return {std::begin(kAll), std::end(kAll)}; }

bool ParseFault(const std::string& name, Fault* out) {
  for (Fault f : kAll) {
    if (name == FaultName(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

Nemesis::Nemesis(testing::Ensemble& ensemble, uint64_t seed,
                 std::function<void(std::string)> log)
    : ensemble_(ensemble), rng_(seed), log_(std::move(log)) {}

Nemesis::~Nemesis() {
  for (int id : paused_) ensemble_.Signal(id, SIGCONT);
  if (disk_full_member_) UndoDiskFull();
}

bool Nemesis::CanMount(std::string* why) {
  char tmpl[] = "/tmp/canopy-nemesis-mount-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (!dir) {
    *why = "cannot make a temp dir";
    return false;
  }
  const bool ok = ::mount("tmpfs", dir, "tmpfs", 0, "size=64k") == 0;
  if (!ok) {
    *why = std::string("mount tmpfs failed: ") + strerror(errno) +
           " (needs root with CAP_SYS_ADMIN)";
  } else {
    ::umount2(dir, MNT_DETACH);
  }
  ::rmdir(dir);
  return ok;
}

int Nemesis::RandomMember() {
  return 1 + int(rng_() % uint64_t(ensemble_.size()));
}

int Nemesis::RandomOtherThan(int id) {
  int other = id;
  while (other == id) other = RandomMember();
  return other;
}

void Nemesis::Partition(const std::vector<std::set<int>>& sides) {
  for (size_t a = 0; a < sides.size(); ++a) {
    for (size_t b = 0; b < sides.size(); ++b) {
      if (a == b) continue;
      for (int i : sides[a]) {
        for (int j : sides[b]) {
          ensemble_.CutLink(i, j);
          cut_.push_back({i, j});
        }
      }
    }
  }
}

void Nemesis::Kill(int id) {
  ensemble_.Kill(id, SIGKILL);
  killed_.insert(id);
}

std::string Nemesis::Inject(Fault fault) {
  const int n = ensemble_.size();
  std::vector<int> ids;
  for (int id = 1; id <= n; ++id) ids.push_back(id);
  std::shuffle(ids.begin(), ids.end(), rng_);
  int leader = 0;
  switch (fault) {
    case Fault::kIsolateLeader:
    case Fault::kOneWayFromLeader:
    case Fault::kOneWayToLeader:
    case Fault::kKillLeader:
    case Fault::kPauseLeader:
    case Fault::kCrashInSync:
      leader = ensemble_.WaitForLeader(10000);
      if (leader == 0) return "skipped: no leader to aim at";
      break;
    default:
      break;
  }
  std::string what = FaultName(fault);
  switch (fault) {
    case Fault::kPartitionMajority: {
      std::set<int> minority(ids.begin(), ids.begin() + n / 2);
      std::set<int> majority(ids.begin() + n / 2, ids.end());
      Partition({minority, majority});
      return what + " " + Set(minority) + " | " + Set(majority);
    }
    case Fault::kIsolateLeader: {
      std::set<int> rest;
      for (int id = 1; id <= n; ++id) {
        if (id != leader) rest.insert(id);
      }
      Partition({{leader}, rest});
      return what + " m" + std::to_string(leader);
    }
    case Fault::kBridge: {
      // ids[0] bridges two halves of the rest.
      const int bridge = ids[0];
      std::set<int> left, right;
      for (size_t i = 1; i < ids.size(); ++i) {
        (i % 2 ? left : right).insert(ids[i]);
      }
      Partition({left, right});
      return what + " " + Set(left) + " <m" + std::to_string(bridge) + "> " +
             Set(right);
    }
    case Fault::kOneWayFromLeader:
    case Fault::kOneWayToLeader: {
      for (int id = 1; id <= n; ++id) {
        if (id == leader) continue;
        const bool from = fault == Fault::kOneWayFromLeader;
        const int a = from ? leader : id, b = from ? id : leader;
        ensemble_.CutLink(a, b);
        cut_.push_back({a, b});
      }
      return what + " m" + std::to_string(leader);
    }
    case Fault::kKillOne: {
      const int l = ensemble_.Leader();
      const int victim = l ? RandomOtherThan(l) : ids[0];
      Kill(victim);
      return what + " m" + std::to_string(victim);
    }
    case Fault::kKillLeader:
      Kill(leader);
      return what + " m" + std::to_string(leader);
    case Fault::kKillAll:
      for (int id = 1; id <= n; ++id) Kill(id);
      return what;
    case Fault::kPauseLeader:
    case Fault::kPauseOne: {
      const int victim = fault == Fault::kPauseLeader ? leader : ids[0];
      ensemble_.Signal(victim, SIGSTOP);
      paused_.insert(victim);
      return what + " m" + std::to_string(victim);
    }
    case Fault::kCrashInSync:
      return CrashInSync();
    case Fault::kDiskFull:
      return DiskFull();
  }
  return "skipped: unknown fault";
}

std::string Nemesis::CrashInSync() {
  const int leader = ensemble_.WaitForLeader(10000);
  if (leader == 0) return "skipped: no leader to aim at";
  std::map<int, std::streamoff> offsets;
  for (int id = 1; id <= ensemble_.size(); ++id) {
    if (id == leader || !ensemble_.running(id)) continue;
    std::streamoff off = 0;
    ReadNew(ensemble_.dir(id) + "/server.log", &off);
    offsets[id] = off;
  }
  // The second crash lands while the next epoch is being set up: right as
  // a member leaves LOOKING (it is in discovery or sync), or, one time in
  // three, as the new leader announces the epoch established (followers
  // may still be acknowledging NEWLEADER).
  const bool at_established = rng_() % 3 == 0;
  const char* marker = at_established ? "established epoch" : "LOOKING -> ";
  Kill(leader);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    for (auto& [id, off] : offsets) {
      const std::string fresh = ReadNew(ensemble_.dir(id) + "/server.log", &off);
      const auto at = fresh.find(marker);
      if (at == std::string::npos) continue;
      // Kill a follower when the leader announced; else the member itself.
      int victim = id;
      if (at_established) victim = RandomOtherThan(id);
      if (victim == leader) victim = id;
      Kill(victim);
      const auto eol = fresh.find('\n', at);
      return "crash-in-sync m" + std::to_string(leader) + " then m" +
             std::to_string(victim) + " at '" +
             fresh.substr(at, eol == std::string::npos ? 60 : eol - at) + "'";
    }
    // Polling the logs: the moment is only visible there. Bounded by the
    // deadline.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return "crash-in-sync m" + std::to_string(leader) +
         " (no member left LOOKING within 15 s)";
}

std::string Nemesis::DiskFull() {
  std::string why;
  if (!CanMount(&why)) return "skipped: disk-full: " + why;
  const int l = ensemble_.Leader();
  const int victim = l ? RandomOtherThan(l) : RandomMember();
  const std::string dir = ensemble_.dir(victim);
  Kill(victim);
  killed_.erase(victim);  // restarted below, on the small disk
  const uint64_t used = DirBytes(dir);
  const uint64_t headroom = 32 * 1024;
  const uint64_t size = ((used + 2 * 1024 * 1024) / 4096 + 1) * 4096;
  disk_full_backup_ = dir + ".before-disk-full";
  std::error_code ec;
  fs::rename(dir, disk_full_backup_, ec);
  if (ec) return "skipped: disk-full: cannot move " + dir;
  fs::create_directories(dir);
  const std::string options = "size=" + std::to_string(size);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    fs::remove_all(dir, ec);
    fs::rename(disk_full_backup_, dir, ec);
    ensemble_.Restart(victim);
    return "skipped: disk-full: mount failed";
  }
  disk_full_member_ = victim;
  disk_full_mount_ = dir;
  fs::copy(disk_full_backup_, dir, fs::copy_options::recursive, ec);
  // Fill all but `headroom` bytes.
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) == 0) {
    const uint64_t free_bytes = uint64_t(st.f_bavail) * st.f_frsize;
    if (free_bytes > headroom) {
      std::ofstream filler(dir + "/filler", std::ios::binary);
      const std::string chunk(65536, 'f');
      uint64_t left = free_bytes - headroom;
      while (left > 0 && filler) {
        const uint64_t n = std::min<uint64_t>(left, chunk.size());
        filler.write(chunk.data(), std::streamsize(n));
        left -= n;
      }
    }
  }
  const bool restarted = ensemble_.Restart(victim);
  if (!restarted) killed_.insert(victim);
  return "disk-full m" + std::to_string(victim) + " (" +
         std::to_string(headroom / 1024) + " KiB left" +
         (restarted ? "" : ", did not restart") + ")";
}

void Nemesis::UndoDiskFull() {
  const int id = disk_full_member_;
  ensemble_.Kill(id, SIGKILL);
  std::error_code ec;
  fs::remove(disk_full_mount_ + "/filler", ec);
  // What the member wrote on the small disk is its state now.
  fs::remove_all(disk_full_backup_, ec);
  fs::create_directories(disk_full_backup_, ec);
  fs::copy(disk_full_mount_, disk_full_backup_, fs::copy_options::recursive,
           ec);
  ::umount2(disk_full_mount_.c_str(), MNT_DETACH);
  fs::remove_all(disk_full_mount_, ec);
  fs::rename(disk_full_backup_, disk_full_mount_, ec);
  killed_.insert(id);
  disk_full_member_ = 0;
  if (log_) log_("disk-full undone on m" + std::to_string(id));
}

bool Nemesis::Heal(int timeout_ms) {
  for (auto [a, b] : cut_) ensemble_.HealLink(a, b);
  cut_.clear();
  for (int id : paused_) ensemble_.Signal(id, SIGCONT);
  paused_.clear();
  if (disk_full_member_) UndoDiskFull();
  // A member may also have stopped by itself (e.g. on a failed write).
  for (int id = 1; id <= ensemble_.size(); ++id) {
    if (!ensemble_.running(id) || MemberEnded(ensemble_, id)) {
      killed_.insert(id);
    }
  }
  for (int id : killed_) {
    if (!ensemble_.Restart(id) && log_) {
      log_("m" + std::to_string(id) + " did not restart");
    }
  }
  killed_.clear();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(timeout_ms);
  if (ensemble_.WaitForLeader(timeout_ms) == 0) return false;
  for (int id = 1; id <= ensemble_.size(); ++id) {
    const int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count());
    if (!ensemble_.WaitServing(id, std::max(left, 1000))) return false;
  }
  return true;
}

}  // namespace canopy::nemesis
