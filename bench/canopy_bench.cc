// canopy-bench: a load generator for Canopy's native protocol.
//
// N sessions each keep a window of outstanding async requests for a duration
// after a warm-up, then it prints one JSON line and a short table with ops/s
// and latency percentiles.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "canopy/client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  std::string hosts = "127.0.0.1:2181";
  std::string workload = "create";
  int sessions = 8;
  int window = 16;
  int value_bytes = 100;
  double warmup_s = 1.0;
  double duration_s = 5.0;
  std::string prefix = "/bench";
};

// One session's load loop; everything runs on the client's event thread.
class Worker {
 public:
  Worker(canopy::Client* client, const Settings& settings, int index,
         std::atomic<bool>* measuring, std::atomic<bool>* stopping)
      : client_(client),
        settings_(settings),
        index_(index),
        measuring_(measuring),
        stopping_(stopping),
        value_(size_t(settings.value_bytes), 'v'),
        open_acl_(canopy::OpenAcl()) {}

  void Start() {
    for (int i = 0; i < settings_.window; ++i) Issue();
  }

  void WaitDone() {
    std::unique_lock lock(mu_);
    done_cv_.wait_for(lock, std::chrono::seconds(60),
                      [&] { return outstanding_ == 0; });
  }

  std::vector<int64_t> latencies_us;
  uint64_t errors = 0;

 private:
  canopy::proto::Request Next() {
    canopy::proto::Request request;
    const uint64_t n = counter_++;
    const std::string own =
        settings_.prefix + "/s" + std::to_string(index_);
    if (settings_.workload == "create") {
      auto* create = request.mutable_create();
      create->set_path(own + "-" + std::to_string(n));
      create->set_data(value_);
      for (const auto& acl : open_acl_) *create->add_acl() = acl;
    } else if (settings_.workload == "set") {
      auto* set = request.mutable_set_data();
      set->set_path(own);
      set->set_data(value_);
      set->set_version(-1);
    } else {  // get
      request.mutable_get_data()->set_path(own);
    }
    return request;
  }

  void Issue() {
    {
      std::lock_guard lock(mu_);
      ++outstanding_;
    }
    const auto start = Clock::now();
    client_->Submit(Next(), [this, start](const canopy::proto::Response& r) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                          Clock::now() - start)
                          .count();
      if (measuring_->load()) {
        if (r.err() == canopy::proto::OK) {
          latencies_us.push_back(us);
        } else {
          ++errors;
        }
      }
      bool again = !stopping_->load();
      if (again) Issue();
      std::lock_guard lock(mu_);
      if (--outstanding_ == 0) done_cv_.notify_all();
    });
  }

  canopy::Client* client_;
  const Settings& settings_;
  int index_;
  std::atomic<bool>* measuring_;
  std::atomic<bool>* stopping_;
  std::string value_;
  std::vector<canopy::proto::Acl> open_acl_;
  uint64_t counter_ = 0;
  std::mutex mu_;
  std::condition_variable done_cv_;
  int outstanding_ = 0;
};

int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t at = std::min(sorted.size() - 1,
                             size_t(p / 100.0 * double(sorted.size())));
  return sorted[at];
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"canopy-bench: load and latency for a Canopy server"};
  app.add_option("-s,--hosts", s.hosts, "connection string");
  app.add_option("-w,--workload", s.workload, "create, set or get")
      ->check(CLI::IsMember({"create", "set", "get"}));
  app.add_option("-n,--sessions", s.sessions, "sessions")
      ->check(CLI::Range(1, 10000));
  app.add_option("--window", s.window, "outstanding requests per session")
      ->check(CLI::Range(1, 10000));
  app.add_option("--value-bytes", s.value_bytes, "value size")
      ->check(CLI::Range(0, 1 << 20));
  app.add_option("--warmup", s.warmup_s, "warm-up seconds");
  app.add_option("--duration", s.duration_s, "measured seconds");
  app.add_option("--prefix", s.prefix, "parent znode for the load");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::unique_ptr<canopy::Client>> clients;
  for (int i = 0; i < s.sessions; ++i) {
    canopy::ClientOptions options;
    options.connect_string = s.hosts;
    options.session_timeout_ms = 30000;
    auto client = canopy::Client::Connect(options);
    if (!client.ok()) {
      fmt::print(stderr, "canopy-bench: {}\n", client.status().ToString());
      return 1;
    }
    clients.push_back(std::move(client).value());
  }
  auto& first = *clients.front();
  auto made = first.Create(s.prefix, "");
  if (!made.ok() && made.status().code() != canopy::proto::NODE_EXISTS) {
    fmt::print(stderr, "canopy-bench: {}\n", made.status().ToString());
    return 1;
  }
  if (s.workload != "create") {
    for (int i = 0; i < s.sessions; ++i) {
      const std::string path = s.prefix + "/s" + std::to_string(i);
      auto r = first.Create(path, std::string(size_t(s.value_bytes), 'v'));
      if (!r.ok() && r.status().code() != canopy::proto::NODE_EXISTS) {
        fmt::print(stderr, "canopy-bench: {}\n", r.status().ToString());
        return 1;
      }
    }
  }

  std::atomic<bool> measuring{false};
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < s.sessions; ++i) {
    workers.push_back(std::make_unique<Worker>(clients[size_t(i)].get(), s, i,
                                               &measuring, &stopping));
  }
  for (auto& w : workers) w->Start();
  std::this_thread::sleep_for(std::chrono::duration<double>(s.warmup_s));
  measuring = true;
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(s.duration_s));
  measuring = false;
  const double elapsed_s =
      std::chrono::duration<double>(Clock::now() - start).count();
  stopping = true;
  for (auto& w : workers) w->WaitDone();

  std::vector<int64_t> all;
  uint64_t errors = 0;
  for (auto& w : workers) {
    all.insert(all.end(), w->latencies_us.begin(), w->latencies_us.end());
    errors += w->errors;
  }
  std::sort(all.begin(), all.end());
  const double ops = double(all.size()) / elapsed_s;
  fmt::print(
      "{{\"workload\":\"{}\",\"sessions\":{},\"window\":{},\"value_bytes\":{},"
      "\"ops\":{},\"errors\":{},\"ops_per_s\":{:.0f},\"p50_us\":{},"
      "\"p90_us\":{},\"p99_us\":{},\"p999_us\":{},\"max_us\":{}}}\n",
      s.workload, s.sessions, s.window, s.value_bytes, all.size(), errors, ops,
      Percentile(all, 50), Percentile(all, 90), Percentile(all, 99),
      Percentile(all, 99.9), all.empty() ? 0 : all.back());
  fmt::print("{:<8} {:>10} {:>9} {:>9} {:>9} {:>9}\n", "workload", "ops/s",
             "p50 ms", "p99 ms", "p99.9 ms", "max ms");
  fmt::print("{:<8} {:>10.0f} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f}\n",
             s.workload, ops, Percentile(all, 50) / 1e3,
             Percentile(all, 99) / 1e3, Percentile(all, 99.9) / 1e3,
             all.empty() ? 0.0 : all.back() / 1e3);
  return 0;
}
