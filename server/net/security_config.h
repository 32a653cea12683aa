// The zoo.cfg keys of SecurityOptions (server/net/security_options.h lists
// them). ParseConfig hands every key here first.
#ifndef CANOPY_SERVER_NET_SECURITY_CONFIG_H_
#define CANOPY_SERVER_NET_SECURITY_CONFIG_H_

#include <string>

#include "server/net/security_options.h"

namespace canopy {

// Returns false when key is not a security key. Otherwise applies value to
// *out and returns true, setting *error (what a good value looks like) when
// the value is bad.
bool ParseSecurityKey(const std::string& key, const std::string& value,
                      net::SecurityOptions* out, std::string* error);

}  // namespace canopy

#endif  // CANOPY_SERVER_NET_SECURITY_CONFIG_H_
