// StatsTrack: ZooKeeper's text form of a quota's limits and usage, as kept in
// /zookeeper/quota<PATH>/zookeeper_limits and .../zookeeper_stats, so that
// zkCli's setquota/listquota/delquota and Canopy's read each other's nodes.
//
// The text is "key=value" pairs separated by ',' or ';'. Written as ZooKeeper
// 3.7+ writes it: "count=C,bytes=B" first, then, only when other keys are
// set, a spurious '=' and ";key=value" for each in name order — e.g.
// "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=10" — which older
// parsers read as just count and bytes. A missing key reads as -1 (no
// limit). Header-only; no IO.
#ifndef CANOPY_COMMON_STATS_TRACK_H_
#define CANOPY_COMMON_STATS_TRACK_H_

#include <charconv>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace canopy {

class StatsTrack {
 public:
  static constexpr std::string_view kCount = "count";
  static constexpr std::string_view kBytes = "bytes";
  static constexpr std::string_view kCountHardLimit = "countHardLimit";
  static constexpr std::string_view kByteHardLimit = "byteHardLimit";

  // Reads the text leniently: a pair without '=', with an empty value
  // (ZooKeeper reads it as -1) or with a value that is not an integer is
  // skipped, so whatever a client wrote reads as something, identically on
  // every member.
  static StatsTrack Parse(std::string_view text) {
    StatsTrack out;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find_first_of(",;", start);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view pair = text.substr(start, end - start);
      start = end + 1;
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      std::string_view value = pair.substr(eq + 1);
      // "bytes=5=" (the separator trick above): the value ends at the next '='.
      value = value.substr(0, value.find('='));
      int64_t number = 0;
      auto [ptr, ec] =
          std::from_chars(value.data(), value.data() + value.size(), number);
      if (value.empty() || ec != std::errc() ||
          ptr != value.data() + value.size()) {
        continue;
      }
      out.values_[std::string(pair.substr(0, eq))] = number;
    }
    return out;
  }

  // The value of key, -1 when absent.
  int64_t Get(std::string_view key) const {
    auto it = values_.find(key);
    return it == values_.end() ? -1 : it->second;
  }
  void Set(std::string_view key, int64_t value) {
    values_[std::string(key)] = value;
  }

  int64_t count() const { return Get(kCount); }
  int64_t bytes() const { return Get(kBytes); }
  int64_t count_hard_limit() const { return Get(kCountHardLimit); }
  int64_t byte_hard_limit() const { return Get(kByteHardLimit); }

  // ZooKeeper's StatsTrack.toString (see the top of this file).
  std::string ToString() const {
    std::string out = "count=" + std::to_string(count()) +
                      ",bytes=" + std::to_string(bytes());
    bool first_extra = true;
    for (const auto& [key, value] : values_) {  // name order
      if (key == kCount || key == kBytes) continue;
      if (first_extra) out += '=';
      first_extra = false;
      out += ';' + key + '=' + std::to_string(value);
    }
    return out;
  }

 private:
  std::map<std::string, int64_t, std::less<>> values_;
};

}  // namespace canopy

#endif  // CANOPY_COMMON_STATS_TRACK_H_
