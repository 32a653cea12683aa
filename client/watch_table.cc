#include "watch_table.h"

#include <algorithm>

namespace canopy::client_internal {

std::optional<WatchKind> WatchKindFor(const proto::Request& request,
                                      ErrorCode err) {
  switch (request.op_case()) {
    case proto::Request::kGetData:
      if (err == proto::OK) return WatchKind::kData;
      break;
    case proto::Request::kExists:
      if (err == proto::OK) return WatchKind::kData;
      if (err == proto::NO_NODE) return WatchKind::kExists;
      break;
    case proto::Request::kGetChildren:
      if (err == proto::OK) return WatchKind::kChild;
      break;
    default:
      break;
  }
  return std::nullopt;
}

bool CanWatch(const proto::Request& request) {
  return request.op_case() == proto::Request::kGetData ||
         request.op_case() == proto::Request::kExists ||
         request.op_case() == proto::Request::kGetChildren;
}

WatchTable::Map& WatchTable::MapFor(WatchKind kind) {
  switch (kind) {
    case WatchKind::kData: return data_;
    case WatchKind::kExists: return exists_;
    case WatchKind::kChild: return child_;
  }
  return data_;
}

const WatchTable::Map& WatchTable::MapFor(WatchKind kind) const {
  return const_cast<WatchTable*>(this)->MapFor(kind);
}

std::vector<std::string> WatchTable::Paths(WatchKind kind) const {
  std::vector<std::string> out;
  for (const auto& [path, entries] : MapFor(kind)) out.push_back(path);
  std::sort(out.begin(), out.end());
  return out;
}

void WatchTable::Add(WatchKind kind, std::string path, Watcher watcher) {
  MapFor(kind)[std::move(path)].push_back(Entry{next_seq_++, std::move(watcher)});
  ++size_;
}

void WatchTable::TakeFrom(Map& map, const std::string& path,
                          std::vector<Entry>* out) {
  auto it = map.find(path);
  if (it == map.end()) return;
  size_ -= it->second.size();
  for (Entry& e : it->second) out->push_back(std::move(e));
  map.erase(it);
}

std::vector<Watcher> WatchTable::Take(const proto::WatchEvent& event) {
  std::vector<Entry> taken;
  const std::string& path = event.path();
  switch (event.type()) {
    case proto::NODE_CREATED:
    case proto::NODE_DATA_CHANGED:
    case proto::DATA_WATCH_REMOVED:
      TakeFrom(data_, path, &taken);
      TakeFrom(exists_, path, &taken);
      break;
    case proto::NODE_DELETED:
      TakeFrom(data_, path, &taken);
      TakeFrom(exists_, path, &taken);
      TakeFrom(child_, path, &taken);
      break;
    case proto::NODE_CHILDREN_CHANGED:
    case proto::CHILD_WATCH_REMOVED:
      TakeFrom(child_, path, &taken);
      break;
    default:
      break;
  }
  std::sort(taken.begin(), taken.end(),
            [](const Entry& a, const Entry& b) { return a.seq < b.seq; });
  std::vector<Watcher> out;
  out.reserve(taken.size());
  for (Entry& e : taken) out.push_back(std::move(e.watcher));
  return out;
}

void WatchTable::Clear() {
  data_.clear();
  exists_.clear();
  child_.clear();
  size_ = 0;
}

}  // namespace canopy::client_internal
