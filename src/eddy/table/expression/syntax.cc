#include "eddy/table/expression/syntax.h"

#include <optional>

namespace eddy::table::expression::internal {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

std::optional<Comparator> ComparatorOf(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEqual:
      return Comparator::kEqual;
    case TokenKind::kNotEqual:
      return Comparator::kNotEqual;
    case TokenKind::kLess:
      return Comparator::kLess;
    case TokenKind::kLessOrEqual:
      return Comparator::kLessOrEqual;
    case TokenKind::kGreater:
      return Comparator::kGreater;
    case TokenKind::kGreaterOrEqual:
      return Comparator::kGreaterOrEqual;
    default:
      return std::nullopt;
  }
}

// A condition, or a function call that the semantic checks will accept as one or reject with
// DynamoDB's "function is not allowed" message.
bool IsConditionLike(const SyntaxNode& node) {
  return node.IsCondition() || node.kind == SyntaxNode::Kind::kCall;
}

constexpr std::string_view kConditionKeywords[] = {"AND", "OR", "NOT", "BETWEEN", "IN"};
constexpr std::string_view kUpdateKeywords[] = {"SET", "REMOVE", "ADD", "DELETE"};

}  // namespace

Status InvalidExpression(ExpressionKind kind, std::string_view detail) {
  std::string message = "Invalid ";
  message += ParameterName(kind);
  message += ": ";
  message += detail;
  return Status::InvalidArgument(std::move(message));
}

Parser::Parser(std::string_view text, ExpressionKind kind) : text_(text), kind_(kind) {}

Status Parser::Prepare() {
  bool blank = true;
  for (char c : text_) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      blank = false;
      break;
    }
  }
  if (blank) return InvalidExpression(kind_, "The expression can not be empty;");
  if (text_.size() > kMaxExpressionBytes) {
    // Captured from DynamoDB: condition and filter expressions report the size, the others
    // do not.
    std::string detail = "Expression size has exceeded the maximum allowed size;";
    if (kind_ == ExpressionKind::kCondition || kind_ == ExpressionKind::kFilter) {
      detail += " expression size: " + std::to_string(text_.size());
    }
    return InvalidExpression(kind_, detail);
  }
  tokens_ = Tokenize(text_);
  pos_ = 0;
  return Status::Ok();
}

const Token& Parser::Peek(size_t ahead) const {
  const size_t i = pos_ + ahead;
  return i < tokens_.size() ? tokens_[i] : tokens_.back();
}

void Parser::Advance() {
  if (pos_ + 1 < tokens_.size()) ++pos_;
}

std::string_view Parser::TextOf(const Token& token) const {
  return text_.substr(token.begin, token.end - token.begin);
}

bool Parser::IsWord(const Token& token, std::string_view word) const {
  return token.kind == TokenKind::kIdentifier && EqualsIgnoreCase(TextOf(token), word);
}

bool Parser::IsKeyword(const Token& token) const {
  if (token.kind != TokenKind::kIdentifier) return false;
  switch (kind_) {
    case ExpressionKind::kCondition:
    case ExpressionKind::kFilter:
    case ExpressionKind::kKeyCondition:
      for (std::string_view word : kConditionKeywords) {
        if (IsWord(token, word)) return true;
      }
      return false;
    case ExpressionKind::kUpdate:
      for (std::string_view word : kUpdateKeywords) {
        if (IsWord(token, word)) return true;
      }
      return false;
    case ExpressionKind::kProjection:
      return false;
  }
  return false;
}

