// Micro-benchmarks of the tree: DataTree::Apply (create, set), DataTree::Read
// (get) at several tree sizes, and Preparer::Prepare (create, set).
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <map>
#include <memory>
#include <string>

#include "server/tree/data_tree.h"
#include "server/tree/prepare.h"

namespace canopy::tree {
namespace {

const std::string kValue(100, 'v');

proto::Txn CreateTxn(Zxid zxid, const std::string& path) {
  proto::Txn txn;
  txn.set_zxid(zxid);
  txn.set_time_ms(1);
  auto* create = txn.mutable_create();
  create->set_path(path);
  create->set_data(kValue);
  auto* acl = create->add_acl();
  acl->set_perms(31);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  return txn;
}

proto::Txn SetTxn(Zxid zxid, const std::string& path) {
  proto::Txn txn;
  txn.set_zxid(zxid);
  txn.set_time_ms(1);
  txn.mutable_set_data()->set_path(path);
  txn.mutable_set_data()->set_data(kValue);
  return txn;
}

// A tree with /b and `count` children /b/n<i>; returns the next zxid.
Zxid Fill(DataTree& tree, int64_t count) {
  Zxid zxid = tree.last_zxid() + 1;
  tree.Apply(CreateTxn(zxid++, "/b"));
  for (int64_t i = 0; i < count; ++i) {
    tree.Apply(CreateTxn(zxid++, "/b/n" + std::to_string(i)));
  }
  return zxid;
}

void BM_ApplyCreate(benchmark::State& state) {
  DataTree tree;
  Zxid zxid = Fill(tree, 0);
  int64_t i = 0;
  for (auto _ : state) {
    auto result = tree.Apply(CreateTxn(zxid++, "/b/c" + std::to_string(i++)));
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyCreate);

// A filled tree per size, built once: the benchmark library calls each
// function several times while it sizes the iteration count.
struct Filled {
  DataTree tree;
  Zxid next = 0;
};

Filled& FilledTree(int64_t count) {
  static std::map<int64_t, std::unique_ptr<Filled>> trees;
  auto& slot = trees[count];
  if (!slot) {
    slot = std::make_unique<Filled>();
    slot->next = Fill(slot->tree, count);
  }
  return *slot;
}

void BM_ApplySet(benchmark::State& state) {
  Filled& filled = FilledTree(state.range(0));
  DataTree& tree = filled.tree;
  Zxid& zxid = filled.next;
  const std::string path = "/b/n" + std::to_string(state.range(0) / 2);
  for (auto _ : state) {
    auto result = tree.Apply(SetTxn(zxid++, path));
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplySet)->Arg(1000)->Arg(100000);

void BM_ReadGet(benchmark::State& state) {
  DataTree& tree = FilledTree(state.range(0)).tree;
  proto::Request request;
  request.set_xid(1);
  request.mutable_get_data()->set_path("/b/n" +
                                       std::to_string(state.range(0) / 2));
  const AuthIds auth;
  for (auto _ : state) {
    auto response = tree.Read(1, auth, request);
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadGet)->Arg(1000)->Arg(100000);

void BM_PrepareSet(benchmark::State& state) {
  DataTree tree;
  Zxid zxid = Fill(tree, 1000);
  Preparer preparer(tree);
  proto::Request request;
  request.set_xid(1);
  auto* set = request.mutable_set_data();
  set->set_path("/b/n500");
  set->set_data(kValue);
  set->set_version(-1);
  const AuthIds auth;
  for (auto _ : state) {
    auto prepared = preparer.Prepare(0, auth, request, zxid, 1);
    benchmark::DoNotOptimize(prepared);
    preparer.OnApplied(zxid++);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrepareSet);

// Prepare then apply, as the leader's pipeline does for each create.
void BM_PrepareApplyCreate(benchmark::State& state) {
  DataTree tree;
  Zxid zxid = Fill(tree, 0);
  Preparer preparer(tree);
  proto::Request request;
  request.set_xid(1);
  auto* create = request.mutable_create();
  create->set_data(kValue);
  auto* acl = create->add_acl();
  acl->set_perms(31);
  acl->mutable_id()->set_scheme("world");
  acl->mutable_id()->set_id("anyone");
  const AuthIds auth;
  int64_t i = 0;
  for (auto _ : state) {
    create->set_path("/b/c" + std::to_string(i++));
    auto prepared = preparer.Prepare(0, auth, request, zxid, 1);
    if (!prepared.txn) {
      state.SkipWithError("prepare failed");
      break;
    }
    auto result = tree.Apply(*prepared.txn);
    benchmark::DoNotOptimize(result);
    preparer.OnApplied(zxid++);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrepareApplyCreate);

// Heap bytes per znode (malloc's in-use count, so allocator overhead is
// in): 100,000 znodes of 100 bytes spread over 100 parents, named as
// canopy-bench's create workload names them.
void BM_HeapBytesPerZnode(benchmark::State& state) {
  const int64_t count = state.range(0);
  for (auto _ : state) {
    const size_t before = mallinfo2().uordblks;
    auto tree = std::make_unique<DataTree>();
    Zxid zxid = 1;
    tree->Apply(CreateTxn(zxid++, "/load"));
    tree->Apply(CreateTxn(zxid++, "/load/c"));
    for (int k = 0; k < 100; ++k) {
      tree->Apply(CreateTxn(zxid++, "/load/c/d" + std::to_string(k)));
    }
    for (int64_t n = 0; n < count; ++n) {
      tree->Apply(CreateTxn(zxid++, "/load/c/d" + std::to_string(n % 100) +
                                        "/s3-" + std::to_string(n)));
    }
    const size_t after = mallinfo2().uordblks;
    state.counters["bytes_per_znode"] = double(after - before) / double(count);
    benchmark::DoNotOptimize(tree);
  }
}
BENCHMARK(BM_HeapBytesPerZnode)->Arg(100000)->Iterations(1)->Unit(
    benchmark::kMillisecond);

}  // namespace
}  // namespace canopy::tree

BENCHMARK_MAIN();
