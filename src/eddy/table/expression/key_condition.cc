// KeyConditionExpression analysis. The structural messages and their order follow
// dynalite's query suite (written against DynamoDB); the schema messages follow moto's tests
// and users' reports of DynamoDB's answers.

#include "eddy/table/expression/key_condition.h"

#include <string_view>
#include <vector>

namespace eddy::table::expression {

namespace {

struct KeyTerm {
  std::string attribute;
  SortKeyOperator op = SortKeyOperator::kEqual;
  std::vector<const AttributeValue*> values;
};

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

Status InvalidOperator(std::string_view op) {
  return Invalid("Invalid operator used in KeyConditionExpression: " + std::string(op));
}

SortKeyOperator OperatorOf(Comparator comparator, bool key_on_right) {
  switch (comparator) {
    case Comparator::kLess:
      return key_on_right ? SortKeyOperator::kGreater : SortKeyOperator::kLess;
    case Comparator::kLessOrEqual:
      return key_on_right ? SortKeyOperator::kGreaterOrEqual : SortKeyOperator::kLessOrEqual;
    case Comparator::kGreater:
      return key_on_right ? SortKeyOperator::kLess : SortKeyOperator::kGreater;
    case Comparator::kGreaterOrEqual:
      return key_on_right ? SortKeyOperator::kLessOrEqual : SortKeyOperator::kGreaterOrEqual;
    default:
      return SortKeyOperator::kEqual;
  }
}

Status CollectTerms(const Condition& condition, std::vector<KeyTerm>* terms) {
  switch (condition.kind) {
    case Condition::Kind::kOr:
      return InvalidOperator("OR");
    case Condition::Kind::kNot:
      return InvalidOperator("NOT");
    case Condition::Kind::kIn:
      return InvalidOperator("IN");
    case Condition::Kind::kAnd:
      for (const Condition& child : condition.children) {
        EDDY_RETURN_IF_ERROR(CollectTerms(child, terms));
      }
      return Status::Ok();
    case Condition::Kind::kCompare:
      if (condition.comparator == Comparator::kNotEqual) return InvalidOperator("<>");
      break;
    case Condition::Kind::kFunction:
      if (condition.function != Function::kBeginsWith) {
        return InvalidOperator(FunctionName(condition.function));
      }
      break;
    case Condition::Kind::kBetween:
      break;
  }

  const bool between = condition.kind == Condition::Kind::kBetween;
  if ((between || condition.kind == Condition::Kind::kFunction) &&
      condition.operands[0].kind != Operand::Kind::kPath) {
    return Invalid(std::string("Invalid condition in KeyConditionExpression: ") +
                   (between ? "BETWEEN" : "begins_with") +
                   " operator must have the key attribute as its first operand");
  }
  KeyTerm term;
  size_t key_position = 0;
  bool has_key = false;
  for (size_t i = 0; i < condition.operands.size(); ++i) {
    const Operand& operand = condition.operands[i];
    switch (operand.kind) {
      case Operand::Kind::kPath:
        if (has_key) {
          return Invalid(
              "Invalid condition in KeyConditionExpression: Multiple attribute names used in one "
              "condition");
        }
        if (operand.path.size() > 1) {
          return Invalid("KeyConditionExpressions cannot have conditions on nested attributes");
        }
        has_key = true;
        key_position = i;
        term.attribute = operand.path[0].name;
        break;
      case Operand::Kind::kSize:
        return Invalid("KeyConditionExpressions cannot contain nested operations");
      case Operand::Kind::kValue:
        term.values.push_back(&operand.value);
        break;
    }
  }
  if (!has_key) {
    return Invalid("Invalid condition in KeyConditionExpression: No key attribute specified");
  }
  for (const KeyTerm& other : *terms) {
    if (other.attribute == term.attribute) {
      return Invalid("KeyConditionExpressions must only contain one condition per key");
    }
  }
  if (between) {
    term.op = SortKeyOperator::kBetween;
  } else if (condition.kind == Condition::Kind::kFunction) {
    term.op = SortKeyOperator::kBeginsWith;
  } else {
    term.op = OperatorOf(condition.comparator, key_position == 1);
  }
  terms->push_back(std::move(term));
  return Status::Ok();
}

std::optional<int> Order(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type()) return std::nullopt;
  if (a.type() == ValueType::kNumber) return Number::Compare(a.number(), b.number());
  if (a.type() != ValueType::kString && a.type() != ValueType::kBinary) return std::nullopt;
  const int c = a.bytes().compare(b.bytes());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

bool SortKeyCondition::Matches(const AttributeValue& sort_key_value) const {
  if (op == SortKeyOperator::kBeginsWith) {
    if (sort_key_value.type() != value.type() ||
        (value.type() != ValueType::kString && value.type() != ValueType::kBinary)) {
      return false;
    }
    return std::string_view(sort_key_value.bytes()).substr(0, value.bytes().size()) ==
           value.bytes();
  }
  std::optional<int> order = Order(sort_key_value, value);
  if (!order) return false;
  switch (op) {
    case SortKeyOperator::kEqual:
      return *order == 0;
    case SortKeyOperator::kLess:
      return *order < 0;
    case SortKeyOperator::kLessOrEqual:
      return *order <= 0;
    case SortKeyOperator::kGreater:
      return *order > 0;
    case SortKeyOperator::kGreaterOrEqual:
      return *order >= 0;
    case SortKeyOperator::kBetween: {
      std::optional<int> upper_order = Order(sort_key_value, upper);
      return *order >= 0 && upper_order && *upper_order <= 0;
    }
    case SortKeyOperator::kBeginsWith:
      break;
  }
  return false;
}

Result<KeyCondition> AnalyzeKeyCondition(const Condition& condition, const KeySchema& schema) {
  std::vector<KeyTerm> terms;
  EDDY_RETURN_IF_ERROR(CollectTerms(condition, &terms));

  const bool has_sort_key = !schema.sort_key.empty();
  if (terms.size() > (has_sort_key ? 2u : 1u)) return Invalid("Query key condition not supported");
  const KeyTerm* partition = nullptr;
  const KeyTerm* sort = nullptr;
  for (const KeyTerm& term : terms) {
    if (term.attribute == schema.partition_key) partition = &term;
    if (has_sort_key && term.attribute == schema.sort_key) sort = &term;
  }
  if (partition == nullptr) {
    return Invalid("Query condition missed key schema element: " + schema.partition_key);
  }
  if (terms.size() == 2 && sort == nullptr) {
    return Invalid("Query condition missed key schema element: " + schema.sort_key);
  }
  for (const KeyTerm* term : {partition, sort}) {
    if (term == nullptr) continue;
    const ValueType key_type = term == partition ? schema.partition_key_type : schema.sort_key_type;
    for (const AttributeValue* value : term->values) {
      if (value->type() != key_type) {
        return Invalid(
            "One or more parameter values were invalid: Condition parameter type does not match "
            "schema type");
      }
    }
  }
  if (partition->op != SortKeyOperator::kEqual) return Invalid("Query key condition not supported");
  const AttributeValue& partition_value = *partition->values[0];
  if ((partition_value.type() == ValueType::kString ||
       partition_value.type() == ValueType::kBinary) &&
      partition_value.bytes().empty()) {
    return Invalid(std::string("One or more parameter values are not valid. The AttributeValue "
                               "for a key attribute cannot contain an empty ") +
                   (partition_value.type() == ValueType::kString ? "string" : "binary") +
                   " value. Key: " + schema.partition_key);
  }

  KeyCondition result;
  result.partition_value = partition_value;
  if (sort != nullptr) {
    SortKeyCondition sort_condition;
    sort_condition.op = sort->op;
    sort_condition.value = *sort->values[0];
    if (sort->op == SortKeyOperator::kBetween) sort_condition.upper = *sort->values[1];
    result.sort = std::move(sort_condition);
  }
  return result;
}

}  // namespace eddy::table::expression
