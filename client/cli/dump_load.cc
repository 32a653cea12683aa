#include "cli/dump_load.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

#include "cli/acl_text.h"

namespace canopy::cli {
namespace {

// Creates in flight at once while loading: enough to hide the round trip
// and the log sync, bounded so a huge dump does not queue without limit.
constexpr size_t kLoadWindow = 256;

bool IsReserved(const std::string& path) {
  return path == "/zookeeper" || path.starts_with("/zookeeper/");
}

std::string ChildOf(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

Result<std::vector<proto::Acl>> AclOf(const proto::DumpNode& node) {
  std::vector<proto::Acl> acl;
  for (const proto::DumpAcl& d : node.acl()) {
    Result<int32_t> perms = ParsePerms(d.perms());
    if (!perms.ok()) {
      return Status(proto::INVALID_ACL,
                    node.path() + ": " + perms.status().message());
    }
    proto::Acl a;
    a.set_perms(*perms);
    a.mutable_id()->set_scheme(d.scheme());
    a.mutable_id()->set_id(d.id());
    acl.push_back(std::move(a));
  }
  if (acl.empty()) return Status(proto::INVALID_ACL, node.path() + ": no ACL");
  return acl;
}

// Creates every missing ancestor of path (not path itself), empty and open.
Status CreateParents(Client* client, const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string parent = path.substr(0, slash);
    Result<std::string> made = client->Create(parent, "");
    if (!made.ok() && made.status().code() != proto::NODE_EXISTS) {
      return made.status();
    }
  }
  return Status::Ok();
}

// Answers of pipelined requests, handed from the event thread.
class Window {
 public:
  // Blocks while `limit` requests are in flight, then counts one more.
  void Acquire(size_t limit) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < limit; });
    ++in_flight_;
  }
  void Done(size_t index, ErrorCode err) {
    {
      std::lock_guard lock(mu_);
      --in_flight_;
      if (err != proto::OK) failures_.emplace_back(index, err);
    }
    cv_.notify_all();
  }
  // Waits for every request; returns the failures in request order. Every
  // request ends (the client times each out), so the wait ends too.
  std::vector<std::pair<size_t, ErrorCode>> Finish() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
    std::sort(failures_.begin(), failures_.end());
    return failures_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t in_flight_ = 0;
  std::vector<std::pair<size_t, ErrorCode>> failures_;
};

bool SameAcl(const std::vector<proto::Acl>& a,
             const std::vector<proto::Acl>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const proto::Acl& x, const proto::Acl& y) {
                      return x.perms() == y.perms() &&
                             x.id().scheme() == y.id().scheme() &&
                             x.id().id() == y.id().id();
                    });
}

// Gives an existing node the dump's data and ACL, writing only what
// differs (so a node that already matches, even a read-only one, passes).
Status Overwrite(Client* client, const proto::DumpNode& node,
                 const std::vector<proto::Acl>& acl) {
  auto data = client->GetData(node.path());
  if (!data.ok()) return data.status();
  if (data->first != node.data()) {
    Status s = client->SetData(node.path(), node.data()).status();
    if (!s.ok()) return s;
  }
  auto current = client->GetAcl(node.path());
  if (!current.ok()) return current.status();
  if (!SameAcl(current->first, acl)) {
    return client->SetAcl(node.path(), acl).status();
  }
  return Status::Ok();
}

}  // namespace

Result<proto::Dump> ReadSubtree(Client* client, const std::string& root) {
  proto::Dump dump;
  dump.set_format(kDumpFormat);
  dump.set_root(root);
  std::vector<std::string> stack = {root};
  while (!stack.empty()) {
    const std::string path = std::move(stack.back());
    stack.pop_back();
    const bool is_root = path == root;
    if (!is_root && IsReserved(path)) {
      dump.add_skipped_reserved(path);
      continue;
    }
    // A node deleted while we walk is simply not there any more.
    auto gone = [&](const Status& s) {
      return !is_root && s.code() == proto::NO_NODE;
    };
    auto data = client->GetData(path);
    if (!data.ok()) {
      if (gone(data.status())) continue;
      return data.status();
    }
    if (data->second.ephemeral_owner() != 0) {
      dump.add_skipped_ephemerals(path);
      continue;
    }
    auto acl = client->GetAcl(path);
    if (!acl.ok()) {
      if (gone(acl.status())) continue;
      return acl.status();
    }
    proto::DumpNode* node = dump.add_nodes();
    node->set_path(path);
    node->set_data(std::move(data->first));
    *node->mutable_stat() = data->second;
    for (const proto::Acl& a : acl->first) {
      proto::DumpAcl* d = node->add_acl();
      d->set_scheme(a.id().scheme());
      d->set_id(a.id().id());
      d->set_perms(PermString(a.perms()));
    }
    auto children = client->GetChildren(path);
    if (!children.ok()) {
      if (children.status().code() == proto::NO_NODE) continue;
      return children.status();
    }
    // Sorted names, pushed in reverse: popped in name order.
    for (auto it = children->rbegin(); it != children->rend(); ++it) {
      stack.push_back(ChildOf(path, *it));
    }
  }
  return dump;
}

