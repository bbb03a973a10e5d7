#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace eddy::fuzz {

// `--write-seeds DIR`: writes each seed to DIR/seed-N, so libFuzzer (make fuzz) starts its
// corpus from valid inputs. Returns the process exit code.
inline int WriteSeeds(const std::string& dir, const std::vector<std::string>& seeds) {
  std::filesystem::create_directories(dir);
  int n = 0;
  for (const auto& seed : seeds) {
    std::FILE* f = std::fopen((dir + "/seed-" + std::to_string(n++)).c_str(), "wb");
    if (f == nullptr) return 1;
    std::fwrite(seed.data(), 1, seed.size(), f);
    std::fclose(f);
  }
  return 0;
}

}  // namespace eddy::fuzz
