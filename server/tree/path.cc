// Path rules (ZooKeeper's PathUtils.validatePath) and small stat helpers.
#include <cstdio>
#include <string>
#include <string_view>

#include "server/tree/data_tree.h"
#include "server/tree/tree_internal.h"

namespace canopy::tree {
namespace {

// Decodes one UTF-8 code point at s[*i], advancing *i. Returns -1 for an
// invalid sequence (overlong, surrogate, truncated, out of range).
int32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(*i);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (*i + len > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    const uint8_t b = byte(*i + k);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *i += len;
  return cp;
}

// The characters PathUtils.validatePath refuses, as UTF-16 code units. A code
// point above U+FFFF is a surrogate pair in Java, which it refuses too; so is
// malformed UTF-8 (Java decodes it to U+FFFD).
bool IsForbidden(int32_t cp) {
  return cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F) ||
         (cp >= 0xD800 && cp <= 0xF8FF) || cp >= 0xFFF0;
}

}  // namespace

bool IsValidPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() == 1) return true;
  if (path.back() == '/') return false;
  size_t component_start = 1;
  for (size_t i = 1; i <= path.size();) {
    if (i == path.size() || path[i] == '/') {
      const std::string_view component(path.data() + component_start,
                                       i - component_start);
      if (component.empty() || component == "." || component == "..") {
        return false;
      }
      component_start = ++i;
      continue;
    }
    if (IsForbidden(NextCodePoint(path, &i))) return false;
  }
  return true;
}

std::string ParentPath(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || path == "/") return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return path;
  return path.substr(slash + 1);
}

namespace internal {

bool IsReservedPath(std::string_view path) {
  constexpr std::string_view kZk = "/zookeeper";
  if (path.substr(0, kZk.size()) != kZk) return false;
  return path.size() == kZk.size() || path[kZk.size()] == '/';
}

int32_t WrapIncrement(int32_t value) {
  return static_cast<int32_t>(static_cast<uint32_t>(value) + 1u);
}

int32_t NextVersion(int32_t version) {
  const int32_t next = WrapIncrement(version);
  return next == -1 ? 0 : next;
}

int32_t SequenceCounter(const NodeStat& parent) {
  const int64_t creates =
      (int64_t{parent.cversion()} + int64_t{parent.num_children()}) / 2;
  return static_cast<int32_t>(static_cast<uint32_t>(creates));
}

std::string SequenceSuffix(int32_t counter) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010d", counter);
  return buf;
}

std::string ChildPath(std::string_view parent, std::string_view name) {
  std::string out;
  out.reserve(parent.size() + 1 + name.size());
  out.append(parent);
  if (parent != "/") out.push_back('/');
  out.append(name);
  return out;
}

}  // namespace internal
}  // namespace canopy::tree
