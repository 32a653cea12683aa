// Snapshot files: a consistent image of the DataTree and the session table
// at one zxid, written through a leveldb::Env so tests can run them in memory
// or with faults.
//
// File format: a header record, node and session records, then a trailer
// record with the counts (so a file cut at a record boundary is detected),
// each framed as [u32 length][u32 crc32 of the bytes][bytes]; snapshot.cc has
// the details. A file is written under a
// temporary name, synced, then renamed to "snapshot.<zxid as 16 hex>" and the
// directory synced, so a crash leaves either the whole file or none. A reader
// that finds a bad length, a bad checksum or a short file reports
// DATA_INCONSISTENCY and names the file; recovery then tries the next older
// snapshot.
#ifndef CANOPY_SERVER_STORAGE_SNAPSHOT_H_
#define CANOPY_SERVER_STORAGE_SNAPSHOT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace leveldb {
class Env;
}

namespace canopy::storage {

// Writes one snapshot file. Not thread-safe.
class SnapshotWriter {
 public:
  // Starts "dir/snapshot.<last_zxid>.tmp".
  static Result<std::unique_ptr<SnapshotWriter>> Create(
      leveldb::Env* env, const std::string& dir, Zxid last_zxid);
  // Destroying an unfinished writer removes its temporary file.
  virtual ~SnapshotWriter() = default;
  // Nodes parents first, all before any session (else BAD_ARGUMENTS).
  virtual Status AddNode(const proto::SnapshotNode& node) = 0;
  virtual Status AddSession(const proto::SnapshotSession& session) = 0;
  // Syncs, renames into place. After Finish the writer is spent.
  virtual Status Finish() = 0;
};

// What a reader hands back, in file order (nodes parents first, then sessions).
// on_header comes first and carries last_zxid, node_count and session_count.
// The whole file is verified before any callback, so a damaged file yields
// DATA_INCONSISTENCY and no callbacks. A callback's error stops the read and
// is returned.
struct SnapshotVisitor {
  std::function<Status(const proto::SnapshotHeader&)> on_header;
  std::function<Status(const proto::SnapshotNode&)> on_node;
  std::function<Status(const proto::SnapshotSession&)> on_session;
};

// Zxids of the complete snapshots in dir, newest first.
std::vector<Zxid> ListSnapshots(leveldb::Env* env, const std::string& dir);
// Reads dir's snapshot at zxid into the visitor.
Status ReadSnapshot(leveldb::Env* env, const std::string& dir, Zxid zxid,
                    const SnapshotVisitor& visitor);
// Deletes all but the newest keep snapshots, and leftover .tmp files: those
// not newer than the newest complete snapshot (a newer one may still be
// being written; it is purged once a later snapshot completes).
Status PurgeSnapshots(leveldb::Env* env, const std::string& dir, int keep);

}  // namespace canopy::storage

#endif  // CANOPY_SERVER_STORAGE_SNAPSHOT_H_
