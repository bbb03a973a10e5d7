#include "eddy/table/key_encoding.h"

namespace eddy::table {

void AppendKeyPrefix(std::string_view bytes, std::string* out) {
  out->reserve(out->size() + bytes.size() + 2);
  for (const char c : bytes) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
}

void AppendKeyValue(const AttributeValue& value, std::string* out) {
  if (value.type() == ValueType::kNumber) {
    out->append(value.number().EncodeOrdered());
    return;
  }
  AppendKeyPrefix(value.bytes(), out);
  out->push_back('\x00');
  out->push_back('\x01');
}

Result<AttributeValue> DecodeKeyValue(ValueType type, std::string_view* input) {
  if (type == ValueType::kNumber) {
    size_t consumed = 0;
    EDDY_ASSIGN_OR_RETURN(auto n, Number::DecodeOrdered(*input, &consumed));
    input->remove_prefix(consumed);
    return AttributeValue::Num(n);
  }
  if (type != ValueType::kString && type != ValueType::kBinary) {
    return Status::InvalidArgument("key attributes are S, N or B");
  }
  std::string bytes;
  for (size_t i = 0; i < input->size(); ++i) {
    const char c = (*input)[i];
    if (c != '\0') {
      bytes.push_back(c);
      continue;
    }
    if (i + 1 >= input->size()) break;
    const char next = (*input)[i + 1];
    if (next == '\xff') {
      bytes.push_back('\0');
      ++i;
    } else if (next == '\x01') {
      input->remove_prefix(i + 2);
      return type == ValueType::kString ? AttributeValue::String(std::move(bytes))
                                        : AttributeValue::Binary(std::move(bytes));
    } else {
      break;
    }
  }
  return Status::Corruption("bad key encoding");
}

std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xFF) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace eddy::table
