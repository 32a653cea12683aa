// Known-good files the storage fuzz targets corrupt, and the corruption
// itself. The seed generator (corpus_gen.cc) writes the same files as seeds,
// so a target and its corpus agree on what "the original" is.
#ifndef CANOPY_TESTS_FUZZ_TEMPLATES_H_
#define CANOPY_TESTS_FUZZ_TEMPLATES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/canopy.pb.h"

namespace canopy::fuzz {

// A snapshot file of a small tree (persistent, ephemeral, sequential and
// container nodes, ACLs, two sessions), written by the server's own
// WriteSnapshot.
struct SnapshotTemplate {
  Zxid zxid = 0;
  std::string file_name;  // "snapshot.<zxid as 16 hex>"
  std::string bytes;
};
SnapshotTemplate MakeSnapshotTemplate();

// The txns of the log template, in order, in three Append batches.
std::vector<std::vector<proto::Txn>> TemplateTxnBatches();
proto::EpochState TemplateEpochs();

// The files of a LevelDB TxnLog directory holding the template's epochs and
// batches, written through OpenLevelDbLog and closed: name -> bytes. The
// txns sit in LevelDB's write-ahead file (the one whose name ends in .log).
std::map<std::string, std::string> MakeLogTemplate();

// Corrupts file as the input says, the way disks and crashes do: input[0]
// bit 0 set cuts the file to the length in input[1..2] (big-endian, modulo
// size + 1); then each following 3 bytes flip bits: a big-endian offset
// (modulo size) and a nonzero XOR mask.
// What Corrupt did, for the checks of a target: whether it cut the file
// and the offsets whose bits it flipped.
struct Damage {
  bool cut = false;
  std::vector<size_t> flipped;
};
std::string Corrupt(std::string file, const uint8_t* input, size_t size,
                    Damage* damage = nullptr);

}  // namespace canopy::fuzz

#endif  // CANOPY_TESTS_FUZZ_TEMPLATES_H_
