#pragma once

// The value types of model/ under the names table/ has always used: the tables and their
// expressions are written in terms of `AttributeValue`, `Item` and `Number`, which model/ owns
// (shared with client/), so these are the same types, not copies.

#include "eddy/model/attribute_value.h"
#include "eddy/model/number.h"

namespace eddy::table {

using model::AttributeList;
using model::AttributeMap;
using model::AttributeValue;
using model::DecodeItem;
using model::EncodeItem;
using model::Item;
using model::ItemSizeBytes;
using model::Number;
using model::TypeName;
using model::ValueType;

}  // namespace eddy::table
