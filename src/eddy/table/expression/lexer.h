#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace eddy::table::expression {

// The tokens of DynamoDB's expression languages. Keywords (AND, SET, ...) are identifiers:
// the grammar decides where a word is a keyword.
enum class TokenKind : uint8_t {
  kEnd,               // end of input (always the last token)
  kIdentifier,        // [A-Za-z][A-Za-z0-9_]*
  kNamePlaceholder,   // #[A-Za-z0-9_]+
  kValuePlaceholder,  // :[A-Za-z0-9_]+
  kInteger,           // [0-9]+ (list indexes)
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kComma,
  kDot,
  kEqual,           // =
  kNotEqual,        // <>
  kLess,            // <
  kLessOrEqual,     // <=
  kGreater,         // >
  kGreaterOrEqual,  // >=
  kPlus,
  kMinus,
  kInvalid,  // any other character (one UTF-8 sequence), e.g. "_", "-", "\"", "ü"
};

// A token is a span [begin, end) of the expression's text.
struct Token {
  TokenKind kind;
  uint32_t begin;
  uint32_t end;
};

// Splits `text` into tokens, skipping spaces, tabs, CR and LF. Never fails: characters that
// start no token become kInvalid tokens, which the parser reports as syntax errors (DynamoDB
// answers `__x` with `token: "_"`). The result ends with one kEnd token.
// REQUIRES: text.size() < 2^32.
std::vector<Token> Tokenize(std::string_view text);

}  // namespace eddy::table::expression
