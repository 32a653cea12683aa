#include "server/tree/node_data.h"

#include <cstring>

namespace canopy::tree {

void NodeData::Assign(std::string_view bytes) {
  if (bytes.empty()) {
    bytes_.reset();
  } else {
    // make_unique<char[]> would zero the buffer first.
    bytes_.reset(new char[bytes.size()]);
    std::memcpy(bytes_.get(), bytes.data(), bytes.size());
  }
  size_ = static_cast<uint32_t>(bytes.size());
}

}  // namespace canopy::tree
