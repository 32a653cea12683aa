// The CLI's administrative commands without a server: parsing of getacl,
// setacl, setquota, listquota, delquota, dump and load, and the dump file's
// JSON round trip.
#include <gtest/gtest.h>

#include "cli/command.h"
#include "cli/dump_load.h"
#include "cli/quota_commands.h"

namespace canopy::cli {
namespace {

Result<Command> Parse(std::string_view line) {
  Result<std::vector<std::string>> words = SplitLine(line);
  EXPECT_TRUE(words.ok());
  return ParseCommand(words.ok() ? *words : std::vector<std::string>{});
}

TEST(CliAdminParseTest, AclCommands) {
  Result<Command> get = Parse("getacl -s /a");
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->kind, CommandKind::kGetAcl);
  EXPECT_TRUE(get->print_stat);
  EXPECT_FALSE(Parse("getacl /a")->print_stat);
  Result<Command> set = Parse("setacl -R -v 3 -s /a world:anyone:r,ip:10.0.0.0/8:cdrwa");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->kind, CommandKind::kSetAcl);
  EXPECT_TRUE(set->recursive);
  EXPECT_TRUE(set->print_stat);
  EXPECT_EQ(set->version, 3);
  EXPECT_EQ(set->path, "/a");
  ASSERT_EQ(set->acl.size(), 2u);
  EXPECT_EQ(set->acl[1].id().id(), "10.0.0.0/8");
  EXPECT_FALSE(Parse("setacl -R /a").ok());
  EXPECT_FALSE(Parse("addauth digest").ok());
}

TEST(CliAdminParseTest, QuotaCommands) {
  Result<Command> set = Parse("setquota -n 10 -B 4096 /app");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->kind, CommandKind::kSetQuota);
  EXPECT_EQ(set->path, "/app");
  EXPECT_EQ(set->quota_count, 10);
  EXPECT_EQ(set->quota_bytes, -1);
  EXPECT_EQ(set->quota_count_hard, -1);
  EXPECT_EQ(set->quota_bytes_hard, 4096);
  EXPECT_EQ(Parse("setquota -N 2 /a")->quota_count_hard, 2);
  EXPECT_EQ(Parse("setquota -b 7 /a")->quota_bytes, 7);
  for (const char* bad : {"setquota /a", "setquota -n 0 /a", "setquota -n x /a",
                          "setquota -n /a", "setquota -n 1", "delquota -x /a"}) {
    EXPECT_EQ(Parse(bad).status().code(), proto::BAD_ARGUMENTS) << bad;
  }
  Result<Command> del = Parse("delquota -b -N /app");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->kind, CommandKind::kDelQuota);
  EXPECT_EQ(del->quota_count, -1);
  EXPECT_EQ(del->quota_bytes, 0);  // marked for removal
  EXPECT_EQ(del->quota_count_hard, 0);
  EXPECT_EQ(del->quota_bytes_hard, -1);
  EXPECT_EQ(Parse("listquota /app")->kind, CommandKind::kListQuota);
  EXPECT_EQ(QuotaLimitsPath("/app"), "/zookeeper/quota/app/zookeeper_limits");
  EXPECT_EQ(QuotaStatsPath("/a/b"), "/zookeeper/quota/a/b/zookeeper_stats");
}

TEST(CliAdminParseTest, DumpAndLoad) {
  Result<Command> dump = Parse("dump /app");
  ASSERT_TRUE(dump.ok());
  EXPECT_EQ(dump->kind, CommandKind::kDump);
  EXPECT_EQ(dump->path, "/app");
  Result<Command> load = Parse("load");
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load->kind, CommandKind::kLoad);
  EXPECT_TRUE(load->file.empty());
  EXPECT_FALSE(load->overwrite);
  Result<Command> forced = Parse("load -f backup.json");
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->overwrite);
  EXPECT_EQ(forced->file, "backup.json");
  EXPECT_FALSE(Parse("load a b").ok());
  EXPECT_FALSE(Parse("dump").ok());
}

TEST(DumpJsonTest, RoundTripsBinaryDataAndAcls) {
  proto::Dump dump;
  dump.set_format(kDumpFormat);
  dump.set_root("/r");
  proto::DumpNode* node = dump.add_nodes();
  node->set_path("/r");
  node->set_data(std::string("\0\xff text", 7));
  proto::DumpAcl* acl = node->add_acl();
  acl->set_scheme("digest");
  acl->set_id("u:abc=");
  acl->set_perms("rw");
  node->mutable_stat()->set_czxid(int64_t{1} << 40);
  dump.add_skipped_ephemerals("/r/e");
  Result<std::string> json = DumpToJson(dump);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_NE(json->find("\"canopy-dump/1\""), std::string::npos) << *json;
  EXPECT_NE(json->find("\"AP8gdGV4dA==\""), std::string::npos) << *json;
  Result<proto::Dump> back = DumpFromJson(*json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->SerializeAsString(), dump.SerializeAsString());
}

TEST(DumpJsonTest, RefusesWhatIsNotADump) {
  EXPECT_EQ(DumpFromJson("{").status().code(), proto::BAD_ARGUMENTS);
  EXPECT_EQ(DumpFromJson("{\"format\": \"other\"}").status().code(),
            proto::BAD_ARGUMENTS);
  EXPECT_EQ(DumpFromJson("{\"format\": \"canopy-dump/1\", \"bogus\": 1}")
                .status()
                .code(),
            proto::BAD_ARGUMENTS);
  EXPECT_TRUE(DumpFromJson("{\"format\": \"canopy-dump/1\"}").ok());
}

}  // namespace
}  // namespace canopy::cli
