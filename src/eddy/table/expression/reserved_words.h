#pragma once

#include <string_view>

namespace eddy::table::expression {

// True when `word` is one of DynamoDB's 573 reserved words, compared case-insensitively
// (ASCII). An attribute name that is a reserved word must be written through an
// ExpressionAttributeNames placeholder. The list is AWS's "Reserved words in DynamoDB"
// (docs.aws.amazon.com/amazondynamodb/latest/developerguide/ReservedWords.html), typos
// included ("FLATTERN", "INNTER", "LOGED").
//
// Thread-safety: a pure function.
bool IsReservedWord(std::string_view word);

// The number of words in the list (573), for tests.
int ReservedWordCount();

}  // namespace eddy::table::expression
