// Path checks and the chroot: every path the client sends gets the chroot
// prefix, every path it receives has it removed.
#ifndef CANOPY_CLIENT_CHROOT_H_
#define CANOPY_CLIENT_CHROOT_H_

#include <string>
#include <string_view>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::client_internal {

// OK when path is absolute, has no empty component and no trailing '/'
// (allowed when sequential: the server appends the counter). BAD_ARGUMENTS
// naming the path otherwise.
Status CheckPath(std::string_view path, bool sequential = false);

// chroot + path, with "/" mapping to the chroot itself.
std::string AddChroot(std::string_view chroot, std::string_view path);
// path without the chroot prefix ("/" for the chroot itself); a path outside
// the chroot is returned unchanged.
std::string StripChroot(std::string_view chroot, std::string_view path);

// The path a request names ("" for ping, close, auth, who_am_i and the ops
// that carry several paths).
std::string_view RequestPath(const proto::Request& request);

// Checks every path of request (those inside multi, multiRead and
// setWatches included) and prefixes it with chroot.
Status PrepareRequest(std::string_view chroot, proto::Request* request);
// Removes chroot from every path in response (create, sync, multi,
// getEphemerals).
void StripResponse(std::string_view chroot, proto::Response* response);
void StripEvent(std::string_view chroot, proto::WatchEvent* event);

}  // namespace canopy::client_internal

#endif  // CANOPY_CLIENT_CHROOT_H_
