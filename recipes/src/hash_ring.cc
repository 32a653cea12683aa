#include "canopy/recipes/hash_ring.h"

namespace canopy::recipes {

ConsistentHash::ConsistentHash(int virtual_nodes)
    : virtual_nodes_(virtual_nodes < 1 ? 1 : virtual_nodes) {}

uint64_t ConsistentHash::Hash(std::string_view data) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // splitmix64 finaliser: spreads nearby inputs over the ring.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

void ConsistentHash::SetMembers(const std::vector<std::string>& members) {
  ring_.clear();
  members_ = members.size();
  for (const auto& m : members) {
    for (int i = 0; i < virtual_nodes_; ++i) {
      const uint64_t point = Hash(m + "#" + std::to_string(i));
      // On a (very unlikely) collision the smaller name wins, so every
      // process builds the same ring.
      auto [it, inserted] = ring_.emplace(point, m);
      if (!inserted && m < it->second) it->second = m;
    }
  }
}

std::optional<std::string> ConsistentHash::Owner(std::string_view key) const {
  if (ring_.empty()) return std::nullopt;
  auto it = ring_.lower_bound(Hash(key));
  if (it == ring_.end()) it = ring_.begin();
  return it->second;
}

HashRing::HashRing(Client& client, SessionEventHub* hub,
                   std::string group_path, int virtual_nodes)
    : state_(std::make_shared<State>(virtual_nodes)),
      group_(client, hub, std::move(group_path)) {}

Status HashRing::Start() {
  std::weak_ptr<State> weak = state_;
  return group_.Watch([weak](const std::vector<Member>& list) {
    auto state = weak.lock();
    if (!state) return;
    std::vector<std::string> names;
    for (const auto& m : list) names.push_back(m.name);
    std::function<void(const std::vector<std::string>&)> cb;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->ring.SetMembers(names);
      state->members = names;
      cb = state->on_change;
    }
    if (cb) cb(names);
  });
}

std::optional<std::string> HashRing::Owner(std::string_view key) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->ring.Owner(key);
}

std::vector<std::string> HashRing::Members() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->members;
}

void HashRing::OnChange(
    std::function<void(const std::vector<std::string>&)> cb) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->on_change = std::move(cb);
}

}  // namespace canopy::recipes
