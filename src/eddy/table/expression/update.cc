#include "eddy/table/expression/update.h"

#include <algorithm>

#include "eddy/table/expression/projection.h"
#include "eddy/table/expression/resolver.h"
#include "eddy/table/expression/syntax.h"

namespace eddy::table::expression {

namespace {

using internal::Resolver;
using internal::SyntaxAction;
using internal::SyntaxNode;
using internal::UpdateClause;

constexpr std::string_view kConditionFunctionNames[] = {"attribute_exists", "attribute_not_exists",
                                                        "attribute_type",   "begins_with",
                                                        "contains",         "size"};

Status CheckFunctionNames(const SyntaxNode& node, const Resolver& resolver) {
  if (node.kind == SyntaxNode::Kind::kCall && node.text != "if_not_exists" &&
      node.text != "list_append") {
    for (std::string_view name : kConditionFunctionNames) {
      if (node.text == name) {
        return resolver.Invalid("The function is not allowed in an update expression; function: " +
                                node.text);
      }
    }
    return resolver.Invalid("Invalid function name; function: " + node.text);
  }
  for (const SyntaxNode& child : node.children) {
    EDDY_RETURN_IF_ERROR(CheckFunctionNames(child, resolver));
  }
  return Status::Ok();
}

// DynamoDB's long type names in ADD/DELETE messages ("operator: ADD, operand type: STRING").
std::string_view LongTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "STRING";
    case ValueType::kNumber:
      return "NUMBER";
    case ValueType::kBinary:
      return "BINARY";
    case ValueType::kStringSet:
      return "STRING_SET";
    case ValueType::kNumberSet:
      return "NUMBER_SET";
    case ValueType::kBinarySet:
      return "BINARY_SET";
    case ValueType::kMap:
      return "MAP";
    case ValueType::kList:
      return "LIST";
    case ValueType::kNull:
      return "NULL";
    case ValueType::kBool:
      return "BOOLEAN";
  }
  return "UNKNOWN";
}

bool IsSet(ValueType type) {
  return type == ValueType::kStringSet || type == ValueType::kNumberSet ||
         type == ValueType::kBinarySet;
}

// Operand counts, if_not_exists' document path and literal operand types of one SET value.
Status CheckSetValue(const SyntaxNode& node, const Resolver& resolver) {
  if (node.kind == SyntaxNode::Kind::kCall) {
    if (node.children.size() != 2) {
      return resolver.Invalid(
          "Incorrect number of operands for operator or function; operator or function: " +
          node.text + ", number of operands: " + std::to_string(node.children.size()));
    }
    if (node.text == "if_not_exists" && node.children[0].kind != SyntaxNode::Kind::kPath) {
      return resolver.Invalid(
          "Operator or function requires a document path; operator or function: if_not_exists");
    }
    if (node.text == "list_append") {
      for (const SyntaxNode& argument : node.children) {
        std::optional<ValueType> type = resolver.StaticType(argument);
        if (type && *type != ValueType::kList) {
          return resolver.Invalid(internal::IncorrectOperandType("list_append", TypeName(*type)));
        }
      }
    }
  } else if (node.kind == SyntaxNode::Kind::kPlus || node.kind == SyntaxNode::Kind::kMinus) {
    const std::string_view op = node.kind == SyntaxNode::Kind::kPlus ? "+" : "-";
    for (const SyntaxNode& argument : node.children) {
      std::optional<ValueType> type = resolver.StaticType(argument);
      if (type && *type != ValueType::kNumber) {
        return resolver.Invalid(internal::IncorrectOperandType(op, TypeName(*type)));
      }
    }
  }
  for (const SyntaxNode& child : node.children)
    EDDY_RETURN_IF_ERROR(CheckSetValue(child, resolver));
  return Status::Ok();
}

UpdateValue BuildValue(const SyntaxNode& node, const Resolver& resolver) {
  UpdateValue value;
  switch (node.kind) {
    case SyntaxNode::Kind::kPath:
      value.kind = UpdateValue::Kind::kPath;
      value.path = resolver.ResolvePath(node.path);
      return value;
    case SyntaxNode::Kind::kValue:
      value.kind = UpdateValue::Kind::kValue;
      value.value = resolver.ResolveValue(node.text);
      return value;
    case SyntaxNode::Kind::kPlus:
      value.kind = UpdateValue::Kind::kPlus;
      break;
    case SyntaxNode::Kind::kMinus:
      value.kind = UpdateValue::Kind::kMinus;
      break;
    default:  // a call; the checks admitted only these two
      value.kind = node.text == "if_not_exists" ? UpdateValue::Kind::kIfNotExists
                                                : UpdateValue::Kind::kListAppend;
      break;
  }
  for (const SyntaxNode& child : node.children) value.args.push_back(BuildValue(child, resolver));
  return value;
}

