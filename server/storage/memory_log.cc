// A TxnLog held in a std::map: the LevelDB log's contract without IO, for
// tests and the simulator. It never fails except on bad arguments.
#include <iterator>
#include <map>

#include "server/storage/log.h"
#include "server/storage/log_check.h"

namespace canopy::storage {
namespace {

class MemoryLog : public TxnLog {
 public:
  Status Append(const std::vector<proto::Txn>& txns, bool sync) override {
    Status status = CheckAppendOrder(txns, LastZxid());
    if (!status.ok()) return status;
    for (const proto::Txn& txn : txns) txns_.emplace(txn.zxid(), txn);
    return Status::Ok();
  }

  Status ReadAfter(Zxid after,
                   const std::function<bool(const proto::Txn&)>& fn) override {
    for (auto it = txns_.upper_bound(after); it != txns_.end(); ++it) {
      if (!fn(it->second)) break;
    }
    return Status::Ok();
  }

  Zxid LastZxid() const override {
    return txns_.empty() ? 0 : txns_.rbegin()->first;
  }

  Zxid FirstZxid() const override {
    return txns_.empty() ? 0 : txns_.begin()->first;
  }

  Status DropUpTo(Zxid upto) override {
    txns_.erase(txns_.begin(), txns_.upper_bound(upto));
    return Status::Ok();
  }

  Status TruncateAfter(Zxid after) override {
    txns_.erase(txns_.upper_bound(after), txns_.end());
    return Status::Ok();
  }

  Status SaveEpochs(const proto::EpochState& epochs) override {
    epochs_ = epochs;
    return Status::Ok();
  }

  Result<proto::EpochState> LoadEpochs() override { return epochs_; }

 private:
  std::map<Zxid, proto::Txn> txns_;
  proto::EpochState epochs_;
};

}  // namespace

std::unique_ptr<TxnLog> NewMemoryLog() { return std::make_unique<MemoryLog>(); }

}  // namespace canopy::storage
