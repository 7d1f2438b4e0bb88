/* Atomic writes of output files (see atomic_file.h). */
#define _GNU_SOURCE
#include "base/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define TEMP_INFIX ".tmp."

/* malloc'd printf; NULL when out of memory. */
static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

/* The folder of `path` ("." for a bare name), malloc'd. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* The umask without changing it (umask() would, for every thread): Linux
 * reports it in /proc/self/status; 022 where it does not. */
static mode_t current_umask(void)
{
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return mask;
    char line[256];
    unsigned int m;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &m) == 1) {
            mask = (mode_t)m;
            break;
        }
    fclose(f);
    return mask;
}

static siam_status refuse_special(const char *path, siam_error *err)
{
    if (!path || !*path)
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "empty output path");
    struct stat st;
    if (lstat(path, &st) != 0)
        return SIAM_OK; /* nothing there yet (other errors show when writing) */
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0)
        return SIAM_OK; /* a dangling link: rename replaces the link */
    if (S_ISDIR(st.st_mode))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "%s is a folder, not a file to write",
                              path);
    if (!S_ISREG(st.st_mode))
        return siam_error_set(err, SIAM_ERR_INVALID_ARG,
                              "%s exists and is not a regular file (a device, FIFO or socket): "
                              "refusing to replace it",
                              path);
    return SIAM_OK;
}

/* Creates the temporary file of `path`: f->tmp and f->fd. */
static siam_status create_temp(siam_atomic_file *f, const char *path, siam_error *err)
{
    f->tmp = format("%s" TEMP_INFIX "%ld.XXXXXX", path, (long)getpid());
    if (!f->tmp)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    f->fd = mkostemp(f->tmp, O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        /* The reason last: a path near PATH_MAX is cut in the middle. */
        siam_status st = siam_error_set(err, SIAM_ERR_IO,
                                        "cannot write %s: no file can be created in its folder: %s",
                                        path, strerror(e));
        free(f->tmp);
        f->tmp = NULL;
        return st;
    }
    return SIAM_OK;
}

siam_status siam_output_check(const char *path, siam_error *err)
{
    siam_status st = refuse_special(path, err);
    if (st != SIAM_OK)
        return st;
    siam_atomic_file f = {.fd = -1};
    st = create_temp(&f, path, err);
    if (st == SIAM_OK)
        siam_atomic_abort(&f);
    return st;
}

int siam_same_file(const char *a, const char *b)
{
    if (!a || !b)
        return 0;
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    /* One does not exist yet: the same folder and the same name. */
    const char *na = strrchr(a, '/'), *nb = strrchr(b, '/');
    if (strcmp(na ? na + 1 : a, nb ? nb + 1 : b) != 0)
        return 0;
    char *da = folder_of(a), *db = folder_of(b);
    int same = da && db && stat(da, &sa) == 0 && stat(db, &sb) == 0 && sa.st_dev == sb.st_dev &&
               sa.st_ino == sb.st_ino;
    free(da);
    free(db);
    return same;
}

siam_status siam_atomic_begin(siam_atomic_file *f, const char *path, siam_error *err)
{
    f->fd = -1;
    f->fp = NULL;
    f->tmp = NULL;
    f->path = NULL;
    siam_status st = refuse_special(path, err);
    if (st != SIAM_OK)
        return st;
    f->path = strdup(path);
    if (!f->path)
        return siam_error_set(err, SIAM_ERR_OUT_OF_MEMORY, "out of memory");
    /* Before ours exists: at most one stale temporary file per path, from
     * the last writer killed mid-write, ever stays behind. */
    siam_temp_sweep(path);
    st = create_temp(f, path, err);
    if (st == SIAM_OK && fchmod(f->fd, 0666 & ~current_umask()) != 0)
        st = siam_error_set(err, SIAM_ERR_IO, "cannot set the mode of %s: %s", f->tmp,
                            strerror(errno));
    if (st != SIAM_OK)
        siam_atomic_abort(f);
    return st;
}

siam_status siam_atomic_write(siam_atomic_file *f, const void *data, size_t n, siam_error *err)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return siam_error_set(err, SIAM_ERR_IO, "writing %s: %s", f->path,
                                  w < 0 ? strerror(errno) : "no progress");
        p += w;
        n -= (size_t)w;
    }
    return SIAM_OK;
}

