#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eddy/table/model_types.h"

namespace eddy::table::expression {

// One step of a document path: a map member (or, first, a top-level attribute) by name, or a
// list element by index. Names are resolved: placeholders already replaced.
struct PathElement {
  static PathElement Name(std::string name) { return PathElement{false, std::move(name), 0}; }
  static PathElement Index(uint32_t index) { return PathElement{true, std::string(), index}; }

  bool is_index = false;
  std::string name;    // when !is_index
  uint32_t index = 0;  // when is_index

  friend bool operator==(const PathElement& a, const PathElement& b) {
    return a.is_index == b.is_index && (a.is_index ? a.index == b.index : a.name == b.name);
  }
  friend bool operator!=(const PathElement& a, const PathElement& b) { return !(a == b); }
};

// A document path such as `a.b[1][2].c`. Parsed paths always start with a name and have at
// most kMaxPathDepth elements.
using DocumentPath = std::vector<PathElement>;

// DynamoDB's rendering of a path in error messages: "[a, b, [1], c]" (names unescaped).
std::string FormatPath(const DocumentPath& path);

// The value `path` designates in `item`, or nullptr when some step is missing or crosses a
// value of the wrong type (a name on a non-map, an index on a non-list). Never allocates.
const AttributeValue* FindValue(const Item& item, const DocumentPath& path);

// How two paths of one expression relate (DynamoDB rejects both non-disjoint cases):
//  - kOverlap: one is a prefix of the other, or they are equal ("a" and "a.b");
//  - kConflict: they agree up to a step where one indexes a list and the other names a map
//    member ("a[1]" and "a.b"): the same value cannot be both;
//  - kDisjoint: otherwise.
enum class PathRelation { kDisjoint, kOverlap, kConflict };
PathRelation RelatePaths(const DocumentPath& a, const DocumentPath& b);

// A total order on paths (element by element; indexes numerically, before names), used to
// apply updates deterministically.
bool PathLess(const DocumentPath& a, const DocumentPath& b);

}  // namespace eddy::table::expression
