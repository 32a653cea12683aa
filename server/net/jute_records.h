// The jute records shared by requests and replies: Stat, ACL and Id, read
// into and written from Canopy's proto.
#ifndef CANOPY_SERVER_NET_JUTE_RECORDS_H_
#define CANOPY_SERVER_NET_JUTE_RECORDS_H_

#include <google/protobuf/repeated_ptr_field.h>

#include "proto/canopy.pb.h"
#include "server/net/jute.h"

namespace canopy::net::jute {

// The smallest encodings, for bounding vector counts.
inline constexpr size_t kMinAclBytes = 4 + 4 + 4;   // perms, two empty strings
inline constexpr size_t kMinStringBytes = 4;        // an empty ustring

// Stat{long czxid; long mzxid; long ctime; long mtime; int version; int
// cversion; int aversion; long ephemeralOwner; int dataLength; int
// numChildren; long pzxid}.
bool ReadStat(Reader& reader, proto::Stat* stat);
void WriteStat(const proto::Stat& stat, Writer& writer);

// vector<ACL{int perms; Id{ustring scheme; ustring id}}>; null reads as
// empty.
bool ReadAcls(Reader& reader,
              google::protobuf::RepeatedPtrField<proto::Acl>* acls);
void WriteAcls(const google::protobuf::RepeatedPtrField<proto::Acl>& acls,
               Writer& writer);

// vector<ustring>; null reads as empty.
bool ReadStrings(Reader& reader,
                 google::protobuf::RepeatedPtrField<std::string>* strings);
void WriteStrings(const google::protobuf::RepeatedPtrField<std::string>& strings,
                  Writer& writer);

}  // namespace canopy::net::jute

#endif  // CANOPY_SERVER_NET_JUTE_RECORDS_H_
