/* Folders found beside the running program (/proc/self/exe), so that the
 * build tree and an install find their modules and packages alike without
 * a compiled-in path. */
#ifndef SIAMESE_BASE_EXE_PATH_H
#define SIAMESE_BASE_EXE_PATH_H

#include <stddef.h>

/* Resolves `rel` (e.g. "../lib/siamese") against the program's folder into
 * out (realpath). Returns 1, or 0 with out "" when the folder does not
 * exist or its path does not fit. */
int siam_exe_relative(const char *rel, char *out, size_t size);

#endif
