#include "response_convert.h"

namespace canopy::client_internal {
namespace {

// An OK answer whose body is the wrong one is malformed. One without any
// body is taken as the expected body with every field at its default, which
// is what an empty body message would decode to anyway.
bool BodyIs(const proto::Response& r, proto::Response::BodyCase expected) {
  return r.body_case() == expected ||
         r.body_case() == proto::Response::BODY_NOT_SET;
}

Status Unexpected(std::string_view path) {
  return Status(proto::MARSHALLING_ERROR,
                "unexpected answer for " + std::string(path));
}

std::string_view MultiOpPath(const proto::MultiOp& op) {
  switch (op.op_case()) {
    case proto::MultiOp::kCreate: return op.create().path();
    case proto::MultiOp::kDelete: return op.delete_().path();
    case proto::MultiOp::kSetData: return op.set_data().path();
    case proto::MultiOp::kCheck: return op.check().path();
    default: return {};
  }
}

}  // namespace

Status ToStatus(const proto::Response& r, std::string_view path) {
  if (r.err() == proto::OK) return Status::Ok();
  return Status(r.err(), std::string(path));
}

Result<std::string> ToCreated(const proto::Response& r, std::string_view path) {
  if (r.err() != proto::OK) return ToStatus(r, path);
  if (!r.has_create()) return Unexpected(path);
  return r.create().path();
}

Result<std::optional<proto::Stat>> ToExists(const proto::Response& r,
                                            std::string_view path) {
  if (r.err() == proto::NO_NODE) return std::optional<proto::Stat>();
  if (r.err() != proto::OK) return ToStatus(r, path);
  if (!BodyIs(r, proto::Response::kStat)) return Unexpected(path);
  return std::optional<proto::Stat>(r.stat().stat());
}

Result<std::pair<std::string, proto::Stat>> ToData(const proto::Response& r,
                                                   std::string_view path) {
  if (r.err() != proto::OK) return ToStatus(r, path);
  if (!BodyIs(r, proto::Response::kGetData)) return Unexpected(path);
  return std::make_pair(r.get_data().data(), r.get_data().stat());
}

Result<proto::Stat> ToStat(const proto::Response& r, std::string_view path) {
  if (r.err() != proto::OK) return ToStatus(r, path);
  if (!BodyIs(r, proto::Response::kStat)) return Unexpected(path);
  return r.stat().stat();
}

Result<std::vector<std::string>> ToChildren(const proto::Response& r,
                                            std::string_view path,
                                            proto::Stat* stat) {
  if (r.err() != proto::OK) return ToStatus(r, path);
  if (!BodyIs(r, proto::Response::kGetChildren)) return Unexpected(path);
  if (stat != nullptr) *stat = r.get_children().stat();
  return std::vector<std::string>(r.get_children().children().begin(),
                                  r.get_children().children().end());
}

Result<std::pair<std::vector<proto::Acl>, proto::Stat>> ToAcl(
    const proto::Response& r, std::string_view path) {
  if (r.err() != proto::OK) return ToStatus(r, path);
  if (!BodyIs(r, proto::Response::kGetAcl)) return Unexpected(path);
  return std::make_pair(
      std::vector<proto::Acl>(r.get_acl().acl().begin(), r.get_acl().acl().end()),
      r.get_acl().stat());
}

Result<std::vector<proto::MultiOpResult>> ToMulti(
    const proto::Response& r, const std::vector<proto::MultiOp>& ops,
    std::vector<proto::MultiOpResult>* results) {
  std::vector<proto::MultiOpResult> out(r.multi().results().begin(),
                                        r.multi().results().end());
  if (results != nullptr) *results = out;
  if (r.err() == proto::OK) {
    if (!BodyIs(r, proto::Response::kMulti) || out.size() != ops.size()) {
      return Unexpected("multi");
    }
    return out;
  }
  // The first op that failed for its own reason (the ones after it report
  // RUNTIME_INCONSISTENCY).
  for (size_t i = 0; i < out.size(); ++i) {
    const ErrorCode err = out[i].err();
    if (err != proto::OK && err != proto::RUNTIME_INCONSISTENCY) {
      std::string message = "op " + std::to_string(i);
      if (i < ops.size()) message += ": " + std::string(MultiOpPath(ops[i]));
      return Status(err, std::move(message));
    }
  }
  return Status(r.err(), "multi");
}

}  // namespace canopy::client_internal
