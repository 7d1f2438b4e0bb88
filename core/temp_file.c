/* Temporary files of atomic writes (see temp_file.h). */
#define _POSIX_C_SOURCE 200809L
#include "temp_file.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define TEMP_INFIX ".tmp."

int siam_temp_path(const char *path, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s" TEMP_INFIX "%ld", path, (long)getpid());
    return n > 0 && (size_t)n < size;
}

/* The pid in "<base>.tmp.<pid>", or 0 if `name` is not such a file. */
static long temp_pid(const char *name, const char *base, size_t base_len)
{
    size_t infix = sizeof TEMP_INFIX - 1;
    if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, TEMP_INFIX, infix) != 0)
        return 0;
    const char *digits = name + base_len + infix;
    if (*digits < '1' || *digits > '9')
        return 0;
    char *end;
    errno = 0;
    long pid = strtol(digits, &end, 10);
    return *end || errno || pid <= 0 ? 0 : pid;
}

int siam_temp_sweep(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char dir[1024];
    int dl = slash ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path)
                   : snprintf(dir, sizeof dir, ".");
    if (dl < 0 || (size_t)dl >= sizeof dir)
        return 0;
    if (slash == path) /* "/file" */
        snprintf(dir, sizeof dir, "/");
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t base_len = strlen(base);
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = temp_pid(e->d_name, base, base_len);
        /* ESRCH: no such process. EPERM means it exists under another
         * user: alive, keep its file. A pid reused since the writer died
         * keeps the file until a later write finds it gone; a writer on
         * another machine sharing the folder is not told apart from a dead
         * one, a case atomic writes here do not support anyway. */
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char full[2200];
        int n = snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        if (n > 0 && (size_t)n < sizeof full && unlink(full) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
