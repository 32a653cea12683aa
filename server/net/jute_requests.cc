// Decoding of ZooKeeper requests (RequestHeader + body) into proto::Request.
#include <utility>

#include "server/net/jute.h"
#include "server/net/jute_codec.h"
#include "server/net/jute_records.h"

namespace canopy::net::jute {
namespace {

namespace op = opcode;

// {ustring path; boolean watch}: exists, getData, getChildren(2).
template <typename Message>
bool ReadPathWatch(Reader& r, Message* m) {
  bool watch;
  if (!r.ReadString(m->mutable_path()) || !r.ReadBool(&watch)) return false;
  m->set_watch(watch);
  return true;
}

// {ustring path; int version}: delete, check.
template <typename Message>
bool ReadPathVersion(Reader& r, Message* m) {
  int32_t version;
  if (!r.ReadString(m->mutable_path()) || !r.ReadInt(&version)) return false;
  m->set_version(version);
  return true;
}

// CreateRequest{path, data, acl, flags} and, for createTTL, CreateTTLRequest
// which adds {long ttl}. The flags go through as the create mode unchecked:
// the server answers BAD_ARGUMENTS for an unknown one, as ZooKeeper does.
bool ReadCreate(Reader& r, bool with_ttl, proto::CreateRequest* m) {
  int32_t flags;
  if (!r.ReadString(m->mutable_path()) || !r.ReadBuffer(m->mutable_data()) ||
      !ReadAcls(r, m->mutable_acl()) || !r.ReadInt(&flags)) {
    return false;
  }
  m->set_mode(static_cast<proto::CreateMode>(flags));
  if (with_ttl) {
    int64_t ttl;
    if (!r.ReadLong(&ttl)) return false;
    m->set_ttl_ms(ttl);
  }
  return true;
}

bool ReadSetData(Reader& r, proto::SetDataRequest* m) {
  int32_t version;
  if (!r.ReadString(m->mutable_path()) || !r.ReadBuffer(m->mutable_data()) ||
      !r.ReadInt(&version)) {
    return false;
  }
  m->set_version(version);
  return true;
}

bool IsCreate(int32_t code) {
  return code == op::kCreate || code == op::kCreate2 ||
         code == op::kCreateContainer || code == op::kCreateTtl;
}

// MultiHeader{int type; boolean done; int err}.
struct MultiHeader {
  int32_t type;
  bool done;
  int32_t err;
};

bool ReadMultiHeader(Reader& r, MultiHeader* h) {
  return r.ReadInt(&h->type) && r.ReadBool(&h->done) && r.ReadInt(&h->err);
}

// A multi's sub-ops until the header with done set. Only create, create2,
// createContainer, createTTL, delete, setData and check are allowed.
Status ReadMulti(Reader& r, proto::MultiRequest* multi,
                 std::vector<int32_t>* sub_opcodes) {
  while (true) {
    MultiHeader h;
    if (!ReadMultiHeader(r, &h)) return Status(proto::MARSHALLING_ERROR, "short multi");
    if (h.done) return Status::Ok();
    proto::MultiOp* sub = multi->add_ops();
    bool ok;
    if (IsCreate(h.type)) {
      ok = ReadCreate(r, h.type == op::kCreateTtl, sub->mutable_create());
    } else if (h.type == op::kDelete) {
      ok = ReadPathVersion(r, sub->mutable_delete_());
    } else if (h.type == op::kSetData) {
      ok = ReadSetData(r, sub->mutable_set_data());
    } else if (h.type == op::kCheck) {
      ok = ReadPathVersion(r, sub->mutable_check());
    } else {
      return Status(proto::MARSHALLING_ERROR, "op not allowed in multi");
    }
    if (!ok) return Status(proto::MARSHALLING_ERROR, "bad multi op");
    sub_opcodes->push_back(h.type);
  }
}

// A multiRead's sub-ops: getData and getChildren only.
Status ReadMultiRead(Reader& r, proto::MultiReadRequest* multi,
                     std::vector<int32_t>* sub_opcodes) {
  while (true) {
    MultiHeader h;
    if (!ReadMultiHeader(r, &h)) {
      return Status(proto::MARSHALLING_ERROR, "short multiRead");
    }
    if (h.done) return Status::Ok();
    proto::MultiReadOp* sub = multi->add_ops();
    bool ok;
    if (h.type == op::kGetData) {
      ok = ReadPathWatch(r, sub->mutable_get_data());
    } else if (h.type == op::kGetChildren) {
      ok = ReadPathWatch(r, sub->mutable_get_children());
    } else {
      return Status(proto::MARSHALLING_ERROR, "op not allowed in multiRead");
    }
    if (!ok) return Status(proto::MARSHALLING_ERROR, "bad multiRead op");
    sub_opcodes->push_back(h.type);
  }
}

// SetWatches{long relativeZxid; vector<ustring> dataWatches, existWatches,
// childWatches}; SetWatches2 adds persistentWatches and
// persistentRecursiveWatches.
bool ReadSetWatches(Reader& r, bool v2, proto::SetWatchesRequest* m) {
  int64_t zxid;
  if (!r.ReadLong(&zxid)) return false;
  m->set_relative_zxid(zxid);
  if (!ReadStrings(r, m->mutable_data_watches()) ||
      !ReadStrings(r, m->mutable_exist_watches()) ||
      !ReadStrings(r, m->mutable_child_watches())) {
    return false;
  }
  if (!v2) return true;
  return ReadStrings(r, m->mutable_persistent_watches()) &&
         ReadStrings(r, m->mutable_persistent_recursive_watches());
}

// The body of a request; an error when it does not decode. Sets
// *supported to false for an opcode Canopy does not serve.
Status ReadBody(Reader& r, int32_t type, DecodedRequest* out) {
  proto::Request& req = out->request;
  bool ok = true;
  switch (type) {
    case op::kCreate:
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl:
      ok = ReadCreate(r, type == op::kCreateTtl, req.mutable_create());
      break;
    case op::kDelete:
      ok = ReadPathVersion(r, req.mutable_delete_());
      break;
    case op::kExists:
      ok = ReadPathWatch(r, req.mutable_exists());
      break;
    case op::kGetData:
      ok = ReadPathWatch(r, req.mutable_get_data());
      break;
    case op::kSetData:
      ok = ReadSetData(r, req.mutable_set_data());
      break;
    case op::kGetAcl:
      ok = r.ReadString(req.mutable_get_acl()->mutable_path());
      break;
    case op::kSetAcl: {
      proto::SetAclRequest* m = req.mutable_set_acl();
      int32_t version;
      ok = r.ReadString(m->mutable_path()) && ReadAcls(r, m->mutable_acl()) &&
           r.ReadInt(&version);
      if (ok) m->set_version(version);
      break;
    }
    case op::kGetChildren:
    case op::kGetChildren2:
      ok = ReadPathWatch(r, req.mutable_get_children());
      break;
    case op::kSync:
      ok = r.ReadString(req.mutable_sync()->mutable_path());
      break;
    case op::kPing:
      req.mutable_ping();
      break;
    case op::kCheck:
      ok = ReadPathVersion(r, req.mutable_check());
      break;
    case op::kMulti:
      return ReadMulti(r, req.mutable_multi(), &out->shape.sub_opcodes);
    case op::kMultiRead:
      return ReadMultiRead(r, req.mutable_multi_read(),
                           &out->shape.sub_opcodes);
    case op::kCloseSession:
      req.mutable_close();
      break;
    case op::kAuth: {
      // AuthPacket{int type; ustring scheme; buffer auth}; type is unused.
      proto::AuthRequest* m = req.mutable_auth();
      int32_t unused_type;
      ok = r.ReadInt(&unused_type) && r.ReadString(m->mutable_scheme()) &&
           r.ReadBuffer(m->mutable_auth());
      break;
    }
    case op::kSetWatches:
    case op::kSetWatches2:
      ok = ReadSetWatches(r, type == op::kSetWatches2,
                          req.mutable_set_watches());
      break;
    case op::kCheckWatches:
    case op::kRemoveWatches: {
      // CheckWatchesRequest / RemoveWatchesRequest{ustring path; int type}.
      proto::RemoveWatchesRequest* m = req.mutable_remove_watches();
      int32_t watcher_type;
      ok = r.ReadString(m->mutable_path()) && r.ReadInt(&watcher_type);
      m->set_type(static_cast<proto::WatcherType>(watcher_type));
      m->set_remove(type == op::kRemoveWatches);
      break;
    }
    case op::kAddWatch: {
      proto::AddWatchRequest* m = req.mutable_add_watch();
      int32_t mode;
      ok = r.ReadString(m->mutable_path()) && r.ReadInt(&mode);
      m->set_mode(static_cast<proto::AddWatchMode>(mode));
      break;
    }
    case op::kGetEphemerals:
      ok = r.ReadString(req.mutable_get_ephemerals()->mutable_prefix());
      break;
    case op::kGetAllChildrenNumber:
      ok = r.ReadString(req.mutable_get_all_children_number()->mutable_path());
      break;
    case op::kWhoAmI:
      req.mutable_who_am_i();
      break;
    default:
      // reconfig, sasl, internal and unknown opcodes: the body is not read.
      out->supported = false;
      break;
  }
  if (!ok) return Status(proto::MARSHALLING_ERROR, "bad request body");
  return Status::Ok();
}

}  // namespace

Result<DecodedRequest> DecodeRequest(std::string_view payload) {
  Reader reader(payload);
  int32_t xid, type;
  if (!reader.ReadInt(&xid) || !reader.ReadInt(&type)) {
    return Result<DecodedRequest>(proto::MARSHALLING_ERROR,
                                  "short RequestHeader");
  }
  DecodedRequest out;
  out.request.set_xid(xid);
  out.shape.opcode = type;
  Status status = ReadBody(reader, type, &out);
  if (!status.ok()) return status;
  return out;
}

}  // namespace canopy::net::jute
