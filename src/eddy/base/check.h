#pragma once

#include <cstdio>
#include <cstdlib>

// Invariant checks for programmer errors. User input must never reach these: validate it and
// return a Status instead. EDDY_CHECK is always on; EDDY_DCHECK only in debug builds.
#define EDDY_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) [[unlikely]] {                                                          \
      std::fprintf(stderr, "%s:%d: EDDY_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

#ifdef NDEBUG
#define EDDY_DCHECK(cond) \
  do {                    \
    (void)sizeof(cond);   \
  } while (0)
#else
#define EDDY_DCHECK(cond) EDDY_CHECK(cond)
#endif
