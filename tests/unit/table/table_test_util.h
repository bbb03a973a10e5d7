#pragma once

// Small builders shared by the table store's tests.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "eddy/table/model_types.h"
#include "eddy/table/table_store.h"

namespace eddy::table::testing {

inline AttributeValue S(std::string s) { return AttributeValue::String(std::move(s)); }
// REQUIRES: `s` is a valid number.
inline AttributeValue N(std::string_view s) {
  return AttributeValue::Num(Number::Parse(s).value());
}

// A write that makes the item `item`, whatever was there.
inline Mutation PutMutation(Item item) {
  return [item = std::move(item)](const std::optional<Item>&) -> Result<std::optional<Item>> {
    return std::optional<Item>(item);
  };
}
// A write that removes the item.
inline Mutation DeleteMutation() {
  return [](const std::optional<Item>&) -> Result<std::optional<Item>> {
    return std::optional<Item>();
  };
}

}  // namespace eddy::table::testing
