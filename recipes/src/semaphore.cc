#include "canopy/recipes/semaphore.h"

#include "src/queued_hold.h"

namespace canopy::recipes {

Semaphore::Semaphore(Client& client, std::string path, int leases,
                     SessionEventHub* hub, std::function<void()> on_lost) {
  const size_t n = leases < 1 ? 1 : static_cast<size_t>(leases);
  hold_ = std::make_unique<internal::QueuedHold>(
      client, std::move(path), "-lease-",
      [n](const std::vector<std::string>&, size_t mine) {
        return internal::Turn{mine < n, ""};
      },
      hub, std::move(on_lost));
}

Semaphore::~Semaphore() = default;

Status Semaphore::Acquire(int timeout_ms) { return hold_->Acquire(timeout_ms); }
Status Semaphore::Release() { return hold_->Release(); }
bool Semaphore::IsHeld() const { return state() == LockState::kHeld; }
LockState Semaphore::state() const { return hold_->state(); }

}  // namespace canopy::recipes
