/* A module that kills any process that loads it (a constructor that
 * aborts), as a broken driver library can: with --backend NAME no other
 * module may be loaded, so that this one cannot take down --backend cpu. */
#include <stdlib.h>

__attribute__((constructor)) static void crash_on_load(void) { abort(); }

int siam_crash_module_marker(void);
int siam_crash_module_marker(void) { return 1; }
