#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/model/number.h"

namespace eddy::model {

class AttributeValue;
// Attribute name -> value. Ordered by name, so two maps with the same members are equal however
// the request listed them (DynamoDB Streams emit no record for a map "equal but reordered").
using AttributeMap = std::map<std::string, AttributeValue, std::less<>>;
using AttributeList = std::vector<AttributeValue>;
// An item: its attributes, keys included.
using Item = AttributeMap;

// The ten DynamoDB data types. The numeric values are the tags of the binary encoding: never
// renumber them.
enum class ValueType : uint8_t {
  kString = 1,     // S
  kNumber = 2,     // N
  kBinary = 3,     // B
  kStringSet = 4,  // SS
  kNumberSet = 5,  // NS
  kBinarySet = 6,  // BS
  kMap = 7,        // M
  kList = 8,       // L
  kNull = 9,       // NULL
  kBool = 10,      // BOOL
};

// "S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL".
std::string_view TypeName(ValueType type);

// One DynamoDB value. Sets are kept sorted (strings and binaries by bytes, numbers by value)
// and free of duplicates, so equality and encoding do not depend on the order a client sent
// them in. Construction does not validate sizes or depth: the API codec does, with AWS's
// messages, before values reach the table.
//
// Thread-safety: a value type.
class AttributeValue {
 public:
  AttributeValue() : type_(ValueType::kNull), value_(std::monostate{}) {}

  static AttributeValue String(std::string s);
  static AttributeValue Num(Number n);
  static AttributeValue Binary(std::string bytes);
  // REQUIRES (for the three sets): no duplicates (the codec reports "Input collection contains
  // duplicates"); the elements are sorted here.
  static AttributeValue StringSet(std::vector<std::string> members);
  static AttributeValue NumberSet(std::vector<Number> members);
  static AttributeValue BinarySet(std::vector<std::string> members);
  static AttributeValue Map(AttributeMap members);
  static AttributeValue List(AttributeList elements);
  static AttributeValue Null();
  static AttributeValue Bool(bool b);

  ValueType type() const { return type_; }

  // REQUIRES: the matching type. S and B share `bytes()`; SS and BS share `byte_members()`.
  const std::string& bytes() const { return std::get<std::string>(value_); }
  const Number& number() const { return std::get<Number>(value_); }
  const std::vector<std::string>& byte_members() const {
    return std::get<std::vector<std::string>>(value_);
  }
  const std::vector<Number>& number_members() const {
    return std::get<std::vector<Number>>(value_);
  }
  const AttributeMap& map() const { return std::get<AttributeMap>(value_); }
  AttributeMap& mutable_map() { return std::get<AttributeMap>(value_); }
  const AttributeList& list() const { return std::get<AttributeList>(value_); }
  AttributeList& mutable_list() { return std::get<AttributeList>(value_); }
  bool boolean() const { return std::get<bool>(value_); }

  friend bool operator==(const AttributeValue& a, const AttributeValue& b);
  friend bool operator!=(const AttributeValue& a, const AttributeValue& b) { return !(a == b); }

  // The size DynamoDB charges for this value (its item-size rules): S and B their bytes; N
  // about one byte per two significant digits plus one; NULL and BOOL one byte; a set the sum
  // of its members; a map or list 3 bytes plus, per element, one byte and its size (and a map
  // member's name).
  size_t SizeBytes() const;
  // Nesting depth: 0 for a scalar or set, 1 + the deepest element for a map or list.
  int Depth() const;

  // Compact binary form (not JSON), for storage: a type tag, then varint lengths and counts;
  // numbers in Number's ordered encoding.
  void EncodeTo(std::string* out) const;
  // Decodes one value from the front of `*input` and advances it. Corruption for anything that
  // EncodeTo could not have written, or nesting deeper than `max_depth`.
  static Result<AttributeValue> DecodeFrom(std::string_view* input, int max_depth = 64);

 private:
  using Storage = std::variant<std::monostate, std::string, Number, std::vector<std::string>,
                               std::vector<Number>, AttributeMap, AttributeList, bool>;
  AttributeValue(ValueType type, Storage value) : type_(type), value_(std::move(value)) {}

  ValueType type_;
  Storage value_;
};

// An item's size as DynamoDB counts it toward the 400 KB limit: attribute name bytes plus
// value sizes.
size_t ItemSizeBytes(const Item& item);

// The binary form of a whole item (attribute count, then name and value per attribute).
std::string EncodeItem(const Item& item);
Result<Item> DecodeItem(std::string_view bytes);

}  // namespace eddy::model
