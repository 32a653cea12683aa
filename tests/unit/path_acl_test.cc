// Path rules and ACL checks of server/tree (path.cc, acl.cc).
#include <gtest/gtest.h>

#include <climits>
#include <string>

#include "server/tree/data_tree.h"
#include "server/tree/tree_internal.h"
#include "tests/unit/tree_test_util.h"

namespace canopy::tree {
namespace {

using testing::MakeAcl;
using testing::MakeId;

TEST(PathTest, AcceptsZooKeeperValidPaths) {
  for (const std::string path :
       {"/", "/a", "/a/b/c", "/a.b", "/...", "/a..", "/.a", "/a b", "/-_~",
        "/\xe6\x97\xa5\xe6\x9c\xac" /* U+65E5 U+672C */, "/zookeeper2"}) {
    EXPECT_TRUE(IsValidPath(path)) << path;
  }
}

TEST(PathTest, RefusesWhatPathUtilsRefuses) {
  for (const std::string path :
       {"",
        "a",
        "a/b",
        "/a/",
        "//",
        "/a//b",
        "/.",
        "/..",
        "/a/./b",
        "/a/../b",
        "/a/..",
        "/a/.",
        "/a\x01",
        "/a\x1f",
        "/a\x7f",
        "/\xc2\x80" /* U+0080 */,
        "/\xc2\x9f" /* U+009F */,
        "/\xed\x9f\xbf\xee\x80\x80" /* U+E000 private use */,
        "/\xef\xbf\xb0" /* U+FFF0 */,
        "/\xef\xbf\xbf" /* U+FFFF */,
        "/\xf0\x9f\x98\x80" /* U+1F600: a surrogate pair in Java */,
        "/\xff" /* not UTF-8 */,
        "/\xc0\xaf" /* overlong */,
        "/\xe6\x97" /* truncated */}) {
    EXPECT_FALSE(IsValidPath(path)) << path;
  }
  EXPECT_FALSE(IsValidPath(std::string("/a\0b", 4)));
  // U+00A0 and U+F900 sit just outside the forbidden ranges.
  EXPECT_TRUE(IsValidPath("/\xc2\xa0"));
  EXPECT_TRUE(IsValidPath("/\xef\xa4\x80"));
}

TEST(PathTest, ParentAndBaseName) {
  EXPECT_EQ(ParentPath("/a/b"), "/a");
  EXPECT_EQ(ParentPath("/a"), "/");
  EXPECT_EQ(ParentPath("/"), "");
  EXPECT_EQ(BaseName("/a/b"), "b");
  EXPECT_EQ(BaseName("/a"), "a");
  EXPECT_EQ(BaseName("/"), "");
  EXPECT_EQ(internal::ChildPath("/", "a"), "/a");
  EXPECT_EQ(internal::ChildPath("/a", "b"), "/a/b");
}

TEST(PathTest, ReservedSubtree) {
  EXPECT_TRUE(internal::IsReservedPath("/zookeeper"));
  EXPECT_TRUE(internal::IsReservedPath("/zookeeper/quota"));
  EXPECT_TRUE(internal::IsReservedPath("/zookeeper/x/y"));
  EXPECT_FALSE(internal::IsReservedPath("/zookeeper2"));
  EXPECT_FALSE(internal::IsReservedPath("/"));
  EXPECT_FALSE(internal::IsReservedPath("/a/zookeeper"));
}

TEST(VersionTest, NextVersionWrapsAndSkipsMinusOne) {
  EXPECT_EQ(internal::NextVersion(0), 1);
  EXPECT_EQ(internal::NextVersion(INT32_MAX), INT32_MIN);
  EXPECT_EQ(internal::NextVersion(-2), 0);  // ZOOKEEPER-4743
  EXPECT_EQ(internal::WrapIncrement(-2), -1);
}

TEST(SequenceTest, SuffixIsTenDigitsSigned) {
  EXPECT_EQ(internal::SequenceSuffix(0), "0000000000");
  EXPECT_EQ(internal::SequenceSuffix(42), "0000000042");
  EXPECT_EQ(internal::SequenceSuffix(-1), "-000000001");
  EXPECT_EQ(internal::SequenceSuffix(INT32_MAX), "2147483647");
}

TEST(SequenceTest, CounterCountsCreatesOnly) {
  NodeStat stat;
  stat.set_cversion(-1);  // fresh "/": no creates, one child
  stat.set_num_children(1);
  EXPECT_EQ(internal::SequenceCounter(stat), 0);
  stat.set_cversion(5);  // 3 creates, 2 deletes
  stat.set_num_children(1);
  EXPECT_EQ(internal::SequenceCounter(stat), 3);
}

TEST(AclAllowsTest, EmptyAclAllowsEverything) {
  EXPECT_TRUE(AclAllows({}, proto::ADMIN, {}));
}

TEST(AclAllowsTest, WorldAnyoneMatchesEveryoneForItsPerms) {
  const std::vector<proto::Acl> acl = {MakeAcl(proto::READ, "world", "anyone")};
  EXPECT_TRUE(AclAllows(acl, proto::READ, {}));
  EXPECT_FALSE(AclAllows(acl, proto::WRITE, {}));
  // Any bit of the asked mask is enough (getACL asks READ|ADMIN).
  EXPECT_TRUE(AclAllows(acl, proto::READ | proto::ADMIN, {}));
}

TEST(AclAllowsTest, DigestMatchesTheSameId) {
  const std::vector<proto::Acl> acl = {
      MakeAcl(proto::ALL, "digest", "bob:hash")};
  EXPECT_TRUE(AclAllows(acl, proto::WRITE, {MakeId("digest", "bob:hash")}));
  EXPECT_FALSE(AclAllows(acl, proto::WRITE, {MakeId("digest", "bob:other")}));
  EXPECT_FALSE(AclAllows(acl, proto::WRITE, {MakeId("ip", "bob:hash")}));
  EXPECT_FALSE(AclAllows(acl, proto::WRITE, {}));
}

TEST(AclAllowsTest, IpMatchesAddressAndCidr) {
  const std::vector<proto::Acl> exact = {MakeAcl(proto::ALL, "ip", "10.0.0.7")};
  const std::vector<proto::Acl> net = {
      MakeAcl(proto::ALL, "ip", "192.168.1.0/24")};
  const AuthIds inside = {MakeId("ip", "192.168.1.77")};
  const AuthIds outside = {MakeId("ip", "192.168.2.77")};
  EXPECT_TRUE(AclAllows(exact, proto::READ, {MakeId("ip", "10.0.0.7")}));
  EXPECT_FALSE(AclAllows(exact, proto::READ, {MakeId("ip", "10.0.0.8")}));
  EXPECT_TRUE(AclAllows(net, proto::READ, inside));
  EXPECT_FALSE(AclAllows(net, proto::READ, outside));
  EXPECT_TRUE(internal::IpMatches("1.2.3.4", "0.0.0.0/0"));
  EXPECT_TRUE(internal::IpMatches("10.1.2.3", "10.0.0.0/9"));
  EXPECT_FALSE(internal::IpMatches("10.128.0.1", "10.0.0.0/9"));
  EXPECT_TRUE(internal::IpMatches("::1", "0:0:0:0:0:0:0:1"));
  EXPECT_TRUE(internal::IpMatches("2001:db8::5", "2001:db8::/32"));
  EXPECT_FALSE(internal::IpMatches("2001:db9::5", "2001:db8::/32"));
  EXPECT_FALSE(internal::IpMatches("1.2.3.4", "::/0"));  // v4 vs v6
  EXPECT_FALSE(internal::IpMatches("garbage", "1.2.3.4"));
}

TEST(AclAllowsTest, WorldAndAuthSchemesNeverMatchAnId) {
  const std::vector<proto::Acl> acl = {MakeAcl(proto::ALL, "world", "me"),
                                       MakeAcl(proto::ALL, "auth", "")};
  EXPECT_FALSE(
      AclAllows(acl, proto::READ, {MakeId("world", "me"), MakeId("auth", "")}));
}

TEST(IpIdTest, ValidForms) {
  for (const char* id : {"1.2.3.4", "1.2.3.4/0", "1.2.3.4/32", "::1",
                         "2001:db8::/64", "::ffff:1.2.3.4", "fe80::1%eth0"}) {
    EXPECT_TRUE(internal::IsValidIpAclId(id)) << id;
  }
  for (const char* id : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33",
                         "1.2.3.4/x", "1.2.3.4/", "a.b.c.d", "1::2::3",
                         "12345::", "::/129", "1:2:3:4:5:6:7"}) {
    EXPECT_FALSE(internal::IsValidIpAclId(id)) << id;
  }
}

google::protobuf::RepeatedPtrField<proto::Acl> Field(
    const std::vector<proto::Acl>& acl) {
  return {acl.begin(), acl.end()};
}

TEST(FixupAclTest, EmptyIsInvalid) {
  auto out = internal::FixupAcl(Field({}), {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), proto::INVALID_ACL);
}

TEST(FixupAclTest, DropsExactDuplicatesKeepingOrder) {
  auto out =
      internal::FixupAcl(Field({MakeAcl(proto::READ, "world", "anyone"),
                                MakeAcl(proto::ALL, "digest", "u:h"),
                                MakeAcl(proto::READ, "world", "anyone"),
                                MakeAcl(proto::WRITE, "world", "anyone")}),
                         {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ((*out)[0].perms(), proto::READ);
  EXPECT_EQ((*out)[1].id().scheme(), "digest");
  EXPECT_EQ((*out)[2].perms(), proto::WRITE);
}

TEST(FixupAclTest, AuthExpandsToAuthenticatedIdsOnly) {
  const AuthIds auth = {MakeId("ip", "127.0.0.1"), MakeId("digest", "a:1"),
                        MakeId("digest", "b:2")};
  auto out =
      internal::FixupAcl(Field({MakeAcl(proto::READ, "auth", "")}), auth);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].id().id(), "a:1");
  EXPECT_EQ((*out)[1].id().id(), "b:2");
  EXPECT_EQ((*out)[1].perms(), proto::READ);
}

TEST(FixupAclTest, AuthWithoutAuthenticatedIdIsInvalid) {
  auto out = internal::FixupAcl(Field({MakeAcl(proto::ALL, "auth", "")}),
                                {MakeId("ip", "127.0.0.1")});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), proto::INVALID_ACL);
}

