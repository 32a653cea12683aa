// ServiceDiscovery: service instances registered as ephemerals.
//
// An instance of service S is the EPHEMERAL node
// /services/S/<address>:<port> (the root is configurable) whose data is
// "<address>\n<port>\n<payload>". It is listed exactly as long as the
// session that registered it lives. Built on GroupMembership, so it shares
// its guarantees:
//   * List(S) is one read of the instances.
//   * Watch(S, callback) delivers the full instance list after every change;
//     bursts may coalesce, the last delivery is always the latest list, and
//     lists are never delivered out of order (event thread).
//   * kDisconnected: registrations survive if the session does; watches
//     re-read on kConnected. kExpired/kClosed: every instance this object
//     registered is gone; on_lost runs with "S/<address>:<port>" names.
//
// Thread-safe; synchronous methods must not run on the event thread.
#ifndef CANOPY_RECIPES_SERVICE_DISCOVERY_H_
#define CANOPY_RECIPES_SERVICE_DISCOVERY_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "canopy/client.h"
#include "canopy/recipes/group_membership.h"
#include "canopy/recipes/session_events.h"

namespace canopy::recipes {

struct ServiceInstance {
  std::string address;
  int port = 0;
  std::string payload;
  bool operator==(const ServiceInstance&) const = default;
};

class ServiceDiscovery {
 public:
  using Callback = std::function<void(const std::vector<ServiceInstance>&)>;
  using LostCallback = std::function<void(const std::vector<std::string>&)>;

  // client and hub must outlive this object.
  ServiceDiscovery(Client& client, SessionEventHub* hub,
                   std::string root = "/services", LostCallback on_lost = {});
  // Deregisters this object's instances and stops its watches.
  ~ServiceDiscovery();

  Status Register(const std::string& service, const ServiceInstance& instance);
  Status Deregister(const std::string& service,
                    const ServiceInstance& instance);
  // Instances sorted by "<address>:<port>".
  Result<std::vector<ServiceInstance>> List(const std::string& service);
  // Live instance list of service (one watch per service per object).
  Status Watch(const std::string& service, Callback callback);

 private:
  GroupMembership& GroupOf(const std::string& service);

  Client& client_;
  SessionEventHub* hub_;
  std::string root_;
  LostCallback on_lost_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<GroupMembership>> groups_;
};

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_SERVICE_DISCOVERY_H_
