#include "eddy/table/expression/condition.h"

#include "eddy/base/base64.h"
#include "eddy/table/expression/resolver.h"
#include "eddy/table/expression/syntax.h"

namespace eddy::table::expression {

std::string_view ComparatorText(Comparator comparator) {
  switch (comparator) {
    case Comparator::kEqual:
      return "=";
    case Comparator::kNotEqual:
      return "<>";
    case Comparator::kLess:
      return "<";
    case Comparator::kLessOrEqual:
      return "<=";
    case Comparator::kGreater:
      return ">";
    case Comparator::kGreaterOrEqual:
      return ">=";
  }
  return "?";
}

std::string_view FunctionName(Function function) {
  switch (function) {
    case Function::kAttributeExists:
      return "attribute_exists";
    case Function::kAttributeNotExists:
      return "attribute_not_exists";
    case Function::kAttributeType:
      return "attribute_type";
    case Function::kBeginsWith:
      return "begins_with";
    case Function::kContains:
      return "contains";
  }
  return "?";
}

namespace {

using internal::Resolver;
using internal::SyntaxNode;

struct FunctionInfo {
  std::string_view name;
  int arity;
  bool is_operand;  // size() is an operand; the others are conditions
};

constexpr FunctionInfo kConditionFunctions[] = {
    {"attribute_exists", 1, false}, {"attribute_not_exists", 1, false},
    {"attribute_type", 2, false},   {"begins_with", 2, false},
    {"contains", 2, false},         {"size", 1, true},
};

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& info : kConditionFunctions) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

// The operands of a comparison must be orderable when they are literal values.
bool IsScalarKeyType(ValueType type) {
  return type == ValueType::kString || type == ValueType::kNumber || type == ValueType::kBinary;
}

// -1, 0, 1; REQUIRES: a and b of the same scalar type (S, N or B).
int CompareScalars(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() == ValueType::kNumber) return Number::Compare(a.number(), b.number());
  const int c = a.bytes().compare(b.bytes());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// "{N:1}" as DynamoDB prints a value in BETWEEN messages.
std::string RenderBound(const AttributeValue& value) {
  std::string out = "AttributeValue: {";
  out += TypeName(value.type());
  out += ":";
  if (value.type() == ValueType::kNumber) {
    out += value.number().ToString();
  } else if (value.type() == ValueType::kBinary) {
    out += base64::Encode(value.bytes());  // as the request carried it: never raw bytes
  } else {
    out += value.bytes();
  }
  out += "}";
  return out;
}

// Pass: function names DynamoDB does not know, in text order.
Status CheckFunctionNames(const SyntaxNode& node, const Resolver& resolver) {
  if (node.kind == SyntaxNode::Kind::kCall && FindFunction(node.text) == nullptr) {
    if (node.text == "if_not_exists" || node.text == "list_append") {
      return resolver.Invalid("The function is not allowed in a condition expression; function: " +
                              node.text);
    }
    return resolver.Invalid("Invalid function name; function: " + node.text);
  }
  for (const SyntaxNode& child : node.children) {
    EDDY_RETURN_IF_ERROR(CheckFunctionNames(child, resolver));
  }
  return Status::Ok();
}

// Pass: size() where a condition is expected, or a condition function used as an operand.
Status CheckFunctionPlacement(const SyntaxNode& node, bool condition_position,
                              const Resolver& resolver) {
  switch (node.kind) {
    case SyntaxNode::Kind::kAnd:
    case SyntaxNode::Kind::kOr:
    case SyntaxNode::Kind::kNot:
      for (const SyntaxNode& child : node.children) {
        EDDY_RETURN_IF_ERROR(CheckFunctionPlacement(child, true, resolver));
      }
      return Status::Ok();
    case SyntaxNode::Kind::kCall: {
      const FunctionInfo* info = FindFunction(node.text);
      if (info != nullptr && info->is_operand == condition_position) {
        return resolver.Invalid(
            "The function is not allowed to be used this way in an expression; function: " +
            node.text);
      }
      break;
    }
    default:
      break;
  }
  for (const SyntaxNode& child : node.children) {
    EDDY_RETURN_IF_ERROR(CheckFunctionPlacement(child, false, resolver));
  }
  return Status::Ok();
}

// Operand counts of every call inside a leaf condition.
Status CheckArity(const SyntaxNode& node, const Resolver& resolver) {
  if (node.kind == SyntaxNode::Kind::kCall) {
    const FunctionInfo* info = FindFunction(node.text);
    if (info != nullptr && static_cast<size_t>(info->arity) != node.children.size()) {
      return resolver.Invalid(
          "Incorrect number of operands for operator or function; operator or function: " +
          node.text + ", number of operands: " + std::to_string(node.children.size()));
    }
  }
  if (node.kind == SyntaxNode::Kind::kIn &&
      node.children.size() - 1 > static_cast<size_t>(kMaxInOperands)) {
    return resolver.Invalid(
        "The IN operator is provided with too many operands; number of operands: " +
        std::to_string(node.children.size() - 1));
  }
  for (const SyntaxNode& child : node.children) EDDY_RETURN_IF_ERROR(CheckArity(child, resolver));
  return Status::Ok();
}

// `a = a`, `contains(a, #a)`: DynamoDB refuses a first operand equal to the second.
Status CheckDistinct(const SyntaxNode& leaf, const Resolver& resolver) {
  std::string op;
  if (leaf.kind == SyntaxNode::Kind::kCompare) {
    op = std::string(ComparatorText(leaf.comparator));
  } else if (leaf.kind == SyntaxNode::Kind::kCall && leaf.children.size() == 2) {
    op = leaf.text;
  } else {
    return Status::Ok();
  }
  const SyntaxNode& first = leaf.children[0];
  const SyntaxNode& second = leaf.children[1];
  if (first.kind != SyntaxNode::Kind::kPath || second.kind != SyntaxNode::Kind::kPath) {
    return Status::Ok();
  }
  const DocumentPath a = resolver.ResolvePath(first.path);
  if (a != resolver.ResolvePath(second.path)) return Status::Ok();
  return resolver.Invalid(
      "The first operand must be distinct from the remaining operands for this operator or "
      "function; operator: " +
      op + ", first operand: " + FormatPath(a));
}

// The operands of the functions inside a leaf (a document path where one is required, then
// types), innermost first: DynamoDB checks each function as it reduces it.
Status CheckFunctionOperands(const SyntaxNode& node, const Resolver& resolver) {
  for (const SyntaxNode& child : node.children) {
    EDDY_RETURN_IF_ERROR(CheckFunctionOperands(child, resolver));
  }
  if (node.kind != SyntaxNode::Kind::kCall) return Status::Ok();
  if (node.text == "attribute_exists" || node.text == "attribute_not_exists") {
    if (node.children[0].kind != SyntaxNode::Kind::kPath) {
      return resolver.Invalid(
          "Operator or function requires a document path; operator or function: " + node.text);
    }
  } else if (node.text == "begins_with") {
    for (const SyntaxNode& argument : node.children) {
      std::optional<ValueType> type = resolver.StaticType(argument);
      if (type && *type != ValueType::kString && *type != ValueType::kBinary) {
        return resolver.Invalid(internal::IncorrectOperandType("begins_with", TypeName(*type)));
      }
    }
  } else if (node.text == "size") {
    std::optional<ValueType> type = resolver.StaticType(node.children[0]);
    if (type &&
        (*type == ValueType::kNumber || *type == ValueType::kBool || *type == ValueType::kNull)) {
      return resolver.Invalid(internal::IncorrectOperandType("size", TypeName(*type)));
    }
  } else if (node.text == "attribute_type") {
    const SyntaxNode& type_operand = node.children[1];
    if (type_operand.kind != SyntaxNode::Kind::kValue) {
      std::optional<ValueType> type = resolver.StaticType(type_operand);
      return resolver.Invalid(internal::IncorrectOperandType(
          "attribute_type", type ? TypeName(*type) : "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"));
    }
    const AttributeValue& value = resolver.ResolveValue(type_operand.text);
    if (value.type() != ValueType::kString) {
      return resolver.Invalid(
          internal::IncorrectOperandType("attribute_type", TypeName(value.type())));
    }
    static constexpr std::string_view kTypes[] = {"S",  "N", "B", "SS",   "NS",
                                                  "BS", "M", "L", "NULL", "BOOL"};
    bool valid = false;
    for (std::string_view name : kTypes) valid = valid || value.bytes() == name;
    if (!valid) {
      return resolver.Invalid("Invalid attribute type name found; type: " + value.bytes() +
                              ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
    }
  }
  return Status::Ok();
}

// Ordering comparisons and BETWEEN: literal operands must be S, N or B, and BETWEEN's literal
// bounds must share a type and be in order.
Status CheckOrderingTypes(const SyntaxNode& leaf, const Resolver& resolver) {
  std::string op;
  if (leaf.kind == SyntaxNode::Kind::kBetween) {
    op = "BETWEEN";
  } else if (leaf.kind == SyntaxNode::Kind::kCompare && leaf.comparator != Comparator::kEqual &&
             leaf.comparator != Comparator::kNotEqual) {
    op = std::string(ComparatorText(leaf.comparator));
  } else {
    return Status::Ok();
  }
  for (const SyntaxNode& operand : leaf.children) {
    std::optional<ValueType> type = resolver.StaticType(operand);
    if (type && !IsScalarKeyType(*type)) {
      return resolver.Invalid(internal::IncorrectOperandType(op, TypeName(*type)));
    }
  }
  if (leaf.kind == SyntaxNode::Kind::kBetween &&
      leaf.children[1].kind == SyntaxNode::Kind::kValue &&
      leaf.children[2].kind == SyntaxNode::Kind::kValue) {
    const AttributeValue& lower = resolver.ResolveValue(leaf.children[1].text);
    const AttributeValue& upper = resolver.ResolveValue(leaf.children[2].text);
    if (lower.type() != upper.type()) {
      return resolver.Invalid(
          "The BETWEEN operator requires same data type for lower and upper bounds; lower bound "
          "operand: " +
          RenderBound(lower) + ", upper bound operand: " + RenderBound(upper));
    }
    if (CompareScalars(lower, upper) > 0) {
      return resolver.Invalid(
          "The BETWEEN operator requires upper bound to be greater than or equal to lower "
          "bound; lower bound operand: " +
          RenderBound(lower) + ", upper bound operand: " + RenderBound(upper));
    }
  }
  return Status::Ok();
}

// Pass: each leaf condition in text order; within one, the categories in DynamoDB's order.
Status CheckLeaves(const SyntaxNode& node, const Resolver& resolver) {
  if (node.kind == SyntaxNode::Kind::kAnd || node.kind == SyntaxNode::Kind::kOr ||
      node.kind == SyntaxNode::Kind::kNot) {
    for (const SyntaxNode& child : node.children)
      EDDY_RETURN_IF_ERROR(CheckLeaves(child, resolver));
    return Status::Ok();
  }
  EDDY_RETURN_IF_ERROR(resolver.CheckDefined(node));
  EDDY_RETURN_IF_ERROR(CheckArity(node, resolver));
  EDDY_RETURN_IF_ERROR(CheckDistinct(node, resolver));
  EDDY_RETURN_IF_ERROR(CheckFunctionOperands(node, resolver));
  return CheckOrderingTypes(node, resolver);
}

Operand BuildOperand(const SyntaxNode& node, const Resolver& resolver) {
  Operand operand;
  switch (node.kind) {
    case SyntaxNode::Kind::kPath:
      operand.kind = Operand::Kind::kPath;
      operand.path = resolver.ResolvePath(node.path);
      break;
    case SyntaxNode::Kind::kValue:
      operand.kind = Operand::Kind::kValue;
      operand.value = resolver.ResolveValue(node.text);
      break;
    default:  // size(x): the checks admitted no other call here
      operand.kind = Operand::Kind::kSize;
      operand.size_operand.push_back(BuildOperand(node.children[0], resolver));
      break;
  }
  return operand;
}

Function FunctionOf(std::string_view name) {
  if (name == "attribute_exists") return Function::kAttributeExists;
  if (name == "attribute_not_exists") return Function::kAttributeNotExists;
  if (name == "attribute_type") return Function::kAttributeType;
  if (name == "begins_with") return Function::kBeginsWith;
  return Function::kContains;
}

Condition BuildCondition(const SyntaxNode& node, const Resolver& resolver) {
  Condition condition;
  switch (node.kind) {
    case SyntaxNode::Kind::kAnd:
    case SyntaxNode::Kind::kOr:
    case SyntaxNode::Kind::kNot:
      condition.kind = node.kind == SyntaxNode::Kind::kAnd  ? Condition::Kind::kAnd
                       : node.kind == SyntaxNode::Kind::kOr ? Condition::Kind::kOr
                                                            : Condition::Kind::kNot;
      for (const SyntaxNode& child : node.children) {
        condition.children.push_back(BuildCondition(child, resolver));
      }
      return condition;
    case SyntaxNode::Kind::kCompare:
      condition.kind = Condition::Kind::kCompare;
      condition.comparator = node.comparator;
      break;
    case SyntaxNode::Kind::kBetween:
      condition.kind = Condition::Kind::kBetween;
      break;
    case SyntaxNode::Kind::kIn:
      condition.kind = Condition::Kind::kIn;
      break;
    default:  // a condition function
      condition.kind = Condition::Kind::kFunction;
      condition.function = FunctionOf(node.text);
      break;
  }
  for (const SyntaxNode& child : node.children) {
    condition.operands.push_back(BuildOperand(child, resolver));
  }
  return condition;
}

}  // namespace

Result<ConditionExpression> ConditionExpression::Parse(std::string_view text, ExpressionKind kind,
                                                       const ExpressionInputs& inputs) {
  internal::Parser parser(text, kind);
  EDDY_ASSIGN_OR_RETURN(internal::ConditionSyntax syntax, parser.ParseCondition());
  Resolver resolver(kind, inputs);
  if (syntax.redundant_parentheses) {
    return resolver.Invalid("The expression has redundant parentheses;");
  }
  EDDY_RETURN_IF_ERROR(CheckFunctionNames(syntax.root, resolver));
  EDDY_RETURN_IF_ERROR(CheckFunctionPlacement(syntax.root, true, resolver));
  EDDY_RETURN_IF_ERROR(resolver.CheckReserved(syntax.root));
  EDDY_RETURN_IF_ERROR(CheckLeaves(syntax.root, resolver));
  ConditionExpression expression;
  expression.kind_ = kind;
  expression.root_ = BuildCondition(syntax.root, resolver);
  return expression;
}

bool ConditionExpression::Evaluate(const Item& item) const {
  return EvaluateCondition(root_, item);
}

}  // namespace eddy::table::expression
