// Evaluation of conditions against an item. Follows "Comparison operator and function
// reference" (DynamoDB developer guide): comparisons of different types are false, `<` and
// friends order S by UTF-8 bytes, N numerically and B by unsigned bytes, and a missing
// attribute makes every comparison false except `<>`.

#include <algorithm>
#include <optional>
#include <string_view>

#include "eddy/table/expression/condition.h"

namespace eddy::table::expression {

namespace {

// An operand's value during evaluation: borrowed from the item or the expression, or computed
// (size()) into `scratch`. nullptr when the operand has no value (missing attribute, size()
// of a number).
const AttributeValue* EvaluateOperand(const Operand& operand, const Item& item,
                                      AttributeValue* scratch) {
  switch (operand.kind) {
    case Operand::Kind::kPath:
      return FindValue(item, operand.path);
    case Operand::Kind::kValue:
      return &operand.value;
    case Operand::Kind::kSize: {
      AttributeValue inner_scratch;
      const AttributeValue* inner = EvaluateOperand(operand.size_operand[0], item, &inner_scratch);
      if (inner == nullptr) return nullptr;
      std::optional<uint64_t> size = ValueSize(*inner);
      if (!size) return nullptr;
      Result<Number> number = Number::Parse(std::to_string(*size));
      if (!number.ok()) return nullptr;  // cannot happen: at most 20 digits
      *scratch = AttributeValue::Num(std::move(number).value());
      return scratch;
    }
  }
  return nullptr;
}

bool IsOrderable(ValueType type) {
  return type == ValueType::kString || type == ValueType::kNumber || type == ValueType::kBinary;
}

// -1, 0, 1, or nullopt when a and b cannot be ordered (different types, or not S/N/B).
std::optional<int> Order(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type() || !IsOrderable(a.type())) return std::nullopt;
  if (a.type() == ValueType::kNumber) return Number::Compare(a.number(), b.number());
  const int c = a.bytes().compare(b.bytes());  // char_traits<char> compares as unsigned char
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool Compare(Comparator comparator, const AttributeValue* a, const AttributeValue* b) {
  if (comparator == Comparator::kEqual) return a != nullptr && b != nullptr && *a == *b;
  if (comparator == Comparator::kNotEqual) return a == nullptr || b == nullptr || *a != *b;
  if (a == nullptr || b == nullptr) return false;
  std::optional<int> order = Order(*a, *b);
  if (!order) return false;
  switch (comparator) {
    case Comparator::kLess:
      return *order < 0;
    case Comparator::kLessOrEqual:
      return *order <= 0;
    case Comparator::kGreater:
      return *order > 0;
    case Comparator::kGreaterOrEqual:
      return *order >= 0;
    default:
      return false;
  }
}

bool BeginsWith(const AttributeValue* value, const AttributeValue* prefix) {
  if (value == nullptr || prefix == nullptr || value->type() != prefix->type()) return false;
  if (value->type() != ValueType::kString && value->type() != ValueType::kBinary) return false;
  return std::string_view(value->bytes()).substr(0, prefix->bytes().size()) == prefix->bytes();
}

bool Contains(const AttributeValue* haystack, const AttributeValue* needle) {
  if (haystack == nullptr || needle == nullptr) return false;
  switch (haystack->type()) {
    case ValueType::kString:
    case ValueType::kBinary:
      return needle->type() == haystack->type() &&
             haystack->bytes().find(needle->bytes()) != std::string::npos;
    case ValueType::kStringSet:
    case ValueType::kBinarySet: {
      const ValueType element =
          haystack->type() == ValueType::kStringSet ? ValueType::kString : ValueType::kBinary;
      if (needle->type() != element) return false;
      const auto& members = haystack->byte_members();
      return std::binary_search(members.begin(), members.end(), needle->bytes());
    }
    case ValueType::kNumberSet: {
      if (needle->type() != ValueType::kNumber) return false;
      const auto& members = haystack->number_members();
      return std::binary_search(members.begin(), members.end(), needle->number());
    }
    case ValueType::kList:
      for (const AttributeValue& element : haystack->list()) {
        if (element == *needle) return true;
      }
      return false;
    default:
      return false;
  }
}

bool EvaluateFunction(const Condition& condition, const Item& item) {
  AttributeValue scratch0;
  AttributeValue scratch1;
  const AttributeValue* first = EvaluateOperand(condition.operands[0], item, &scratch0);
  switch (condition.function) {
    case Function::kAttributeExists:
      return first != nullptr;
    case Function::kAttributeNotExists:
      return first == nullptr;
    default:
      break;
  }
  const AttributeValue* second = EvaluateOperand(condition.operands[1], item, &scratch1);
  switch (condition.function) {
    case Function::kAttributeType:
      return first != nullptr && second != nullptr && second->type() == ValueType::kString &&
             TypeName(first->type()) == second->bytes();
    case Function::kBeginsWith:
      return BeginsWith(first, second);
    case Function::kContains:
      return Contains(first, second);
    default:
      return false;
  }
}

}  // namespace

std::optional<uint64_t> ValueSize(const AttributeValue& value) {
  switch (value.type()) {
    case ValueType::kString: {
      // UTF-16 code units: one per code point, two for those beyond the BMP (4-byte UTF-8).
      uint64_t units = 0;
      for (char c : value.bytes()) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte & 0xC0) == 0x80) continue;  // continuation byte
        units += byte >= 0xF0 ? 2 : 1;
      }
      return units;
    }
    case ValueType::kBinary:
      return value.bytes().size();
    case ValueType::kStringSet:
    case ValueType::kBinarySet:
      return value.byte_members().size();
    case ValueType::kNumberSet:
      return value.number_members().size();
    case ValueType::kList:
      return value.list().size();
    case ValueType::kMap:
      return value.map().size();
    default:
      return std::nullopt;
  }
}

