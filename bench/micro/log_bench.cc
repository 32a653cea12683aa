// Micro-benchmarks of the log append path on a real directory: TxnLog
// (LevelDB) Append of a batch with and without sync, and LogWriter's group
// commit from Append to the synced callback.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/storage/log.h"
#include "server/storage/log_writer.h"

namespace canopy::storage {
namespace {

// A fresh directory under $TMPDIR (or /tmp), removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string base = std::filesystem::temp_directory_path().string();
    std::string pattern = base + "/canopy-log-bench-XXXXXX";
    path_ = mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<proto::Txn> Batch(Zxid* next, int64_t count) {
  std::vector<proto::Txn> txns;
  txns.reserve(size_t(count));
  for (int64_t i = 0; i < count; ++i) {
    proto::Txn txn;
    txn.set_zxid((*next)++);
    txn.set_session_id(7);
    txn.set_xid(int32_t(i));
    txn.set_time_ms(1700000000000);
    txn.mutable_set_data()->set_path("/bench/n/s12");
    txn.mutable_set_data()->set_data(std::string(100, 'v'));
    txns.push_back(std::move(txn));
  }
  return txns;
}

// Args: txns per batch, sync (0/1).
void BM_TxnLogAppend(benchmark::State& state) {
  TempDir dir;
  auto log = OpenLevelDbLog(dir.path());
  if (!log.ok()) {
    state.SkipWithError(log.status().ToString().c_str());
    return;
  }
  const bool sync = state.range(1) != 0;
  Zxid next = 1;
  for (auto _ : state) {
    state.PauseTiming();
    auto txns = Batch(&next, state.range(0));
    state.ResumeTiming();
    Status s = (*log)->Append(txns, sync);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TxnLogAppend)
    ->Args({1, 1})
    ->Args({64, 1})
    ->Args({1, 0})
    ->Args({64, 0})
    ->UseRealTime();

// LogWriter: queue a batch, wait for the synced callback.
void BM_LogWriterRoundTrip(benchmark::State& state) {
  TempDir dir;
  auto log = OpenLevelDbLog(dir.path());
  if (!log.ok()) {
    state.SkipWithError(log.status().ToString().c_str());
    return;
  }
  std::mutex mu;
  std::condition_variable cv;
  Zxid durable = 0;
  LogWriter writer(log->get(), [&](Zxid last, Status) {
    std::lock_guard lock(mu);
    durable = last;
    cv.notify_all();
  });
  Zxid next = 1;
  for (auto _ : state) {
    state.PauseTiming();
    auto txns = Batch(&next, state.range(0));
    const Zxid want = next - 1;
    state.ResumeTiming();
    writer.Append(std::move(txns));
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10),
                     [&] { return durable >= want; })) {
      state.SkipWithError("no sync within 10 s");
      break;
    }
  }
  writer.Stop();
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LogWriterRoundTrip)->Arg(1)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace canopy::storage

BENCHMARK_MAIN();
