// ChildSet: the names of a znode's children, in name order.
//
// A name is a view into the child's own path, the key under which the tree
// holds it (DataTree's node map never moves an entry), so a name costs no
// copy; a node without children allocates nothing. The owner must erase a
// child's name before it destroys that child's key.
#ifndef CANOPY_SERVER_TREE_CHILD_SET_H_
#define CANOPY_SERVER_TREE_CHILD_SET_H_

#include <cstddef>
#include <memory>
#include <set>
#include <string_view>

namespace canopy::tree {

class ChildSet {
 public:
  using Names = std::set<std::string_view>;
  using const_iterator = Names::const_iterator;
  using const_reverse_iterator = Names::const_reverse_iterator;
  using value_type = std::string_view;
  using iterator = const_iterator;

  // name must outlive its membership (see above).
  void Insert(std::string_view name);
  void Erase(std::string_view name);

  size_t size() const { return names_ ? names_->size() : 0; }
  bool empty() const { return size() == 0; }
  const_iterator begin() const { return Get().begin(); }
  const_iterator end() const { return Get().end(); }
  const_reverse_iterator rbegin() const { return Get().rbegin(); }
  const_reverse_iterator rend() const { return Get().rend(); }

  // Same names (of two trees, say).
  bool operator==(const ChildSet& other) const { return Get() == other.Get(); }

 private:
  const Names& Get() const;

  std::unique_ptr<Names> names_;
};

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_CHILD_SET_H_
