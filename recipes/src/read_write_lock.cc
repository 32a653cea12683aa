#include "canopy/recipes/read_write_lock.h"

#include "src/queued_hold.h"

namespace canopy::recipes {
namespace {

bool IsWrite(const std::string& name) {
  return name.find("-write-") != std::string::npos;
}

internal::Turn ReadTurn(const std::vector<std::string>& sorted, size_t mine) {
  for (size_t i = mine; i-- > 0;) {
    if (IsWrite(sorted[i])) return {false, sorted[i]};
  }
  return {true, ""};
}

internal::Turn WriteTurn(const std::vector<std::string>& sorted, size_t mine) {
  if (mine == 0) return {true, ""};
  return {false, sorted[mine - 1]};
}

}  // namespace

ReadWriteLock::Side::Side(std::unique_ptr<internal::QueuedHold> hold)
    : hold_(std::move(hold)) {}
Status ReadWriteLock::Side::Acquire(int timeout_ms) {
  return hold_->Acquire(timeout_ms);
}
Status ReadWriteLock::Side::Release() { return hold_->Release(); }
bool ReadWriteLock::Side::IsHeld() const {
  return state() == LockState::kHeld;
}
LockState ReadWriteLock::Side::state() const { return hold_->state(); }

ReadWriteLock::ReadWriteLock(Client& client, std::string path,
                             SessionEventHub* hub,
                             std::function<void()> on_lost)
    : read_(new Side(std::make_unique<internal::QueuedHold>(
          client, path, "-read-", ReadTurn, hub, on_lost))),
      write_(new Side(std::make_unique<internal::QueuedHold>(
          client, path, "-write-", WriteTurn, hub, on_lost))) {}

ReadWriteLock::~ReadWriteLock() = default;

}  // namespace canopy::recipes
