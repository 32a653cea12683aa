// Fuzzes the snapshot reader as recovery uses it: LoadSnapshot (ReadSnapshot
// into a DataTree) on a file in an in-memory Env.
//
// input[0] even: the rest corrupts a valid snapshot (templates.h: a cut and
// bit flips). The load must then fail, or give exactly the original tree
// (same digest, node and session counts): never a different tree.
// input[0] odd: the rest is the whole file. The load must not crash.
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "server/net/snapshot_io.h"
#include "tests/fuzz/templates.h"

namespace {

struct Original {
  canopy::fuzz::SnapshotTemplate file;
  uint64_t digest = 0;
  size_t nodes = 0;
  size_t sessions = 0;
};

canopy::Status Load(leveldb::Env* env, const Original& original,
                    const std::string& bytes, canopy::tree::DataTree* tree) {
  const std::string dir = "/snap";
  env->CreateDir(dir);
  leveldb::Status s = leveldb::WriteStringToFile(
      env, bytes, dir + "/" + original.file.file_name);
  if (!s.ok()) std::abort();
  canopy::Status status =
      canopy::net::LoadSnapshot(env, dir, original.file.zxid, tree);
  if (status.ok()) tree->FinishLoad(original.file.zxid);
  return status;
}

const Original& GetOriginal() {
  static const Original* original = [] {
    auto* o = new Original;
    o->file = canopy::fuzz::MakeSnapshotTemplate();
    std::unique_ptr<leveldb::Env> env(
        leveldb::NewMemEnv(leveldb::Env::Default()));
    canopy::tree::DataTree tree;
    canopy::Status status = Load(env.get(), *o, o->file.bytes, &tree);
    if (!status.ok()) {
      std::fprintf(stderr, "template does not load: %s\n",
                   status.ToString().c_str());
      std::abort();
    }
    o->digest = tree.Digest();
    o->nodes = tree.node_count();
    o->sessions = tree.sessions().size();
    return o;
  }();
  return *original;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Original& original = GetOriginal();
  const bool corrupt = (data[0] & 1) == 0;
  const std::string bytes =
      corrupt ? canopy::fuzz::Corrupt(original.file.bytes, data + 1, size - 1)
              : std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  canopy::tree::DataTree tree;
  canopy::Status status = Load(env.get(), original, bytes, &tree);
  if (corrupt && status.ok() &&
      (tree.Digest() != original.digest ||
       tree.node_count() != original.nodes ||
       tree.sessions().size() != original.sessions)) {
    std::fprintf(stderr,
                 "corrupted snapshot loaded as a different tree: %zu nodes, "
                 "%zu sessions (original %zu, %zu)\n",
                 tree.node_count(), tree.sessions().size(), original.nodes,
                 original.sessions);
    std::abort();
  }
  return 0;
}
