#pragma once

#include <string>
#include <utility>
#include <vector>

#include "eddy/table/model_types.h"
#include "eddy/table/expression/expression_inputs.h"

namespace eddy::table::expression::testing {

inline Number N(const char* text) { return *Number::Parse(text); }
inline AttributeValue Num(const char* text) { return AttributeValue::Num(N(text)); }
inline AttributeValue Str(std::string s) { return AttributeValue::String(std::move(s)); }
inline AttributeValue Bin(std::string b) { return AttributeValue::Binary(std::move(b)); }
inline AttributeValue Ss(std::vector<std::string> members) {
  return AttributeValue::StringSet(std::move(members));
}
inline AttributeValue Ns(std::vector<const char*> members) {
  std::vector<Number> numbers;
  for (const char* m : members) numbers.push_back(N(m));
  return AttributeValue::NumberSet(std::move(numbers));
}
inline AttributeValue Bs(std::vector<std::string> members) {
  return AttributeValue::BinarySet(std::move(members));
}
inline AttributeValue L(AttributeList elements) {
  return AttributeValue::List(std::move(elements));
}
inline AttributeValue M(AttributeMap members) { return AttributeValue::Map(std::move(members)); }
inline AttributeValue Bool(bool b) { return AttributeValue::Bool(b); }
inline AttributeValue Null() { return AttributeValue::Null(); }

// A request's placeholders, and the inputs a parse reads from them.
struct Request {
  AttributeNames names;
  AttributeValues values;
  PlaceholderUsage usage;

  ExpressionInputs Inputs() {
    return ExpressionInputs{names.empty() ? nullptr : &names, values.empty() ? nullptr : &values,
                            &usage};
  }
};

}  // namespace eddy::table::expression::testing
