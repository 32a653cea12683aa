// DataTree::Read: the reads a member serves from its committed tree.
#include <string_view>
#include <utility>
#include <vector>

#include "server/tree/data_tree.h"
#include "server/tree/tree_internal.h"

namespace canopy::tree {
namespace {

// ZooKeeper's getEphemerals: a blank prefix (or "/" after trimming) lists
// every ephemeral of the session; otherwise a plain string prefix match
// ("/a" also matches "/ab"), with no path validation.
bool ListsAll(std::string_view prefix) {
  const auto first = prefix.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string_view::npos) return true;
  const auto last = prefix.find_last_not_of(" \t\n\r\f\v");
  return prefix.substr(first, last - first + 1) == "/";
}

}  // namespace

Result<const Node*> DataTree::Lookup(const std::string& path, int32_t perm,
                                     const AuthIds& auth) const {
  if (!IsValidPath(path)) return Result<const Node*>(proto::BAD_ARGUMENTS);
  const Node* node = Find(path);
  if (node == nullptr) return Result<const Node*>(proto::NO_NODE);
  if (perm != 0 && node->acl != nullptr &&
      !AclAllows(*node->acl, perm, auth)) {
    return Result<const Node*>(proto::NO_AUTH);
  }
  return node;
}

ErrorCode DataTree::ReadData(SessionId session, const AuthIds& auth,
                             const proto::GetDataRequest& request,
                             proto::GetDataResponse* out) {
  const auto node = Lookup(request.path(), proto::READ, auth);
  if (!node.ok()) return node.status().code();
  if (request.watch()) watches_.Add(request.path(), WatchKind::kData, session);
  const std::string_view data = (*node)->data.view();
  out->set_data(data.data(), data.size());
  (*node)->stat.ToProto(out->mutable_stat());
  return proto::OK;
}

ErrorCode DataTree::ReadChildren(SessionId session, const AuthIds& auth,
                                 const proto::GetChildrenRequest& request,
                                 proto::GetChildrenResponse* out) {
  const auto node = Lookup(request.path(), proto::READ, auth);
  if (!node.ok()) return node.status().code();
  if (request.watch()) {
    watches_.Add(request.path(), WatchKind::kChildren, session);
  }
  for (std::string_view child : (*node)->children) {
    out->add_children(child.data(), child.size());
  }
  (*node)->stat.ToProto(out->mutable_stat());
  return proto::OK;
}

proto::Response DataTree::Read(SessionId session, const AuthIds& auth,
                               const proto::Request& request) {
  proto::Response response;
  response.set_xid(request.xid());
  response.set_zxid(last_zxid_);
  ErrorCode err = proto::OK;

  switch (request.op_case()) {
    case proto::Request::kExists: {
      // No permission is needed, and a watch is set even on a missing node.
      const std::string& path = request.exists().path();
      if (!IsValidPath(path)) {
        err = proto::BAD_ARGUMENTS;
        break;
      }
      const Node* node = Find(path);
      if (request.exists().watch()) {
        watches_.Add(path, node ? WatchKind::kData : WatchKind::kExists,
                     session);
      }
      if (node == nullptr) {
        err = proto::NO_NODE;
      } else {
        node->stat.ToProto(response.mutable_stat()->mutable_stat());
      }
      break;
    }
    case proto::Request::kGetData: {
      proto::GetDataResponse body;
      err = ReadData(session, auth, request.get_data(), &body);
      if (err == proto::OK) *response.mutable_get_data() = std::move(body);
      break;
    }
    case proto::Request::kGetChildren: {
      proto::GetChildrenResponse body;
      err = ReadChildren(session, auth, request.get_children(), &body);
      if (err == proto::OK) {
        *response.mutable_get_children() = std::move(body);
      }
      break;
    }
    case proto::Request::kGetAcl: {
      // ZooKeeper 3.9: READ or ADMIN reads the ACL; without ADMIN the
      // digest hashes are masked.
      const auto node =
          Lookup(request.get_acl().path(), proto::READ | proto::ADMIN, auth);
      if (!node.ok()) {
        err = node.status().code();
        break;
      }
      const Node& n = **node;
      proto::GetAclResponse* out = response.mutable_get_acl();
      if (n.acl != nullptr) {
        const bool admin = AclAllows(*n.acl, proto::ADMIN, auth);
        for (const proto::Acl& a :
             admin ? *n.acl : internal::RedactDigests(*n.acl)) {
          *out->add_acl() = a;
        }
      }
      n.stat.ToProto(out->mutable_stat());
      break;
    }
    case proto::Request::kMultiRead: {
      proto::MultiReadResponse* out = response.mutable_multi_read();
      for (const proto::MultiReadOp& op : request.multi_read().ops()) {
        proto::MultiReadResult* result = out->add_results();
        switch (op.op_case()) {
          case proto::MultiReadOp::kGetData: {
            proto::GetDataResponse body;
            result->set_err(ReadData(session, auth, op.get_data(), &body));
            if (result->err() == proto::OK) {
              *result->mutable_get_data() = std::move(body);
            }
            break;
          }
          case proto::MultiReadOp::kGetChildren: {
            proto::GetChildrenResponse body;
            result->set_err(
                ReadChildren(session, auth, op.get_children(), &body));
            if (result->err() == proto::OK) {
              *result->mutable_get_children() = std::move(body);
            }
            break;
          }
          default:
            result->set_err(proto::BAD_ARGUMENTS);
            break;
        }
      }
      break;
    }
    case proto::Request::kGetEphemerals: {
      const std::string& prefix = request.get_ephemerals().prefix();
      const bool all = ListsAll(prefix);
      proto::GetEphemeralsResponse* out = response.mutable_get_ephemerals();
      if (auto it = ephemerals_.find(session); it != ephemerals_.end()) {
        for (const std::string& path : it->second) {  // sorted
          if (all || path.starts_with(prefix)) out->add_paths(path);
        }
      }
      break;
    }
    case proto::Request::kGetAllChildrenNumber: {
      const std::string& path = request.get_all_children_number().path();
      const auto node = Lookup(path, proto::READ, auth);
      if (!node.ok()) {
        err = node.status().code();
        break;
      }
      int64_t total = 0;
      if (path == "/") {
        total = static_cast<int64_t>(nodes_.size()) - 1;
      } else {
        // Depth first below path; an explicit stack, as in ForEachNode.
        std::vector<std::string> stack{path};
        while (!stack.empty()) {
          const std::string parent = std::move(stack.back());
          stack.pop_back();
          const Node* n = Find(parent);
          if (n == nullptr) continue;
          total += static_cast<int64_t>(n->children.size());
          for (std::string_view child : n->children) {
            stack.push_back(internal::ChildPath(parent, child));
          }
        }
      }
      response.mutable_get_all_children_number()->set_total(
          static_cast<int32_t>(total));
      break;
    }
    default:
      err = proto::BAD_ARGUMENTS;
      break;
  }
  response.set_err(err);
  if (err != proto::OK) response.clear_body();
  return response;
}

}  // namespace canopy::tree
