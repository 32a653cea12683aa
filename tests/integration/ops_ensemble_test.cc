// A graceful stop (SIGTERM) of a 3-member ensemble's leader under a write
// load: it exits cleanly, writes resume under a new leader, and no
// acknowledged write is lost; the stopped member comes back and agrees.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "canopy/client.h"
#include "tests/integration/ensemble.h"
#include "tests/integration/write_load.h"

namespace canopy::testing {
namespace {

std::unique_ptr<Client> ConnectTo(const std::string& hosts) {
  ClientOptions options;
  options.connect_string = hosts;
  options.session_timeout_ms = 6000;
  auto client = Client::Connect(options);
  return client.ok() ? std::move(client).value() : nullptr;
}

void ExpectAllOn(Ensemble& e, int id, const std::vector<std::string>& names) {
  auto client = ConnectTo("127.0.0.1:" + std::to_string(e.client_port(id)));
  ASSERT_NE(client, nullptr) << "member " << id;
  ASSERT_TRUE(client->Sync("/load").ok());
  auto children = client->GetChildren("/load");
  ASSERT_TRUE(children.ok());
  std::set<std::string> have(children->begin(), children->end());
  size_t missing = 0;
  for (const auto& name : names) missing += have.count(name) == 0;
  EXPECT_EQ(missing, 0u) << "member " << id << " lost acknowledged writes";
}

TEST(OpsEnsembleTest, SigtermOfTheLeaderLosesNoAcknowledgedWrite) {
  auto e = Ensemble::Start(3, 100, "canopy.shutdownTimeoutMs=5000\n");
  ASSERT_NE(e, nullptr);
  {
    auto c = ConnectTo(e->hosts());
    ASSERT_NE(c, nullptr);
    ASSERT_TRUE(c->Create("/load", "").ok());
  }
  WriteLoad writers(e->hosts(), 3);
  ASSERT_TRUE(writers.WaitForMore(200));
  const int leader = e->WaitForLeader();
  ASSERT_NE(leader, 0);
  // Waits (bounded) for the process to end.
  const int status = e->Kill(leader, SIGTERM);
  {
    // It stopped gracefully, not by the drain timeout.
    std::ifstream log(e->dir(leader) + "/server.log");
    const std::string text((std::istreambuf_iterator<char>(log)),
                           std::istreambuf_iterator<char>());
    const std::string tail = text.substr(text.size() > 4000 ? text.size() - 4000 : 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "wait status " << status << "; log ends:\n" << tail;
    EXPECT_NE(text.find("stopped serving: in-flight requests answered"),
              std::string::npos)
        << "log ends:\n" << tail;
    EXPECT_EQ(text.find("requests unanswered"), std::string::npos);
  }
  ASSERT_TRUE(writers.WaitForMore(200)) << "writes did not resume";
  writers.Stop();
  const int new_leader = e->WaitForLeader();
  ASSERT_NE(new_leader, 0);
  EXPECT_NE(new_leader, leader);
  const auto names = writers.names();
  for (int id = 1; id <= 3; ++id) {
    if (id != leader) ExpectAllOn(*e, id, names);
  }
  ASSERT_TRUE(e->Restart(leader));
  ASSERT_TRUE(e->WaitServing(leader));
  ExpectAllOn(*e, leader, names);
}

}  // namespace
}  // namespace canopy::testing
