// Builders and a fixture for the server/tree unit tests: a DataTree with a
// Preparer in front of it, as the leader runs them.
#ifndef CANOPY_TESTS_UNIT_TREE_TEST_UTIL_H_
#define CANOPY_TESTS_UNIT_TREE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "server/tree/data_tree.h"
#include "server/tree/prepare.h"

namespace canopy::tree::testing {

inline proto::Id MakeId(const std::string& scheme, const std::string& id) {
  proto::Id out;
  out.set_scheme(scheme);
  out.set_id(id);
  return out;
}

inline proto::Acl MakeAcl(int32_t perms, const std::string& scheme,
                          const std::string& id) {
  proto::Acl out;
  out.set_perms(perms);
  *out.mutable_id() = MakeId(scheme, id);
  return out;
}

inline std::vector<proto::Acl> OpenAcl() {
  return {MakeAcl(proto::ALL, "world", "anyone")};
}

inline proto::Request CreateReq(const std::string& path,
                                const std::string& data = "",
                                proto::CreateMode mode = proto::PERSISTENT,
                                const std::vector<proto::Acl>& acl = OpenAcl(),
                                int64_t ttl_ms = 0) {
  proto::Request r;
  r.set_xid(1);
  auto* c = r.mutable_create();
  c->set_path(path);
  c->set_data(data);
  c->set_mode(mode);
  for (const auto& a : acl) *c->add_acl() = a;
  c->set_ttl_ms(ttl_ms);
  return r;
}

inline proto::Request DeleteReq(const std::string& path, int32_t version = -1) {
  proto::Request r;
  r.set_xid(2);
  r.mutable_delete_()->set_path(path);
  r.mutable_delete_()->set_version(version);
  return r;
}

inline proto::Request SetDataReq(const std::string& path,
                                 const std::string& data,
                                 int32_t version = -1) {
  proto::Request r;
  r.set_xid(3);
  r.mutable_set_data()->set_path(path);
  r.mutable_set_data()->set_data(data);
  r.mutable_set_data()->set_version(version);
  return r;
}

inline proto::Request SetAclReq(const std::string& path,
                                const std::vector<proto::Acl>& acl,
                                int32_t version = -1) {
  proto::Request r;
  r.set_xid(4);
  r.mutable_set_acl()->set_path(path);
  for (const auto& a : acl) *r.mutable_set_acl()->add_acl() = a;
  r.mutable_set_acl()->set_version(version);
  return r;
}

inline proto::Request CheckReq(const std::string& path, int32_t version = -1) {
  proto::Request r;
  r.set_xid(5);
  r.mutable_check()->set_path(path);
  r.mutable_check()->set_version(version);
  return r;
}

inline proto::Request ExistsReq(const std::string& path, bool watch = false) {
  proto::Request r;
  r.set_xid(6);
  r.mutable_exists()->set_path(path);
  r.mutable_exists()->set_watch(watch);
  return r;
}

inline proto::Request GetDataReq(const std::string& path, bool watch = false) {
  proto::Request r;
  r.set_xid(7);
  r.mutable_get_data()->set_path(path);
  r.mutable_get_data()->set_watch(watch);
  return r;
}

inline proto::Request GetChildrenReq(const std::string& path,
                                     bool watch = false) {
  proto::Request r;
  r.set_xid(8);
  r.mutable_get_children()->set_path(path);
  r.mutable_get_children()->set_watch(watch);
  return r;
}

inline proto::Request GetAclReq(const std::string& path) {
  proto::Request r;
  r.set_xid(9);
  r.mutable_get_acl()->set_path(path);
  return r;
}

// A multi of create/delete/set_data/check requests built with the above.
inline proto::Request MultiReq(const std::vector<proto::Request>& ops) {
  proto::Request r;
  r.set_xid(10);
  r.mutable_multi();  // set even when empty
  for (const auto& op : ops) {
    proto::MultiOp* m = r.mutable_multi()->add_ops();
    if (op.has_create()) *m->mutable_create() = op.create();
    if (op.has_delete_()) *m->mutable_delete_() = op.delete_();
    if (op.has_set_data()) *m->mutable_set_data() = op.set_data();
    if (op.has_check()) *m->mutable_check() = op.check();
  }
  return r;
}

inline proto::AddWatchRequest AddWatchReq(
    const std::string& path,
    proto::AddWatchMode mode = proto::PERSISTENT_WATCH) {
  proto::AddWatchRequest r;
  r.set_path(path);
  r.set_mode(mode);
  return r;
}

// type is an int so ZooKeeper 3.9's unnamed values (4, 5) can be given.
inline proto::RemoveWatchesRequest RemoveWatchesReq(const std::string& path,
                                                    int type,
                                                    bool remove = true) {
  proto::RemoveWatchesRequest r;
  r.set_path(path);
  r.set_type(static_cast<proto::WatcherType>(type));
  r.set_remove(remove);
  return r;
}

inline proto::Request MultiReadReq(const std::vector<proto::Request>& ops) {
  proto::Request r;
  r.set_xid(11);
  r.mutable_multi_read();  // set even when empty
  for (const auto& op : ops) {
    proto::MultiReadOp* m = r.mutable_multi_read()->add_ops();
    if (op.has_get_data()) *m->mutable_get_data() = op.get_data();
    if (op.has_get_children()) *m->mutable_get_children() = op.get_children();
  }
  return r;
}

inline proto::Request GetEphemeralsReq(const std::string& prefix) {
  proto::Request r;
  r.set_xid(12);
  r.mutable_get_ephemerals()->set_prefix(prefix);
  return r;
}

inline proto::Request GetAllChildrenNumberReq(const std::string& path) {
  proto::Request r;
  r.set_xid(13);
  r.mutable_get_all_children_number()->set_path(path);
  return r;
}

// What one write did: the answer, and when it applied, its effects.
struct WriteResult {
  proto::Response response;
  std::optional<proto::Txn> txn;
  std::vector<FiredWatch> watches;
  std::vector<std::string> empty_containers;

