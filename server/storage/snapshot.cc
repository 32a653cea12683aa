// Snapshot files through a leveldb::Env.
//
// A file is a sequence of records, each framed as
//   [u32 length, little-endian][u32 zlib crc32 of the bytes][bytes]
// where bytes is a one-byte tag then a serialized message:
//   'H' SnapshotHeader  last_zxid only; always the first record
//   'N' SnapshotNode    zero or more, parents first
//   'S' SnapshotSession zero or more, after every node
//   'T' SnapshotHeader  last_zxid, node_count, session_count; always the last
// The trailer makes truncation at a record boundary detectable: a file
// without it, or whose counts disagree with what precedes it, is
// DATA_INCONSISTENCY. A record longer than kMaxRecordBytes is treated as
// corrupt, so a damaged length cannot make the reader allocate gigabytes.
//
// The reader verifies the whole file before handing the visitor anything, so
// a corrupt snapshot produces no callbacks and recovery can simply move on to
// the next older one.
#include "server/storage/snapshot.h"

#include <fcntl.h>
#include <leveldb/env.h>
#include <leveldb/slice.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>

namespace canopy::storage {
namespace {

constexpr char kPrefix[] = "snapshot.";
constexpr char kTmpSuffix[] = ".tmp";
constexpr size_t kZxidHexDigits = 16;
constexpr size_t kFrameBytes = 8;
constexpr uint32_t kMaxRecordBytes = 64u << 20;

constexpr char kHeaderTag = 'H';
constexpr char kNodeTag = 'N';
constexpr char kSessionTag = 'S';
constexpr char kTrailerTag = 'T';

std::string FileName(Zxid zxid) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s%016" PRIx64, kPrefix,
                static_cast<uint64_t>(zxid));
  return name;
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  return dir + "/" + name;
}

