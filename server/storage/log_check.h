// Checks shared by the TxnLog implementations: what a batch must satisfy
// before it is written, and what a record must satisfy when it is read back.
// Internal to server/storage.
#ifndef CANOPY_SERVER_STORAGE_LOG_CHECK_H_
#define CANOPY_SERVER_STORAGE_LOG_CHECK_H_

#include <string>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::storage {

// OK when every zxid is positive, strictly increasing and above last_zxid;
// otherwise BAD_ARGUMENTS naming the first offending zxid.
inline Status CheckAppendOrder(const std::vector<proto::Txn>& txns,
                               Zxid last_zxid) {
  Zxid previous = last_zxid;
  for (const proto::Txn& txn : txns) {
    if (txn.zxid() <= 0) {
      return Status(
          proto::BAD_ARGUMENTS,
          "txn zxid " + std::to_string(txn.zxid()) + " is not positive");
    }
    if (txn.zxid() <= previous) {
      return Status(proto::BAD_ARGUMENTS,
                    "txn zxid " + std::to_string(txn.zxid()) +
                        " is not above " + std::to_string(previous));
    }
    previous = txn.zxid();
  }
  return Status::Ok();
}

}  // namespace canopy::storage

#endif  // CANOPY_SERVER_STORAGE_LOG_CHECK_H_