Result<std::string> DumpToJson(const proto::Dump& dump) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(dump, &json, options);
  if (!status.ok()) {
    return Status(proto::MARSHALLING_ERROR, std::string(status.message()));
  }
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

Result<proto::Dump> DumpFromJson(std::string_view json) {
  proto::Dump dump;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &dump, options);
  if (!status.ok()) {
    return Status(proto::BAD_ARGUMENTS,
                  "not a canopy dump: " + std::string(status.message()));
  }
  if (dump.format() != kDumpFormat) {
    return Status(proto::BAD_ARGUMENTS, "not a canopy dump: format is '" +
                                            dump.format() + "', expected '" +
                                            kDumpFormat + "'");
  }
  return dump;
}

Result<LoadReport> LoadDump(Client* client, const proto::Dump& dump,
                            bool overwrite) {
  LoadReport report;
  if (dump.nodes().empty()) return report;
  // Every ACL is checked before anything is written.
  std::vector<std::vector<proto::Acl>> acls;
  acls.reserve(dump.nodes_size());
  for (const proto::DumpNode& node : dump.nodes()) {
    Result<std::vector<proto::Acl>> acl = AclOf(node);
    if (!acl.ok()) return acl.status();
    acls.push_back(std::move(acl).value());
  }
  if (Status s = CreateParents(client, dump.nodes(0).path()); !s.ok()) {
    return s;
  }
  // One session's requests are prepared in order against the state every
  // earlier one leaves, so a child's create may follow its parent's at once.
  Window window;
  for (int i = 0; i < dump.nodes_size(); ++i) {
    const proto::DumpNode& node = dump.nodes(i);
    if (node.path() == "/") continue;  // always there; see below
    proto::Request request;
    proto::CreateRequest* create = request.mutable_create();
    create->set_path(node.path());
    create->set_data(node.data());
    create->set_mode(proto::PERSISTENT);
    for (const proto::Acl& a : acls[i]) *create->add_acl() = a;
    window.Acquire(kLoadWindow);
    client->Submit(std::move(request),
                   [&window, i](const proto::Response& response) {
                     window.Done(size_t(i), response.err());
                   });
  }
  std::vector<std::pair<size_t, ErrorCode>> failures = window.Finish();
  report.created = dump.nodes_size() - failures.size();
  for (int i = 0; i < dump.nodes_size(); ++i) {
    if (dump.nodes(i).path() != "/") continue;
    --report.created;
    if (!overwrite) continue;
    if (Status s = Overwrite(client, dump.nodes(i), acls[i]); !s.ok()) {
      return s;
    }
    ++report.overwritten;
  }
  for (const auto& [index, err] : failures) {
    const proto::DumpNode& node = dump.nodes(int(index));
    if (err != proto::NODE_EXISTS || !overwrite) {
      return Status(err, node.path());
    }
    if (Status s = Overwrite(client, node, acls[index]); !s.ok()) return s;
    ++report.overwritten;
  }
  return report;
}

Status RunDump(Client* client, const std::string& root, std::ostream* out,
               std::ostream* err) {
  Result<proto::Dump> dump = ReadSubtree(client, root);
  if (!dump.ok()) return dump.status();
  Result<std::string> json = DumpToJson(*dump);
  if (!json.ok()) return json.status();
  *out << *json << std::flush;
  if (dump->skipped_ephemerals_size() > 0) {
    *err << "dump: left out " << dump->skipped_ephemerals_size()
         << " ephemeral node(s)" << std::endl;
  }
  return Status::Ok();
}

Status RunLoad(Client* client, std::istream* in, bool overwrite,
               std::ostream* out) {
  const std::string json((std::istreambuf_iterator<char>(*in)),
                         std::istreambuf_iterator<char>());
  Result<proto::Dump> dump = DumpFromJson(json);
  if (!dump.ok()) return dump.status();
  Result<LoadReport> report = LoadDump(client, *dump, overwrite);
  if (!report.ok()) return report.status();
  *out << "loaded " << report->created << " node(s)";
  if (overwrite) *out << ", overwrote " << report->overwritten;
  *out << std::endl;
  return Status::Ok();
}

}  // namespace canopy::cli
