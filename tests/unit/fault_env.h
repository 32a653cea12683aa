// FaultEnv: a leveldb::Env in memory that models a disk with a volatile
// cache, for crash and fault tests of anything written through an Env.
//
// It wraps its own memenv and records, per file, how many bytes the last
// successful Sync covered. Crash() freezes the disk: from then on every write,
// sync, create, rename and remove fails, as if the process had died. After
// the crashed users are closed, Recover() keeps only what was synced: each
// file is cut back to its synced length, and files never synced are removed.
// Creating, renaming and removing files are modelled as durable at once (a
// journalled file system after the directory is synced); only file contents
// can be lost. Files created before the FaultEnv saw them are left alone.
//
// Faults on demand: SetFailSync makes Sync fail with an IOError (nothing is
// marked synced); BlockSyncs makes Sync wait until ReleaseSyncs, so a test
// can hold a writer inside its fsync.
//
// Thread-safe.
#ifndef CANOPY_TESTS_UNIT_FAULT_ENV_H_
#define CANOPY_TESTS_UNIT_FAULT_ENV_H_

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace canopy::testutil {

namespace fault_env_internal {
// Owns the memenv; a base class so it is built before EnvWrapper.
struct MemEnvHolder {
  std::unique_ptr<leveldb::Env> mem_env{
      leveldb::NewMemEnv(leveldb::Env::Default())};
};
}  // namespace fault_env_internal

class FaultEnv : private fault_env_internal::MemEnvHolder,
                 public leveldb::EnvWrapper {
 public:
  FaultEnv() : EnvWrapper(mem_env.get()) {}

  // Sync fails with an IOError while set.
  void SetFailSync(bool fail) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_sync_ = fail;
  }

  // Every Sync waits (up to kMaxSyncBlock) until ReleaseSyncs.
  void BlockSyncs() {
    std::lock_guard<std::mutex> lock(mutex_);
    block_syncs_ = true;
  }
  void ReleaseSyncs() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      block_syncs_ = false;
    }
    cv_.notify_all();
  }
  // True once at least count syncs are waiting in BlockSyncs.
  bool WaitForBlockedSyncs(int count, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return blocked_syncs_ >= count; });
  }

  // Successful syncs so far, over all files.
  int64_t sync_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sync_count_;
  }

  // Bytes of fname the last successful Sync covered; -1 if never synced or
  // not tracked.
  int64_t SyncedBytes(const std::string& fname) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = files_.find(fname);
    if (it == files_.end() || !it->second->ever_synced) return -1;
    return static_cast<int64_t>(it->second->synced_bytes);
  }

  // The process dies: every later change to the disk fails.
  void Crash() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      crashed_ = true;
    }
    cv_.notify_all();
  }

  // Drops what was not synced, then lets the disk be used again. Call after
  // every user of the crashed state is closed.
  leveldb::Status Recover() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = files_.begin(); it != files_.end();) {
      const std::string& fname = it->first;
      const FileState& state = *it->second;
      if (!state.ever_synced) {
        target()->RemoveFile(fname);
        it = files_.erase(it);
        continue;
      }
      std::string data;
      leveldb::Status s = leveldb::ReadFileToString(target(), fname, &data);
      if (!s.ok()) return s;
      if (data.size() > state.synced_bytes) {
        s = leveldb::WriteStringToFile(
            target(), leveldb::Slice(data.data(), state.synced_bytes), fname);
        if (!s.ok()) return s;
      }
      ++it;
    }
    crashed_ = false;
    return leveldb::Status::OK();
  }

  leveldb::Status NewWritableFile(const std::string& fname,
                                  leveldb::WritableFile** result) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return Crashed(fname);
    leveldb::WritableFile* file = nullptr;
    leveldb::Status s = target()->NewWritableFile(fname, &file);
    if (!s.ok()) return s;
    auto state = std::make_shared<FileState>();
    files_[fname] = state;
    *result = new TrackedFile(this, state, file, 0);
    return s;
  }

  leveldb::Status NewAppendableFile(const std::string& fname,
                                    leveldb::WritableFile** result) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return Crashed(fname);
    uint64_t size_bytes = 0;
    if (!target()->GetFileSize(fname, &size_bytes).ok()) size_bytes = 0;
    leveldb::WritableFile* file = nullptr;
    leveldb::Status s = target()->NewAppendableFile(fname, &file);
    if (!s.ok()) return s;
    std::shared_ptr<FileState>& state = files_[fname];
    if (state == nullptr) {
      // What existed before we saw it counts as durable.
      state = std::make_shared<FileState>();
      state->synced_bytes = size_bytes;
      state->ever_synced = true;
    }
    *result = new TrackedFile(this, state, file, size_bytes);
    return s;
  }

  leveldb::Status RemoveFile(const std::string& fname) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return Crashed(fname);
    leveldb::Status s = target()->RemoveFile(fname);
    if (s.ok()) files_.erase(fname);
    return s;
  }

  leveldb::Status RenameFile(const std::string& src,
                             const std::string& target_name) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (crashed_) return Crashed(src);
    leveldb::Status s = target()->RenameFile(src, target_name);
    if (!s.ok()) return s;
    auto it = files_.find(src);
    if (it != files_.end()) {
      files_[target_name] = it->second;
      files_.erase(it);
    } else {
      files_.erase(target_name);
    }
    return s;
  }

 private:
  static constexpr std::chrono::seconds kMaxSyncBlock{30};

  struct FileState {
    uint64_t synced_bytes = 0;
    bool ever_synced = false;
  };

  class TrackedFile : public leveldb::WritableFile {
   public:
    TrackedFile(FaultEnv* env, std::shared_ptr<FileState> state,
                leveldb::WritableFile* target, uint64_t size_bytes)
        : env_(env),
          state_(std::move(state)),
          target_(target),
          size_bytes_(size_bytes) {}

    leveldb::Status Append(const leveldb::Slice& data) override {
      if (env_->IsCrashed()) return Crashed("append");
      leveldb::Status s = target_->Append(data);
      if (s.ok()) size_bytes_ += data.size();
      return s;
    }
    leveldb::Status Close() override { return target_->Close(); }
    leveldb::Status Flush() override {
      if (env_->IsCrashed()) return Crashed("flush");
      return target_->Flush();
    }
    leveldb::Status Sync() override {
      return env_->SyncFile(state_.get(), target_.get(), size_bytes_);
    }

   private:
    FaultEnv* const env_;
    const std::shared_ptr<FileState> state_;
    const std::unique_ptr<leveldb::WritableFile> target_;
    uint64_t size_bytes_;  // bytes the file holds, synced or not
  };

  static leveldb::Status Crashed(const std::string& what) {
    return leveldb::Status::IOError(what, "disk gone (simulated crash)");
  }

  bool IsCrashed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return crashed_;
  }

  leveldb::Status SyncFile(FileState* state, leveldb::WritableFile* file,
                           uint64_t size_bytes) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (block_syncs_ && !crashed_) {
      ++blocked_syncs_;
      cv_.notify_all();
      cv_.wait_for(lock, kMaxSyncBlock,
                   [&] { return !block_syncs_ || crashed_; });
      --blocked_syncs_;
    }
    if (crashed_) return Crashed("sync");
    if (fail_sync_) return leveldb::Status::IOError("sync", "injected failure");
    leveldb::Status s = file->Sync();
    if (!s.ok()) return s;
    state->synced_bytes = size_bytes;
    state->ever_synced = true;
    ++sync_count_;
    return s;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<FileState>> files_;
  bool crashed_ = false;
  bool fail_sync_ = false;
  bool block_syncs_ = false;
  int blocked_syncs_ = 0;
  int64_t sync_count_ = 0;
};

}  // namespace canopy::testutil

#endif  // CANOPY_TESTS_UNIT_FAULT_ENV_H_
