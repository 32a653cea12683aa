// Fuzzes the txn log's read side: OpenLevelDbLog (which checks the first
// and last record) and ReadAfter (which decodes every stored record) on a
// LevelDB directory in an in-memory Env.
//
// input[0] % 3 picks the case:
//   0: LevelDB's write-ahead file of a valid log is corrupted (templates.h:
//      a cut and bit flips), as a crash or a bad disk would. Opening and
//      reading must fail with a Status, or give a prefix of the original
//      txns in order (a cut tail recovers to the last whole record; flips
//      alone lose nothing): never a log with a hole or a changed txn.
//   1: the rest replaces the write-ahead file whole. No crash.
//   2: the rest is records stored straight into LevelDB, bypassing Append:
//      [u8 key length][key][u16 value length][value]... The log must reject
//      what Append could not have written, or read txns with zxids > 0,
//      strictly increasing, from FirstZxid to LastZxid.
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>
#include <leveldb/options.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/storage/log.h"
#include "tests/fuzz/templates.h"

namespace {

using canopy::Zxid;
using canopy::proto::Txn;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_log: %s\n", what.c_str());
  std::abort();
}

const std::string kDir = "/log";

struct Original {
  std::map<std::string, std::string> files;
  std::string wal_name;
  std::vector<std::string> txns;  // serialized, in order
  std::string epochs;
  // Offsets of the 7-byte record headers in the write-ahead file's last
  // 32 KiB block.
  std::vector<size_t> final_block_headers;
};

// LevelDB's write-ahead format: 32 KiB blocks of records, each a 7-byte
// header (crc 4, length 2 little-endian, type 1) and its bytes; a block's
// tail shorter than a header is padding.
std::vector<size_t> FinalBlockHeaders(const std::string& wal) {
  constexpr size_t kBlock = 32768, kHeader = 7;
  std::vector<size_t> headers;
  if (wal.empty()) return headers;
  const size_t final_block = (wal.size() - 1) / kBlock * kBlock;
  for (size_t block = 0; block < wal.size(); block += kBlock) {
    size_t pos = block;
    const size_t end = std::min(block + kBlock, wal.size());
    while (end - pos >= kHeader) {
      const size_t length = uint8_t(wal[pos + 4]) | (uint8_t(wal[pos + 5]) << 8);
      if (block == final_block) headers.push_back(pos);
      pos += kHeader + length;
      if (pos > end) break;
    }
  }
  return headers;
}

// A flip in a record header of the last block can make that record, and
// every one after it, look cut short by a torn write (a longer length, a
// "first fragment" type): LevelDB cannot tell that from a crash, so such a
// flip may lose the tail of the log, like a cut.
bool HitsFinalBlockHeader(const Original& original,
                          const canopy::fuzz::Damage& damage) {
  for (size_t offset : damage.flipped) {
    for (size_t header : original.final_block_headers) {
      if (offset >= header && offset < header + 7) return true;
    }
  }
  return false;
}

const Original& GetOriginal() {
  static const Original* original = [] {
    auto* o = new Original;
    o->files = canopy::fuzz::MakeLogTemplate();
    for (const auto& [name, bytes] : o->files) {
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0) {
        o->wal_name = name;
      }
    }
    if (o->wal_name.empty()) Fail("template has no write-ahead file");
    for (const auto& batch : canopy::fuzz::TemplateTxnBatches()) {
      for (const Txn& txn : batch) o->txns.push_back(txn.SerializeAsString());
    }
    o->epochs = canopy::fuzz::TemplateEpochs().SerializeAsString();
    o->final_block_headers = FinalBlockHeaders(o->files[o->wal_name]);
    return o;
  }();
  return *original;
}

// Opens and reads the whole log. Returns false when either fails; checks
// what every successful read must satisfy.
bool ReadAll(leveldb::Env* env, std::vector<Txn>* txns, std::string* epochs) {
  auto log = canopy::storage::OpenLevelDbLog(kDir, env);
  if (!log.ok()) return false;
  canopy::Status status = (*log)->ReadAfter(0, [&](const Txn& txn) {
    txns->push_back(txn);
    return true;
  });
  if (!status.ok()) return false;
  auto loaded = (*log)->LoadEpochs();
  if (!loaded.ok()) return false;
  *epochs = loaded->SerializeAsString();
  Zxid previous = 0;
  for (const Txn& txn : *txns) {
    if (txn.zxid() <= previous) Fail("txns out of order");
    previous = txn.zxid();
  }
  const Zxid first = txns->empty() ? 0 : txns->front().zxid();
  if ((*log)->FirstZxid() != first || (*log)->LastZxid() != previous) {
    Fail("FirstZxid/LastZxid disagree with the records read");
  }
  return true;
}

void RunCorrupted(const uint8_t* data, size_t size, bool whole) {
  const Original& original = GetOriginal();
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  env->CreateDir(kDir);
  canopy::fuzz::Damage damage;
  for (const auto& [name, bytes] : original.files) {
    std::string content = bytes;
    if (name == original.wal_name) {
      content = whole ? std::string(reinterpret_cast<const char*>(data), size)
                      : canopy::fuzz::Corrupt(bytes, data, size, &damage);
    }
    if (!leveldb::WriteStringToFile(env.get(), content, kDir + "/" + name)
             .ok()) {
      Fail("write " + name);
    }
  }
  std::vector<Txn> txns;
  std::string epochs;
  if (!ReadAll(env.get(), &txns, &epochs) || whole) return;
  if (txns.size() > original.txns.size()) Fail("more txns than written");
  for (size_t i = 0; i < txns.size(); ++i) {
    if (txns[i].SerializeAsString() != original.txns[i]) {
      Fail("txn " + std::to_string(i) + " of " + std::to_string(txns.size()) +
           " read back is not the txn written there (a hole or a change)");
    }
  }
  if (!damage.cut && txns.size() != original.txns.size() &&
      !HitsFinalBlockHeader(original, damage)) {
    Fail("bit flips without a cut lost txns " + std::to_string(txns.size()) +
         ".." + std::to_string(original.txns.size()) +
         " silently (they must fail the open)");
  }
  if (!epochs.empty() && epochs != original.epochs) Fail("epochs changed");
}

void RunRecords(const uint8_t* data, size_t size) {
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  {
    leveldb::Options options;
    options.create_if_missing = true;
    options.env = env.get();
    leveldb::DB* raw = nullptr;
    if (!leveldb::DB::Open(options, kDir, &raw).ok()) Fail("open raw db");
    std::unique_ptr<leveldb::DB> db(raw);
    size_t pos = 0;
    while (pos < size) {
      const size_t key_size = data[pos++];
      if (size - pos < key_size + 2) break;
      const std::string key(reinterpret_cast<const char*>(data + pos),
                            key_size);
      pos += key_size;
      const size_t value_size = (size_t(data[pos]) << 8) | data[pos + 1];
      pos += 2;
      if (size - pos < value_size) break;
      const std::string value(reinterpret_cast<const char*>(data + pos),
                              value_size);
      pos += value_size;
      db->Put(leveldb::WriteOptions(), key, value);
    }
  }
  std::vector<Txn> txns;
  std::string epochs;
  ReadAll(env.get(), &txns, &epochs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  switch (data[0] % 3) {
    case 0:
      RunCorrupted(data + 1, size - 1, /*whole=*/false);
      break;
    case 1:
      RunCorrupted(data + 1, size - 1, /*whole=*/true);
      break;
    default:
      RunRecords(data + 1, size - 1);
      break;
  }
  return 0;
}
