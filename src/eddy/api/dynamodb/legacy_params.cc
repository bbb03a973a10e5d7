#include "eddy/api/dynamodb/legacy_params.h"

#include <fmt/format.h>

#include <vector>

#include "eddy/api/dynamodb/write_spec.h"

namespace eddy::api::dynamodb {
namespace {

ApiError Invalid(std::string message) {
  return ApiError::Validation("One or more parameter values were invalid: " + std::move(message));
}

// Placeholders for one request.
class Placeholders {
 public:
  explicit Placeholders(LegacyExpressions* out) : out_(out) {}

  std::string Name(std::string_view attribute) {
    std::string placeholder = fmt::format("#l{}", out_->names.size());
    out_->names.emplace(placeholder, std::string(attribute));
    return placeholder;
  }
  std::string Value(model::AttributeValue value) {
    std::string placeholder = fmt::format(":l{}", out_->values.size());
    out_->values.emplace(placeholder, std::move(value));
    return placeholder;
  }

 private:
  LegacyExpressions* out_;
};

// AttributeValueList, decoded.
std::optional<ApiError> ReadValueList(JsonRequest& req, const rapidjson::Value& condition,
                                      std::vector<model::AttributeValue>* out) {
  const auto* list = req.Array(condition, "AttributeValueList");
  if (req.error()) return req.error();
  if (list == nullptr) return std::nullopt;
  for (const auto& v : list->GetArray()) {
    out->emplace_back();
    if (auto e = DecodeAttributeValue(v, &out->back())) return e;
  }
  return std::nullopt;
}

// One {ComparisonOperator, AttributeValueList} condition on `attribute` as expression text.
std::variant<std::string, ApiError> Comparison(std::string_view op,
                                               std::vector<model::AttributeValue> values,
                                               const std::string& name, Placeholders& p,
                                               bool key_condition) {
  auto arguments = [&](size_t n) -> std::optional<ApiError> {
    if (values.size() != n) {
      return Invalid("Invalid number of argument(s) for the " + std::string(op) +
                     " ComparisonOperator");
    }
    return std::nullopt;
  };
  static const std::map<std::string_view, std::string_view> kBinary = {
      {"EQ", "="}, {"NE", "<>"}, {"LT", "<"}, {"LE", "<="}, {"GT", ">"}, {"GE", ">="}};
  if (auto it = kBinary.find(op); it != kBinary.end()) {
    if (key_condition && op == "NE") return Invalid("Unsupported operator on KeySchema: NE");
    if (auto e = arguments(1)) return *e;
    return name + " " + std::string(it->second) + " " + p.Value(std::move(values[0]));
  }
  if (op == "BETWEEN") {
    if (auto e = arguments(2)) return *e;
    return name + " BETWEEN " + p.Value(std::move(values[0])) + " AND " +
           p.Value(std::move(values[1]));
  }
  if (op == "BEGINS_WITH") {
    if (auto e = arguments(1)) return *e;
    return "begins_with(" + name + ", " + p.Value(std::move(values[0])) + ")";
  }
  if (key_condition) return Invalid("Unsupported operator on KeySchema: " + std::string(op));
  if (op == "NULL" || op == "NOT_NULL") {
    if (auto e = arguments(0)) return *e;
    return std::string(op == "NULL" ? "attribute_not_exists(" : "attribute_exists(") + name + ")";
  }
  if (op == "CONTAINS" || op == "NOT_CONTAINS") {
    if (auto e = arguments(1)) return *e;
    return std::string(op == "NOT_CONTAINS" ? "NOT " : "") + "contains(" + name + ", " +
           p.Value(std::move(values[0])) + ")";
  }
  if (op == "IN") {
    if (values.empty()) return *arguments(1);
    std::string text = name + " IN (";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) text += ", ";
      text += p.Value(std::move(values[i]));
    }
    return text + ")";
  }
  return BadEnum(op, "comparisonOperator",
                 "IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, "
                 "CONTAINS");
}

