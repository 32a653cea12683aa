#include "report.h"

#include <fmt/format.h>

namespace canopy::bench {

namespace {

double Us(int64_t ns) { return double(ns) / 1e3; }

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

}  // namespace

std::string JsonLine(const LoadOptions& o, const RunResult& r) {
  const LatencyHistogram& h = r.latency;
  std::string line = fmt::format(
      "{{\"label\":\"{}\",\"dialect\":\"{}\",\"workload\":\"{}\","
      "\"sessions\":{},\"window\":{},\"value_bytes\":{},\"rate\":{:.0f},"
      "\"ops\":{},\"errors\":{},\"first_error\":{},\"dropped\":{},"
      "\"elapsed_s\":{:.3f},\"ops_per_s\":{:.0f},\"p50_us\":{:.1f},"
      "\"p90_us\":{:.1f},\"p99_us\":{:.1f},\"p999_us\":{:.1f},"
      "\"max_us\":{:.1f}",
      Escape(o.label), DialectName(o.dialect), WorkloadName(o.workload),
      o.sessions, o.window, o.value_bytes, o.rate, r.ops, r.errors,
      r.first_error, r.dropped, r.elapsed_s, double(r.ops) / r.elapsed_s,
      Us(h.PercentileNs(50)), Us(h.PercentileNs(90)), Us(h.PercentileNs(99)),
      Us(h.PercentileNs(99.9)), Us(h.max_ns()));
  if (o.workload == Workload::kWatchFanout) {
    line += fmt::format(",\"watchers\":{},\"events_per_s\":{:.0f}", r.watchers,
                        double(r.events) / r.elapsed_s);
  }
  return line + "}";
}

std::string Table(const LoadOptions& o, const RunResult& r) {
  const LatencyHistogram& h = r.latency;
  std::string out = fmt::format(
      "{:<28} {:<9} {:>5} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6}\n",
      "workload", "dialect", "sess", "ops/s", "p50 ms", "p90 ms", "p99 ms",
      "p99.9 ms", "max ms", "errors");
  out += fmt::format(
      "{:<28} {:<9} {:>5} {:>10.0f} {:>8.3f} {:>8.3f} {:>8.3f} {:>8.3f} "
      "{:>8.3f} {:>6}\n",
      WorkloadName(o.workload), DialectName(o.dialect), o.sessions,
      double(r.ops) / r.elapsed_s, h.PercentileNs(50) / 1e6,
      h.PercentileNs(90) / 1e6, h.PercentileNs(99) / 1e6,
      h.PercentileNs(99.9) / 1e6, h.max_ns() / 1e6, r.errors);
  return out;
}

}  // namespace canopy::bench
