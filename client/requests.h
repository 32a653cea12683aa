// Builders of the Request of each operation (xid and watch flag are set by
// SessionIo).
#ifndef CANOPY_CLIENT_REQUESTS_H_
#define CANOPY_CLIENT_REQUESTS_H_

#include <string_view>
#include <vector>

#include "proto/canopy.pb.h"

namespace canopy::client_internal {

proto::Request MakeCreate(std::string_view path, std::string_view data,
                          proto::CreateMode mode, std::vector<proto::Acl> acl);
proto::Request MakeDelete(std::string_view path, int32_t version);
proto::Request MakeExists(std::string_view path);
proto::Request MakeGetData(std::string_view path);
proto::Request MakeSetData(std::string_view path, std::string_view data,
                           int32_t version);
proto::Request MakeGetChildren(std::string_view path);
proto::Request MakeGetAcl(std::string_view path);
proto::Request MakeSetAcl(std::string_view path, std::vector<proto::Acl> acl,
                          int32_t version);
proto::Request MakeSync(std::string_view path);
proto::Request MakeMulti(const std::vector<proto::MultiOp>& ops);
proto::Request MakeAuth(std::string_view scheme, std::string_view auth);

}  // namespace canopy::client_internal

#endif  // CANOPY_CLIENT_REQUESTS_H_