// The zxid of "snapshot.<16 lowercase hex>" followed by exactly suffix, or
// nothing for any other name.
std::optional<Zxid> ParseFileName(const std::string& name,
                                  const std::string& suffix) {
  const size_t prefix_size = sizeof(kPrefix) - 1;
  if (name.size() != prefix_size + kZxidHexDigits + suffix.size()) {
    return std::nullopt;
  }
  if (name.compare(0, prefix_size, kPrefix) != 0) return std::nullopt;
  if (name.compare(prefix_size + kZxidHexDigits, suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (size_t i = prefix_size; i < prefix_size + kZxidHexDigits; ++i) {
    char c = name[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  if (value > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<Zxid>(value);
}

uint32_t Crc32(const char* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  return static_cast<uint32_t>(crc32(crc, reinterpret_cast<const Bytef*>(data),
                                     static_cast<uInt>(size)));
}

void PutU32(char* out, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

uint32_t GetU32(const char* in) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i)
    value = (value << 8) | static_cast<uint8_t>(in[i]);
  return value;
}

Status EnvError(const leveldb::Status& s, const std::string& what) {
  return Status(proto::SYSTEM_ERROR, what + ": " + s.ToString());
}

// Syncs dir itself so that a rename inside it is durable. leveldb::Env has no
// directory sync, so this is done only for the default (POSIX) Env, where dir
// is a real directory; other Envs (in memory, fault-injecting) have no
// directory to sync and are trusted to make renames durable themselves.
Status SyncDir(leveldb::Env* env, const std::string& dir) {
  if (env != leveldb::Env::Default()) return Status::Ok();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Status(proto::SYSTEM_ERROR,
                  "open dir " + dir + ": " + std::strerror(errno));
  }
  int rc = ::fsync(fd);
  int fsync_errno = errno;
  ::close(fd);
  if (rc != 0) {
    return Status(proto::SYSTEM_ERROR,
                  "fsync dir " + dir + ": " + std::strerror(fsync_errno));
  }
  return Status::Ok();
}

class EnvSnapshotWriter : public SnapshotWriter {
 public:
  EnvSnapshotWriter(leveldb::Env* env, std::string dir, Zxid last_zxid,
                    leveldb::WritableFile* file)
      : env_(env),
        dir_(std::move(dir)),
        last_zxid_(last_zxid),
        tmp_path_(JoinPath(dir_, FileName(last_zxid) + kTmpSuffix)),
        file_(file) {}

  // An unfinished writer closes and removes its temporary file.
  ~EnvSnapshotWriter() override {
    if (file_ != nullptr) {
      file_->Close();
      file_.reset();
      env_->RemoveFile(tmp_path_);
    }
  }

  Status WriteHeader() {
    proto::SnapshotHeader header;
    header.set_last_zxid(last_zxid_);
    return WriteRecord(kHeaderTag, header);
  }

  Status AddNode(const proto::SnapshotNode& node) override {
    if (session_count_ > 0) {
      return Status(proto::BAD_ARGUMENTS,
                    "snapshot node " + node.path() + " after a session");
    }
    Status status = WriteRecord(kNodeTag, node);
    if (status.ok()) ++node_count_;
    return status;
  }

  Status AddSession(const proto::SnapshotSession& session) override {
    Status status = WriteRecord(kSessionTag, session);
    if (status.ok()) ++session_count_;
    return status;
  }

  Status Finish() override {
    proto::SnapshotHeader trailer;
    trailer.set_last_zxid(last_zxid_);
    trailer.set_node_count(node_count_);
    trailer.set_session_count(session_count_);
    Status status = WriteRecord(kTrailerTag, trailer);
    if (!status.ok()) return status;
    leveldb::Status s = file_->Sync();
    if (!s.ok()) return Fail(EnvError(s, "sync " + tmp_path_));
    s = file_->Close();
    if (!s.ok()) return Fail(EnvError(s, "close " + tmp_path_));
    file_.reset();
    const std::string path = JoinPath(dir_, FileName(last_zxid_));
    s = env_->RenameFile(tmp_path_, path);
    if (!s.ok()) {
      env_->RemoveFile(tmp_path_);
      return Fail(EnvError(s, "rename " + tmp_path_));
    }
    status = SyncDir(env_, dir_);
    if (!status.ok()) return Fail(status);
    failed_ = Status(proto::BAD_ARGUMENTS, "snapshot writer already finished");
    return Status::Ok();
  }

 private:
  Status WriteRecord(char tag, const google::protobuf::MessageLite& message) {
    if (!failed_.ok()) return failed_;
    const size_t body_bytes = 1 + message.ByteSizeLong();
    if (body_bytes > kMaxRecordBytes) {
      // Not written: the reader would reject it. The file stays usable.
      return Status(proto::BAD_ARGUMENTS, "snapshot record of " +
                                              std::to_string(body_bytes) +
                                              " bytes exceeds the limit");
    }
    record_.assign(kFrameBytes, '\0');
    record_.push_back(tag);
    if (!message.AppendToString(&record_)) {
      return Status(proto::SYSTEM_ERROR, "snapshot record does not serialize");
    }
    const char* body = record_.data() + kFrameBytes;
    PutU32(record_.data(), static_cast<uint32_t>(body_bytes));
    PutU32(record_.data() + 4, Crc32(body, body_bytes));
    leveldb::Status s = file_->Append(record_);
    if (!s.ok()) return Fail(EnvError(s, "write " + tmp_path_));
    return Status::Ok();
  }

  Status Fail(Status status) {
    failed_ = status;
    return status;
  }

  leveldb::Env* env_;
  const std::string dir_;
  const Zxid last_zxid_;
  const std::string tmp_path_;
  std::unique_ptr<leveldb::WritableFile> file_;  // null once closed
  int64_t node_count_ = 0;
  int64_t session_count_ = 0;
  std::string record_;  // reused framing buffer
  Status failed_;       // set by the first error, and by Finish
};

// Reads framed records from one file.
class RecordReader {
 public:
  // verify_checksums false: for a second pass over a file a first pass
  // verified (a finished snapshot is never written again).
  RecordReader(std::unique_ptr<leveldb::SequentialFile> file, std::string path,
               bool verify_checksums)
      : file_(std::move(file)),
        path_(std::move(path)),
        verify_checksums_(verify_checksums) {}

  // Reads the next record into *tag and *body (valid until the next call).
  // Sets *eof and returns OK at a clean end of file.
  Status Next(char* tag, leveldb::Slice* body, bool* eof) {
    *eof = false;
    Status status = Fill(kFrameBytes);
    if (!status.ok()) return status;
    if (Buffered() == 0) {
      *eof = true;
      return Status::Ok();
    }
    if (Buffered() < kFrameBytes) return Corrupt("truncated record frame");
    const char* frame = buffer_.data() + start_;
    const uint32_t length = GetU32(frame);
    const uint32_t crc = GetU32(frame + 4);
    if (length == 0 || length > kMaxRecordBytes) {
      return Corrupt("record length " + std::to_string(length));
    }
    status = Fill(kFrameBytes + length);
    if (!status.ok()) return status;
    if (Buffered() < kFrameBytes + length) return Corrupt("truncated record");
    const char* record = buffer_.data() + start_ + kFrameBytes;
    if (verify_checksums_ && Crc32(record, length) != crc) {
      return Corrupt("bad checksum");
    }
    *tag = record[0];
    *body = leveldb::Slice(record + 1, length - 1);
    start_ += kFrameBytes + length;
    ++records_read_;
    return Status::Ok();
  }

  Status Corrupt(const std::string& what) const {
    return Status(
        proto::DATA_INCONSISTENCY,
        path_ + ": " + what + " at record " + std::to_string(records_read_));
  }

 private:
  // Reads ahead in large chunks (one read per chunk, not two per record).
  static constexpr size_t kChunkBytes = 1 << 20;

  size_t Buffered() const { return end_ - start_; }

  // Makes at least n bytes buffered from start_, or all that is left of the
  // file when that is less.
  Status Fill(size_t n) {
    if (Buffered() >= n || at_eof_) return Status::Ok();
    if (start_ > 0) {  // keep the unread tail at the front
      std::memmove(buffer_.data(), buffer_.data() + start_, Buffered());
      end_ -= start_;
      start_ = 0;
    }
    if (buffer_.size() < std::max(n, kChunkBytes)) {
      buffer_.resize(std::max(n, kChunkBytes));
    }
    while (end_ < n) {
      leveldb::Slice chunk;
      leveldb::Status s =
          file_->Read(buffer_.size() - end_, &chunk, buffer_.data() + end_);
      if (!s.ok()) return EnvError(s, "read " + path_);
      if (chunk.empty()) {
        at_eof_ = true;
        break;
      }
      if (chunk.data() != buffer_.data() + end_) {
        std::memmove(buffer_.data() + end_, chunk.data(), chunk.size());
      }
      end_ += chunk.size();
    }
    return Status::Ok();
  }

  std::unique_ptr<leveldb::SequentialFile> file_;
  const std::string path_;
  const bool verify_checksums_;
  std::string buffer_;
  size_t start_ = 0;  // the next unread byte in buffer_
  size_t end_ = 0;    // one past the last buffered byte
  bool at_eof_ = false;
  int64_t records_read_ = 0;
};

template <typename Message>
Status ParseBody(const RecordReader& reader, const leveldb::Slice& body,
                 Message* message) {
  if (!message->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return reader.Corrupt("record does not parse");
  }
  return Status::Ok();
}

// One pass over the file. With a null visitor it verifies framing,
// checksums, record order and the trailer; *trailer gets the trailer. With a
// visitor (only after such a pass) it parses every record and hands it over,
// checking all but the checksums again.
Status ScanSnapshot(leveldb::Env* env, const std::string& path, Zxid zxid,
                    const SnapshotVisitor* visitor,
                    proto::SnapshotHeader* trailer) {
  leveldb::SequentialFile* raw = nullptr;
  leveldb::Status s = env->NewSequentialFile(path, &raw);
  if (!s.ok()) return EnvError(s, "open " + path);
  RecordReader reader(std::unique_ptr<leveldb::SequentialFile>(raw), path,
                      /*verify_checksums=*/visitor == nullptr);

  enum class Section { kStart, kNodes, kSessions, kDone };
  Section section = Section::kStart;
  int64_t nodes = 0;
  int64_t sessions = 0;
  proto::SnapshotNode node;  // reused: parsing keeps its strings' capacity
  for (;;) {
    char tag = 0;
    leveldb::Slice body;
    bool eof = false;
    Status status = reader.Next(&tag, &body, &eof);
    if (!status.ok()) return status;
    if (eof) break;
    if (section == Section::kDone) return reader.Corrupt("data after trailer");
    if (section == Section::kStart) {
      if (tag != kHeaderTag) return reader.Corrupt("no header");
      proto::SnapshotHeader header;
      status = ParseBody(reader, body, &header);
      if (!status.ok()) return status;
      if (header.last_zxid() != zxid) {
        return reader.Corrupt("header names zxid " +
                              std::to_string(header.last_zxid()));
      }
      section = Section::kNodes;
      continue;
    }
    switch (tag) {
      case kNodeTag: {
        if (section != Section::kNodes) {
          return reader.Corrupt("node after a session");
        }
        ++nodes;
        if (visitor != nullptr && visitor->on_node) {
          status = ParseBody(reader, body, &node);
          if (status.ok()) status = visitor->on_node(node);
        }
        break;
      }
      case kSessionTag: {
        section = Section::kSessions;
        ++sessions;
        if (visitor != nullptr && visitor->on_session) {
          proto::SnapshotSession session;
          status = ParseBody(reader, body, &session);
          if (status.ok()) status = visitor->on_session(session);
        }
        break;
      }
      case kTrailerTag: {
        status = ParseBody(reader, body, trailer);
        if (!status.ok()) return status;
        if (trailer->last_zxid() != zxid || trailer->node_count() != nodes ||
            trailer->session_count() != sessions) {
          return reader.Corrupt("trailer disagrees with the records");
        }
        section = Section::kDone;
        break;
      }
      default:
        return reader.Corrupt("unknown record tag");
    }
    if (!status.ok()) return status;
  }
  if (section != Section::kDone) return reader.Corrupt("no trailer");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<SnapshotWriter>> SnapshotWriter::Create(
    leveldb::Env* env, const std::string& dir, Zxid last_zxid) {
  if (last_zxid < 0) {
    return Status(proto::BAD_ARGUMENTS,
                  "snapshot zxid " + std::to_string(last_zxid));
  }
  env->CreateDir(dir);  // fails when dir exists; NewWritableFile reports
                        // any real problem
  const std::string tmp_path = JoinPath(dir, FileName(last_zxid) + kTmpSuffix);
  leveldb::WritableFile* file = nullptr;
  leveldb::Status s = env->NewWritableFile(tmp_path, &file);
  if (!s.ok()) return EnvError(s, "create " + tmp_path);
  auto writer = std::make_unique<EnvSnapshotWriter>(env, dir, last_zxid, file);
  Status status = writer->WriteHeader();
  if (!status.ok()) return status;
  return std::unique_ptr<SnapshotWriter>(std::move(writer));
}

std::vector<Zxid> ListSnapshots(leveldb::Env* env, const std::string& dir) {
  std::vector<std::string> names;
  std::vector<Zxid> zxids;
  if (!env->GetChildren(dir, &names).ok()) return zxids;
  for (const std::string& name : names) {
    if (std::optional<Zxid> zxid = ParseFileName(name, "")) {
      zxids.push_back(*zxid);
    }
  }
  std::sort(zxids.begin(), zxids.end(), std::greater<Zxid>());
  return zxids;
}

Status ReadSnapshot(leveldb::Env* env, const std::string& dir, Zxid zxid,
                    const SnapshotVisitor& visitor) {
  const std::string path = JoinPath(dir, FileName(zxid));
  proto::SnapshotHeader trailer;
  Status status = ScanSnapshot(env, path, zxid, nullptr, &trailer);
  if (!status.ok()) return status;
  if (visitor.on_header) {
    status = visitor.on_header(trailer);
    if (!status.ok()) return status;
  }
  return ScanSnapshot(env, path, zxid, &visitor, &trailer);
}

Status PurgeSnapshots(leveldb::Env* env, const std::string& dir, int keep) {
  if (keep < 0) {
    return Status(proto::BAD_ARGUMENTS, "keep " + std::to_string(keep));
  }
  std::vector<std::string> names;
  leveldb::Status s = env->GetChildren(dir, &names);
  if (!s.ok()) return EnvError(s, "list " + dir);
  const std::vector<Zxid> complete = ListSnapshots(env, dir);
  const Zxid newest = complete.empty() ? -1 : complete.front();
  std::vector<std::string> doomed;
  for (size_t i = static_cast<size_t>(keep); i < complete.size(); ++i) {
    doomed.push_back(FileName(complete[i]));
  }
  for (const std::string& name : names) {
    std::optional<Zxid> zxid = ParseFileName(name, kTmpSuffix);
    // A .tmp above the newest complete snapshot may belong to a writer still
    // at work; it becomes a leftover, and is purged, once a newer snapshot
    // completes.
    if (zxid && *zxid <= newest) doomed.push_back(name);
  }
  Status result;
  for (const std::string& name : doomed) {
    s = env->RemoveFile(JoinPath(dir, name));
    if (!s.ok() && result.ok()) result = EnvError(s, "remove " + name);
  }
  return result;
}

}  // namespace canopy::storage
