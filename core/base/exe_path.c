#define _DEFAULT_SOURCE
#include "base/exe_path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int siam_exe_relative(const char *rel, char *out, size_t size)
{
    out[0] = '\0';
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    char joined[PATH_MAX + 64];
    if ((size_t)snprintf(joined, sizeof joined, "%s/%s", exe, rel) >= sizeof joined)
        return 0;
    char *real = realpath(joined, NULL); /* NULL when the folder does not exist */
    int ok = real && strlen(real) < size;
    if (ok)
        memcpy(out, real, strlen(real) + 1);
    free(real);
    return ok;
}
