#include "eddy/table/expression/reserved_words.h"

#include <gtest/gtest.h>

namespace eddy::table::expression {
namespace {

TEST(ReservedWordsTest, HoldsAwsFullList) { EXPECT_EQ(ReservedWordCount(), 573); }

TEST(ReservedWordsTest, MatchesCaseInsensitively) {
  for (const char* word : {"status", "STATUS", "Status", "name", "size", "abOrt", "zone", "ABORT",
                           "flattern", "INNTER", "loged", "Comment", "views"}) {
    EXPECT_TRUE(IsReservedWord(word)) << word;
  }
}

TEST(ReservedWordsTest, RejectsOrdinaryNames) {
  for (const char* word : {"pk", "sk", "", "a", "abortx", "statuses", "ABOR", "zones",
                           "attribute_exists", "if_not_exists", "averyveryverylongname"}) {
    EXPECT_FALSE(IsReservedWord(word)) << word;
  }
}

}  // namespace
}  // namespace eddy::table::expression
