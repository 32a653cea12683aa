#include "requests.h"

#include <string>

namespace canopy::client_internal {

proto::Request MakeCreate(std::string_view path, std::string_view data,
                          proto::CreateMode mode, std::vector<proto::Acl> acl) {
  proto::Request r;
  proto::CreateRequest* c = r.mutable_create();
  c->set_path(std::string(path));
  c->set_data(std::string(data));
  c->set_mode(mode);
  for (proto::Acl& a : acl) *c->add_acl() = std::move(a);
  return r;
}

proto::Request MakeDelete(std::string_view path, int32_t version) {
  proto::Request r;
  r.mutable_delete_()->set_path(std::string(path));
  r.mutable_delete_()->set_version(version);
  return r;
}

proto::Request MakeExists(std::string_view path) {
  proto::Request r;
  r.mutable_exists()->set_path(std::string(path));
  return r;
}

proto::Request MakeGetData(std::string_view path) {
  proto::Request r;
  r.mutable_get_data()->set_path(std::string(path));
  return r;
}

proto::Request MakeSetData(std::string_view path, std::string_view data,
                           int32_t version) {
  proto::Request r;
  r.mutable_set_data()->set_path(std::string(path));
  r.mutable_set_data()->set_data(std::string(data));
  r.mutable_set_data()->set_version(version);
  return r;
}

proto::Request MakeGetChildren(std::string_view path) {
  proto::Request r;
  r.mutable_get_children()->set_path(std::string(path));
  return r;
}

proto::Request MakeGetAcl(std::string_view path) {
  proto::Request r;
  r.mutable_get_acl()->set_path(std::string(path));
  return r;
}

proto::Request MakeSetAcl(std::string_view path, std::vector<proto::Acl> acl,
                          int32_t version) {
  proto::Request r;
  proto::SetAclRequest* s = r.mutable_set_acl();
  s->set_path(std::string(path));
  for (proto::Acl& a : acl) *s->add_acl() = std::move(a);
  s->set_version(version);
  return r;
}

proto::Request MakeSync(std::string_view path) {
  proto::Request r;
  r.mutable_sync()->set_path(std::string(path));
  return r;
}

proto::Request MakeMulti(const std::vector<proto::MultiOp>& ops) {
  proto::Request r;
  for (const proto::MultiOp& op : ops) *r.mutable_multi()->add_ops() = op;
  return r;
}

proto::Request MakeAuth(std::string_view scheme, std::string_view auth) {
  proto::Request r;
  r.mutable_auth()->set_scheme(std::string(scheme));
  r.mutable_auth()->set_auth(std::string(auth));
  return r;
}

}  // namespace canopy::client_internal
