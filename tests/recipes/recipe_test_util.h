// Shared fixture for recipe tests: one real canopy-server per test and
// clients wired to a SessionEventHub.
#ifndef CANOPY_TESTS_RECIPES_RECIPE_TEST_UTIL_H_
#define CANOPY_TESTS_RECIPES_RECIPE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "canopy/client.h"
#include "canopy/recipes/session_events.h"
#include "tests/integration/server_process.h"

namespace canopy::recipes::testing {

// A client plus the hub its session events feed. The hub is declared first
// so it outlives the client.
struct HubClient {
  std::unique_ptr<SessionEventHub> hub = std::make_unique<SessionEventHub>();
  std::unique_ptr<Client> client;
};

// Polls cond (every 2 ms) until true or timeout; true when cond held.
inline bool WaitFor(const std::function<bool()>& cond,
                    std::chrono::milliseconds timeout =
                        std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return cond();
}

class RecipeTest : public ::testing::Test {
 public:
  void SetUp() override {
    server_ = canopy::testing::ServerProcess::Start(
        dir_.path(), canopy::testing::TestConfig(dir_.path()));
    ASSERT_NE(server_, nullptr);
  }

  std::string ConnectString() const {
    return "127.0.0.1:" + std::to_string(server_->port());
  }

  HubClient Connect(int session_timeout_ms = 4000) {
    HubClient out;
    ClientOptions options;
    options.connect_string = ConnectString();
    options.session_timeout_ms = session_timeout_ms;
    auto client = ConnectWithHub(std::move(options), *out.hub);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (client.ok()) out.client = std::move(client).value();
    return out;
  }

  // Ends client's session from the outside (a second connection attaches
  // to it and closes it), so client sees kExpired once it notices.
  void ExpireSession(Client& client) {
    const int64_t id = client.session_id();
    const std::string password = client.session_password();
    // The original client re-attaches as soon as it is cut off, which can
    // beat the close: try until the server confirms the session is gone.
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto raw = canopy::testing::RawClient::Open(server_->port());
      ASSERT_NE(raw, nullptr);
      auto hs = raw->Handshake(client.session_timeout_ms(), id, password);
      if (hs && hs->err() == proto::SESSION_EXPIRED) return;
      if (!hs) continue;
      const proto::Response closed = raw->Call(canopy::testing::CloseReq());
      if (closed.err() == proto::OK) return;
    }
    ADD_FAILURE() << "could not close session " << id;
  }

  canopy::testing::TempDir dir_;
  std::unique_ptr<canopy::testing::ServerProcess> server_;
};

}  // namespace canopy::recipes::testing

#endif  // CANOPY_TESTS_RECIPES_RECIPE_TEST_UTIL_H_
