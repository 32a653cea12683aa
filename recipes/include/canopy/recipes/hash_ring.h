// Consistent hashing over a GroupMembership.
//
// ConsistentHash: a pure ring. Each member gets `virtual_nodes` points
// (FNV-1a 64-bit of "<member>#<i>", mixed); Owner(key) is the member of the
// first point at or after hash(key), wrapping. The hash is stable across
// processes and runs, so every client with the same member list computes
// the same owner. Adding one member to N moves about 1/(N+1) of the keys,
// all of them to the new member.
//
// HashRing: a ConsistentHash kept equal to the live members of a group
// path (GroupMembership::Watch: re-read after every change; the ring ends
// on the latest membership). Owner() answers from the last list seen;
// during a disconnection it keeps answering from that (possibly stale)
// list and catches up on kConnected; after kExpired it stops updating.
// Thread-safe.
#ifndef CANOPY_RECIPES_HASH_RING_H_
#define CANOPY_RECIPES_HASH_RING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "canopy/recipes/group_membership.h"

namespace canopy::recipes {

class ConsistentHash {
 public:
  explicit ConsistentHash(int virtual_nodes = 100);

  void SetMembers(const std::vector<std::string>& members);
  // nullopt when there are no members.
  std::optional<std::string> Owner(std::string_view key) const;
  size_t size() const { return members_; }

  static uint64_t Hash(std::string_view data);

 private:
  int virtual_nodes_;
  size_t members_ = 0;
  std::map<uint64_t, std::string> ring_;
};

class HashRing {
 public:
  // Watches the members of group_path through client (and hub). client and
  // hub must outlive this object.
  HashRing(Client& client, SessionEventHub* hub, std::string group_path,
           int virtual_nodes = 100);
  // Starts following the group; the ring is empty until the first list.
  Status Start();
  std::optional<std::string> Owner(std::string_view key) const;
  // Members in the ring now.
  std::vector<std::string> Members() const;
  // Called (event thread) after each membership change was applied.
  void OnChange(std::function<void(const std::vector<std::string>&)> cb);

 private:
  struct State {
    mutable std::mutex mu;
    ConsistentHash ring;
    std::vector<std::string> members;
    std::function<void(const std::vector<std::string>&)> on_change;
    explicit State(int v) : ring(v) {}
  };
  std::shared_ptr<State> state_;
  GroupMembership group_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_HASH_RING_H_
