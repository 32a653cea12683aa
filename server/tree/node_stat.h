// NodeStat: a znode's Stat as the tree keeps it — the fields of proto::Stat
// with the same accessors, in 72 bytes (the protobuf message, with its
// vtable pointer and metadata, takes 88). ToProto / FromProto convert at the
// edges.
#ifndef CANOPY_SERVER_TREE_NODE_STAT_H_
#define CANOPY_SERVER_TREE_NODE_STAT_H_

#include <cstdint>

#include "proto/canopy.pb.h"

namespace canopy::tree {

class NodeStat {
 public:
  int64_t czxid() const { return czxid_; }
  int64_t mzxid() const { return mzxid_; }
  int64_t pzxid() const { return pzxid_; }
  int64_t ctime() const { return ctime_; }
  int64_t mtime() const { return mtime_; }
  int64_t ephemeral_owner() const { return ephemeral_owner_; }
  int32_t version() const { return version_; }
  int32_t cversion() const { return cversion_; }
  int32_t aversion() const { return aversion_; }
  int32_t data_length() const { return data_length_; }
  int32_t num_children() const { return num_children_; }

  void set_czxid(int64_t v) { czxid_ = v; }
  void set_mzxid(int64_t v) { mzxid_ = v; }
  void set_pzxid(int64_t v) { pzxid_ = v; }
  void set_ctime(int64_t v) { ctime_ = v; }
  void set_mtime(int64_t v) { mtime_ = v; }
  void set_ephemeral_owner(int64_t v) { ephemeral_owner_ = v; }
  void set_version(int32_t v) { version_ = v; }
  void set_cversion(int32_t v) { cversion_ = v; }
  void set_aversion(int32_t v) { aversion_ = v; }
  void set_data_length(int32_t v) { data_length_ = v; }
  void set_num_children(int32_t v) { num_children_ = v; }

  // Every field copied into / from the wire form.
  void ToProto(proto::Stat* out) const;
  proto::Stat ToProto() const;
  static NodeStat FromProto(const proto::Stat& in);

 private:
  int64_t czxid_ = 0;
  int64_t mzxid_ = 0;
  int64_t pzxid_ = 0;
  int64_t ctime_ = 0;
  int64_t mtime_ = 0;
  int64_t ephemeral_owner_ = 0;
  int32_t version_ = 0;
  int32_t cversion_ = 0;
  int32_t aversion_ = 0;
  int32_t data_length_ = 0;
  int32_t num_children_ = 0;
};

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_NODE_STAT_H_
