#include "eddy/table/expression/projection.h"

#include <algorithm>
#include <map>
#include <optional>

#include "eddy/table/expression/resolver.h"
#include "eddy/table/expression/syntax.h"

namespace eddy::table::expression {

namespace {

// The selected paths as a tree; `whole` marks a node whose entire value is selected.
struct Selection {
  bool whole = false;
  std::map<std::string, Selection, std::less<>> members;
  std::map<uint32_t, Selection> elements;
};

void AddPath(Selection* root, const DocumentPath& path) {
  Selection* node = root;
  for (const PathElement& step : path) {
    if (node->whole) return;  // an enclosing value is already selected whole
    node = step.is_index ? &node->elements[step.index] : &node->members[step.name];
  }
  node->whole = true;
  node->members.clear();
  node->elements.clear();
}

// Recursion depth is bounded by the paths' depth (at most kMaxPathDepth for parsed paths).
std::optional<AttributeValue> Project(const AttributeValue& value, const Selection& selection) {
  if (selection.whole) return value;
  if (value.type() == ValueType::kMap && !selection.members.empty()) {
    AttributeMap out;
    for (const auto& [name, child] : selection.members) {
      auto member = value.map().find(name);
      if (member == value.map().end()) continue;
      std::optional<AttributeValue> projected = Project(member->second, child);
      if (projected) out.emplace(name, std::move(*projected));
    }
    if (out.empty()) return std::nullopt;
    return AttributeValue::Map(std::move(out));
  }
  if (value.type() == ValueType::kList && !selection.elements.empty()) {
    AttributeList out;
    const AttributeList& list = value.list();
    for (const auto& [index, child] : selection.elements) {
      if (index >= list.size()) break;  // the map iterates indexes in ascending order
      std::optional<AttributeValue> projected = Project(list[index], child);
      if (projected) out.push_back(std::move(*projected));
    }
    if (out.empty()) return std::nullopt;
    return AttributeValue::List(std::move(out));
  }
  return std::nullopt;
}

}  // namespace

Item ProjectItem(const Item& item, const std::vector<DocumentPath>& paths) {
  Selection root;
  for (const DocumentPath& path : paths) {
    if (!path.empty() && !path[0].is_index) AddPath(&root, path);
  }
  Item out;
  for (const auto& [name, selection] : root.members) {
    auto attribute = item.find(name);
    if (attribute == item.end()) continue;
    std::optional<AttributeValue> projected = Project(attribute->second, selection);
    if (projected) out.emplace(name, std::move(*projected));
  }
  return out;
}

Result<ProjectionExpression> ProjectionExpression::Parse(std::string_view text,
                                                         const ExpressionInputs& inputs) {
  internal::Parser parser(text, ExpressionKind::kProjection);
  EDDY_ASSIGN_OR_RETURN(std::vector<internal::SyntaxPath> syntax, parser.ParseProjection());
  internal::Resolver resolver(ExpressionKind::kProjection, inputs);
  for (const internal::SyntaxPath& path : syntax)
    EDDY_RETURN_IF_ERROR(resolver.CheckReserved(path));
  for (const internal::SyntaxPath& path : syntax) EDDY_RETURN_IF_ERROR(resolver.CheckDefined(path));
  ProjectionExpression projection;
  projection.paths_.reserve(syntax.size());
  for (const internal::SyntaxPath& path : syntax) {
    projection.paths_.push_back(resolver.ResolvePath(path));
  }
  const std::vector<DocumentPath>& paths = projection.paths_;
  EDDY_RETURN_IF_ERROR(internal::CheckPathsDisjoint(paths, resolver));
  return projection;
}

Item ProjectionExpression::Apply(const Item& item) const { return ProjectItem(item, paths_); }

std::vector<std::string> ProjectionExpression::TopLevelAttributes() const {
  std::vector<std::string> names;
  for (const DocumentPath& path : paths_) names.push_back(path[0].name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace eddy::table::expression
