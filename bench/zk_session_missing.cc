// Built instead of zk_session.cc when libzookeeper-mt-dev is missing.
#include "session.h"

namespace canopy::bench {

Result<std::unique_ptr<Session>> ConnectZooKeeper(const std::string&, int) {
  return Status(proto::UNIMPLEMENTED,
                "built without libzookeeper-mt-dev: no ZooKeeper dialect");
}

}  // namespace canopy::bench