  ErrorCode err() const { return response.err(); }
};

class TreeTest : public ::testing::Test {
 protected:
  static constexpr SessionId kS1 = 0x101;
  static constexpr SessionId kS2 = 0x202;

  void SetUp() override {
    OpenSession(kS1);
    OpenSession(kS2);
  }

  Zxid NextZxid() { return next_zxid_++; }
  int64_t Now() { return now_ += 10; }

  ApplyResult Commit(const proto::Txn& txn) {
    ApplyResult result = tree_.Apply(txn);
    preparer_.OnApplied(txn.zxid());
    return result;
  }

  ApplyResult OpenSession(SessionId session) {
    return Commit(preparer_.PrepareCreateSession(session, 30000, "secret",
                                                 NextZxid(), Now()));
  }

  ApplyResult CloseSession(SessionId session) {
    return Commit(preparer_.PrepareCloseSession(session, NextZxid(), Now()));
  }

  // Prepares the write; when it becomes a txn, also applies it.
  WriteResult Write(const proto::Request& request, SessionId session = kS1,
                    const AuthIds& auth = {}) {
    const Zxid zxid = NextZxid();
    Prepared prepared = preparer_.Prepare(session, auth, request, zxid, Now());
    WriteResult out;
    if (!prepared.txn) {
      --next_zxid_;  // a refused request uses no zxid
      out.response = prepared.error_response;
      return out;
    }
    out.txn = prepared.txn;
    ApplyResult applied = Commit(*prepared.txn);
    out.response = applied.response;
    out.watches = applied.watches;
    out.empty_containers = applied.empty_containers;
    return out;
  }

  // Prepares only (the txn stays in flight); error_response when refused.
  Prepared PrepareOnly(const proto::Request& request, SessionId session = kS1,
                       const AuthIds& auth = {}) {
    const Zxid zxid = NextZxid();
    Prepared prepared = preparer_.Prepare(session, auth, request, zxid, Now());
    if (!prepared.txn) --next_zxid_;
    return prepared;
  }

  proto::Response Read(const proto::Request& request, SessionId session = kS1,
                       const AuthIds& auth = {}) {
    return tree_.Read(session, auth, request);
  }

  ErrorCode WriteErr(const proto::Request& request, SessionId session = kS1,
                     const AuthIds& auth = {}) {
    return Write(request, session, auth).err();
  }

  proto::Stat StatOf(const std::string& path) {
    const Node* node = tree_.Find(path);
    EXPECT_NE(node, nullptr) << path;
    return node ? node->stat.ToProto() : proto::Stat();
  }

  bool Exists(const std::string& path) { return tree_.Find(path) != nullptr; }

  DataTree tree_;
  Preparer preparer_{tree_};
  Zxid next_zxid_ = 1;
  int64_t now_ = 1'000'000;
};

}  // namespace canopy::tree::testing

#endif  // CANOPY_TESTS_UNIT_TREE_TEST_UTIL_H_
