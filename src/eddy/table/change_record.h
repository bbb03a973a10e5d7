#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/base/result.h"
#include "eddy/table/model_types.h"

namespace eddy::table {

enum class ChangeEvent : uint8_t { kInsert = 1, kModify = 2, kRemove = 3 };
// Who made the change: a client's request, or the TTL sweeper deleting an expired item (its
// REMOVE carries the TTL service identity on the stream).
enum class ChangeOrigin : uint8_t { kUser = 0, kTimeToLive = 1 };

// One change to one item, as stored next to the item in the same atomic commit (see
// docs/design/table-storage.md). Both images are kept; a stream's view type picks what to show.
struct ChangeRecord {
  uint64_t sequence = 0;  // per table, increasing in commit order per item; not encoded
  ChangeEvent event = ChangeEvent::kInsert;
  ChangeOrigin origin = ChangeOrigin::kUser;
  int64_t time_us = 0;            // commit time, microseconds since the epoch
  Item keys;                      // the key attributes only
  std::optional<Item> old_image;  // MODIFY, REMOVE
  std::optional<Item> new_image;  // INSERT, MODIFY
  friend bool operator==(const ChangeRecord&, const ChangeRecord&) = default;
};

// version u8 = 1, event u8, origin u8, time_us (fixed 64), keys (varint length + EncodeItem),
// then old and new: u8 present, and if present varint length + EncodeItem.
std::string EncodeChangeRecord(const ChangeRecord& record);
// `sequence` is left 0 (it is the storage key's). Corruption for anything EncodeChangeRecord
// could not have written.
Result<ChangeRecord> DecodeChangeRecord(std::string_view bytes);

}  // namespace eddy::table
