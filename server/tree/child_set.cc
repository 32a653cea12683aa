#include "server/tree/child_set.h"

namespace canopy::tree {

void ChildSet::Insert(std::string_view name) {
  if (!names_) names_ = std::make_unique<Names>();
  names_->insert(name);
}

void ChildSet::Erase(std::string_view name) {
  if (!names_) return;
  names_->erase(name);
  if (names_->empty()) names_.reset();
}

const ChildSet::Names& ChildSet::Get() const {
  static const Names kNone;
  return names_ ? *names_ : kNone;
}

}  // namespace canopy::tree
