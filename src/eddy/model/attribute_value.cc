#include "eddy/model/attribute_value.h"

#include <algorithm>

#include "eddy/base/coding.h"

namespace eddy::model {

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "S";
    case ValueType::kNumber:
      return "N";
    case ValueType::kBinary:
      return "B";
    case ValueType::kStringSet:
      return "SS";
    case ValueType::kNumberSet:
      return "NS";
    case ValueType::kBinarySet:
      return "BS";
    case ValueType::kMap:
      return "M";
    case ValueType::kList:
      return "L";
    case ValueType::kNull:
      return "NULL";
    case ValueType::kBool:
      return "BOOL";
  }
  return "?";
}

AttributeValue AttributeValue::String(std::string s) {
  return AttributeValue(ValueType::kString, std::move(s));
}
AttributeValue AttributeValue::Num(Number n) { return AttributeValue(ValueType::kNumber, n); }
AttributeValue AttributeValue::Binary(std::string bytes) {
  return AttributeValue(ValueType::kBinary, std::move(bytes));
}
AttributeValue AttributeValue::StringSet(std::vector<std::string> members) {
  std::sort(members.begin(), members.end());
  return AttributeValue(ValueType::kStringSet, std::move(members));
}
AttributeValue AttributeValue::NumberSet(std::vector<Number> members) {
  std::sort(members.begin(), members.end());
  return AttributeValue(ValueType::kNumberSet, std::move(members));
}
AttributeValue AttributeValue::BinarySet(std::vector<std::string> members) {
  std::sort(members.begin(), members.end());
  return AttributeValue(ValueType::kBinarySet, std::move(members));
}
AttributeValue AttributeValue::Map(AttributeMap members) {
  return AttributeValue(ValueType::kMap, std::move(members));
}
AttributeValue AttributeValue::List(AttributeList elements) {
  return AttributeValue(ValueType::kList, std::move(elements));
}
AttributeValue AttributeValue::Null() { return AttributeValue(); }
AttributeValue AttributeValue::Bool(bool b) { return AttributeValue(ValueType::kBool, b); }

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case ValueType::kNumber:
      return a.number() == b.number();  // numerically: 1.50 equals 1.5
    case ValueType::kNumberSet: {
      const auto& x = a.number_members();
      const auto& y = b.number_members();
      return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin());
    }
    default:
      return a.value_ == b.value_;  // sets are sorted, maps ordered by name
  }
}

namespace {
// AWS: "approximately 1 byte per two significant digits, plus 1 byte".
size_t NumberSize(const Number& n) {
  const size_t significant = n.is_zero() ? 1 : static_cast<size_t>(n.significant_digits());
  return (significant + 1) / 2 + 1;
}
}  // namespace

size_t AttributeValue::SizeBytes() const {
  switch (type_) {
    case ValueType::kString:
    case ValueType::kBinary:
      return bytes().size();
    case ValueType::kNumber:
      return NumberSize(number());
    case ValueType::kStringSet:
    case ValueType::kBinarySet: {
      size_t n = 0;
      for (const auto& m : byte_members()) n += m.size();
      return n;
    }
    case ValueType::kNumberSet: {
      size_t n = 0;
      for (const auto& m : number_members()) n += NumberSize(m);
      return n;
    }
    case ValueType::kMap: {
      size_t n = 3;
      for (const auto& [name, value] : map()) n += 1 + name.size() + value.SizeBytes();
      return n;
    }
    case ValueType::kList: {
      size_t n = 3;
      for (const auto& value : list()) n += 1 + value.SizeBytes();
      return n;
    }
    case ValueType::kNull:
    case ValueType::kBool:
      return 1;
  }
  return 0;
}

int AttributeValue::Depth() const {
  int deepest = 0;
  if (type_ == ValueType::kMap) {
    for (const auto& [name, value] : map()) deepest = std::max(deepest, value.Depth());
    return 1 + deepest;
  }
  if (type_ == ValueType::kList) {
    for (const auto& value : list()) deepest = std::max(deepest, value.Depth());
    return 1 + deepest;
  }
  return 0;
}

namespace {
void PutBytes(std::string* out, std::string_view bytes) {
  PutVarint64(out, bytes.size());
  out->append(bytes);
}
bool GetBytes(std::string_view* in, std::string* bytes) {
  uint64_t n = 0;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  bytes->assign(in->data(), static_cast<size_t>(n));
  in->remove_prefix(static_cast<size_t>(n));
  return true;
}
bool GetNumber(std::string_view* in, Number* n) {
  size_t consumed = 0;
  auto decoded = Number::DecodeOrdered(*in, &consumed);
  if (!decoded.ok()) return false;
  *n = *decoded;
  in->remove_prefix(consumed);
  return true;
}
}  // namespace

