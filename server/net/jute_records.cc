#include "server/net/jute_records.h"

namespace canopy::net::jute {

bool ReadStat(Reader& reader, proto::Stat* stat) {
  int64_t l;
  int32_t i;
  if (!reader.ReadLong(&l)) return false;
  stat->set_czxid(l);
  if (!reader.ReadLong(&l)) return false;
  stat->set_mzxid(l);
  if (!reader.ReadLong(&l)) return false;
  stat->set_ctime(l);
  if (!reader.ReadLong(&l)) return false;
  stat->set_mtime(l);
  if (!reader.ReadInt(&i)) return false;
  stat->set_version(i);
  if (!reader.ReadInt(&i)) return false;
  stat->set_cversion(i);
  if (!reader.ReadInt(&i)) return false;
  stat->set_aversion(i);
  if (!reader.ReadLong(&l)) return false;
  stat->set_ephemeral_owner(l);
  if (!reader.ReadInt(&i)) return false;
  stat->set_data_length(i);
  if (!reader.ReadInt(&i)) return false;
  stat->set_num_children(i);
  if (!reader.ReadLong(&l)) return false;
  stat->set_pzxid(l);
  return true;
}

void WriteStat(const proto::Stat& stat, Writer& writer) {
  writer.WriteLong(stat.czxid());
  writer.WriteLong(stat.mzxid());
  writer.WriteLong(stat.ctime());
  writer.WriteLong(stat.mtime());
  writer.WriteInt(stat.version());
  writer.WriteInt(stat.cversion());
  writer.WriteInt(stat.aversion());
  writer.WriteLong(stat.ephemeral_owner());
  writer.WriteInt(stat.data_length());
  writer.WriteInt(stat.num_children());
  writer.WriteLong(stat.pzxid());
}

bool ReadAcls(Reader& reader,
              google::protobuf::RepeatedPtrField<proto::Acl>* acls) {
  int32_t count;
  if (!reader.ReadCount(kMinAclBytes, &count)) return false;
  acls->Reserve(count);
  for (int32_t k = 0; k < count; ++k) {
    proto::Acl* acl = acls->Add();
    int32_t perms;
    if (!reader.ReadInt(&perms) ||
        !reader.ReadString(acl->mutable_id()->mutable_scheme()) ||
        !reader.ReadString(acl->mutable_id()->mutable_id())) {
      return false;
    }
    acl->set_perms(perms);
  }
  return true;
}

void WriteAcls(const google::protobuf::RepeatedPtrField<proto::Acl>& acls,
               Writer& writer) {
  writer.WriteCount(size_t(acls.size()));
  for (const proto::Acl& acl : acls) {
    writer.WriteInt(acl.perms());
    writer.WriteString(acl.id().scheme());
    writer.WriteString(acl.id().id());
  }
}

bool ReadStrings(Reader& reader,
                 google::protobuf::RepeatedPtrField<std::string>* strings) {
  int32_t count;
  if (!reader.ReadCount(kMinStringBytes, &count)) return false;
  strings->Reserve(count);
  for (int32_t k = 0; k < count; ++k) {
    if (!reader.ReadString(strings->Add())) return false;
  }
  return true;
}

void WriteStrings(const google::protobuf::RepeatedPtrField<std::string>& strings,
                  Writer& writer) {
  writer.WriteCount(size_t(strings.size()));
  for (const std::string& s : strings) writer.WriteString(s);
}

}  // namespace canopy::net::jute