Status Parser::SyntaxError() const {
  const Token& bad = tokens_[pos_];
  std::string token_text;
  size_t near_begin;
  size_t near_end;
  if (bad.kind == TokenKind::kEnd) {
    token_text = "<EOF>";
    // Prepare() rejected blank text, so a token precedes the end.
    const Token& previous = tokens_[pos_ > 0 ? pos_ - 1 : 0];
    near_begin = previous.begin;
    near_end = previous.end;
  } else {
    token_text = std::string(TextOf(bad));
    near_begin = pos_ > 0 ? tokens_[pos_ - 1].begin : bad.begin;
    const Token& after = tokens_[pos_ + 1];  // exists: kEnd is last
    near_end = after.kind == TokenKind::kEnd ? bad.end : after.end;
  }
  std::string detail = "Syntax error; token: \"" + token_text + "\", near: \"";
  detail += text_.substr(near_begin, near_end - near_begin);
  detail += "\"";
  return InvalidExpression(kind_, detail);
}

Status Parser::CountOperator() {
  if (++operators_ > kMaxOperators) {
    return InvalidExpression(kind_, "The expression contains too many operators; operator count: " +
                                        std::to_string(operators_));
  }
  return Status::Ok();
}

Status Parser::CheckNesting(int depth) const {
  if (depth > kMaxNesting) {
    return InvalidExpression(
        kind_, "The expression is nested too deeply; nesting levels: " + std::to_string(depth));
  }
  return Status::Ok();
}

// ---- document paths ----

Result<SyntaxPath> Parser::ParsePath() {
  const Token& token = Peek();
  SyntaxPath path;
  if (token.kind == TokenKind::kIdentifier && !IsKeyword(token)) {
    path.push_back({SyntaxPathElement::Kind::kName, std::string(TextOf(token)), 0});
  } else if (token.kind == TokenKind::kNamePlaceholder) {
    path.push_back({SyntaxPathElement::Kind::kPlaceholder, std::string(TextOf(token)), 0});
  } else {
    return SyntaxError();
  }
  Advance();
  EDDY_RETURN_IF_ERROR(ParsePathTail(&path));
  return path;
}

Status Parser::ParsePathTail(SyntaxPath* path) {
  while (true) {
    if (Peek().kind == TokenKind::kDot) {
      Advance();
      const Token& token = Peek();
      if (token.kind == TokenKind::kIdentifier && !IsKeyword(token)) {
        path->push_back({SyntaxPathElement::Kind::kName, std::string(TextOf(token)), 0});
      } else if (token.kind == TokenKind::kNamePlaceholder) {
        path->push_back({SyntaxPathElement::Kind::kPlaceholder, std::string(TextOf(token)), 0});
      } else {
        return SyntaxError();
      }
      Advance();
    } else if (Peek().kind == TokenKind::kLeftBracket) {
      Advance();
      const Token& token = Peek();
      if (token.kind != TokenKind::kInteger) return SyntaxError();
      // An index that does not fit DynamoDB's 32-bit int is refused where it stands; no
      // index, however large, ever sizes an allocation.
      uint64_t index = 0;
      for (char c : TextOf(token)) {
        index = index * 10 + static_cast<uint64_t>(c - '0');
        if (index > 0x7FFFFFFF) return SyntaxError();
      }
      Advance();
      if (Peek().kind != TokenKind::kRightBracket) return SyntaxError();
      Advance();
      path->push_back(
          {SyntaxPathElement::Kind::kIndex, std::string(), static_cast<uint32_t>(index)});
    } else {
      break;
    }
  }
  if (path->size() > static_cast<size_t>(kMaxPathDepth)) {
    return InvalidExpression(kind_,
                             "The document path has too many nesting levels; nesting levels: " +
                                 std::to_string(path->size()));
  }
  return Status::Ok();
}

Result<SyntaxNode> Parser::ParsePathNode() {
  SyntaxNode node;
  node.kind = SyntaxNode::Kind::kPath;
  EDDY_ASSIGN_OR_RETURN(node.path, ParsePath());
  return node;
}

SyntaxNode Parser::TakeValueNode() {
  SyntaxNode node;
  node.kind = SyntaxNode::Kind::kValue;
  node.text = std::string(TextOf(Peek()));
  Advance();
  return node;
}

