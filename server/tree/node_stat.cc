#include "server/tree/node_stat.h"

namespace canopy::tree {

void NodeStat::ToProto(proto::Stat* out) const {
  out->set_czxid(czxid_);
  out->set_mzxid(mzxid_);
  out->set_ctime(ctime_);
  out->set_mtime(mtime_);
  out->set_version(version_);
  out->set_cversion(cversion_);
  out->set_aversion(aversion_);
  out->set_ephemeral_owner(ephemeral_owner_);
  out->set_data_length(data_length_);
  out->set_num_children(num_children_);
  out->set_pzxid(pzxid_);
}

proto::Stat NodeStat::ToProto() const {
  proto::Stat out;
  ToProto(&out);
  return out;
}

NodeStat NodeStat::FromProto(const proto::Stat& in) {
  NodeStat s;
  s.czxid_ = in.czxid();
  s.mzxid_ = in.mzxid();
  s.ctime_ = in.ctime();
  s.mtime_ = in.mtime();
  s.version_ = in.version();
  s.cversion_ = in.cversion();
  s.aversion_ = in.aversion();
  s.ephemeral_owner_ = in.ephemeral_owner();
  s.data_length_ = in.data_length();
  s.num_children_ = in.num_children();
  s.pzxid_ = in.pzxid();
  return s;
}

}  // namespace canopy::tree
