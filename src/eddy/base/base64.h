#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace eddy::base64 {

// Standard base64 (RFC 4648, alphabet A-Z a-z 0-9 + /, '=' padding), as AWS JSON protocols
// carry blobs. Thread-safety: pure functions.

std::string Encode(std::string_view data);
// Appends the encoding to `out`.
void EncodeTo(std::string_view data, std::string* out);
size_t EncodedSize(size_t n);

// Strict decoding: length a multiple of 4, padding only at the end, no whitespace, and unused
// bits of the last quantum zero. nullopt for anything else.
std::optional<std::string> Decode(std::string_view text);

}  // namespace eddy::base64