// Expected: {attr: {Value, Exists}} or {attr: {ComparisonOperator, AttributeValueList}}.
std::variant<std::string, ApiError> ExpectedText(JsonRequest& req, const rapidjson::Value& map,
                                                 std::string_view joiner, Placeholders& p) {
  std::string text;
  for (const auto& m : map.GetObject()) {
    const std::string attribute(m.name.GetString(), m.name.GetStringLength());
    if (!m.value.IsObject()) return ApiError::Serialization("Unexpected value type in payload");
    const auto* value_json = req.Object(m.value, "Value");
    auto exists = req.Bool(m.value, "Exists");
    auto op = req.String(m.value, "ComparisonOperator");
    if (req.error()) return *req.error();
    std::vector<model::AttributeValue> values;
    if (auto e = ReadValueList(req, m.value, &values)) return *e;
    std::string part;
    const std::string name = p.Name(attribute);
    if (op) {
      if (value_json != nullptr || exists) {
        return Invalid("Value or Exists cannot be used with ComparisonOperator for Attribute: " +
                       attribute);
      }
      auto c = Comparison(*op, std::move(values), name, p, false);
      if (auto* e = std::get_if<ApiError>(&c)) return *e;
      part = std::get<std::string>(c);
    } else if (exists && !*exists) {
      if (value_json != nullptr) {
        return Invalid("Value cannot be used when Exists is false for Attribute: " + attribute);
      }
      part = "attribute_not_exists(" + name + ")";
    } else {
      if (value_json == nullptr) {
        return Invalid("Value must be provided when Exists is true for Attribute: " + attribute);
      }
      model::AttributeValue v;
      if (auto e = DecodeAttributeValue(*value_json, &v)) return *e;
      part = name + " = " + p.Value(std::move(v));
    }
    if (!text.empty()) text += joiner;
    text += "(" + part + ")";
  }
  return text;
}

// QueryFilter / ScanFilter / KeyConditions: {attr: {ComparisonOperator, AttributeValueList}},
// joined by `joiner` (key conditions unparenthesized, as a key condition must be written).
std::variant<std::string, ApiError> ConditionsText(JsonRequest& req, const rapidjson::Value& map,
                                                   std::string_view joiner, Placeholders& p,
                                                   bool key_condition) {
  std::string text;
  for (const auto& m : map.GetObject()) {
    if (!m.value.IsObject()) return ApiError::Serialization("Unexpected value type in payload");
    auto op = req.String(m.value, "ComparisonOperator");
    if (req.error()) return *req.error();
    if (!op) return NotNull("comparisonOperator");
    std::vector<model::AttributeValue> values;
    if (auto e = ReadValueList(req, m.value, &values)) return *e;
    auto c = Comparison(*op, std::move(values),
                        p.Name(std::string_view(m.name.GetString(), m.name.GetStringLength())), p,
                        key_condition);
    if (auto* e = std::get_if<ApiError>(&c)) return *e;
    if (!text.empty()) text += joiner;
    text += key_condition ? std::get<std::string>(c) : "(" + std::get<std::string>(c) + ")";
  }
  return text;
}

}  // namespace