bool EvaluateCondition(const Condition& condition, const Item& item) {
  switch (condition.kind) {
    case Condition::Kind::kAnd:
      for (const Condition& child : condition.children) {
        if (!EvaluateCondition(child, item)) return false;
      }
      return true;
    case Condition::Kind::kOr:
      for (const Condition& child : condition.children) {
        if (EvaluateCondition(child, item)) return true;
      }
      return false;
    case Condition::Kind::kNot:
      return !EvaluateCondition(condition.children[0], item);
    case Condition::Kind::kCompare: {
      AttributeValue scratch0;
      AttributeValue scratch1;
      return Compare(condition.comparator, EvaluateOperand(condition.operands[0], item, &scratch0),
                     EvaluateOperand(condition.operands[1], item, &scratch1));
    }
    case Condition::Kind::kBetween: {
      AttributeValue scratch[3];
      const AttributeValue* value = EvaluateOperand(condition.operands[0], item, &scratch[0]);
      const AttributeValue* lower = EvaluateOperand(condition.operands[1], item, &scratch[1]);
      const AttributeValue* upper = EvaluateOperand(condition.operands[2], item, &scratch[2]);
      if (value == nullptr || lower == nullptr || upper == nullptr) return false;
      std::optional<int> above_lower = Order(*value, *lower);
      std::optional<int> below_upper = Order(*value, *upper);
      return above_lower && below_upper && *above_lower >= 0 && *below_upper <= 0;
    }
    case Condition::Kind::kIn: {
      AttributeValue scratch;
      const AttributeValue* value = EvaluateOperand(condition.operands[0], item, &scratch);
      if (value == nullptr) return false;
      for (size_t i = 1; i < condition.operands.size(); ++i) {
        AttributeValue candidate_scratch;
        const AttributeValue* candidate =
            EvaluateOperand(condition.operands[i], item, &candidate_scratch);
        if (candidate != nullptr && *candidate == *value) return true;
      }
      return false;
    }
    case Condition::Kind::kFunction:
      return EvaluateFunction(condition, item);
  }
  return false;
}

}  // namespace eddy::table::expression
