/* Opening input files (see input_file.h). */
#define _POSIX_C_SOURCE 200809L
#include "base/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m))
        return "a folder";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "a device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a file";
}

siam_status siam_open_input(const char *path, const char *what, int *fd, siam_error *err)
{
    *fd = -1;
    if (!path || !*path)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "empty %s path", what);
    int d = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (d < 0)
        return siam_error_set(err, errno == ENOENT ? SIAM_ERR_NOT_FOUND : SIAM_ERR_IO,
                              "cannot open %s %s: %s", what, path, strerror(errno));
    struct stat st;
    if (fstat(d, &st) != 0) {
        int e = errno;
        close(d);
        return siam_error_set(err, SIAM_ERR_IO, "cannot read %s %s: %s", what, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(d);
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s %s is not a regular file (%s)", what,
                              path, kind_of(st.st_mode));
    }
    int flags = fcntl(d, F_GETFL);
    if (flags >= 0)
        fcntl(d, F_SETFL, flags & ~O_NONBLOCK);
    *fd = d;
    return SIAM_OK;
}

siam_status siam_fopen_input(const char *path, const char *what, FILE **fp, siam_error *err)
{
    *fp = NULL;
    int fd;
    siam_status st = siam_open_input(path, what, &fd, err);
    if (st != SIAM_OK)
        return st;
    *fp = fdopen(fd, "rb");
    if (!*fp) {
        int e = errno;
        close(fd);
        return siam_error_set(err, SIAM_ERR_IO, "cannot read %s %s: %s", what, path, strerror(e));
    }
    return SIAM_OK;
}
