// ChildSet: the names of a znode's children, in name order.
//
// A name is a pointer into the child's own path, the key under which the tree
// holds it (DataTree's node map never moves an entry, and valid paths hold no
// NUL, so the name ends where the key does): a name costs one pointer and no
// copy, and a node without children allocates nothing. The owner must erase
// a child's name before it destroys that child's key.
#ifndef CANOPY_SERVER_TREE_CHILD_SET_H_
#define CANOPY_SERVER_TREE_CHILD_SET_H_

#include <cstddef>
#include <cstring>
#include <iterator>
#include <memory>
#include <set>
#include <string_view>

namespace canopy::tree {

class ChildSet {
  struct ByName {
    bool operator()(const char* a, const char* b) const {
      return std::strcmp(a, b) < 0;
    }
  };
  using Names = std::set<const char*, ByName>;

 public:
  // Walks the names as string_views.
  class const_iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;

    const_iterator() = default;
    explicit const_iterator(Names::const_iterator it) : it_(it) {}
    std::string_view operator*() const { return *it_; }
    const_iterator& operator++() { ++it_; return *this; }
    const_iterator operator++(int) { auto old = *this; ++it_; return old; }
    const_iterator& operator--() { --it_; return *this; }
    const_iterator operator--(int) { auto old = *this; --it_; return old; }
    bool operator==(const const_iterator& o) const { return it_ == o.it_; }
    bool operator!=(const const_iterator& o) const { return it_ != o.it_; }

   private:
    Names::const_iterator it_;
  };
  using iterator = const_iterator;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;
  using value_type = std::string_view;

  // name must be NUL-terminated and outlive its membership (see above).
  void Insert(const char* name);
  void Erase(const char* name);

  size_t size() const { return names_ ? names_->size() : 0; }
  bool empty() const { return size() == 0; }
  const_iterator begin() const { return const_iterator(Get().begin()); }
  const_iterator end() const { return const_iterator(Get().end()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  // Same names (of two trees, say).
  bool operator==(const ChildSet& other) const;

 private:
  const Names& Get() const;

  std::unique_ptr<Names> names_;
};

}  // namespace canopy::tree

#endif  // CANOPY_SERVER_TREE_CHILD_SET_H_
