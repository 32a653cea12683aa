// Small helpers shared by the recipes: path joining, parent creation and
// sequence-number parsing.
#ifndef CANOPY_RECIPES_PATH_UTIL_H_
#define CANOPY_RECIPES_PATH_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "canopy/client.h"

namespace canopy::recipes {

// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
std::string JoinPath(std::string_view parent, std::string_view child);

// Creates path and every missing ancestor as empty persistent nodes.
// NODE_EXISTS is success. Must not run on the event thread.
Status EnsurePath(Client& client, std::string_view path);

// Deletes path (any version), retrying through CONNECTION_LOSS and
// OPERATION_TIMEOUT for up to two session timeouts, so that a queued
// ephemeral is not left behind (it would block a lock until the session
// ends). NO_NODE is success. Must not run on the event thread.
Status DeleteWithRetry(Client& client, std::string_view path);

// True for the errors after which the session may still be alive.
bool IsTransient(const Status& status);

// The trailing 10-digit counter of a sequential node name, or -1.
int64_t SequenceOf(std::string_view name);

// Names that contain marker, sorted by their sequence number (ascending).
std::vector<std::string> SortedBySequence(const std::vector<std::string>& names,
                                          std::string_view marker);

// A random 16-hex-digit token (for "protected" sequential creates).
std::string RandomToken();

}  // namespace canopy::recipes

#endif  // CANOPY_RECIPES_PATH_UTIL_H_
