#include "canopy/recipes/path_util.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <random>

namespace canopy::recipes {

std::string JoinPath(std::string_view parent, std::string_view child) {
  std::string out(parent);
  if (out.empty() || out.back() != '/') out += '/';
  out += child;
  return out;
}

Status EnsurePath(Client& client, std::string_view path) {
  if (path.empty() || path == "/") return Status::Ok();
  auto exists = client.Exists(path);
  if (exists.ok() && exists->has_value()) return Status::Ok();
  size_t pos = 1;
  while (true) {
    const size_t next = path.find('/', pos);
    const std::string_view prefix =
        next == std::string_view::npos ? path : path.substr(0, next);
    auto created = client.Create(prefix, "");
    if (!created.ok() && created.status().code() != proto::NODE_EXISTS) {
      return created.status();
    }
    if (next == std::string_view::npos) return Status::Ok();
    pos = next + 1;
  }
}

bool IsTransient(const Status& status) {
  return status.code() == proto::CONNECTION_LOSS ||
         status.code() == proto::OPERATION_TIMEOUT;
}

Status DeleteWithRetry(Client& client, std::string_view path) {
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(2 * client.session_timeout_ms());
  while (true) {
    Status s = client.Delete(path);
    if (s.ok() || s.code() == proto::NO_NODE) return Status::Ok();
    if (!IsTransient(s) || std::chrono::steady_clock::now() >= deadline) {
      return s;
    }
  }
}

int64_t SequenceOf(std::string_view name) {
  if (name.size() < 10) return -1;
  int64_t value = 0;
  for (char c : name.substr(name.size() - 10)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::vector<std::string> SortedBySequence(const std::vector<std::string>& names,
                                          std::string_view marker) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (n.find(marker) != std::string::npos && SequenceOf(n) >= 0) {
      out.push_back(n);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return SequenceOf(a) < SequenceOf(b);
  });
  return out;
}

std::string RandomToken() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  uint64_t v = rng();
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 0xf];
  return out;
}

}  // namespace canopy::recipes
