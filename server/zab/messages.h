// Helpers over PeerMessage: the epoch a message belongs to, and one-line
// descriptions of zxids and messages for logs and transcripts.
#ifndef CANOPY_SERVER_ZAB_MESSAGES_H_
#define CANOPY_SERVER_ZAB_MESSAGES_H_

#include <string>

#include "proto/peer.pb.h"
#include "server/zab/types.h"

namespace canopy::zab {

// The epoch a post-election message carries; 0 for a vote, FollowerInfo or
// an empty message.
int64_t MessageEpoch(const proto::PeerMessage& message);

// "3:17" for epoch 3, counter 17.
std::string ZxidString(Zxid zxid);

// "m1->m2 Proposal e3 3:17 prev=3:16" and the like.
std::string Describe(const proto::PeerMessage& message);

// The name of the message's body, e.g. "Proposal".
const char* BodyName(const proto::PeerMessage& message);

}  // namespace canopy::zab

#endif  // CANOPY_SERVER_ZAB_MESSAGES_H_