void AttributeValue::EncodeTo(std::string* out) const {
  out->push_back(static_cast<char>(type_));
  switch (type_) {
    case ValueType::kString:
    case ValueType::kBinary:
      PutBytes(out, bytes());
      return;
    case ValueType::kNumber:
      out->append(number().EncodeOrdered());
      return;
    case ValueType::kStringSet:
    case ValueType::kBinarySet:
      PutVarint64(out, byte_members().size());
      for (const auto& m : byte_members()) PutBytes(out, m);
      return;
    case ValueType::kNumberSet:
      PutVarint64(out, number_members().size());
      for (const auto& m : number_members()) out->append(m.EncodeOrdered());
      return;
    case ValueType::kMap:
      PutVarint64(out, map().size());
      for (const auto& [name, value] : map()) {
        PutBytes(out, name);
        value.EncodeTo(out);
      }
      return;
    case ValueType::kList:
      PutVarint64(out, list().size());
      for (const auto& value : list()) value.EncodeTo(out);
      return;
    case ValueType::kNull:
      return;
    case ValueType::kBool:
      out->push_back(boolean() ? '\x01' : '\x00');
      return;
  }
}

Result<AttributeValue> AttributeValue::DecodeFrom(std::string_view* in, int max_depth) {
  const auto bad = [](std::string_view what) {
    return Status::Corruption("bad attribute value encoding: " + std::string(what));
  };
  if (in->empty()) return bad("empty");
  const auto tag = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  // Each element takes at least one byte, so a count larger than what is left is corrupt
  // (and never drives a huge allocation).
  auto count = [&](uint64_t* n) { return GetVarint64(in, n) && *n <= in->size(); };
  switch (static_cast<ValueType>(tag)) {
    case ValueType::kString:
    case ValueType::kBinary: {
      std::string bytes;
      if (!GetBytes(in, &bytes)) return bad("string");
      return AttributeValue(static_cast<ValueType>(tag), std::move(bytes));
    }
    case ValueType::kNumber: {
      Number n;
      if (!GetNumber(in, &n)) return bad("number");
      return Num(n);
    }
    case ValueType::kStringSet:
    case ValueType::kBinarySet: {
      uint64_t n = 0;
      if (!count(&n)) return bad("set size");
      std::vector<std::string> members(static_cast<size_t>(n));
      for (auto& m : members) {
        if (!GetBytes(in, &m)) return bad("set member");
      }
      if (!std::is_sorted(members.begin(), members.end()) ||
          std::adjacent_find(members.begin(), members.end()) != members.end()) {
        return bad("set order");
      }
      return AttributeValue(static_cast<ValueType>(tag), std::move(members));
    }
    case ValueType::kNumberSet: {
      uint64_t n = 0;
      if (!count(&n)) return bad("set size");
      std::vector<Number> members(static_cast<size_t>(n));
      for (auto& m : members) {
        if (!GetNumber(in, &m)) return bad("set member");
      }
      for (size_t i = 1; i < members.size(); ++i) {
        if (!(members[i - 1] < members[i])) return bad("set order");
      }
      return AttributeValue(ValueType::kNumberSet, std::move(members));
    }
    case ValueType::kMap: {
      if (max_depth <= 0) return bad("too deep");
      uint64_t n = 0;
      if (!count(&n)) return bad("map size");
      AttributeMap members;
      for (uint64_t i = 0; i < n; ++i) {
        std::string name;
        if (!GetBytes(in, &name)) return bad("map name");
        EDDY_ASSIGN_OR_RETURN(auto value, DecodeFrom(in, max_depth - 1));
        if (!members.emplace(std::move(name), std::move(value)).second) return bad("map name");
      }
      return Map(std::move(members));
    }
    case ValueType::kList: {
      if (max_depth <= 0) return bad("too deep");
      uint64_t n = 0;
      if (!count(&n)) return bad("list size");
      AttributeList elements;
      elements.reserve(static_cast<size_t>(n));
      for (uint64_t i = 0; i < n; ++i) {
        EDDY_ASSIGN_OR_RETURN(auto value, DecodeFrom(in, max_depth - 1));
        elements.push_back(std::move(value));
      }
      return List(std::move(elements));
    }
    case ValueType::kNull:
      return Null();
    case ValueType::kBool: {
      if (in->empty() || static_cast<uint8_t>((*in)[0]) > 1) return bad("bool");
      const bool b = (*in)[0] == '\x01';
      in->remove_prefix(1);
      return Bool(b);
    }
  }
  return bad("type tag");
}

size_t ItemSizeBytes(const Item& item) {
  size_t n = 0;
  for (const auto& [name, value] : item) n += name.size() + value.SizeBytes();
  return n;
}

std::string EncodeItem(const Item& item) {
  std::string out;
  PutVarint64(&out, item.size());
  for (const auto& [name, value] : item) {
    PutBytes(&out, name);
    value.EncodeTo(&out);
  }
  return out;
}

Result<Item> DecodeItem(std::string_view bytes) {
  uint64_t n = 0;
  if (!GetVarint64(&bytes, &n) || n > bytes.size()) {
    return Status::Corruption("bad item encoding: attribute count");
  }
  Item item;
  for (uint64_t i = 0; i < n; ++i) {
    std::string name;
    if (!GetBytes(&bytes, &name)) return Status::Corruption("bad item encoding: name");
    EDDY_ASSIGN_OR_RETURN(auto value, AttributeValue::DecodeFrom(&bytes));
    if (!item.emplace(std::move(name), std::move(value)).second) {
      return Status::Corruption("bad item encoding: repeated attribute");
    }
  }
  if (!bytes.empty()) return Status::Corruption("bad item encoding: trailing bytes");
  return item;
}

}  // namespace eddy::model
