#include "eddy/table/expression/lexer.h"

namespace eddy::table::expression {

namespace {

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsLetter(c) || IsDigit(c) || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The length of the UTF-8 sequence starting at text[pos] (1 for a stray byte), so that an
// invalid character is reported whole.
size_t CharLength(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  size_t len = 1;
  while (len < n && pos + len < text.size() &&
         (static_cast<unsigned char>(text[pos + len]) & 0xC0) == 0x80) {
    ++len;
  }
  return len;
}

}  // namespace

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t pos = 0;
  auto push = [&](TokenKind kind, size_t begin, size_t end) {
    tokens.push_back(Token{kind, static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
  };
  while (pos < text.size()) {
    const char c = text[pos];
    if (IsSpace(c)) {
      ++pos;
      continue;
    }
    const size_t begin = pos;
    if (IsLetter(c)) {
      while (pos < text.size() && IsNameChar(text[pos])) ++pos;
      push(TokenKind::kIdentifier, begin, pos);
      continue;
    }
    if (IsDigit(c)) {
      while (pos < text.size() && IsDigit(text[pos])) ++pos;
      push(TokenKind::kInteger, begin, pos);
      continue;
    }
    if ((c == '#' || c == ':') && pos + 1 < text.size() && IsNameChar(text[pos + 1])) {
      ++pos;
      while (pos < text.size() && IsNameChar(text[pos])) ++pos;
      push(c == '#' ? TokenKind::kNamePlaceholder : TokenKind::kValuePlaceholder, begin, pos);
      continue;
    }
    const char next = pos + 1 < text.size() ? text[pos + 1] : '\0';
    TokenKind kind = TokenKind::kInvalid;
    size_t len = 1;
    switch (c) {
      case '(':
        kind = TokenKind::kLeftParen;
        break;
      case ')':
        kind = TokenKind::kRightParen;
        break;
      case '[':
        kind = TokenKind::kLeftBracket;
        break;
      case ']':
        kind = TokenKind::kRightBracket;
        break;
      case ',':
        kind = TokenKind::kComma;
        break;
      case '.':
        kind = TokenKind::kDot;
        break;
      case '=':
        kind = TokenKind::kEqual;
        break;
      case '+':
        kind = TokenKind::kPlus;
        break;
      case '-':
        kind = TokenKind::kMinus;
        break;
      case '<':
        if (next == '>') {
          kind = TokenKind::kNotEqual;
          len = 2;
        } else if (next == '=') {
          kind = TokenKind::kLessOrEqual;
          len = 2;
        } else {
          kind = TokenKind::kLess;
        }
        break;
      case '>':
        if (next == '=') {
          kind = TokenKind::kGreaterOrEqual;
          len = 2;
        } else {
          kind = TokenKind::kGreater;
        }
        break;
      default:
        len = CharLength(text, pos);
    }
    pos += len;
    push(kind, begin, pos);
  }
  push(TokenKind::kEnd, text.size(), text.size());
  return tokens;
}

}  // namespace eddy::table::expression
