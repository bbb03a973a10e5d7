#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/base/result.h"
#include "eddy/table/model_types.h"

namespace eddy::table {

// Order-preserving, self-delimiting encodings of key attributes, so that an item's storage key
// (table, partition key, sort key) sorts in RocksDB exactly as DynamoDB orders items in a
// Query: S by UTF-8 bytes, B by unsigned bytes, N numerically.
//
//   S, B: every byte copied, 0x00 written as 0x00 0xFF, then the terminator 0x00 0x01
//         (so "a" < "a\0" < "ab" byte for byte, and a prefix's encoding without its
//         terminator is a prefix of every longer value's encoding: begins_with is a range);
//   N:    Number::EncodeOrdered.
// The type is not encoded: a table's key schema fixes it.
//
// Thread-safety: pure functions.

// REQUIRES: value is S, N or B.
void AppendKeyValue(const AttributeValue& value, std::string* out);
// The encoding of an S or B prefix without its terminator (for begins_with ranges).
void AppendKeyPrefix(std::string_view bytes, std::string* out);
// Decodes one value of type `type` (S, N or B) from the front of `*input` and advances it.
Result<AttributeValue> DecodeKeyValue(ValueType type, std::string_view* input);

// The smallest string greater than every string starting with `prefix` (for exclusive upper
// bounds of prefix scans); empty when none exists (prefix all 0xFF).
std::string PrefixSuccessor(std::string prefix);

}  // namespace eddy::table
