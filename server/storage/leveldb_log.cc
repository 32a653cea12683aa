// The TxnLog on LevelDB.
//
// Keys are a one-byte prefix then data:
//   'l' + zxid as 8 bytes big-endian  -> a serialized proto::Txn
//   'e'                               -> a serialized proto::EpochState
// Big-endian keys sort in zxid order (zxids are positive), so the log is one
// contiguous key range. Every LevelDB error is final: the log keeps the first
// one and returns it from every later call, because after a failed write or
// sync nobody knows what reached the disk.
//
// LevelDB's own write-ahead log preserves the order of writes, so after a
// crash the durable state is a prefix of the writes made. DropUpTo and
// TruncateAfter rely on that: they delete in an order where every prefix of
// their batches still leaves a contiguous log.
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <mutex>

#include "server/storage/log.h"
#include "server/storage/log_check.h"

namespace canopy::storage {
namespace {

constexpr char kLogPrefix = 'l';
constexpr char kEpochsKey[] = "e";
constexpr size_t kLogKeySize = 9;
// Deletes per WriteBatch when dropping or truncating, to bound memory.
constexpr int kMaxDeletesPerBatch = 10000;

std::string LogKey(Zxid zxid) {
  std::string key(kLogKeySize, '\0');
  key[0] = kLogPrefix;
  uint64_t value = static_cast<uint64_t>(zxid);
  for (int i = 0; i < 8; ++i) {
    key[1 + i] = static_cast<char>((value >> (56 - 8 * i)) & 0xff);
  }
  return key;
}

bool IsLogKey(const leveldb::Slice& key) {
  return !key.empty() && key[0] == kLogPrefix;
}

std::string ZxidString(Zxid zxid) {
  char text[32];
  std::snprintf(text, sizeof(text), "0x%llx",
                static_cast<unsigned long long>(zxid));
  return text;
}

// The zxid a log key names, or DATA_INCONSISTENCY for a malformed key.
Result<Zxid> DecodeLogKey(const leveldb::Slice& key) {
  if (key.size() != kLogKeySize) {
    return Status(proto::DATA_INCONSISTENCY,
                  "log key of " + std::to_string(key.size()) + " bytes");
  }
  uint64_t value = 0;
  for (size_t i = 1; i < kLogKeySize; ++i) {
    value = (value << 8) | static_cast<uint8_t>(key[i]);
  }
  if (value == 0 ||
      value > static_cast<uint64_t>(std::numeric_limits<Zxid>::max())) {
    return Status(proto::DATA_INCONSISTENCY,
                  "log key names zxid " + ZxidString(static_cast<Zxid>(value)));
  }
  return static_cast<Zxid>(value);
}

// Parses one log record and checks it against its key: the read-side half of
// the checks Append makes before writing.
Result<proto::Txn> DecodeRecord(const leveldb::Slice& key,
                                const leveldb::Slice& value) {
  Result<Zxid> zxid = DecodeLogKey(key);
  if (!zxid.ok()) return zxid.status();
  proto::Txn txn;
  if (!txn.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Status(proto::DATA_INCONSISTENCY, "log record for zxid " +
                                                 ZxidString(*zxid) +
                                                 " does not parse as a Txn");
  }
  if (txn.zxid() != *zxid) {
    return Status(proto::DATA_INCONSISTENCY,
                  "log record under zxid " + ZxidString(*zxid) +
                      " holds zxid " + ZxidString(txn.zxid()));
  }
  return txn;
}

class LevelDbLog : public TxnLog {
 public:
  explicit LevelDbLog(std::unique_ptr<leveldb::DB> db) : db_(std::move(db)) {}

  // Finds the first and last zxid and checks both records.
  Status LoadBounds() {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOptions()));
    it->Seek(std::string(1, kLogPrefix));
    if (it->Valid() && IsLogKey(it->key())) {
      Result<proto::Txn> first = DecodeRecord(it->key(), it->value());
      if (!first.ok()) return first.status();
      first_zxid_.store(first->zxid());
      it->Seek(std::string(1, kLogPrefix + 1));
      if (it->Valid()) {
        it->Prev();
      } else {
        it->SeekToLast();
      }
      if (!it->Valid() || !IsLogKey(it->key())) {
        return Status(proto::DATA_INCONSISTENCY, "log has a first but no last");
      }
      Result<proto::Txn> last = DecodeRecord(it->key(), it->value());
      if (!last.ok()) return last.status();
      last_zxid_.store(last->zxid());
    }
    if (!it->status().ok()) return Fail(it->status(), "open: scan");
    return Status::Ok();
  }