UpdateAction::Kind KindOf(UpdateClause clause) {
  switch (clause) {
    case UpdateClause::kSet:
      return UpdateAction::Kind::kSet;
    case UpdateClause::kRemove:
      return UpdateAction::Kind::kRemove;
    case UpdateClause::kAdd:
      return UpdateAction::Kind::kAdd;
    case UpdateClause::kDelete:
      return UpdateAction::Kind::kDelete;
  }
  return UpdateAction::Kind::kSet;
}

}  // namespace

Result<UpdateExpression> UpdateExpression::Parse(std::string_view text,
                                                 const ExpressionInputs& inputs) {
  internal::Parser parser(text, ExpressionKind::kUpdate);
  EDDY_ASSIGN_OR_RETURN(internal::UpdateSyntax syntax, parser.ParseUpdate());
  const std::vector<SyntaxAction>& actions = syntax.actions;
  Resolver resolver(ExpressionKind::kUpdate, inputs);

  for (const SyntaxAction& action : actions) {
    if (action.clause == UpdateClause::kSet) {
      EDDY_RETURN_IF_ERROR(CheckFunctionNames(action.value, resolver));
    }
  }
  for (const SyntaxAction& action : actions) {
    EDDY_RETURN_IF_ERROR(resolver.CheckReserved(action.path));
    if (action.clause == UpdateClause::kSet) {
      EDDY_RETURN_IF_ERROR(resolver.CheckReserved(action.value));
    }
  }
  if (!syntax.repeated_section.empty()) {
    return resolver.Invalid("The \"" + syntax.repeated_section +
                            "\" section can only be used once in an update expression;");
  }
  for (const SyntaxAction& action : actions) {
    EDDY_RETURN_IF_ERROR(resolver.CheckDefined(action.path));
    if (action.clause != UpdateClause::kRemove) {
      EDDY_RETURN_IF_ERROR(resolver.CheckDefined(action.value));
    }
  }

  std::vector<DocumentPath> paths;
  paths.reserve(actions.size());
  for (const SyntaxAction& action : actions) paths.push_back(resolver.ResolvePath(action.path));
  EDDY_RETURN_IF_ERROR(internal::CheckPathsDisjoint(paths, resolver));

  for (const SyntaxAction& action : actions) {
    if (action.clause != UpdateClause::kAdd && action.clause != UpdateClause::kDelete) continue;
    const ValueType type = resolver.ResolveValue(action.value.text).type();
    const bool valid = action.clause == UpdateClause::kAdd
                           ? (type == ValueType::kNumber || IsSet(type))
                           : IsSet(type);
    if (!valid) {
      return resolver.Invalid(
          std::string("Incorrect operand type for operator or function; operator: ") +
          (action.clause == UpdateClause::kAdd ? "ADD" : "DELETE") +
          ", operand type: " + std::string(LongTypeName(type)));
    }
  }
  for (const SyntaxAction& action : actions) {
    if (action.clause == UpdateClause::kSet) {
      EDDY_RETURN_IF_ERROR(CheckSetValue(action.value, resolver));
    }
  }

  UpdateExpression expression;
  expression.actions_.reserve(actions.size());
  for (size_t i = 0; i < actions.size(); ++i) {
    UpdateAction action;
    action.kind = KindOf(actions[i].clause);
    action.path = std::move(paths[i]);
    if (action.kind == UpdateAction::Kind::kSet) {
      action.value = BuildValue(actions[i].value, resolver);
    } else if (action.kind != UpdateAction::Kind::kRemove) {
      action.operand = resolver.ResolveValue(actions[i].value.text);
    }
    expression.actions_.push_back(std::move(action));
  }
  return expression;
}

std::vector<std::string> UpdateExpression::ModifiedAttributes() const {
  std::vector<std::string> names;
  for (const UpdateAction& action : actions_) names.push_back(action.path[0].name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<DocumentPath> UpdateExpression::UpdatedPaths() const {
  std::vector<DocumentPath> paths;
  paths.reserve(actions_.size());
  for (const UpdateAction& action : actions_) paths.push_back(action.path);
  return paths;
}

Item UpdateExpression::UpdatedAttributes(const Item& item) const {
  return ProjectItem(item, UpdatedPaths());
}

Status UpdateExpression::CheckKeyAttributesUnchanged(std::string_view partition_key,
                                                     std::string_view sort_key) const {
  for (std::string_view key : {partition_key, sort_key}) {
    if (key.empty()) continue;
    for (const UpdateAction& action : actions_) {
      if (action.path[0].name == key) {
        return Status::InvalidArgument(
            "One or more parameter values were invalid: Cannot update "
            "attribute " +
            std::string(key) + ". This attribute is part of the key");
      }
    }
  }
  return Status::Ok();
}

}  // namespace eddy::table::expression
