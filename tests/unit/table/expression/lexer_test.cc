#include "eddy/table/expression/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace eddy::table::expression {
namespace {

std::vector<TokenKind> Kinds(std::string_view text) {
  std::vector<TokenKind> kinds;
  for (const Token& token : Tokenize(text)) kinds.push_back(token.kind);
  return kinds;
}

std::vector<std::string> Texts(std::string_view text) {
  std::vector<std::string> texts;
  for (const Token& token : Tokenize(text)) {
    texts.emplace_back(text.substr(token.begin, token.end - token.begin));
  }
  return texts;
}

TEST(LexerTest, SplitsNamesPlaceholdersAndPunctuation) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("a.b[12] <> #n1 AND :v_2"),
            (std::vector<K>{K::kIdentifier, K::kDot, K::kIdentifier, K::kLeftBracket, K::kInteger,
                            K::kRightBracket, K::kNotEqual, K::kNamePlaceholder, K::kIdentifier,
                            K::kValuePlaceholder, K::kEnd}));
  EXPECT_EQ(
      Texts("a.b[12] <> #n1 AND :v_2"),
      (std::vector<std::string>{"a", ".", "b", "[", "12", "]", "<>", "#n1", "AND", ":v_2", ""}));
  EXPECT_EQ(Kinds("<=>=<>=+-(),"),
            (std::vector<K>{K::kLessOrEqual, K::kGreaterOrEqual, K::kNotEqual, K::kEqual, K::kPlus,
                            K::kMinus, K::kLeftParen, K::kRightParen, K::kComma, K::kEnd}));
  EXPECT_EQ(Kinds("< >"), (std::vector<K>{K::kLess, K::kGreater, K::kEnd}));
}

TEST(LexerTest, IdentifiersStartWithALetterAndMayHoldDigitsAndUnderscores) {
  EXPECT_EQ(Texts("a_1B c9"), (std::vector<std::string>{"a_1B", "c9", ""}));
  // A leading underscore is not a name: DynamoDB reports `token: "_"` for `__typename`.
  EXPECT_EQ(Texts("__x"), (std::vector<std::string>{"_", "_", "x", ""}));
  EXPECT_EQ(Tokenize("__x")[0].kind, TokenKind::kInvalid);
  // Digits first: an integer, then a name.
  EXPECT_EQ(Kinds("1a"),
            (std::vector<TokenKind>{TokenKind::kInteger, TokenKind::kIdentifier, TokenKind::kEnd}));
}

TEST(LexerTest, StrayCharactersAreSingleInvalidTokens) {
  EXPECT_EQ(Texts("a-b"), (std::vector<std::string>{"a", "-", "b", ""}));  // minus
  EXPECT_EQ(Texts("\"x\" # : !"), (std::vector<std::string>{"\"", "x", "\"", "#", ":", "!", ""}));
  EXPECT_EQ(Tokenize("#")[0].kind, TokenKind::kInvalid);
  // A multi-byte character is one token, not a split sequence.
  EXPECT_EQ(Texts("\xC3\xBC > a"), (std::vector<std::string>{"\xC3\xBC", ">", "a", ""}));
  // A truncated sequence at the end stays within the text.
  EXPECT_EQ(Texts("\xF0\x9D"), (std::vector<std::string>{"\xF0\x9D", ""}));
}

TEST(LexerTest, SkipsWhitespaceAndAlwaysEndsWithEnd) {
  EXPECT_EQ(Kinds(""), (std::vector<TokenKind>{TokenKind::kEnd}));
  EXPECT_EQ(Kinds(" \t\r\n"), (std::vector<TokenKind>{TokenKind::kEnd}));
  const auto tokens = Tokenize("  ab  ");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].begin, 2u);
  EXPECT_EQ(tokens[0].end, 4u);
  EXPECT_EQ(tokens[1].begin, 6u);
}

}  // namespace
}  // namespace eddy::table::expression
