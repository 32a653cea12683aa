// zoo.cfg parsing: every key lands in its option, bad values name the file,
// line and key, unknown keys are warnings.
#include <gtest/gtest.h>

#include "server/config.h"

namespace canopy {
namespace {

TEST(ConfigTest, KeysLandInTheirOptions) {
  auto config = ParseConfig(
      "# comment\n"
      "tickTime=150\ninitLimit=7\nsyncLimit=3\n"
      "dataDir=/d\ndataLogDir=/l\nclientPort=2300\n"
      "clientPortAddress=127.0.0.2\nminSessionTimeout=400\n"
      "maxSessionTimeout=9000\nsnapCount=500\n"
      "autopurge.snapRetainCount=4\nautopurge.purgeInterval=2\n"
      "jute.maxbuffer=8192\nmaxClientCnxns=9\nglobalOutstandingLimit=77\n"
      "4lw.commands.whitelist=ruok, srvr\n"
      "admin.enableServer=false\nadmin.serverAddress=127.0.0.3\n"
      "admin.serverPort=9090\n"
      "canopy.logLevel=debug\ncanopy.logFile=/tmp/x.log\n"
      "canopy.logMaxSize=100000\ncanopy.logMaxFiles=3\n"
      "canopy.logToStderr=false\ncanopy.shutdownTimeoutMs=1500\n"
      "server.1=127.0.0.1:2888:3888\n"
      "server.2=127.0.0.1:2889:3889:observer\n",
      "zoo.cfg");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const auto& s = config->server;
  EXPECT_EQ(s.tick_ms, 150);
  EXPECT_EQ(s.init_limit_ticks, 7);
  EXPECT_EQ(s.sync_limit_ticks, 3);
  EXPECT_EQ(s.data_dir, "/d");
  EXPECT_EQ(s.data_log_dir, "/l");
  EXPECT_EQ(s.port, 2300);
  EXPECT_EQ(s.address, "127.0.0.2");
  EXPECT_EQ(s.min_session_timeout_ms, 400);
  EXPECT_EQ(s.max_session_timeout_ms, 9000);
  EXPECT_EQ(s.snap_count, 500);
  EXPECT_EQ(s.snap_retain_count, 4);
  EXPECT_EQ(s.purge_interval_hours, 2);
  EXPECT_EQ(s.max_frame_bytes, 8192u);
  EXPECT_EQ(s.max_client_connections, 9);
  EXPECT_EQ(s.max_requests_in_flight, 77);
  EXPECT_EQ(s.four_letter_whitelist, "ruok, srvr");
  EXPECT_FALSE(s.admin.enabled);
  EXPECT_EQ(s.admin.address, "127.0.0.3");
  EXPECT_EQ(s.admin.port, 9090);
  EXPECT_EQ(s.drain_timeout_ms, 1500);
  EXPECT_EQ(config->log.level, "debug");
  EXPECT_EQ(config->log.file, "/tmp/x.log");
  EXPECT_EQ(config->log.max_file_bytes, 100000);
  EXPECT_EQ(config->log.max_files, 3);
  EXPECT_FALSE(config->log.to_stderr);
  ASSERT_EQ(s.members.size(), 2u);
  EXPECT_EQ(s.members.at(2).peer_port, 2889);
  EXPECT_TRUE(s.members.at(2).observer);
  EXPECT_TRUE(config->warnings.empty());
}

TEST(ConfigTest, BadValueNamesFileLineAndKey) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"tickTime=100\nclientPort=abc\n", "f.cfg:2: clientPort: bad value 'abc'"},
      {"tickTime=0\n", "f.cfg:1: tickTime: bad value '0'"},
      {"\n\nadmin.enableServer=maybe\n",
       "f.cfg:3: admin.enableServer: bad value 'maybe'"},
      {"admin.serverPort=-1\n", "f.cfg:1: admin.serverPort"},
      {"globalOutstandingLimit=0\n", "f.cfg:1: globalOutstandingLimit"},
      {"autopurge.purgeInterval=-2\n", "f.cfg:1: autopurge.purgeInterval"},
      {"jute.maxbuffer=10\n", "f.cfg:1: jute.maxbuffer"},
      {"canopy.logLevel=loud\n", "f.cfg:1: canopy.logLevel"},
      {"server.x=127.0.0.1:1:2\n", "f.cfg:1: server.x"},
      {"server.1=127.0.0.1\n", "f.cfg:1: server.1"},
      {"just words\n", "f.cfg:1: expected key=value"},
  };
  for (const auto& c : cases) {
    auto config = ParseConfig(c.text, "f.cfg");
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos)
        << config.status().message();
  }
}

TEST(ConfigTest, UnknownKeysAreWarnings) {
  auto config = ParseConfig("tickTime=100\nfoo.bar=1\n", "f.cfg");
  ASSERT_TRUE(config.ok());
  ASSERT_EQ(config->warnings.size(), 1u);
  EXPECT_NE(config->warnings[0].find("f.cfg:2: unknown key foo.bar"),
            std::string::npos);
}

}  // namespace
}  // namespace canopy
