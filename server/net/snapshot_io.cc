#include "server/net/snapshot_io.h"

#include <leveldb/env.h>

#include "server/storage/snapshot.h"

namespace canopy::net {

Status WriteSnapshot(const tree::DataTree& tree, const std::string& dir) {
  auto writer = storage::SnapshotWriter::Create(leveldb::Env::Default(), dir,
                                                tree.last_zxid());
  if (!writer.ok()) return writer.status();
  Status status;
  proto::SnapshotNode node;
  tree.ForEachNode([&](const std::string& path, const tree::Node& n) {
    if (!status.ok()) return;
    node.Clear();
    node.set_path(path);
    node.set_data(n.data.str());
    if (n.acl) {
      for (const auto& acl : *n.acl) *node.add_acl() = acl;
    }
    n.stat.ToProto(node.mutable_stat());
    node.set_container(n.container());
    node.set_ttl_ms(n.ttl_ms());
    status = (*writer)->AddNode(node);
  });
  if (!status.ok()) return status;
  for (const auto& [id, info] : tree.sessions()) {
    proto::SnapshotSession session;
    session.set_session_id(id);
    session.set_timeout_ms(info.timeout_ms);
    session.set_password(info.password);
    status = (*writer)->AddSession(session);
    if (!status.ok()) return status;
  }
  return (*writer)->Finish();
}


Status LoadSnapshot(leveldb::Env* env, const std::string& dir, Zxid zxid,
                    tree::DataTree* tree) {
  tree->Clear();
  storage::SnapshotVisitor visitor;
  visitor.on_header = [tree](const proto::SnapshotHeader& trailer) {
    tree->ReserveNodes(static_cast<size_t>(trailer.node_count()));
    return Status();
  };
  visitor.on_node = [tree](const proto::SnapshotNode& node) {
    return tree->InsertLoaded(node)
               ? Status()
               : Status(proto::DATA_INCONSISTENCY,
                        "snapshot node without parent: " + node.path());
  };
  visitor.on_session = [tree](const proto::SnapshotSession& session) {
    tree->InsertLoadedSession(session);
    return Status();
  };
  return storage::ReadSnapshot(env, dir, zxid, visitor);
}

}  // namespace canopy::net
