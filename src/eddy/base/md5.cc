#include "eddy/base/md5.h"

#include <openssl/evp.h>

#include "eddy/base/check.h"

namespace eddy {

std::array<uint8_t, 16> Md5(std::string_view data) {
  std::array<uint8_t, 16> digest{};
  unsigned int size = 0;
  EDDY_CHECK(EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_md5(), nullptr) == 1);
  EDDY_CHECK(size == digest.size());
  return digest;
}

}  // namespace eddy
