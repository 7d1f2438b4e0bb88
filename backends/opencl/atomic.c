/* Files the OpenCL module writes (program cache entries, ICD files): a
 * temporary file of unpredictable name beside the target, created by
 * mkstemp (O_EXCL: a link planted there is never followed), written,
 * fsynced, renamed over the target, the folder fsynced. The module cannot
 * use the core's helper (backends see the core through the ABI alone). */
#define _POSIX_C_SOURCE 200809L
#include "ocl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int ocl_write_file_atomic(const char *path, mode_t mode, const ocl_file_part *parts, int n)
{
    size_t len = strlen(path) + sizeof ".tmp.XXXXXX";
    char *tmp = malloc(len);
    if (!tmp)
        return ENOMEM;
    snprintf(tmp, len, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return e;
    }
    int e = fchmod(fd, mode) == 0 ? 0 : errno;
    for (int i = 0; !e && i < n; i++)
        e = write_all(fd, parts[i].data, parts[i].size);
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e)
        unlink(tmp);
    if (!e) {
        char *slash = strrchr(tmp, '/');
        if (slash && slash != tmp) {
            *slash = '\0';
            int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        }
    }
    free(tmp);
    return e;
}