  Status Append(const std::vector<proto::Txn>& txns, bool sync) override {
    if (Status failed = Failed(); !failed.ok()) return failed;
    Status status = CheckAppendOrder(txns, last_zxid_);
    if (!status.ok()) return status;
    if (txns.empty()) return Status::Ok();
    leveldb::WriteBatch batch;
    std::string value;
    for (const proto::Txn& txn : txns) {
      if (!txn.SerializeToString(&value)) {
        return Status(proto::SYSTEM_ERROR,
                      "txn " + ZxidString(txn.zxid()) + " does not serialize");
      }
      batch.Put(LogKey(txn.zxid()), value);
    }
    leveldb::WriteOptions options;
    options.sync = sync;
    leveldb::Status s = db_->Write(options, &batch);
    if (!s.ok()) return Fail(s, "append");
    if (first_zxid_.load() == 0) first_zxid_.store(txns.front().zxid());
    last_zxid_.store(txns.back().zxid());
    return Status::Ok();
  }

  Status ReadAfter(Zxid after,
                   const std::function<bool(const proto::Txn&)>& fn) override {
    if (Status failed = Failed(); !failed.ok()) return failed;
    if (after == std::numeric_limits<Zxid>::max()) return Status::Ok();
    leveldb::ReadOptions options = ReadOptions();
    options.fill_cache = false;  // a scan would only evict hot blocks
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(options));
    for (it->Seek(LogKey(after < 0 ? 0 : after + 1));
         it->Valid() && IsLogKey(it->key()); it->Next()) {
      Result<proto::Txn> txn = DecodeRecord(it->key(), it->value());
      if (!txn.ok()) return txn.status();
      if (!fn(*txn)) break;
    }
    if (!it->status().ok()) return Fail(it->status(), "read");
    return Status::Ok();
  }

  Zxid LastZxid() const override { return last_zxid_.load(); }
  Zxid FirstZxid() const override { return first_zxid_.load(); }

  // Deletes from the lowest zxid up, so every prefix of the batches leaves a
  // contiguous log. Unsynced: a lost drop only brings back txns that a
  // snapshot already covers.
  Status DropUpTo(Zxid upto) override {
    if (Status failed = Failed(); !failed.ok()) return failed;
    if (first_zxid_ == 0 || upto < first_zxid_) return Status::Ok();
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOptions()));
    const std::string end_key = LogKey(upto);
    leveldb::WriteBatch batch;
    int pending = 0;
    Zxid new_first = 0;
    for (it->Seek(LogKey(first_zxid_)); it->Valid() && IsLogKey(it->key());
         it->Next()) {
      if (it->key().compare(end_key) > 0) {
        Result<Zxid> zxid = DecodeLogKey(it->key());
        if (!zxid.ok()) return zxid.status();
        new_first = *zxid;
        break;
      }
      batch.Delete(it->key());
      if (++pending == kMaxDeletesPerBatch) {
        Status status = WriteDeletes(&batch, /*sync=*/false, "drop");
        if (!status.ok()) return status;
        pending = 0;
      }
    }
    if (!it->status().ok()) return Fail(it->status(), "drop: scan");
    it.reset();
    if (pending > 0) {
      Status status = WriteDeletes(&batch, /*sync=*/false, "drop");
      if (!status.ok()) return status;
    }
    first_zxid_.store(new_first);
    if (new_first == 0) last_zxid_.store(0);
    // Reclaims the space of the deleted range now rather than when LevelDB
    // gets round to it; errors surface on the next write.
    const std::string begin_key(1, kLogPrefix);
    leveldb::Slice begin(begin_key), end(end_key);
    db_->CompactRange(&begin, &end);
    return Status::Ok();
  }

  // Deletes from the highest zxid down, so every prefix of the batches leaves
  // a contiguous log; the last batch is synced, which makes all of them
  // durable.
  Status TruncateAfter(Zxid after) override {
    if (Status failed = Failed(); !failed.ok()) return failed;
    if (after >= last_zxid_) return Status::Ok();
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOptions()));
    const std::string keep_key = LogKey(after < 0 ? 0 : after);
    leveldb::WriteBatch batch;
    int pending = 0;
    Zxid new_last = 0;
    for (it->Seek(LogKey(last_zxid_)); it->Valid() && IsLogKey(it->key());
         it->Prev()) {
      if (it->key().compare(keep_key) <= 0) {
        Result<Zxid> zxid = DecodeLogKey(it->key());
        if (!zxid.ok()) return zxid.status();
        new_last = *zxid;
        break;
      }
      batch.Delete(it->key());
      if (++pending == kMaxDeletesPerBatch) {
        Status status = WriteDeletes(&batch, /*sync=*/false, "truncate");
        if (!status.ok()) return status;
        pending = 0;
      }
    }
    if (!it->status().ok()) return Fail(it->status(), "truncate: scan");
    it.reset();
    // Always one synced write at the end, even if it is empty, so that the
    // earlier unsynced batches are durable when this returns.
    Status status = WriteDeletes(&batch, /*sync=*/true, "truncate");
    if (!status.ok()) return status;
    last_zxid_.store(new_last);
    if (new_last == 0) first_zxid_.store(0);
    return Status::Ok();
  }

  Status SaveEpochs(const proto::EpochState& epochs) override {
    if (Status failed = Failed(); !failed.ok()) return failed;
    std::string value;
    if (!epochs.SerializeToString(&value)) {
      return Status(proto::SYSTEM_ERROR, "epochs do not serialize");
    }
    leveldb::WriteOptions options;
    options.sync = true;
    leveldb::Status s = db_->Put(options, kEpochsKey, value);
    if (!s.ok()) return Fail(s, "save epochs");
    return Status::Ok();
  }

  Result<proto::EpochState> LoadEpochs() override {
    if (Status failed = Failed(); !failed.ok()) return failed;
    std::string value;
    leveldb::Status s = db_->Get(ReadOptions(), kEpochsKey, &value);
    if (s.IsNotFound()) return proto::EpochState();
    if (!s.ok()) return Fail(s, "load epochs");
    proto::EpochState epochs;
    if (!epochs.ParseFromString(value)) {
      return Status(proto::DATA_INCONSISTENCY, "epochs do not parse");
    }
    return epochs;
  }

 private:
  static leveldb::ReadOptions ReadOptions() {
    leveldb::ReadOptions options;
    options.verify_checksums = true;
    return options;
  }

  // Records the first LevelDB error; every later call returns it.
  Status Fail(const leveldb::Status& s, const std::string& what) {
    std::lock_guard<std::mutex> lock(failed_mutex_);
    if (failed_.ok()) {
      failed_ = Status(proto::SYSTEM_ERROR, what + ": " + s.ToString());
    }
    return failed_;
  }

  Status Failed() const {
    std::lock_guard<std::mutex> lock(failed_mutex_);
    return failed_;
  }

  Status WriteDeletes(leveldb::WriteBatch* batch, bool sync,
                      const std::string& what) {
    leveldb::WriteOptions options;
    options.sync = sync;
    leveldb::Status s = db_->Write(options, batch);
    batch->Clear();
    if (!s.ok()) return Fail(s, what);
    return Status::Ok();
  }

  std::unique_ptr<leveldb::DB> db_;
  std::atomic<Zxid> first_zxid_{0};
  std::atomic<Zxid> last_zxid_{0};
  mutable std::mutex failed_mutex_;
  Status failed_;  // OK until the first LevelDB error; guarded by the mutex
};

}  // namespace

Result<std::unique_ptr<TxnLog>> OpenLevelDbLog(const std::string& dir,
                                               leveldb::Env* env) {
  leveldb::Options options;
  options.create_if_missing = true;
  // Without it LevelDB's recovery drops a damaged write-ahead record (and
  // the rest of its 32 KiB block) with only a line in its info log, and
  // keeps what follows: acknowledged txns silently lost, or a log with a
  // hole. With it a damaged record fails the open; a record cut short at
  // the end of the file (a torn last write) is still dropped quietly.
  options.paranoid_checks = true;
  if (env != nullptr) options.env = env;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    return Status(proto::SYSTEM_ERROR, "open " + dir + ": " + s.ToString());
  }
  auto log = std::make_unique<LevelDbLog>(std::unique_ptr<leveldb::DB>(raw));
  Status status = log->LoadBounds();
  if (!status.ok()) return status;
  return std::unique_ptr<TxnLog>(std::move(log));
}

}  // namespace canopy::storage
