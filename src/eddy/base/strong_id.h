#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace eddy {

// A value that must not be mixed up with another of the same representation (Redpanda's
// named_type): StrongId<uint64_t, struct LogOffsetTag> does not convert to or from a plain
// integer or another StrongId implicitly.
template <typename T, typename Tag>
class StrongId {
 public:
  using ValueType = T;
  constexpr StrongId() = default;
  constexpr explicit StrongId(T value) : value_(value) {}
  constexpr T value() const { return value_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  T value_{};
};

// Position of a record in one shard's log: dense, starting at 0, +1 per record.
using LogOffset = StrongId<uint64_t, struct LogOffsetTag>;

}  // namespace eddy

template <typename T, typename Tag>
struct std::hash<eddy::StrongId<T, Tag>> {
  size_t operator()(const eddy::StrongId<T, Tag>& id) const { return std::hash<T>()(id.value()); }
};
