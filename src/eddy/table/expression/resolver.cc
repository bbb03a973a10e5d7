#include "eddy/table/expression/resolver.h"

#include "eddy/base/check.h"
#include "eddy/table/expression/reserved_words.h"

namespace eddy::table::expression::internal {

Status Resolver::CheckReserved(const SyntaxPath& path) const {
  for (const SyntaxPathElement& element : path) {
    if (element.kind == SyntaxPathElement::Kind::kName && IsReservedWord(element.text)) {
      return Invalid("Attribute name is a reserved keyword; reserved keyword: " + element.text);
    }
  }
  return Status::Ok();
}

Status Resolver::CheckReserved(const SyntaxNode& node) const {
  if (node.kind == SyntaxNode::Kind::kPath) return CheckReserved(node.path);
  for (const SyntaxNode& child : node.children) EDDY_RETURN_IF_ERROR(CheckReserved(child));
  return Status::Ok();
}

Status Resolver::CheckDefined(const SyntaxPath& path) const {
  for (const SyntaxPathElement& element : path) {
    if (element.kind != SyntaxPathElement::Kind::kPlaceholder) continue;
    if (inputs_.names == nullptr || inputs_.names->find(element.text) == inputs_.names->end()) {
      return Invalid(
          "An expression attribute name used in the document path is not defined; attribute "
          "name: " +
          element.text);
    }
  }
  return Status::Ok();
}

Status Resolver::CheckDefined(const SyntaxNode& node) const {
  if (node.kind == SyntaxNode::Kind::kPath) return CheckDefined(node.path);
  if (node.kind == SyntaxNode::Kind::kValue) {
    if (inputs_.values == nullptr || inputs_.values->find(node.text) == inputs_.values->end()) {
      return Invalid(
          "An expression attribute value used in expression is not defined; attribute value: " +
          node.text);
    }
    return Status::Ok();
  }
  for (const SyntaxNode& child : node.children) EDDY_RETURN_IF_ERROR(CheckDefined(child));
  return Status::Ok();
}

DocumentPath Resolver::ResolvePath(const SyntaxPath& path) const {
  DocumentPath resolved;
  resolved.reserve(path.size());
  for (const SyntaxPathElement& element : path) {
    switch (element.kind) {
      case SyntaxPathElement::Kind::kName:
        resolved.push_back(PathElement::Name(element.text));
        break;
      case SyntaxPathElement::Kind::kPlaceholder: {
        EDDY_CHECK(inputs_.names != nullptr);
        auto it = inputs_.names->find(element.text);
        EDDY_CHECK(it != inputs_.names->end());
        if (inputs_.usage != nullptr) inputs_.usage->UseName(element.text);
        resolved.push_back(PathElement::Name(it->second));
        break;
      }
      case SyntaxPathElement::Kind::kIndex:
        resolved.push_back(PathElement::Index(element.index));
        break;
    }
  }
  return resolved;
}

const AttributeValue& Resolver::ResolveValue(const std::string& placeholder) const {
  EDDY_CHECK(inputs_.values != nullptr);
  auto it = inputs_.values->find(placeholder);
  EDDY_CHECK(it != inputs_.values->end());
  if (inputs_.usage != nullptr) inputs_.usage->UseValue(placeholder);
  return it->second;
}

std::optional<ValueType> Resolver::StaticType(const SyntaxNode& node) const {
  switch (node.kind) {
    case SyntaxNode::Kind::kValue:
      if (inputs_.values != nullptr) {
        auto it = inputs_.values->find(node.text);
        if (it != inputs_.values->end()) return it->second.type();
      }
      return std::nullopt;
    case SyntaxNode::Kind::kCall:
      if (node.text == "size") return ValueType::kNumber;
      if (node.text == "list_append") return ValueType::kList;
      return std::nullopt;
    case SyntaxNode::Kind::kPlus:
    case SyntaxNode::Kind::kMinus:
      return ValueType::kNumber;
    default:
      return std::nullopt;
  }
}

Status CheckPathsDisjoint(const std::vector<DocumentPath>& paths, const Resolver& resolver) {
  // All overlaps before any conflict: dynalite's suite, run against DynamoDB, shows an overlap
  // reported although a conflicting pair comes first in the text.
  for (PathRelation wanted : {PathRelation::kOverlap, PathRelation::kConflict}) {
    for (size_t i = 0; i < paths.size(); ++i) {
      for (size_t j = i + 1; j < paths.size(); ++j) {
        if (RelatePaths(paths[i], paths[j]) != wanted) continue;
        return resolver.Invalid(
            std::string(wanted == PathRelation::kOverlap ? "Two document paths overlap"
                                                         : "Two document paths conflict") +
            " with each other; must remove or rewrite one of these paths; path one: " +
            FormatPath(paths[i]) + ", path two: " + FormatPath(paths[j]));
      }
    }
  }
  return Status::Ok();
}

std::string IncorrectOperandType(std::string_view op, std::string_view type) {
  std::string detail = "Incorrect operand type for operator or function; operator or function: ";
  detail += op;
  detail += ", operand type: ";
  detail += type;
  return detail;
}

}  // namespace eddy::table::expression::internal