// ---- conditions ----
//
//   or         := and (OR and)*
//   and        := not (AND not)*
//   not        := NOT not | comparison
//   comparison := term [comparator operand | BETWEEN operand AND operand
//                       | IN ( operand (, operand)* )]
//   term       := ( or ) [path tail] | name ( operand (, operand)* ) | path | :value
//
// Parentheses may hold a condition or an operand ("(a.b).c = :v" is valid), so the term
// parser accepts both and the caller checks which one it got.

Result<ConditionSyntax> Parser::ParseCondition() {
  EDDY_RETURN_IF_ERROR(Prepare());
  EDDY_ASSIGN_OR_RETURN(SyntaxNode root, ParseOr(0));
  if (Peek().kind != TokenKind::kEnd || !IsConditionLike(root)) return SyntaxError();
  ConditionSyntax syntax;
  syntax.root = std::move(root);
  syntax.redundant_parentheses = redundant_parentheses_;
  return syntax;
}

Result<SyntaxNode> Parser::ParseOr(int depth) {
  return ParseChain(depth, "OR", SyntaxNode::Kind::kOr, &Parser::ParseAnd);
}

Result<SyntaxNode> Parser::ParseAnd(int depth) {
  return ParseChain(depth, "AND", SyntaxNode::Kind::kAnd, &Parser::ParseNot);
}

Result<SyntaxNode> Parser::ParseChain(int depth, std::string_view word, SyntaxNode::Kind kind,
                                      Result<SyntaxNode> (Parser::*operand)(int)) {
  EDDY_ASSIGN_OR_RETURN(SyntaxNode first, (this->*operand)(depth));
  if (!IsWord(Peek(), word)) return first;
  if (!IsConditionLike(first)) return SyntaxError();
  SyntaxNode node;
  node.kind = kind;
  node.children.push_back(std::move(first));
  while (IsWord(Peek(), word)) {
    EDDY_RETURN_IF_ERROR(CountOperator());
    Advance();
    EDDY_ASSIGN_OR_RETURN(SyntaxNode next, (this->*operand)(depth));
    if (!IsConditionLike(next)) return SyntaxError();
    node.children.push_back(std::move(next));
  }
  return node;
}

Result<SyntaxNode> Parser::ParseNot(int depth) {
  if (!IsWord(Peek(), "NOT")) return ParseComparison(depth);
  EDDY_RETURN_IF_ERROR(CountOperator());
  EDDY_RETURN_IF_ERROR(CheckNesting(depth + 1));
  Advance();
  EDDY_ASSIGN_OR_RETURN(SyntaxNode operand, ParseNot(depth + 1));
  if (!IsConditionLike(operand)) return SyntaxError();
  SyntaxNode node;
  node.kind = SyntaxNode::Kind::kNot;
  node.children.push_back(std::move(operand));
  return node;
}

Result<SyntaxNode> Parser::ParseComparison(int depth) {
  EDDY_ASSIGN_OR_RETURN(SyntaxNode left, ParseTerm(depth));
  const Token& token = Peek();
  SyntaxNode node;
  if (std::optional<Comparator> comparator = ComparatorOf(token.kind)) {
    if (left.IsCondition()) return SyntaxError();
    EDDY_RETURN_IF_ERROR(CountOperator());
    Advance();
    EDDY_ASSIGN_OR_RETURN(SyntaxNode right, ParseOperand(depth));
    node.kind = SyntaxNode::Kind::kCompare;
    node.comparator = *comparator;
    node.children.push_back(std::move(left));
    node.children.push_back(std::move(right));
    return node;
  }
  if (IsWord(token, "BETWEEN")) {
    if (left.IsCondition()) return SyntaxError();
    EDDY_RETURN_IF_ERROR(CountOperator());
    Advance();
    EDDY_ASSIGN_OR_RETURN(SyntaxNode lower, ParseOperand(depth));
    if (!IsWord(Peek(), "AND")) return SyntaxError();
    Advance();
    EDDY_ASSIGN_OR_RETURN(SyntaxNode upper, ParseOperand(depth));
    node.kind = SyntaxNode::Kind::kBetween;
    node.children.push_back(std::move(left));
    node.children.push_back(std::move(lower));
    node.children.push_back(std::move(upper));
    return node;
  }
  if (IsWord(token, "IN")) {
    if (left.IsCondition()) return SyntaxError();
    EDDY_RETURN_IF_ERROR(CountOperator());
    Advance();
    if (Peek().kind != TokenKind::kLeftParen) return SyntaxError();
    Advance();
    node.kind = SyntaxNode::Kind::kIn;
    node.children.push_back(std::move(left));
    while (true) {
      EDDY_ASSIGN_OR_RETURN(SyntaxNode candidate, ParseOperand(depth));
      node.children.push_back(std::move(candidate));
      if (Peek().kind == TokenKind::kComma) {
        Advance();
        continue;
      }
      if (Peek().kind != TokenKind::kRightParen) return SyntaxError();
      Advance();
      break;
    }
    return node;
  }
  return left;
}