TEST(FixupAclTest, MalformedIdsAndUnknownSchemesAreInvalid) {
  for (const proto::Acl& acl :
       {MakeAcl(proto::ALL, "digest", "nocolon"),
        MakeAcl(proto::ALL, "digest", "a:b:c"),
        MakeAcl(proto::ALL, "digest", "a:"), MakeAcl(proto::ALL, "ip", "1.2.3"),
        MakeAcl(proto::ALL, "ip", "1.2.3.4/40"),
        MakeAcl(proto::ALL, "world", "someone"),
        MakeAcl(proto::ALL, "kerberos", "x")}) {
    auto out = internal::FixupAcl(Field({acl}), {});
    ASSERT_FALSE(out.ok()) << acl.ShortDebugString();
    EXPECT_EQ(out.status().code(), proto::INVALID_ACL);
  }
  // Java's split(":") drops trailing empty parts and keeps leading ones.
  EXPECT_TRUE(internal::FixupAcl(Field({MakeAcl(1, "digest", ":h")}), {}).ok());
  EXPECT_TRUE(
      internal::FixupAcl(Field({MakeAcl(1, "digest", "u:h:")}), {}).ok());
}

TEST(RedactTest, DigestHashesBecomeX) {
  auto out = internal::RedactDigests({MakeAcl(proto::ALL, "digest", "u:hash"),
                                      MakeAcl(proto::READ, "ip", "1.2.3.4")});
  EXPECT_EQ(out[0].id().id(), "u:x");
  EXPECT_EQ(out[1].id().id(), "1.2.3.4");
}

}  // namespace
}  // namespace canopy::tree
