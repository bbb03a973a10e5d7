#include "eddy/table/change_record.h"

#include "eddy/base/coding.h"

namespace eddy::table {
namespace {

constexpr uint8_t kFormatVersion = 1;

void PutImage(const Item& item, std::string* out) {
  const std::string encoded = EncodeItem(item);
  PutVarint64(out, encoded.size());
  out->append(encoded);
}

Result<Item> GetImage(std::string_view* in) {
  uint64_t size = 0;
  if (!GetVarint64(in, &size) || size > in->size()) {
    return Status::Corruption("change record: bad image length");
  }
  auto item = DecodeItem(in->substr(0, size));
  in->remove_prefix(size);
  return item;
}

Result<std::optional<Item>> GetOptionalImage(std::string_view* in) {
  if (in->empty()) return Status::Corruption("change record: truncated");
  const uint8_t present = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (present == 0) return std::optional<Item>();
  if (present != 1) return Status::Corruption("change record: bad image flag");
  EDDY_ASSIGN_OR_RETURN(Item item, GetImage(in));
  return std::optional<Item>(std::move(item));
}

}  // namespace

std::string EncodeChangeRecord(const ChangeRecord& r) {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(r.event));
  out.push_back(static_cast<char>(r.origin));
  PutFixed64(&out, static_cast<uint64_t>(r.time_us));
  PutImage(r.keys, &out);
  for (const auto* image : {&r.old_image, &r.new_image}) {
    out.push_back(image->has_value() ? 1 : 0);
    if (image->has_value()) PutImage(**image, &out);
  }
  return out;
}

Result<ChangeRecord> DecodeChangeRecord(std::string_view in) {
  if (in.size() < 11) return Status::Corruption("change record: truncated");
  if (static_cast<uint8_t>(in[0]) != kFormatVersion) {
    return Status::Corruption("change record: unknown version");
  }
  ChangeRecord r;
  const uint8_t event = static_cast<uint8_t>(in[1]);
  const uint8_t origin = static_cast<uint8_t>(in[2]);
  if (event < 1 || event > 3 || origin > 1) return Status::Corruption("change record: bad event");
  r.event = static_cast<ChangeEvent>(event);
  r.origin = static_cast<ChangeOrigin>(origin);
  r.time_us = static_cast<int64_t>(DecodeFixed64(in.data() + 3));
  in.remove_prefix(11);
  EDDY_ASSIGN_OR_RETURN(r.keys, GetImage(&in));
  EDDY_ASSIGN_OR_RETURN(r.old_image, GetOptionalImage(&in));
  EDDY_ASSIGN_OR_RETURN(r.new_image, GetOptionalImage(&in));
  if (!in.empty()) return Status::Corruption("change record: trailing bytes");
  const bool shape_ok = (r.event == ChangeEvent::kInsert && !r.old_image && r.new_image) ||
                        (r.event == ChangeEvent::kModify && r.old_image && r.new_image) ||
                        (r.event == ChangeEvent::kRemove && r.old_image && !r.new_image);
  if (!shape_ok) return Status::Corruption("change record: images do not match the event");
  return r;
}

}  // namespace eddy::table
