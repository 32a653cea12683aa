// Turning a Response into the typed results of the Client API. A non-OK
// answer becomes a Status whose message is the path. An OK answer with
// another operation's body becomes MARSHALLING_ERROR; one with no body at all
// reads as the expected body with default fields (a create must name its
// node, though).
#ifndef CANOPY_CLIENT_RESPONSE_CONVERT_H_
#define CANOPY_CLIENT_RESPONSE_CONVERT_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::client_internal {

Status ToStatus(const proto::Response& r, std::string_view path);
Result<std::string> ToCreated(const proto::Response& r, std::string_view path);
// NO_NODE is a success: nullopt.
Result<std::optional<proto::Stat>> ToExists(const proto::Response& r,
                                            std::string_view path);
Result<std::pair<std::string, proto::Stat>> ToData(const proto::Response& r,
                                                   std::string_view path);
// The stat body of set_data and set_acl.
Result<proto::Stat> ToStat(const proto::Response& r, std::string_view path);
Result<std::vector<std::string>> ToChildren(const proto::Response& r,
                                            std::string_view path,
                                            proto::Stat* stat);
Result<std::pair<std::vector<proto::Acl>, proto::Stat>> ToAcl(
    const proto::Response& r, std::string_view path);
// ops are the multi's ops, to name the failed one ("op 2: /a"). results, when
// not null, receives the per-op results whatever the outcome.
Result<std::vector<proto::MultiOpResult>> ToMulti(
    const proto::Response& r, const std::vector<proto::MultiOp>& ops,
    std::vector<proto::MultiOpResult>* results);

}  // namespace canopy::client_internal

#endif  // CANOPY_CLIENT_RESPONSE_CONVERT_H_