std::optional<ApiError> ReadLegacyParameters(JsonRequest& req, const rapidjson::Value& obj,
                                             LegacyExpressions* out) {
  static constexpr const char* kLegacy[] = {
      "Expected",    "AttributeUpdates", "AttributesToGet",    "KeyConditions",
      "QueryFilter", "ScanFilter",       "ConditionalOperator"};
  static constexpr const char* kExpression[] = {
      "ConditionExpression",      "UpdateExpression", "ProjectionExpression",
      "KeyConditionExpression",   "FilterExpression", "ExpressionAttributeNames",
      "ExpressionAttributeValues"};
  auto present = [&](const char* member) { return obj.HasMember(member) && !obj[member].IsNull(); };
  std::vector<std::string> legacy, expression;
  for (const char* m : kLegacy) {
    if (present(m)) legacy.emplace_back(m);
  }
  if (legacy.empty()) return std::nullopt;
  for (const char* m : kExpression) {
    if (present(m)) expression.emplace_back(m);
  }
  if (!expression.empty()) {
    return ApiError::Validation(fmt::format(
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
        fmt::join(legacy, ", "), fmt::join(expression, ", ")));
  }
  Placeholders p(out);
  auto joiner = req.String(obj, "ConditionalOperator");
  if (req.error()) return req.error();
  if (joiner && *joiner != "AND" && *joiner != "OR") {
    return BadEnum(*joiner, "conditionalOperator", "OR, AND");
  }
  const std::string join = joiner && *joiner == "OR" ? " OR " : " AND ";

  if (const auto* expected = req.Object(obj, "Expected")) {
    auto text = ExpectedText(req, *expected, join, p);
    if (auto* e = std::get_if<ApiError>(&text)) return *e;
    if (!std::get<std::string>(text).empty()) out->condition = std::get<std::string>(text);
  }
  for (const char* filter_member : {"QueryFilter", "ScanFilter"}) {
    if (const auto* filter = req.Object(obj, filter_member)) {
      auto text = ConditionsText(req, *filter, join, p, false);
      if (auto* e = std::get_if<ApiError>(&text)) return *e;
      if (!std::get<std::string>(text).empty()) out->filter = std::get<std::string>(text);
    }
  }
  if (const auto* conditions = req.Object(obj, "KeyConditions")) {
    auto text = ConditionsText(req, *conditions, " AND ", p, true);
    if (auto* e = std::get_if<ApiError>(&text)) return *e;
    if (!std::get<std::string>(text).empty()) out->key_condition = std::get<std::string>(text);
  }
  if (const auto* updates = req.Object(obj, "AttributeUpdates")) {
    std::vector<std::string> set, remove, add, del;
    for (const auto& m : updates->GetObject()) {
      if (!m.value.IsObject()) return ApiError::Serialization("Unexpected value type in payload");
      const std::string attribute(m.name.GetString(), m.name.GetStringLength());
      auto action = req.String(m.value, "Action");
      const auto* value_json = req.Object(m.value, "Value");
      if (req.error()) return req.error();
      const std::string_view act = action ? *action : "PUT";
      std::optional<model::AttributeValue> value;
      if (value_json != nullptr) {
        value.emplace();
        if (auto e = DecodeAttributeValue(*value_json, &*value)) return e;
      }
      const std::string name = p.Name(attribute);
      if (act == "PUT") {
        if (!value) {
          return Invalid("Only DELETE action is allowed when no attribute value is specified");
        }
        set.push_back(name + " = " + p.Value(std::move(*value)));
      } else if (act == "DELETE") {
        if (value) {
          del.push_back(name + " " + p.Value(std::move(*value)));
        } else {
          remove.push_back(name);
        }
      } else if (act == "ADD") {
        if (!value) {
          return Invalid("Only DELETE action is allowed when no attribute value is specified");
        }
        if (value->type() == model::ValueType::kList) {
          // ADD of a list appends to it (creating it when missing).
          const std::string empty = p.Value(model::AttributeValue::List({}));
          set.push_back(name + " = list_append(if_not_exists(" + name + ", " + empty + "), " +
                        p.Value(std::move(*value)) + ")");
        } else {
          add.push_back(name + " " + p.Value(std::move(*value)));
        }
      } else {
        return BadEnum(act, "attributeUpdates." + attribute + ".member.action", "ADD, PUT, DELETE");
      }
    }
    std::string text;
    auto clause = [&](std::string_view keyword, const std::vector<std::string>& actions) {
      if (actions.empty()) return;
      if (!text.empty()) text += ' ';
      text += fmt::format("{} {}", keyword, fmt::join(actions, ", "));
    };
    clause("SET", set);
    clause("REMOVE", remove);
    clause("ADD", add);
    clause("DELETE", del);
    if (!text.empty()) out->update = text;
  }
  if (const auto* attributes = req.Array(obj, "AttributesToGet")) {
    std::string text;
    for (const auto& a : attributes->GetArray()) {
      if (!a.IsString()) return ApiError::Serialization("Unexpected value type in payload");
      if (!text.empty()) text += ", ";
      text += p.Name(std::string_view(a.GetString(), a.GetStringLength()));
    }
    if (text.empty()) {
      return ApiError::Validation(
          "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy "
          "constraint: Member must have length greater than or equal to 1");
    }
    out->projection = text;
  }
  if (req.error()) return req.error();
  return std::nullopt;
}

}  // namespace eddy::api::dynamodb