Result<SyntaxNode> Parser::ParseTerm(int depth) {
  const Token& token = Peek();
  switch (token.kind) {
    case TokenKind::kLeftParen: {
      EDDY_RETURN_IF_ERROR(CheckNesting(depth + 1));
      Advance();
      EDDY_ASSIGN_OR_RETURN(SyntaxNode inner, ParseOr(depth + 1));
      if (Peek().kind != TokenKind::kRightParen) return SyntaxError();
      Advance();
      if (inner.parenthesized) redundant_parentheses_ = true;
      inner.parenthesized = true;
      if (Peek().kind == TokenKind::kDot || Peek().kind == TokenKind::kLeftBracket) {
        if (inner.kind != SyntaxNode::Kind::kPath) return SyntaxError();
        EDDY_RETURN_IF_ERROR(ParsePathTail(&inner.path));
        inner.parenthesized = false;  // "((a).b)" is not redundant
      }
      return inner;
    }
    case TokenKind::kIdentifier:
      if (IsKeyword(token)) return SyntaxError();
      if (Peek(1).kind == TokenKind::kLeftParen) return ParseCall(depth);
      return ParsePathNode();
    case TokenKind::kNamePlaceholder:
      return ParsePathNode();
    case TokenKind::kValuePlaceholder:
      return TakeValueNode();
    default:
      return SyntaxError();
  }
}

Result<SyntaxNode> Parser::ParseOperand(int depth) {
  EDDY_ASSIGN_OR_RETURN(SyntaxNode operand, ParseTerm(depth));
  if (operand.IsCondition()) return SyntaxError();
  return operand;
}

Result<SyntaxNode> Parser::ParseCall(int depth) {
  EDDY_RETURN_IF_ERROR(CheckNesting(depth + 1));
  EDDY_RETURN_IF_ERROR(CountOperator());
  SyntaxNode node;
  node.kind = SyntaxNode::Kind::kCall;
  node.text = std::string(TextOf(Peek()));
  Advance();                                                        // name
  Advance();                                                        // (
  if (Peek().kind == TokenKind::kRightParen) return SyntaxError();  // "f()"
  while (true) {
    Result<SyntaxNode> argument =
        kind_ == ExpressionKind::kUpdate ? ParseSetValue(depth + 1) : ParseOperand(depth + 1);
    if (!argument.ok()) return argument.status();
    node.children.push_back(std::move(argument).value());
    if (Peek().kind == TokenKind::kComma) {
      Advance();
      continue;
    }
    if (Peek().kind != TokenKind::kRightParen) return SyntaxError();
    Advance();
    return node;
  }
}

// ---- updates ----
//
//   update    := clause+
//   clause    := SET path = value (, path = value)* | REMOVE path (, path)*
//              | ADD path :value (, path :value)* | DELETE path :value (, path :value)*
//   value     := operand [(+ | -) operand]
//   operand   := ( value ) | name ( value (, value)* ) | path | :value

