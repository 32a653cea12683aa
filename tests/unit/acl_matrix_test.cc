// The ACL matrix at unit level: every operation ZooKeeper checks (and the
// ones it does not) against every scheme — world, auth, digest, ip, x509 and
// the super user — each once allowed and twice refused: by a caller with
// the right identity whose ACL lacks the one permission the operation needs,
// and by a caller with another identity whose ACL has it. Writes go through
// the Preparer, reads through DataTree::Read, as a leader serves them; multi
// ops are checked one by one inside a multi.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tree_test_util.h"

namespace canopy::tree::testing {
namespace {

// A scheme's allowed identity (proto::Id given to the session) and another
// identity of the same scheme the ACL does not name.
struct Scheme {
  std::string name;
  proto::Id acl_id;      // what the node's ACL names ("auth" is expanded)
  AuthIds allowed;       // a session that matches it
  AuthIds other;         // a session that does not
};

proto::Id Ip(const std::string& a) { return MakeId("ip", a); }

std::vector<Scheme> Schemes() {
  const proto::Id alice = MakeId("digest", "alice:aGFzaC1vZi1hbGljZQ==");
  const proto::Id bob = MakeId("digest", "bob:aGFzaC1vZi1ib2I=");
  const proto::Id cert = MakeId("x509", "CN=alice,O=Canopy");
  const proto::Id cert2 = MakeId("x509", "CN=mallory,O=Canopy");
  return {
      {"world", MakeId("world", "anyone"), {Ip("127.0.0.1")}, {}},
      // "auth" ACLs are set by alice and stored as her digest id.
      {"auth", MakeId("auth", ""), {Ip("127.0.0.1"), alice},
       {Ip("127.0.0.1"), bob}},
      {"digest", alice, {Ip("127.0.0.1"), alice}, {Ip("127.0.0.1"), bob}},
      {"ip", MakeId("ip", "10.1.0.0/16"), {Ip("10.1.200.7")},
       {Ip("10.2.0.1")}},
      {"x509", cert, {Ip("127.0.0.1"), cert}, {Ip("127.0.0.1"), cert2}},
      // The super user: the ACL names only bob; super passes regardless.
      {"super", bob, {Ip("127.0.0.1"), MakeId("digest", "super:x"),
                      MakeId(kSuperScheme, "")},
       {Ip("127.0.0.1"), alice}},
  };
}

// One operation on node `path` (which has a child "c"), by a session with
// `auth`. Returns the error the caller sees.
struct Op {
  std::string name;
  int32_t perm;  // what ZooKeeper requires on `path`; 0: no check
  bool write;
  std::function<proto::Request(const std::string& path)> request;
};

std::vector<Op> Ops() {
  auto child = [](const std::string& p) { return p + "/c"; };
  std::vector<Op> ops = {
      {"create", proto::CREATE, true,
       [=](const std::string& p) { return CreateReq(p + "/new", "x"); }},
      {"delete", proto::DELETE, true,
       [=](const std::string& p) { return DeleteReq(child(p)); }},
      {"setData", proto::WRITE, true,
       [](const std::string& p) { return SetDataReq(p, "y"); }},
      {"setACL", proto::ADMIN, true,
       [](const std::string& p) { return SetAclReq(p, OpenAcl()); }},
      {"multi.create", proto::CREATE, true,
       [=](const std::string& p) {
         return MultiReq({CreateReq(p + "/new", "x")});
       }},
      {"multi.delete", proto::DELETE, true,
       [=](const std::string& p) { return MultiReq({DeleteReq(child(p))}); }},
      {"multi.setData", proto::WRITE, true,
       [](const std::string& p) { return MultiReq({SetDataReq(p, "y")}); }},
      {"multi.check", proto::READ, true,
       [](const std::string& p) { return MultiReq({CheckReq(p)}); }},
      {"getData", proto::READ, false,
       [](const std::string& p) { return GetDataReq(p); }},
      {"getChildren", proto::READ, false,
       [](const std::string& p) { return GetChildrenReq(p); }},
      {"getAllChildrenNumber", proto::READ, false,
       [](const std::string& p) { return GetAllChildrenNumberReq(p); }},
      {"multiRead.getData", proto::READ, false,
       [](const std::string& p) { return MultiReadReq({GetDataReq(p)}); }},
      {"multiRead.getChildren", proto::READ, false,
       [](const std::string& p) {
         return MultiReadReq({GetChildrenReq(p)});
       }},
      // ZooKeeper 3.9: READ or ADMIN (tested with READ; ADMIN below).
      {"getACL", proto::READ, false,
       [](const std::string& p) { return GetAclReq(p); }},
      // No ACL check in ZooKeeper: exists and getEphemerals.
      {"exists", 0, false, [](const std::string& p) { return ExistsReq(p); }},
      {"getEphemerals", 0, false,
       [](const std::string& p) { return GetEphemeralsReq(p); }},
  };
  return ops;
}

// The error of a (multi)read or write: a multiRead's per-op error, a failed
// multi's top-level error.
ErrorCode ErrorOf(const proto::Response& response) {
  if (response.err() == proto::OK && response.has_multi_read() &&
      response.multi_read().results_size() == 1) {
    return response.multi_read().results(0).err();
  }
  return response.err();
}

class AclMatrixTest : public TreeTest {
 protected:
  // Super: sets up nodes whatever their ACLs.
  const AuthIds kSuper = {MakeId(kSuperScheme, ""),
                          MakeId("digest", "alice:aGFzaC1vZi1hbGljZQ==")};

