// GroupMembership: who is in a group, with live change notification.
//
// Members are EPHEMERAL children of the group path: name -> data. A member
// is in the group exactly as long as the session that joined it lives.
//
// Guarantees
//   * List() is one consistent read of the children (plus each member's
//     data; a member that leaves between the two reads is left out).
//   * Watch(callback): callback gets the full member list after every
//     change. Each delivery re-reads and re-arms the child watch in the
//     same call, so a burst of changes may be coalesced into fewer
//     deliveries, but the last delivery always shows the latest list. Lists
//     are delivered in order (never an older list after a newer one).
//     Callbacks run on the client's event thread.
//
// Connection loss vs. expiry
//   * kDisconnected: nothing is lost yet; on kConnected the watcher re-reads
//     (changes missed meanwhile are delivered then).
//   * kExpired / kClosed: every member this object joined is gone from the
//     group; on_lost(names) runs once with their names, and the watch stops.
//   Session events arrive only through the SessionEventHub given here.
//
// Thread-safe. Synchronous methods must not run on the event thread.
#ifndef CANOPY_RECIPES_GROUP_MEMBERSHIP_H_
#define CANOPY_RECIPES_GROUP_MEMBERSHIP_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "canopy/client.h"
#include "canopy/recipes/session_events.h"

namespace canopy::recipes {

struct Member {
  std::string name;
  std::string data;
  bool operator==(const Member&) const = default;
};

class GroupMembership {
 public:
  using ListCallback = std::function<void(const std::vector<Member>&)>;
  using LostCallback = std::function<void(const std::vector<std::string>&)>;

  // client and hub must outlive this object.
  GroupMembership(Client& client, SessionEventHub* hub, std::string path,
                  LostCallback on_lost = {});
  // Leaves every member this object joined and stops the watch.
  ~GroupMembership();
  GroupMembership(const GroupMembership&) = delete;
  GroupMembership& operator=(const GroupMembership&) = delete;

  // Adds member name (NODE_EXISTS if a live member has that name).
  Status Join(const std::string& name, const std::string& data);
  Status Leave(const std::string& name);
  // Members sorted by name.
  Result<std::vector<Member>> List();
  // Starts delivering the member list (first delivery: the current list).
  // One watch per object; a second call replaces the callback.
  Status Watch(ListCallback callback);

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_GROUP_MEMBERSHIP_H_
