#include "tests/fuzz/templates.h"

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "server/storage/log.h"

namespace canopy::fuzz {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "fuzz template: %s\n", what.c_str());
  std::abort();
}

}  // namespace

std::vector<std::vector<proto::Txn>> TemplateTxnBatches() {
  std::vector<std::vector<proto::Txn>> batches(3);
  const Zxid epoch = Zxid(1) << 32;
  int64_t counter = 0;
  auto next = [&](proto::Txn txn) {
    txn.set_zxid(epoch | ++counter);
    txn.set_session_id(0x100);
    txn.set_xid(int32_t(counter));
    txn.set_time_ms(1'700'000'000'000 + counter);
    return txn;
  };
  proto::Txn session;
  session.mutable_create_session()->set_timeout_ms(4000);
  session.mutable_create_session()->set_password(std::string(16, 'p'));
  batches[0].push_back(next(session));
  // About 40 KiB in all, so the write-ahead file spans two of LevelDB's
  // 32 KiB blocks and a damaged record can sit before intact ones.
  for (int i = 0; i < 4; ++i) {
    proto::Txn create;
    create.mutable_create()->set_path("/n" + std::to_string(i));
    create.mutable_create()->set_data(
        std::string(5000 + 1000 * i, char('a' + i)));
    batches[i < 2 ? 0 : 1].push_back(next(create));
  }
  for (int i = 0; i < 3; ++i) {
    proto::Txn set;
    set.mutable_set_data()->set_path("/n" + std::to_string(i));
    set.mutable_set_data()->set_data(std::string(4000, char('v' + i)));
    batches[2].push_back(next(set));
  }
  return batches;
}

proto::EpochState TemplateEpochs() {
  proto::EpochState epochs;
  epochs.set_accepted_epoch(1);
  epochs.set_current_epoch(1);
  return epochs;
}

std::map<std::string, std::string> MakeLogTemplate() {
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  const std::string dir = "/log";
  {
    auto log = storage::OpenLevelDbLog(dir, env.get());
    if (!log.ok()) Die("open log: " + log.status().ToString());
    Status status = (*log)->SaveEpochs(TemplateEpochs());
    if (!status.ok()) Die("save epochs: " + status.ToString());
    for (const auto& batch : TemplateTxnBatches()) {
      status = (*log)->Append(batch, /*sync=*/true);
      if (!status.ok()) Die("append: " + status.ToString());
    }
  }
  std::vector<std::string> names;
  if (!env->GetChildren(dir, &names).ok()) Die("list log dir");
  std::map<std::string, std::string> files;
  for (const std::string& name : names) {
    std::string bytes;
    if (!leveldb::ReadFileToString(env.get(), dir + "/" + name, &bytes).ok()) {
      Die("read " + name);
    }
    files[name] = bytes;
  }
  return files;
}

std::string Corrupt(std::string file, const uint8_t* input, size_t size,
                    Damage* damage) {
  Damage ignored;
  if (damage == nullptr) damage = &ignored;
  *damage = Damage();
  if (size == 0) return file;
  size_t pos = 1;
  if ((input[0] & 1) != 0 && size >= 3) {
    const size_t length = (size_t(input[1]) << 8) | input[2];
    const size_t before = file.size();
    file.resize(length % (file.size() + 1));
    damage->cut = file.size() < before;
    pos = 3;
  }
  for (; pos + 3 <= size && !file.empty(); pos += 3) {
    const size_t offset = ((size_t(input[pos]) << 8) | input[pos + 1]) %
                          file.size();
    const uint8_t mask = input[pos + 2];
    if (mask != 0) {
      file[offset] = char(uint8_t(file[offset]) ^ mask);
      damage->flipped.push_back(offset);
    }
  }
  return file;
}

}  // namespace canopy::fuzz
