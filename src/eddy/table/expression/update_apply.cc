// UpdateExpression::Apply: computes the new item. Semantics from the DynamoDB developer
// guide ("Update expressions") and, where it is silent, from dynalite's suite, which was run
// against DynamoDB (e.g. appends past a list's end land in index order; REMOVE under a missing
// parent is an error).

#include <algorithm>
#include <iterator>
#include <optional>

#include "eddy/table/expression/update.h"

namespace eddy::table::expression {

namespace {

constexpr char kMissingAttribute[] =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr char kIncorrectType[] = "An operand in the update expression has an incorrect data type";
constexpr char kInvalidPath[] =
    "The document path provided in the update expression is invalid for update";

// DynamoDB's item size limit. Every SET value ends up in the new item (paths are disjoint), so
// values beyond it can only fail the caller's size check: refusing them early bounds the memory
// an update can claim (list_append nested in list_append doubles its operands at each level).
constexpr size_t kMaxItemBytes = 400 * 1024;
constexpr char kItemTooLarge[] = "Item size to update has exceeded the maximum allowed size";

Status MissingAttribute() { return Status::InvalidArgument(kMissingAttribute); }
Status ItemTooLarge() { return Status::InvalidArgument(kItemTooLarge); }
Status IncorrectType() { return Status::InvalidArgument(kIncorrectType); }
Status InvalidPath() { return Status::InvalidArgument(kInvalidPath); }

Result<AttributeValue> Compute(const UpdateValue& value, const Item& item) {
  switch (value.kind) {
    case UpdateValue::Kind::kPath: {
      const AttributeValue* found = FindValue(item, value.path);
      if (found == nullptr) return MissingAttribute();
      return *found;
    }
    case UpdateValue::Kind::kValue:
      return value.value;
    case UpdateValue::Kind::kIfNotExists: {
      const AttributeValue* found = FindValue(item, value.args[0].path);
      if (found != nullptr) return *found;
      return Compute(value.args[1], item);
    }
    case UpdateValue::Kind::kListAppend: {
      EDDY_ASSIGN_OR_RETURN(AttributeValue head, Compute(value.args[0], item));
      EDDY_ASSIGN_OR_RETURN(AttributeValue tail, Compute(value.args[1], item));
      if (head.type() != ValueType::kList || tail.type() != ValueType::kList) {
        return IncorrectType();
      }
      if (head.SizeBytes() + tail.SizeBytes() > kMaxItemBytes) return ItemTooLarge();
      AttributeList elements = head.list();
      elements.insert(elements.end(), tail.list().begin(), tail.list().end());
      return AttributeValue::List(std::move(elements));
    }
    case UpdateValue::Kind::kPlus:
    case UpdateValue::Kind::kMinus: {
      EDDY_ASSIGN_OR_RETURN(AttributeValue left, Compute(value.args[0], item));
      EDDY_ASSIGN_OR_RETURN(AttributeValue right, Compute(value.args[1], item));
      if (left.type() != ValueType::kNumber || right.type() != ValueType::kNumber) {
        return IncorrectType();
      }
      Result<Number> sum = value.kind == UpdateValue::Kind::kPlus
                               ? Number::Add(left.number(), right.number())
                               : Number::Subtract(left.number(), right.number());
      if (!sum.ok()) return sum.status();
      return AttributeValue::Num(std::move(sum).value());
    }
  }
  return IncorrectType();
}

// The value at path[0..depth) for mutation; nullptr when a step is missing or has the wrong
// type. REQUIRES: 1 <= depth <= path.size().
AttributeValue* FindMutable(Item& item, const DocumentPath& path, size_t depth) {
  auto top = item.find(path[0].name);
  if (top == item.end()) return nullptr;
  AttributeValue* value = &top->second;
  for (size_t i = 1; i < depth; ++i) {
    const PathElement& step = path[i];
    if (step.is_index) {
      if (value->type() != ValueType::kList) return nullptr;
      AttributeList& list = value->mutable_list();
      if (step.index >= list.size()) return nullptr;
      value = &list[step.index];
    } else {
      if (value->type() != ValueType::kMap) return nullptr;
      AttributeMap& map = value->mutable_map();
      auto member = map.find(step.name);
      if (member == map.end()) return nullptr;
      value = &member->second;
    }
  }
  return value;
}

// Where `path` lives: its parent container (nullptr for a top-level attribute). An error when
// the parent is missing or cannot hold the last step (a name in a non-map, an index in a
// non-list).
Result<AttributeValue*> FindParent(Item& item, const DocumentPath& path) {
  if (path.size() == 1) return static_cast<AttributeValue*>(nullptr);
  AttributeValue* parent = FindMutable(item, path, path.size() - 1);
  if (parent == nullptr) return InvalidPath();
  const ValueType needed = path.back().is_index ? ValueType::kList : ValueType::kMap;
  if (parent->type() != needed) return InvalidPath();
  return parent;
}

// The current value at `path` under `parent` (see FindParent), or nullptr.
AttributeValue* FindChild(Item& item, AttributeValue* parent, const PathElement& last) {
  if (parent == nullptr) {
    auto it = item.find(last.name);
    return it == item.end() ? nullptr : &it->second;
  }
  if (last.is_index) {
    AttributeList& list = parent->mutable_list();
    return last.index < list.size() ? &list[last.index] : nullptr;
  }
  AttributeMap& map = parent->mutable_map();
  auto it = map.find(last.name);
  return it == map.end() ? nullptr : &it->second;
}

void Store(Item& item, AttributeValue* parent, const PathElement& last, AttributeValue value) {
  if (parent == nullptr) {
    item.insert_or_assign(last.name, std::move(value));
  } else if (last.is_index) {
    AttributeList& list = parent->mutable_list();
    if (last.index < list.size()) {
      list[last.index] = std::move(value);
    } else {
      list.push_back(std::move(value));  // past the end: append
    }
  } else {
    parent->mutable_map().insert_or_assign(last.name, std::move(value));
  }
}

void Erase(Item& item, AttributeValue* parent, const PathElement& last) {
  if (parent == nullptr) {
    item.erase(last.name);
  } else if (last.is_index) {
    AttributeList& list = parent->mutable_list();
    if (last.index < list.size()) list.erase(list.begin() + last.index);
  } else {
    parent->mutable_map().erase(last.name);
  }
}

// Set union or difference of two sets of the same type; nullopt if the result is empty.
std::optional<AttributeValue> CombineSets(const AttributeValue& a, const AttributeValue& b,
                                          bool add) {
  if (a.type() == ValueType::kNumberSet) {
    const auto& x = a.number_members();
    const auto& y = b.number_members();
    std::vector<Number> out;
    if (add) {
      std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
    } else {
      std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
    }
    if (out.empty()) return std::nullopt;
    return AttributeValue::NumberSet(std::move(out));
  }
  const auto& x = a.byte_members();
  const auto& y = b.byte_members();
  std::vector<std::string> out;
  if (add) {
    std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
  } else {
    std::set_difference(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
  }
  if (out.empty()) return std::nullopt;
  return a.type() == ValueType::kStringSet ? AttributeValue::StringSet(std::move(out))
                                           : AttributeValue::BinarySet(std::move(out));
}

bool IsSet(ValueType type) {
  return type == ValueType::kStringSet || type == ValueType::kNumberSet ||
         type == ValueType::kBinarySet;
}

struct Write {
  const UpdateAction* action;
  AttributeValue value;  // SET: the computed value
};

// A DELETE that empties a set removes it; inside a list that removal is left to
// `*erase_later`, so that the indexes of the other actions keep naming the list as it was.
Status ApplyWrite(Item& item, const Write& write, std::vector<const DocumentPath*>* erase_later) {
  const UpdateAction& action = *write.action;
  EDDY_ASSIGN_OR_RETURN(AttributeValue * parent, FindParent(item, action.path));
  const PathElement& last = action.path.back();
  switch (action.kind) {
    case UpdateAction::Kind::kSet:
      Store(item, parent, last, write.value);
      return Status::Ok();
    case UpdateAction::Kind::kAdd: {
      AttributeValue* current = FindChild(item, parent, last);
      if (current == nullptr) {
        Store(item, parent, last, action.operand);
        return Status::Ok();
      }
      if (current->type() != action.operand.type()) return IncorrectType();
      if (current->type() == ValueType::kNumber) {
        Result<Number> sum = Number::Add(current->number(), action.operand.number());
        if (!sum.ok()) return sum.status();
        *current = AttributeValue::Num(std::move(sum).value());
        return Status::Ok();
      }
      // Sets are never empty, so a union is not either.
      *current = *CombineSets(*current, action.operand, /*add=*/true);
      return Status::Ok();
    }
    case UpdateAction::Kind::kDelete: {
      AttributeValue* current = FindChild(item, parent, last);
      if (current == nullptr) return Status::Ok();
      if (current->type() != action.operand.type() || !IsSet(current->type())) {
        return IncorrectType();
      }
      std::optional<AttributeValue> rest = CombineSets(*current, action.operand, /*add=*/false);
      if (rest) {
        *current = std::move(*rest);
      } else if (last.is_index) {
        erase_later->push_back(&action.path);
      } else {
        Erase(item, parent, last);
      }
      return Status::Ok();
    }
    case UpdateAction::Kind::kRemove:
      break;
  }
  return Status::Ok();
}

}  // namespace

Result<Item> UpdateExpression::Apply(const Item& item) const {
  std::vector<Write> writes;
  std::vector<const DocumentPath*> removals;
  size_t set_bytes = 0;
  for (const UpdateAction& action : actions_) {
    if (action.kind == UpdateAction::Kind::kRemove) {
      removals.push_back(&action.path);
      continue;
    }
    Write write{&action, AttributeValue()};
    if (action.kind == UpdateAction::Kind::kSet) {
      EDDY_ASSIGN_OR_RETURN(write.value, Compute(action.value, item));
      set_bytes += write.value.SizeBytes();
      if (set_bytes > kMaxItemBytes) return ItemTooLarge();
    }
    writes.push_back(std::move(write));
  }
  // Paths are pairwise disjoint (Parse refused overlaps and conflicts), so the order matters
  // only within one list: writes in ascending index order (appends past the end keep their
  // relative order), then removals in descending order (every index names an element of the
  // list as it was).
  std::sort(writes.begin(), writes.end(), [](const Write& a, const Write& b) {
    return PathLess(a.action->path, b.action->path);
  });
  Item updated = item;
  for (const Write& write : writes) EDDY_RETURN_IF_ERROR(ApplyWrite(updated, write, &removals));
  std::sort(removals.begin(), removals.end(),
            [](const DocumentPath* a, const DocumentPath* b) { return PathLess(*b, *a); });
  for (const DocumentPath* removal : removals) {
    EDDY_ASSIGN_OR_RETURN(AttributeValue * parent, FindParent(updated, *removal));
    // An index past the end of the list as it was names nothing, not an element a SET just
    // appended.
    if (removal->back().is_index && FindValue(item, *removal) == nullptr) continue;
    Erase(updated, parent, removal->back());
  }
  return updated;
}

}  // namespace eddy::table::expression
