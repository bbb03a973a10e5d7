#pragma once

// Clang's thread-safety annotations (as in LevelDB's port/thread_annotations.h). They document
// which mutex guards a member; clang checks them with -Wthread-safety, g++ ignores them.
#if defined(__clang__)
#define EDDY_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define EDDY_THREAD_ANNOTATION(x)
#endif

#define GUARDED_BY(x) EDDY_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) EDDY_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) EDDY_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) EDDY_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
