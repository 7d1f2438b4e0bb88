/* siamese data fetch: zip archives through libzip. */
#define _POSIX_C_SOURCE 200809L
#include "unzip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

/* A relative name made of ordinary components. */
static int safe_name(const char *name)
{
    if (!name[0] || name[0] == '/' || strchr(name, '\\'))
        return 0;
    const char *c = name;
    while (*c) {
        size_t n = strcspn(c, "/");
        if (n == 0 && c[n] == '/') /* "a//b" */
            return 0;
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        c += n;
        if (*c == '/')
            c++;
    }
    return 1;
}

/* The folders of `rel` (a safe name) under dest, made if missing. */
static int make_parents(const char *dest, const char *rel, int include_last)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dest, rel);
    if (n < 0 || (size_t)n >= sizeof path) {
        errno = ENAMETOOLONG;
        return 0;
    }
    size_t start = strlen(dest) + 1;
    for (size_t i = start; path[i]; i++) {
        if (path[i] != '/')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return 0;
        path[i] = '/';
    }
    if (include_last && mkdir(path, 0755) != 0 && errno != EEXIST)
        return 0;
    return 1;
}

static int is_link_entry(zip_t *z, zip_uint64_t i)
{
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    if (zip_file_get_external_attributes(z, i, 0, &opsys, &attr) != 0)
        return 0;
    return opsys == ZIP_OPSYS_UNIX && S_ISLNK((mode_t)(attr >> 16));
}

static siam_status extract_one(zip_t *z, zip_uint64_t i, const char *name, const char *dest,
                               long long *total, const siam_unzip_limits *lim, siam_error *err)
{
    char path[4096];
    int pn = snprintf(path, sizeof path, "%s/%s", dest, name);
    if (pn < 0 || (size_t)pn >= sizeof path)
        return siam_error_set(err, SIAM_ERR_FORMAT, "entry name too long: %.64s...", name);
    if (!make_parents(dest, name, 0))
        return siam_error_set(err, SIAM_ERR_IO, "cannot make the folders of %s: %s", path,
                              strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return siam_error_set(err, SIAM_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    zip_file_t *zf = zip_fopen_index(z, i, 0);
    if (!zf) {
        close(fd);
        return siam_error_set(err, SIAM_ERR_FORMAT, "entry %s: %s", name, zip_strerror(z));
    }
    char buf[1 << 16];
    zip_int64_t n;
    siam_status st = SIAM_OK;
    while ((n = zip_fread(zf, buf, sizeof buf)) > 0) {
        *total += n;
        if (*total > lim->max_bytes) {
            st = siam_error_set(err, SIAM_ERR_FORMAT, "unpacks to more than %lld bytes",
                                lim->max_bytes);
            break;
        }
        if (write(fd, buf, (size_t)n) != n) {
            st = siam_error_set(err, SIAM_ERR_IO, "cannot write %s: %s", path,
                                strerror(errno ? errno : EIO));
            break;
        }
    }
    if (st == SIAM_OK && n < 0)
        st = siam_error_set(err, SIAM_ERR_FORMAT, "entry %s: %s", name,
                            zip_error_strerror(zip_file_get_error(zf)));
    zip_fclose(zf);
    if (close(fd) != 0 && st == SIAM_OK)
        st = siam_error_set(err, SIAM_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return st;
}

siam_status siam_unzip(const char *zip_path, const char *dest, const siam_unzip_limits *lim,
                       siam_error *err)
{
    int zerr = 0;
    zip_t *z = zip_open(zip_path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        siam_error_set(err, SIAM_ERR_FORMAT, "%s: not a readable zip archive: %s", zip_path,
                       zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return SIAM_ERR_FORMAT;
    }
    zip_int64_t count = zip_get_num_entries(z, 0);
    siam_status st = SIAM_OK;
    if (count < 0 || count > lim->max_entries)
        st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: %lld entries, at most %lld expected",
                            zip_path, (long long)count, lim->max_entries);
    /* Every name first: an unsafe archive writes nothing at all. */
    for (zip_int64_t i = 0; st == SIAM_OK && i < count; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);
        if (!name || !safe_name(name) || is_link_entry(z, (zip_uint64_t)i))
            st = siam_error_set(err, SIAM_ERR_FORMAT, "%s: unsafe entry '%.200s' (absolute, "
                                "'..', a link or a backslash): nothing unpacked", zip_path,
                                name ? name : "?");
    }
    long long total = 0;
    for (zip_int64_t i = 0; st == SIAM_OK && i < count; i++) {
        const char *name = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);
        size_t len = strlen(name);
        if (name[len - 1] == '/') {
            if (!make_parents(dest, name, 1))
                st = siam_error_set(err, SIAM_ERR_IO, "cannot make %s/%s: %s", dest, name,
                                    strerror(errno));
        } else {
            st = extract_one(z, (zip_uint64_t)i, name, dest, &total, lim, err);
        }
    }
    zip_discard(z);
    if (st != SIAM_OK)
        siam_error_prefix(err, "unpacking: ");
    return st;
}
