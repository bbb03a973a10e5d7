#include "eddy/base/base64.h"

#include <gtest/gtest.h>

#include <random>

namespace eddy::base64 {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Encode(plain), encoded);
    auto decoded = Decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64Test, RandomRoundTrips) {
  std::mt19937 rng(7);
  for (size_t n = 0; n < 200; ++n) {
    std::string data(n, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    const std::string encoded = Encode(data);
    EXPECT_EQ(encoded.size(), EncodedSize(n));
    EXPECT_EQ(Decode(encoded), data);
  }
}

TEST(Base64Test, RejectsMalformedInput) {
  for (const char* bad : {"Zg=", "Zg", "Z===", "=Zg=", "Zm9v!A==", "Zm 9v",
                          "Zh==", "Zm9=", "Zg==Zg==", "Zm9vYmFy\n"}) {
    EXPECT_FALSE(Decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace eddy::base64