  // /case<n> with a child "c", then the ACL {perms, scheme's id}.
  std::string MakeNode(const Scheme& scheme, int32_t perms) {
    const std::string path = "/case" + std::to_string(++cases_);
    EXPECT_EQ(WriteErr(CreateReq(path, "d"), kS1, kSuper), proto::OK);
    EXPECT_EQ(WriteErr(CreateReq(path + "/c", "d"), kS1, kSuper), proto::OK);
    std::vector<proto::Acl> acl = {
        MakeAcl(perms, scheme.acl_id.scheme(), scheme.acl_id.id())};
    EXPECT_EQ(WriteErr(SetAclReq(path, acl), kS1, kSuper), proto::OK)
        << scheme.name;
    return path;
  }

  ErrorCode Run(const Op& op, const std::string& path, const AuthIds& auth) {
    const proto::Request request = op.request(path);
    if (op.write) return Write(request, kS1, auth).err();
    return ErrorOf(Read(request, kS1, auth));
  }

  int cases_ = 0;
};

TEST_F(AclMatrixTest, EveryOperationTimesEveryScheme) {
  int checked = 0;
  for (const Scheme& scheme : Schemes()) {
    for (const Op& op : Ops()) {
      SCOPED_TRACE(op.name + " with " + scheme.name);
      const int32_t needed = op.perm == 0 ? proto::READ : op.perm;
      // Allowed: exactly the permission needed.
      std::string path = MakeNode(scheme, needed);
      EXPECT_EQ(Run(op, path, scheme.allowed), proto::OK);
      // Right identity, every permission but the needed one.
      path = MakeNode(scheme, proto::ALL & ~needed);
      const bool super = scheme.name == "super";
      const ErrorCode lacking = Run(op, path, scheme.allowed);
      if (op.perm == 0 || super) {
        EXPECT_EQ(lacking, proto::OK);  // no check, or super
      } else if (op.name == "getACL") {
        EXPECT_EQ(lacking, proto::OK);  // ADMIN is enough for getACL
      } else {
        EXPECT_EQ(lacking, proto::NO_AUTH);
      }
      // Another identity, the needed permission (world has no "other").
      if (scheme.name != "world") {
        path = MakeNode(scheme, needed);
        EXPECT_EQ(Run(op, path, scheme.other),
                  op.perm == 0 ? proto::OK : proto::NO_AUTH);
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, int(Schemes().size() * Ops().size()));
}

TEST_F(AclMatrixTest, GetAclNeedsReadOrAdmin) {
  const Scheme digest = Schemes()[2];
  const Op get_acl = Ops()[13];
  ASSERT_EQ(get_acl.name, "getACL");
  EXPECT_EQ(Run(get_acl, MakeNode(digest, proto::ADMIN), digest.allowed),
            proto::OK);
  EXPECT_EQ(Run(get_acl, MakeNode(digest, proto::ALL & ~(proto::READ |
                                                         proto::ADMIN)),
                digest.allowed),
            proto::NO_AUTH);
}

TEST_F(AclMatrixTest, MultiIsRefusedAsAWholeWhenOneOpIsRefused) {
  const Scheme digest = Schemes()[2];
  const std::string open = MakeNode(Schemes()[0], proto::ALL);
  const std::string closed = MakeNode(digest, proto::READ);
  const WriteResult result = Write(
      MultiReq({SetDataReq(open, "a"), SetDataReq(closed, "b")}), kS1,
      digest.allowed);
  EXPECT_EQ(result.err(), proto::NO_AUTH);
  ASSERT_EQ(result.response.multi().results_size(), 2);
  EXPECT_EQ(result.response.multi().results(1).err(), proto::NO_AUTH);
  EXPECT_FALSE(result.txn.has_value());
  EXPECT_EQ(tree_.Find(open)->data, "d");  // the allowed op did not apply
}

TEST_F(AclMatrixTest, X509AndSuperAreValidAclSchemesButSuperIsNot) {
  const std::string path = MakeNode(Schemes()[0], proto::ALL);
  EXPECT_EQ(WriteErr(SetAclReq(path, {MakeAcl(proto::ALL, "x509",
                                              "CN=bob,O=Canopy")})),
            proto::OK);
  EXPECT_EQ(WriteErr(SetAclReq(path, {MakeAcl(proto::ALL, "x509", "")}),
                     kS1, kSuper),
            proto::INVALID_ACL);
  EXPECT_EQ(WriteErr(SetAclReq(path, {MakeAcl(proto::ALL, "super", "")}),
                     kS1, kSuper),
            proto::INVALID_ACL);
  // "auth" expands to an x509 id like any authenticated id.
  const AuthIds with_cert = {Ip("127.0.0.1"),
                             MakeId("x509", "CN=bob,O=Canopy")};
  EXPECT_EQ(WriteErr(SetAclReq(path, {MakeAcl(proto::ALL, "auth", "")}), kS1,
                     with_cert),
            proto::OK);
  const proto::Response acl = Read(GetAclReq(path), kS1, with_cert);
  ASSERT_EQ(acl.get_acl().acl_size(), 1);
  EXPECT_EQ(acl.get_acl().acl(0).id().scheme(), "x509");
  EXPECT_EQ(acl.get_acl().acl(0).id().id(), "CN=bob,O=Canopy");
}

}  // namespace
}  // namespace canopy::tree::testing
