#include "server/zab/core_state.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace canopy::zab {

void CheckFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "zab check failed at %s:%d: %s\n", file, line, expr);
  std::abort();
}

CoreState::CoreState(CoreOptions options_in, const Recovered& recovered,
                     const LogReader* log_in)
    : options(std::move(options_in)),
      log(log_in),
      null_snapshot_zxid(recovered.last_logged_zxid),
      epochs(recovered.epochs),
      last_logged(recovered.last_logged_zxid),
      // Everything recovered from disk is durable.
      durable(recovered.last_logged_zxid),
      committed(recovered.applied_zxid),
      applied(recovered.applied_zxid) {}

void CoreState::Send(MemberId to, proto::PeerMessage message) {
  message.set_from(options.my_id);
  message.set_to(to);
  ready.send.push_back(std::move(message));
}

void CoreState::Log(proto::Txn txn) {
  ZAB_CHECK(txn.zxid() > last_logged);
  last_logged = txn.zxid();
  ready.to_log.push_back(std::move(txn));
}

void CoreState::TruncateAfter(Zxid zxid) {
  ZAB_CHECK(zxid >= applied);
  // Txns not handed over yet are simply not logged; the host cuts the rest.
  auto& pending = ready.to_log;
  pending.erase(std::find_if(pending.begin(), pending.end(),
                             [&](const proto::Txn& t) {
                               return t.zxid() > zxid;
                             }),
                pending.end());
  ready.truncate_after =
      ready.truncate_after ? std::min(*ready.truncate_after, zxid) : zxid;
  last_logged = std::min(last_logged, zxid);
  durable = std::min(durable, zxid);
}

void CoreState::PersistEpochs(int64_t accepted, int64_t current) {
  ZAB_CHECK(accepted >= epochs.accepted_epoch());
  ZAB_CHECK(current >= epochs.current_epoch());
  epochs.set_accepted_epoch(accepted);
  epochs.set_current_epoch(current);
  ready.persist_epochs = epochs;
}

void CoreState::Apply(const proto::Txn& txn) {
  ZAB_CHECK(txn.zxid() > applied);
  applied = txn.zxid();
  ready.to_apply.push_back(txn);
}

void CoreState::ApplyCommitted() {
  const Zxid upto = std::min(committed, last_logged);
  if (upto <= applied) return;
  Status status = history().Read(applied, upto, [&](const proto::Txn& txn) {
    Apply(txn);
    return true;
  });
  if (!status.ok()) Trace("cannot read the log to apply: " + status.ToString());
}

void CoreState::StepDown(std::string reason) {
  if (!step_down) step_down = std::move(reason);
}

void CoreState::Trace(std::string_view note) const {
  if (options.trace) options.trace(note);
}

int64_t CoreState::NextAttempt() {
  ++attempts_;
  return static_cast<int64_t>(
      ((options.incarnation & 0x7fffffffULL) << 32) | (attempts_ & 0xffffffffULL));
}

}  // namespace canopy::zab
