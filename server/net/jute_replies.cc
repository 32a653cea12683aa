// Encoding of proto::Response as ZooKeeper replies (ReplyHeader + body).
#include "server/net/jute.h"
#include "server/net/jute_codec.h"
#include "server/net/jute_records.h"

namespace canopy::net::jute {
namespace {

namespace op = opcode;

void WriteHeader(const proto::Response& response, int32_t err, Writer& w) {
  w.WriteInt(response.xid());
  w.WriteLong(response.zxid());
  w.WriteInt(err);
}

void WriteMultiHeader(int32_t type, bool done, int32_t err, Writer& w) {
  w.WriteInt(type);
  w.WriteBool(done);
  w.WriteInt(err);
}

// An ErrorResult: MultiHeader{-1, false, err} + ErrorResponse{err}.
void WriteErrorResult(int32_t err, Writer& w) {
  WriteMultiHeader(op::kError, false, err, w);
  w.WriteInt(err);
}

void WriteTerminator(Writer& w) { WriteMultiHeader(-1, true, -1, w); }

// The results of a multi. Every op of a failed multi is an ErrorResult (OK
// for those rolled back, RUNTIME_INCONSISTENCY after the failing one). A
// successful create answers as create (CreateResponse) when the sub-op was
// create, else as create2 (Create2Response), as ZooKeeper's CreateResult.
void WriteMultiBody(const ReplyShape& shape, const proto::Response& response,
                    Writer& w) {
  const bool failed = response.err() != proto::OK;
  const auto& results = response.multi().results();
  for (int i = 0; i < results.size(); ++i) {
    const proto::MultiOpResult& result = results[i];
    if (failed || result.err() != proto::OK) {
      WriteErrorResult(result.err(), w);
      continue;
    }
    const int32_t sub = size_t(i) < shape.sub_opcodes.size()
                            ? shape.sub_opcodes[size_t(i)]
                            : op::kError;
    switch (result.result_case()) {
      case proto::MultiOpResult::kCreate:
        if (sub == op::kCreate) {
          WriteMultiHeader(op::kCreate, false, 0, w);
          w.WriteString(result.create().path());
        } else {
          WriteMultiHeader(op::kCreate2, false, 0, w);
          w.WriteString(result.create().path());
          WriteStat(result.create().stat(), w);
        }
        break;
      case proto::MultiOpResult::kStat:
        WriteMultiHeader(op::kSetData, false, 0, w);
        WriteStat(result.stat().stat(), w);
        break;
      default:
        // delete or check: the header only.
        WriteMultiHeader(sub == op::kCheck ? op::kCheck : op::kDelete, false,
                         0, w);
        break;
    }
  }
  WriteTerminator(w);
}

// The results of a multiRead: each read's answer or an ErrorResult.
void WriteMultiReadBody(const proto::Response& response, Writer& w) {
  for (const proto::MultiReadResult& result : response.multi_read().results()) {
    if (result.err() != proto::OK) {
      WriteErrorResult(result.err(), w);
    } else if (result.has_get_children()) {
      WriteMultiHeader(op::kGetChildren, false, 0, w);
      WriteStrings(result.get_children().children(), w);
    } else {
      WriteMultiHeader(op::kGetData, false, 0, w);
      w.WriteBuffer(result.get_data().data());
      WriteStat(result.get_data().stat(), w);
    }
  }
  WriteTerminator(w);
}

// The body of a successful single-op reply.
void WriteBody(int32_t code, const proto::Response& response, Writer& w) {
  switch (code) {
    case op::kCreate:
      w.WriteString(response.create().path());
      break;
    case op::kCreate2:
    case op::kCreateContainer:
    case op::kCreateTtl:
      w.WriteString(response.create().path());
      WriteStat(response.create().stat(), w);
      break;
    case op::kExists:
    case op::kSetData:
    case op::kSetAcl:
      WriteStat(response.stat().stat(), w);
      break;
    case op::kGetData:
      w.WriteBuffer(response.get_data().data());
      WriteStat(response.get_data().stat(), w);
      break;
    case op::kGetChildren:
      WriteStrings(response.get_children().children(), w);
      break;
    case op::kGetChildren2:
      WriteStrings(response.get_children().children(), w);
      WriteStat(response.get_children().stat(), w);
      break;
    case op::kGetAcl:
      WriteAcls(response.get_acl().acl(), w);
      WriteStat(response.get_acl().stat(), w);
      break;
    case op::kSync:
      w.WriteString(response.sync().path());
      break;
    case op::kGetEphemerals:
      WriteStrings(response.get_ephemerals().paths(), w);
      break;
    case op::kGetAllChildrenNumber:
      w.WriteInt(response.get_all_children_number().total());
      break;
    case op::kWhoAmI: {
      const auto& infos = response.who_am_i().client_info();
      w.WriteCount(size_t(infos.size()));
      for (const proto::ClientInfo& info : infos) {
        w.WriteString(info.auth_scheme());
        w.WriteString(info.user());
      }
      break;
    }
    default:
      // delete, check, ping, auth, close, set/check/remove/add watches and
      // anything unsupported: the header only.
      break;
  }
}

}  // namespace

Result<std::string> EncodeResponse(const ReplyShape& shape,
                                   const proto::Response& response) {
  std::string out;
  Writer w(&out);
  const bool is_multi = shape.opcode == op::kMulti;
  if (is_multi && response.has_multi() &&
      (response.err() == proto::OK || response.multi().results_size() > 0)) {
    // A multi that ran answers err 0, its outcome in the per-op results.
    WriteHeader(response, proto::OK, w);
    WriteMultiBody(shape, response, w);
  } else if (response.err() != proto::OK) {
    WriteHeader(response, response.err(), w);
  } else {
    WriteHeader(response, proto::OK, w);
    if (is_multi) {
      WriteTerminator(w);  // an empty multi
    } else if (shape.opcode == op::kMultiRead) {
      WriteMultiReadBody(response, w);
    } else {
      WriteBody(shape.opcode, response, w);
    }
  }
  if (!w.ok()) {
    return Result<std::string>(proto::MARSHALLING_ERROR, "reply too large");
  }
  return out;
}

}  // namespace canopy::net::jute