Result<UpdateSyntax> Parser::ParseUpdate() {
  EDDY_RETURN_IF_ERROR(Prepare());
  UpdateSyntax syntax;
  bool seen[4] = {false, false, false, false};
  while (Peek().kind != TokenKind::kEnd) {
    const Token& token = Peek();
    UpdateClause clause;
    std::string_view name;
    if (IsWord(token, "SET")) {
      clause = UpdateClause::kSet;
      name = "SET";
    } else if (IsWord(token, "REMOVE")) {
      clause = UpdateClause::kRemove;
      name = "REMOVE";
    } else if (IsWord(token, "ADD")) {
      clause = UpdateClause::kAdd;
      name = "ADD";
    } else if (IsWord(token, "DELETE")) {
      clause = UpdateClause::kDelete;
      name = "DELETE";
    } else {
      return SyntaxError();
    }
    bool& clause_seen = seen[static_cast<int>(clause)];
    if (clause_seen && syntax.repeated_section.empty()) syntax.repeated_section = name;
    clause_seen = true;
    Advance();
    while (true) {
      SyntaxAction action;
      action.clause = clause;
      EDDY_ASSIGN_OR_RETURN(action.path, ParsePath());
      if (clause == UpdateClause::kSet) {
        if (Peek().kind != TokenKind::kEqual) return SyntaxError();
        Advance();
        EDDY_ASSIGN_OR_RETURN(action.value, ParseSetValue(0));
      } else if (clause == UpdateClause::kAdd || clause == UpdateClause::kDelete) {
        if (Peek().kind != TokenKind::kValuePlaceholder) return SyntaxError();
        action.value = TakeValueNode();
      }
      syntax.actions.push_back(std::move(action));
      if (Peek().kind != TokenKind::kComma) break;
      Advance();
    }
  }
  return syntax;
}

Result<SyntaxNode> Parser::ParseSetValue(int depth) {
  EDDY_ASSIGN_OR_RETURN(SyntaxNode left, ParseSetOperand(depth));
  const TokenKind kind = Peek().kind;
  if (kind != TokenKind::kPlus && kind != TokenKind::kMinus) return left;
  EDDY_RETURN_IF_ERROR(CountOperator());
  Advance();
  EDDY_ASSIGN_OR_RETURN(SyntaxNode right, ParseSetOperand(depth));
  SyntaxNode node;
  node.kind = kind == TokenKind::kPlus ? SyntaxNode::Kind::kPlus : SyntaxNode::Kind::kMinus;
  node.children.push_back(std::move(left));
  node.children.push_back(std::move(right));
  return node;
}

Result<SyntaxNode> Parser::ParseSetOperand(int depth) {
  const Token& token = Peek();
  switch (token.kind) {
    case TokenKind::kLeftParen: {
      EDDY_RETURN_IF_ERROR(CheckNesting(depth + 1));
      Advance();
      EDDY_ASSIGN_OR_RETURN(SyntaxNode inner, ParseSetValue(depth + 1));
      if (Peek().kind != TokenKind::kRightParen) return SyntaxError();
      Advance();
      inner.parenthesized = true;
      return inner;
    }
    case TokenKind::kIdentifier:
      if (IsKeyword(token)) return SyntaxError();
      if (Peek(1).kind == TokenKind::kLeftParen) return ParseCall(depth);
      return ParsePathNode();
    case TokenKind::kNamePlaceholder:
      return ParsePathNode();
    case TokenKind::kValuePlaceholder:
      return TakeValueNode();
    default:
      return SyntaxError();
  }
}

// ---- projections ----

Result<std::vector<SyntaxPath>> Parser::ParseProjection() {
  EDDY_RETURN_IF_ERROR(Prepare());
  std::vector<SyntaxPath> paths;
  while (true) {
    EDDY_ASSIGN_OR_RETURN(SyntaxPath path, ParsePath());
    paths.push_back(std::move(path));
    if (Peek().kind == TokenKind::kEnd) return paths;
    if (Peek().kind != TokenKind::kComma) return SyntaxError();
    Advance();
  }
}

}  // namespace eddy::table::expression::internal
