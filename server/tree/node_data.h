// NodeData: a znode's value, an owned byte buffer that costs 16 bytes in the
// node (a std::string costs 32); an empty value allocates nothing.
#ifndef CANOPY_SERVER_TREE_NODE_DATA_H_
#define CANOPY_SERVER_TREE_NODE_DATA_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace canopy::tree {

class NodeData {
 public:
  NodeData() = default;
  explicit NodeData(std::string_view bytes) { Assign(bytes); }
  NodeData(NodeData&&) noexcept = default;
  NodeData& operator=(NodeData&&) noexcept = default;

  // Replaces the value with a copy of bytes (at most 4 GiB).
  void Assign(std::string_view bytes);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {bytes_.get(), size_}; }
  std::string str() const { return std::string(view()); }

  friend bool operator==(const NodeData& a, std::string_view b) {
    return a.view() == b;
  }
  friend bool operator!=(const NodeData& a, std::string_view b) {
    return !(a == b);
  }

 private:
  std::unique_ptr<char[]> bytes_;
  uint32_t size_ = 0;
};

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_NODE_DATA_H_
