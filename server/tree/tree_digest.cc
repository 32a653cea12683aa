// The running digest of a DataTree: a sum (mod 2^64) of one hash per node and
// one per session. A sum can take one item out and put its new version back
// in O(1), and it is the same whatever order the items were added in, so a
// tree built by applying txns and one loaded from a snapshot agree.
#include <string_view>

#include "server/tree/data_tree.h"

namespace canopy::tree {
namespace {

// A word-at-a-time hash over explicitly little-endian 64-bit words (the same
// on every member and every run, unlike std::hash): each word is xored in,
// multiplied by an odd constant and folded, and the result is finished with
// splitmix64's mixer so that sums of hashes of similar nodes do not cancel
// out. Eight bytes per step: the digest is on the write path and hashes
// every node of a snapshot being loaded.
class Hasher {
 public:
  void Bytes(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) Word(LoadLittleEndian(p, 8));
    if (n > 0) Word(LoadLittleEndian(p, n) ^ (uint64_t{n} << 59));
  }
  void U64(uint64_t v) { Word(v); }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Str(std::string_view s) {
    U64(s.size());
    Bytes(s);
  }
  uint64_t Finish() const {
    uint64_t z = hash_ + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  // Bytes p[0..n) (n <= 8) as a little-endian number.
  static uint64_t LoadLittleEndian(const unsigned char* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
    return v;
  }
  void Word(uint64_t w) {
    hash_ = (hash_ ^ w) * 0xff51afd7ed558ccdull;
    hash_ ^= hash_ >> 32;
  }

  uint64_t hash_ = 14695981039346656037ull;
};

uint64_t NodeHash(const std::string& path, const Node& node) {
  Hasher h;
  h.U64(1);  // kind: node
  h.Str(path);
  h.Str(node.data.view());
  const NodeStat& s = node.stat;
  for (int64_t v :
       {s.czxid(), s.mzxid(), s.ctime(), s.mtime(), int64_t{s.version()},
        int64_t{s.cversion()}, int64_t{s.aversion()}, s.ephemeral_owner(),
        int64_t{s.data_length()}, int64_t{s.num_children()}, s.pzxid()}) {
    h.I64(v);
  }
  const size_t acl_count = node.acl ? node.acl->size() : 0;
  h.U64(acl_count);
  for (size_t i = 0; i < acl_count; ++i) {
    const proto::Acl& a = (*node.acl)[i];
    h.U64(static_cast<uint32_t>(a.perms()));
    h.Str(a.id().scheme());
    h.Str(a.id().id());
  }
  h.U64(node.container() ? 1 : 0);
  h.I64(node.ttl_ms());
  return h.Finish();
}

uint64_t SessionHash(SessionId id, const SessionInfo& info) {
  Hasher h;
  h.U64(2);  // kind: session
  h.I64(id);
  h.I64(info.timeout_ms);
  h.Str(info.password);
  return h.Finish();
}

}  // namespace

void DataTree::DigestAdd(const std::string& path, const Node& node) {
  digest_ += NodeHash(path, node);
}

void DataTree::DigestRemove(const std::string& path, const Node& node) {
  digest_ -= NodeHash(path, node);
}

void DataTree::DigestAddSession(SessionId id, const SessionInfo& info) {
  digest_ += SessionHash(id, info);
}

void DataTree::DigestRemoveSession(SessionId id, const SessionInfo& info) {
  digest_ -= SessionHash(id, info);
}

uint64_t DataTree::RecomputeDigest() const {
  uint64_t sum = 0;
  for (const auto& [path, node] : nodes_) sum += NodeHash(path, node);
  for (const auto& [id, info] : sessions_) sum += SessionHash(id, info);
  return sum;
}

}  // namespace canopy::tree
