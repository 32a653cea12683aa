// Client: the typed operations, synchronous and asynchronous.
#include <string>

#include "canopy/client.h"
#include "client_impl.h"
#include "requests.h"
#include "response_convert.h"

namespace canopy {
namespace ci = client_internal;

// ------------------------------------------------------------- synchronous

Result<std::string> Client::Create(std::string_view path,
                                   std::string_view data,
                                   proto::CreateMode mode,
                                   std::vector<proto::Acl> acl) {
  Result<proto::Response> r =
      Call(ci::MakeCreate(path, data, mode, std::move(acl)), {});
  if (!r.ok()) return r.status();
  return ci::ToCreated(*r, path);
}

Status Client::Delete(std::string_view path, int32_t version) {
  Result<proto::Response> r = Call(ci::MakeDelete(path, version), {});
  if (!r.ok()) return r.status();
  return ci::ToStatus(*r, path);
}

Result<std::optional<proto::Stat>> Client::Exists(std::string_view path,
                                                  Watcher w) {
  Result<proto::Response> r = Call(ci::MakeExists(path), std::move(w));
  if (!r.ok()) return r.status();
  return ci::ToExists(*r, path);
}

Result<std::pair<std::string, proto::Stat>> Client::GetData(
    std::string_view path, Watcher w) {
  Result<proto::Response> r = Call(ci::MakeGetData(path), std::move(w));
  if (!r.ok()) return r.status();
  return ci::ToData(*r, path);
}

Result<proto::Stat> Client::SetData(std::string_view path,
                                    std::string_view data, int32_t version) {
  Result<proto::Response> r = Call(ci::MakeSetData(path, data, version), {});
  if (!r.ok()) return r.status();
  return ci::ToStat(*r, path);
}

Result<std::vector<std::string>> Client::GetChildren(std::string_view path,
                                                     Watcher w,
                                                     proto::Stat* stat) {
  Result<proto::Response> r = Call(ci::MakeGetChildren(path), std::move(w));
  if (!r.ok()) return r.status();
  return ci::ToChildren(*r, path, stat);
}

Result<std::pair<std::vector<proto::Acl>, proto::Stat>> Client::GetAcl(
    std::string_view path) {
  Result<proto::Response> r = Call(ci::MakeGetAcl(path), {});
  if (!r.ok()) return r.status();
  return ci::ToAcl(*r, path);
}

Result<proto::Stat> Client::SetAcl(std::string_view path,
                                   std::vector<proto::Acl> acl,
                                   int32_t version) {
  Result<proto::Response> r =
      Call(ci::MakeSetAcl(path, std::move(acl), version), {});
  if (!r.ok()) return r.status();
  return ci::ToStat(*r, path);
}

Status Client::Sync(std::string_view path) {
  Result<proto::Response> r = Call(ci::MakeSync(path), {});
  if (!r.ok()) return r.status();
  return ci::ToStatus(*r, path);
}

Result<std::vector<proto::MultiOpResult>> Client::Multi(
    std::vector<proto::MultiOp> ops,
    std::vector<proto::MultiOpResult>* results) {
  if (results != nullptr) results->clear();
  Result<proto::Response> r = Call(ci::MakeMulti(ops), {});
  if (!r.ok()) return r.status();
  return ci::ToMulti(*r, ops, results);
}

Status Client::AddAuth(std::string_view scheme, std::string_view auth) {
  Result<proto::Response> r = Call(ci::MakeAuth(scheme, auth), {});
  if (!r.ok()) return r.status();
  return ci::ToStatus(*r, scheme);
}

// ------------------------------------------------------------ asynchronous

void Client::CreateAsync(std::string_view path, std::string_view data,
                         proto::CreateMode mode,
                         std::function<void(Result<std::string>)> done,
                         std::vector<proto::Acl> acl) {
  Submit(ci::MakeCreate(path, data, mode, std::move(acl)),
         [done = std::move(done), p = std::string(path)](
             const proto::Response& r) { done(ci::ToCreated(r, p)); });
}

void Client::DeleteAsync(std::string_view path, int32_t version,
                         std::function<void(Status)> done) {
  Submit(ci::MakeDelete(path, version),
         [done = std::move(done), p = std::string(path)](
             const proto::Response& r) { done(ci::ToStatus(r, p)); });
}

void Client::ExistsAsync(
    std::string_view path,
    std::function<void(Result<std::optional<proto::Stat>>)> done, Watcher w) {
  Submit(ci::MakeExists(path),
         [done = std::move(done), p = std::string(path)](
             const proto::Response& r) { done(ci::ToExists(r, p)); },
         std::move(w));
}

void Client::GetDataAsync(
    std::string_view path,
    std::function<void(Result<std::pair<std::string, proto::Stat>>)> done,
    Watcher w) {
  Submit(ci::MakeGetData(path),
         [done = std::move(done), p = std::string(path)](
             const proto::Response& r) { done(ci::ToData(r, p)); },
         std::move(w));
}

void Client::SetDataAsync(std::string_view path, std::string_view data,
                          int32_t version,
                          std::function<void(Result<proto::Stat>)> done) {
  Submit(ci::MakeSetData(path, data, version),
         [done = std::move(done), p = std::string(path)](
             const proto::Response& r) { done(ci::ToStat(r, p)); });
}

void Client::GetChildrenAsync(
    std::string_view path,
    std::function<void(Result<std::vector<std::string>>)> done, Watcher w) {
  Submit(ci::MakeGetChildren(path),
         [done = std::move(done), p = std::string(path)](
             const proto::Response& r) {
           done(ci::ToChildren(r, p, nullptr));
         },
         std::move(w));
}

}  // namespace canopy