FILE *siam_atomic_stream(siam_atomic_file *f, siam_error *err)
{
    if (!f->fp) {
        f->fp = fdopen(f->fd, "wb");
        if (!f->fp)
            siam_error_set(err, SIAM_ERR_IO, "writing %s: %s", f->path, strerror(errno));
    }
    return f->fp;
}

FILE *siam_atomic_begin_stream(siam_atomic_file *f, const char *path, siam_error *err)
{
    if (siam_atomic_begin(f, path, err) != SIAM_OK)
        return NULL;
    FILE *fp = siam_atomic_stream(f, err);
    if (!fp)
        siam_atomic_abort(f);
    return fp;
}

static void free_names(siam_atomic_file *f)
{
    free(f->tmp);
    free(f->path);
    f->tmp = f->path = NULL;
}

siam_status siam_atomic_commit(siam_atomic_file *f, siam_error *err)
{
    siam_status st = SIAM_OK;
    if (f->fp && fflush(f->fp) != 0)
        st = siam_error_set(err, SIAM_ERR_IO, "writing %s: %s", f->path, strerror(errno));
    if (st == SIAM_OK && fsync(f->fd) != 0)
        st = siam_error_set(err, SIAM_ERR_IO, "writing %s (fsync): %s", f->path, strerror(errno));
    int rc = f->fp ? fclose(f->fp) : close(f->fd);
    if (rc != 0 && st == SIAM_OK)
        st = siam_error_set(err, SIAM_ERR_IO, "writing %s (close): %s", f->path, strerror(errno));
    f->fp = NULL;
    f->fd = -1;
    if (st == SIAM_OK && rename(f->tmp, f->path) != 0)
        st = siam_error_set(err, SIAM_ERR_IO, "replacing %s: %s", f->path, strerror(errno));
    if (st != SIAM_OK) {
        unlink(f->tmp);
        free_names(f);
        return st;
    }
    /* The rename itself is durable only once the folder is. */
    char *dir = folder_of(f->path);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    free_names(f);
    return SIAM_OK;
}

void siam_atomic_abort(siam_atomic_file *f)
{
    if (f->fp)
        fclose(f->fp);
    else if (f->fd >= 0)
        close(f->fd);
    f->fp = NULL;
    f->fd = -1;
    if (f->tmp)
        unlink(f->tmp);
    free_names(f);
}

siam_status siam_open_log(const char *path, int append, FILE **fp, siam_error *err)
{
    *fp = NULL;
    siam_status st = refuse_special(path, err);
    if (st != SIAM_OK)
        return st;
    /* O_NONBLOCK: a FIFO swapped in after the check fails to open (no
     * reader) instead of blocking; fstat then catches anything else. */
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | (append ? O_APPEND : 0), 0666);
    if (fd < 0)
        return siam_error_set(err, SIAM_ERR_IO, "cannot open log %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return siam_error_set(err, SIAM_ERR_INVALID_ARG, "log %s is not a regular file", path);
    }
    int flags = fcntl(fd, F_GETFL);
    if ((flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) ||
        (!append && ftruncate(fd, 0) != 0)) {
        int e = errno;
        close(fd);
        return siam_error_set(err, SIAM_ERR_IO, "cannot open log %s: %s", path, strerror(e));
    }
    *fp = fdopen(fd, append ? "a" : "w");
    if (!*fp) {
        int e = errno;
        close(fd);
        return siam_error_set(err, SIAM_ERR_IO, "cannot open log %s: %s", path, strerror(e));
    }
    return SIAM_OK;
}

/* The pid in "<base>.tmp.<pid>" or "<base>.tmp.<pid>.XXXXXX", or 0 if
 * `name` is not such a file. */
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
    if (errno || pid <= 0)
        return 0;
    if (*end == '.' && strlen(end + 1) == 6)
        return pid;
    return *end ? 0 : pid;
}

int siam_temp_sweep(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = folder_of(path);
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) {
        free(dir);
        return 0;
    }
    size_t base_len = strlen(base);
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = temp_pid(e->d_name, base, base_len);
        /* ESRCH: no such process. EPERM means it exists under another
         * user: alive, keep its file. A pid reused since the writer died
         * keeps the file until a later write finds it gone. */
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char *full = format("%s/%s", dir, e->d_name);
        if (full && unlink(full) == 0) /* unlink never follows a link */
            removed++;
        free(full);
    }
    closedir(d);
    free(dir);
    return removed;
}
