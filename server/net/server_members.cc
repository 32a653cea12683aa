// The server's traffic with the other members: peer messages, and snapshot
// files streamed to learners that are too far behind for a diff.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <leveldb/env.h>

#include "server/net/server.h"
#include "server/net/snapshot_io.h"
#include "server/storage/snapshot.h"

namespace canopy::net {

namespace asio = boost::asio;

namespace {
constexpr size_t kChunkBytes = 1 << 20;
// A stream tops its link's queue up to this much, then waits for it to drain.
constexpr size_t kStreamWindowBytes = 8 << 20;
}  // namespace

void Server::OnPeerBytes(int64_t from, std::string bytes) {
  proto::MemberMessage message;
  if (!message.ParseFromString(bytes)) {
    spdlog::warn("undecodable message from member {}", from);
    return;
  }
  if (message.has_chunk()) {
    OnChunk(from, message.chunk());
    return;
  }
  if (spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("from member {}: {}", from, message.ShortDebugString());
  }
  pipeline_->OnMemberMessage(from, message, Clock());
  metrics_->OnMemberMessage(from, message);
  metrics_->AppliedUpTo(pipeline_->tree().last_zxid());
}

void Server::SendToMember(int64_t to, const proto::MemberMessage& message) {
  if (!peers_) return;
  if (spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("to member {}: {}", to, message.ShortDebugString());
  }
  auto out = outgoing_.find(to);
  if (out != outgoing_.end()) {
    out->second.held.push_back(message);  // after the snapshot
    return;
  }
  peers_->Send(to, message.SerializeAsString());
}

void Server::StreamSnapshot(int64_t to, Zxid zxid) {
  auto& out = outgoing_[to];
  if (out.file) std::fclose(out.file);
  out = OutgoingSnapshot{};
  out.zxid = zxid;
  if (zxid != 0) {
    out.file = std::fopen(SnapshotPath(zxid).c_str(), "rb");
    if (!out.file) {
      // The learner waits for a stream that cannot come; it times out and
      // tries again, and the next plan uses a snapshot that exists.
      spdlog::error("cannot open snapshot 0x{:x} for member {}", zxid, to);
      outgoing_.erase(to);
      return;
    }
  }
  spdlog::info("streaming snapshot 0x{:x} to member {}", zxid, to);
  PumpSnapshots();
}

void Server::PumpSnapshots() {
  for (auto it = outgoing_.begin(); it != outgoing_.end();) {
    const int64_t to = it->first;
    OutgoingSnapshot& out = it->second;
    bool done = false;
    while (!done && peers_->QueuedBytes(to) < kStreamWindowBytes) {
      proto::MemberMessage message;
      auto* chunk = message.mutable_chunk();
      chunk->set_zxid(out.zxid);
      chunk->set_offset(out.offset);
      if (out.file) {
        std::string data(kChunkBytes, '\0');
        const size_t n = std::fread(data.data(), 1, data.size(), out.file);
        data.resize(n);
        out.offset += int64_t(n);
        chunk->set_data(std::move(data));
        done = n < kChunkBytes;
      } else {
        done = true;  // the empty state: one empty last chunk
      }
      chunk->set_last(done);
      peers_->Send(to, message.SerializeAsString());
    }
    if (!done) {
      ++it;
      continue;
    }
    if (out.file) std::fclose(out.file);
    auto held = std::move(out.held);
    it = outgoing_.erase(it);
    for (const auto& message : held) {
      peers_->Send(to, message.SerializeAsString());
    }
  }
  if (!outgoing_.empty() && !pump_scheduled_) {
    pump_scheduled_ = true;
    pump_timer_.expires_after(std::chrono::milliseconds(5));
    pump_timer_.async_wait([this](const boost::system::error_code& ec) {
      pump_scheduled_ = false;
      if (!ec) PumpSnapshots();
    });
  }
}

void Server::ExpectSnapshot(int64_t from, Zxid zxid) {
  AbandonIncoming();
  IncomingSnapshot in;
  in.from = from;
  in.zxid = zxid;
  if (zxid != 0) {
    const std::string path = SnapshotPath(zxid) + ".recv";
    in.file = std::fopen(path.c_str(), "wb");
    if (!in.file) {
      spdlog::critical("cannot write {}: stopping", path);
      std::_Exit(70);
    }
  }
  incoming_ = in;
}

void Server::AbandonIncoming() {
  if (!incoming_) return;
  if (incoming_->file) {
    std::fclose(incoming_->file);
    std::error_code ec;
    std::filesystem::remove(SnapshotPath(incoming_->zxid) + ".recv", ec);
  }
  incoming_.reset();
}

void Server::OnChunk(int64_t from, const proto::SnapshotChunk& chunk) {
  if (!incoming_ || incoming_->from != from ||
      incoming_->zxid != chunk.zxid() ||
      incoming_->offset != chunk.offset()) {
    return;  // not the stream this member waits for
  }
  if (incoming_->file && !chunk.data().empty() &&
      std::fwrite(chunk.data().data(), 1, chunk.data().size(),
                  incoming_->file) != chunk.data().size()) {
    spdlog::critical("cannot write the incoming snapshot: stopping");
    std::_Exit(70);
  }
  incoming_->offset += int64_t(chunk.data().size());
  if (chunk.last()) FinishIncoming();
}

void Server::FinishIncoming() {
  const Zxid zxid = incoming_->zxid;
  if (incoming_->file) {
    const bool synced = std::fflush(incoming_->file) == 0 &&
                        ::fsync(fileno(incoming_->file)) == 0;
    std::fclose(incoming_->file);
    incoming_->file = nullptr;
    if (!synced) {
      spdlog::critical("cannot sync the incoming snapshot: stopping");
      std::_Exit(70);
    }
    std::error_code ec;
    std::filesystem::rename(SnapshotPath(zxid) + ".recv", SnapshotPath(zxid),
                            ec);
  }
  incoming_.reset();
  // Snapshots newer than this one belong to a history the leader replaced.
  leveldb::Env* env = leveldb::Env::Default();
  for (Zxid newer : storage::ListSnapshots(env, SnapshotDir())) {
    if (newer > zxid) {
      std::error_code ec;
      std::filesystem::remove(SnapshotPath(newer), ec);
    }
  }
  // The log must hold nothing after the install: what it had is replaced.
  TruncateLog(0);
  host_log_->SetSnapshotZxid(zxid);
  Status status = pipeline_->InstallSnapshot(
      zxid,
      [&](tree::DataTree* tree) -> Status {
        if (zxid == 0) {
          *tree = tree::DataTree(tree->limits());
          return Status();
        }
        return LoadSnapshot(env, SnapshotDir(), zxid, tree);
      },
      Clock());
  if (!status.ok()) {
    spdlog::critical("cannot install snapshot 0x{:x}: {}", zxid,
                     status.ToString());
    std::_Exit(70);
  }
  spdlog::info("installed snapshot 0x{:x} from the leader", zxid);
}

}  // namespace canopy::net
