#include "tests/sim/register.h"

#include "server/zab/messages.h"

namespace canopy::sim {

void RegisterChecker::OnWrite(const std::string& key, Zxid zxid,
                              int64_t start) {
  writes_[zxid] = Write{key, start, -1};
}

void RegisterChecker::OnAck(Zxid zxid, int64_t end) {
  auto it = writes_.find(zxid);
  if (it != writes_.end() && it->second.end < 0) it->second.end = end;
}

std::string RegisterChecker::OnRead(const std::string& key, Zxid read_zxid,
                                    int64_t start, int64_t end) {
  ++reads_count_;
  const std::string what = "read of " + key + " in [" +
                           std::to_string(start) + ", " + std::to_string(end) +
                           "] saw " + zab::ZxidString(read_zxid);
  if (read_zxid != 0) {
    auto it = writes_.find(read_zxid);
    if (it == writes_.end() || it->second.key != key) {
      return what + ", which no client wrote to that key";
    }
    if (it->second.start > end) return what + ", written after the read";
  }
  for (auto it = writes_.upper_bound(read_zxid); it != writes_.end(); ++it) {
    if (it->second.key == key && it->second.end >= 0 &&
        it->second.end < start) {
      return what + ", but " + zab::ZxidString(it->first) +
             " was acknowledged at " + std::to_string(it->second.end) +
             " (stale read)";
    }
  }
  std::vector<Read>& reads = reads_[key];
  for (const Read& earlier : reads) {
    if (earlier.end < start && earlier.zxid > read_zxid) {
      return what + ", but a read that ended at " +
             std::to_string(earlier.end) + " saw " +
             zab::ZxidString(earlier.zxid) + " (went back)";
    }
  }
  reads.push_back(Read{read_zxid, start, end});
  return "";
}

}  // namespace canopy::sim
