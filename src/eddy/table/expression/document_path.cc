#include "eddy/table/expression/document_path.h"

#include <algorithm>

namespace eddy::table::expression {

std::string FormatPath(const DocumentPath& path) {
  std::string out = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += ", ";
    if (path[i].is_index) {
      out += "[";
      out += std::to_string(path[i].index);
      out += "]";
    } else {
      out += path[i].name;
    }
  }
  out += "]";
  return out;
}

const AttributeValue* FindValue(const Item& item, const DocumentPath& path) {
  if (path.empty() || path[0].is_index) return nullptr;
  auto top = item.find(path[0].name);
  if (top == item.end()) return nullptr;
  const AttributeValue* value = &top->second;
  for (size_t i = 1; i < path.size(); ++i) {
    const PathElement& step = path[i];
    if (step.is_index) {
      if (value->type() != ValueType::kList) return nullptr;
      const AttributeList& list = value->list();
      if (step.index >= list.size()) return nullptr;
      value = &list[step.index];
    } else {
      if (value->type() != ValueType::kMap) return nullptr;
      const AttributeMap& map = value->map();
      auto member = map.find(step.name);
      if (member == map.end()) return nullptr;
      value = &member->second;
    }
  }
  return value;
}

PathRelation RelatePaths(const DocumentPath& a, const DocumentPath& b) {
  const size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    if (a[i] == b[i]) continue;
    return a[i].is_index != b[i].is_index ? PathRelation::kConflict : PathRelation::kDisjoint;
  }
  return PathRelation::kOverlap;
}

bool PathLess(const DocumentPath& a, const DocumentPath& b) {
  const size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    const PathElement& x = a[i];
    const PathElement& y = b[i];
    if (x.is_index != y.is_index) return x.is_index;
    if (x.is_index) {
      if (x.index != y.index) return x.index < y.index;
    } else if (x.name != y.name) {
      return x.name < y.name;
    }
  }
  return a.size() < b.size();
}

}  // namespace eddy::table::expression
