#include "canopy/recipes/service_discovery.h"

#include <cstdlib>

#include "canopy/recipes/path_util.h"

namespace canopy::recipes {
namespace {

std::string InstanceName(const ServiceInstance& instance) {
  return instance.address + ":" + std::to_string(instance.port);
}

std::string Encode(const ServiceInstance& instance) {
  return instance.address + "\n" + std::to_string(instance.port) + "\n" +
         instance.payload;
}

// Members whose data does not parse are skipped.
std::vector<ServiceInstance> Decode(const std::vector<Member>& members) {
  std::vector<ServiceInstance> out;
  for (const auto& m : members) {
    const size_t a = m.data.find('\n');
    const size_t b = a == std::string::npos ? a : m.data.find('\n', a + 1);
    if (b == std::string::npos) continue;
    ServiceInstance instance;
    instance.address = m.data.substr(0, a);
    instance.port = std::atoi(m.data.substr(a + 1, b - a - 1).c_str());
    instance.payload = m.data.substr(b + 1);
    out.push_back(std::move(instance));
  }
  return out;
}

}  // namespace

ServiceDiscovery::ServiceDiscovery(Client& client, SessionEventHub* hub,
                                   std::string root, LostCallback on_lost)
    : client_(client), hub_(hub), root_(std::move(root)),
      on_lost_(std::move(on_lost)) {}

ServiceDiscovery::~ServiceDiscovery() = default;

GroupMembership& ServiceDiscovery::GroupOf(const std::string& service) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& group = groups_[service];
  if (!group) {
    LostCallback on_lost = on_lost_;
    group = std::make_unique<GroupMembership>(
        client_, hub_, JoinPath(root_, service),
        [on_lost, service](const std::vector<std::string>& names) {
          if (!on_lost) return;
          std::vector<std::string> full;
          for (const auto& n : names) full.push_back(service + "/" + n);
          on_lost(full);
        });
  }
  return *group;
}

Status ServiceDiscovery::Register(const std::string& service,
                                  const ServiceInstance& instance) {
  return GroupOf(service).Join(InstanceName(instance), Encode(instance));
}

Status ServiceDiscovery::Deregister(const std::string& service,
                                    const ServiceInstance& instance) {
  return GroupOf(service).Leave(InstanceName(instance));
}

Result<std::vector<ServiceInstance>> ServiceDiscovery::List(
    const std::string& service) {
  auto members = GroupOf(service).List();
  if (!members.ok()) return members.status();
  return Decode(*members);
}

Status ServiceDiscovery::Watch(const std::string& service, Callback callback) {
  return GroupOf(service).Watch(
      [callback](const std::vector<Member>& members) {
        callback(Decode(members));
      });
}

}  // namespace canopy::recipes
