#include "server/tree/child_set.h"

#include <algorithm>

namespace canopy::tree {

void ChildSet::Insert(const char* name) {
  if (!names_) names_ = std::make_unique<Names>();
  names_->insert(name);
}

void ChildSet::Erase(const char* name) {
  if (!names_) return;
  names_->erase(name);
  if (names_->empty()) names_.reset();
}

bool ChildSet::operator==(const ChildSet& other) const {
  return size() == other.size() && std::equal(begin(), end(), other.begin());
}

const ChildSet::Names& ChildSet::Get() const {
  static const Names kNone;
  return names_ ? *names_ : kNone;
}

}  // namespace canopy::tree
