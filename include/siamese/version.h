/* siamese: the library's version. The top-level CMakeLists.txt reads it
 * from here, so these lines are the one place the version is set. */
#ifndef SIAMESE_VERSION_H
#define SIAMESE_VERSION_H

#define SIAMESE_VERSION_MAJOR 0
#define SIAMESE_VERSION_MINOR 2
#define SIAMESE_VERSION_PATCH 0

/* Public functions: exported by libsiamese, which hides everything else. */
#if defined(__GNUC__) || defined(__clang__)
#define SIAM_API __attribute__((visibility("default")))
#else
#define SIAM_API
#endif

#endif
