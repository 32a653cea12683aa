// Snapshot files of a whole DataTree: writing one (in the forked snapshot
// child) and loading one (at recovery, and on a learner that was sent one).
#ifndef CANOPY_SERVER_NET_SNAPSHOT_IO_H_
#define CANOPY_SERVER_NET_SNAPSHOT_IO_H_

#include <string>

#include "common/status.h"
#include "server/tree/data_tree.h"

namespace leveldb {
class Env;
}

namespace canopy::net {

// Writes the tree as it is to dir's snapshot file for its last zxid.
Status WriteSnapshot(const tree::DataTree& tree, const std::string& dir);

// Empties tree and fills it from dir's snapshot at zxid; the caller then
// calls FinishLoad(zxid). A damaged file leaves a partial tree and an error.
Status LoadSnapshot(leveldb::Env* env, const std::string& dir, Zxid zxid,
                    tree::DataTree* tree);

}  // namespace canopy::net

#endif  // CANOPY_SERVER_NET_SNAPSHOT_IO_H_
