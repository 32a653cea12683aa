#include "chroot.h"

namespace canopy::client_internal {
namespace {

// Checks and rewrites one path field in place.
Status Rewrite(std::string_view chroot, bool sequential, std::string* path) {
  Status s = CheckPath(*path, sequential);
  if (!s.ok()) return s;
  if (!chroot.empty()) *path = AddChroot(chroot, *path);
  return Status::Ok();
}

bool IsSequential(proto::CreateMode mode) {
  return mode == proto::PERSISTENT_SEQUENTIAL ||
         mode == proto::EPHEMERAL_SEQUENTIAL ||
         mode == proto::PERSISTENT_SEQUENTIAL_WITH_TTL;
}

Status PrepareMultiOp(std::string_view chroot, proto::MultiOp* op) {
  switch (op->op_case()) {
    case proto::MultiOp::kCreate:
      return Rewrite(chroot, IsSequential(op->create().mode()),
                     op->mutable_create()->mutable_path());
    case proto::MultiOp::kDelete:
      return Rewrite(chroot, false, op->mutable_delete_()->mutable_path());
    case proto::MultiOp::kSetData:
      return Rewrite(chroot, false, op->mutable_set_data()->mutable_path());
    case proto::MultiOp::kCheck:
      return Rewrite(chroot, false, op->mutable_check()->mutable_path());
    case proto::MultiOp::OP_NOT_SET:
      return Status(proto::BAD_ARGUMENTS, "empty multi op");
  }
  return Status(proto::BAD_ARGUMENTS, "unknown multi op");
}

}  // namespace

Status CheckPath(std::string_view path, bool sequential) {
  auto bad = [&](const char* why) {
    return Status(proto::BAD_ARGUMENTS,
                  std::string(why) + ": '" + std::string(path) + "'");
  };
  if (path.empty() || path.front() != '/') return bad("path must start with /");
  if (path.find('\0') != std::string_view::npos) return bad("NUL in path");
  if (path.size() == 1) return Status::Ok();
  if (path.back() == '/' && !sequential) return bad("path ends with /");
  if (path.find("//") != std::string_view::npos) return bad("empty path part");
  return Status::Ok();
}

std::string AddChroot(std::string_view chroot, std::string_view path) {
  if (chroot.empty()) return std::string(path);
  if (path == "/") return std::string(chroot);
  std::string out(chroot);
  out += path;
  return out;
}

std::string StripChroot(std::string_view chroot, std::string_view path) {
  if (chroot.empty()) return std::string(path);
  if (path == chroot) return "/";
  if (path.size() > chroot.size() && path.substr(0, chroot.size()) == chroot &&
      path[chroot.size()] == '/') {
    return std::string(path.substr(chroot.size()));
  }
  return std::string(path);
}

std::string_view RequestPath(const proto::Request& r) {
  switch (r.op_case()) {
    case proto::Request::kCreate: return r.create().path();
    case proto::Request::kDelete: return r.delete_().path();
    case proto::Request::kExists: return r.exists().path();
    case proto::Request::kGetData: return r.get_data().path();
    case proto::Request::kSetData: return r.set_data().path();
    case proto::Request::kGetChildren: return r.get_children().path();
    case proto::Request::kGetAcl: return r.get_acl().path();
    case proto::Request::kSetAcl: return r.set_acl().path();
    case proto::Request::kSync: return r.sync().path();
    case proto::Request::kCheck: return r.check().path();
    case proto::Request::kRemoveWatches: return r.remove_watches().path();
    case proto::Request::kAddWatch: return r.add_watch().path();
    case proto::Request::kGetEphemerals: return r.get_ephemerals().prefix();
    case proto::Request::kGetAllChildrenNumber:
      return r.get_all_children_number().path();
    default: return {};
  }
}

Status PrepareRequest(std::string_view chroot, proto::Request* r) {
  switch (r->op_case()) {
    case proto::Request::kCreate:
      return Rewrite(chroot, IsSequential(r->create().mode()),
                     r->mutable_create()->mutable_path());
    case proto::Request::kDelete:
      return Rewrite(chroot, false, r->mutable_delete_()->mutable_path());
    case proto::Request::kExists:
      return Rewrite(chroot, false, r->mutable_exists()->mutable_path());
    case proto::Request::kGetData:
      return Rewrite(chroot, false, r->mutable_get_data()->mutable_path());
    case proto::Request::kSetData:
      return Rewrite(chroot, false, r->mutable_set_data()->mutable_path());
    case proto::Request::kGetChildren:
      return Rewrite(chroot, false, r->mutable_get_children()->mutable_path());
    case proto::Request::kGetAcl:
      return Rewrite(chroot, false, r->mutable_get_acl()->mutable_path());
    case proto::Request::kSetAcl:
      return Rewrite(chroot, false, r->mutable_set_acl()->mutable_path());
    case proto::Request::kSync:
      return Rewrite(chroot, false, r->mutable_sync()->mutable_path());
    case proto::Request::kCheck:
      return Rewrite(chroot, false, r->mutable_check()->mutable_path());
    case proto::Request::kMulti:
      for (proto::MultiOp& op : *r->mutable_multi()->mutable_ops()) {
        Status s = PrepareMultiOp(chroot, &op);
        if (!s.ok()) return s;
      }
      return Status::Ok();
    case proto::Request::kSetWatches: {
      proto::SetWatchesRequest* w = r->mutable_set_watches();
      for (auto* list :
           {w->mutable_data_watches(), w->mutable_exist_watches(),
            w->mutable_child_watches(), w->mutable_persistent_watches(),
            w->mutable_persistent_recursive_watches()}) {
        for (std::string& path : *list) {
          Status s = Rewrite(chroot, false, &path);
          if (!s.ok()) return s;
        }
      }
      return Status::Ok();
    }
    case proto::Request::kRemoveWatches:
      return Rewrite(chroot, false, r->mutable_remove_watches()->mutable_path());
    case proto::Request::kAddWatch:
      return Rewrite(chroot, false, r->mutable_add_watch()->mutable_path());
    case proto::Request::kMultiRead:
      for (proto::MultiReadOp& op : *r->mutable_multi_read()->mutable_ops()) {
        std::string* path =
            op.has_get_data()       ? op.mutable_get_data()->mutable_path()
            : op.has_get_children() ? op.mutable_get_children()->mutable_path()
                                    : nullptr;
        if (path == nullptr) {
          return Status(proto::BAD_ARGUMENTS, "empty multiRead op");
        }
        Status s = Rewrite(chroot, false, path);
        if (!s.ok()) return s;
      }
      return Status::Ok();
    case proto::Request::kGetEphemerals:
      // A prefix, not a whole path: "/app/job-" is fine.
      return Rewrite(chroot, true,
                     r->mutable_get_ephemerals()->mutable_prefix());
    case proto::Request::kGetAllChildrenNumber:
      return Rewrite(chroot, false,
                     r->mutable_get_all_children_number()->mutable_path());
    case proto::Request::kAuth:
    case proto::Request::kPing:
    case proto::Request::kClose:
    case proto::Request::kWhoAmI:
      return Status::Ok();
    case proto::Request::OP_NOT_SET:
      return Status(proto::BAD_ARGUMENTS, "request without an operation");
  }
  return Status(proto::BAD_ARGUMENTS, "unknown operation");
}

void StripResponse(std::string_view chroot, proto::Response* r) {
  if (chroot.empty()) return;
  switch (r->body_case()) {
    case proto::Response::kCreate:
      *r->mutable_create()->mutable_path() =
          StripChroot(chroot, r->create().path());
      break;
    case proto::Response::kSync:
      *r->mutable_sync()->mutable_path() = StripChroot(chroot, r->sync().path());
      break;
    case proto::Response::kMulti:
      for (proto::MultiOpResult& res : *r->mutable_multi()->mutable_results()) {
        if (res.has_create()) {
          *res.mutable_create()->mutable_path() =
              StripChroot(chroot, res.create().path());
        }
      }
      break;
    case proto::Response::kGetEphemerals:
      for (std::string& path :
           *r->mutable_get_ephemerals()->mutable_paths()) {
        path = StripChroot(chroot, path);
      }
      break;
    default:
      break;
  }
}

void StripEvent(std::string_view chroot, proto::WatchEvent* event) {
  if (chroot.empty() || event->path().empty()) return;
  *event->mutable_path() = StripChroot(chroot, event->path());
}

}  // namespace canopy::client_internal
