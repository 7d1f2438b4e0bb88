/* The on-disk cache of compiled program binaries. Entries are native code
 * loaded into the process, so:
 *
 * File: <dir>/<key>.clbin, key = SHA-256 (nettle) of source, build options,
 * device name, driver version and platform version, each with its length.
 * Layout: magic "SIAMCLB2", u64 binary size, the binary's SHA-256, the
 * binary. The folder is created with mode 0700; a folder or entry that is
 * not ours or is writable by others is not used (anyone who can write
 * there could plant code). Entries are written through a temporary file
 * made by mkstemp (O_EXCL) and renamed (atomic.c). Any problem (missing
 * folder, short read, bad digest, wrong owner) is a miss, never an error;
 * program.c also rebuilds an entry that loads but lacks a kernel. */
#define _POSIX_C_SOURCE 200809L
#include "ocl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "SIAMCLB2"
#define MAX_BINARY ((uint64_t)1 << 30)

/* Each field is hashed with its length first, so "ab"+"c" != "a"+"bc". */
static void sha_field(struct sha256_ctx *h, const void *data, size_t n)
{
    uint64_t len = n;
    sha256_update(h, sizeof len, (const uint8_t *)&len);
    sha256_update(h, n, data);
}

void ocl_cache_key(const char *src, size_t src_size, const char *options, const char *device,
                   const char *driver, const char *platform_version, char out[65])
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha_field(&h, MAGIC, 8);
    sha_field(&h, src, src_size);
    sha_field(&h, options, strlen(options));
    sha_field(&h, device, strlen(device));
    sha_field(&h, driver, strlen(driver));
    sha_field(&h, platform_version, strlen(platform_version));
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&h, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void digest_of(const unsigned char *bin, size_t size, uint8_t out[SHA256_DIGEST_SIZE])
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, size, bin);
    sha256_digest(&h, SHA256_DIGEST_SIZE, out);
}

void ocl_cache_dir(char *out, size_t size)
{
    out[0] = '\0';
    const char *env = getenv("SIAMESE_OPENCL_CACHE");
    if (env && (strcmp(env, "0") == 0 || strcmp(env, "off") == 0))
        return;
    int w;
    if (env && *env) {
        w = snprintf(out, size, "%s", env);
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg)
            w = snprintf(out, size, "%s/siamese", xdg);
        else if (home && *home)
            w = snprintf(out, size, "%s/.cache/siamese", home);
        else
            return;
    }
    if (w < 0 || (size_t)w >= size)
        out[0] = '\0';
}

/* mkdir -p, new folders 0700; 1 when the folder exists afterwards and is
 * ours alone to write (an entry planted by someone else would run as us). */
int ocl_cache_make_dir(const char *dir)
{
    char *tmp = strdup(dir);
    if (!tmp)
        return 0;
    int ok = 1;
    for (char *p = tmp + 1; ok && *p; p++) {
        if (*p == '/') {
            *p = '\0';
            ok = mkdir(tmp, 0700) == 0 || errno == EEXIST;
            *p = '/';
        }
    }
    ok = ok && (mkdir(tmp, 0700) == 0 || errno == EEXIST);
    free(tmp);
    return ok && ocl_private_dir(dir);
}

int ocl_private_dir(const char *dir)
{
    struct stat st;
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
           !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static char *file_path(const char *dir, const char *key)
{
    size_t n = strlen(dir) + strlen(key) + sizeof "/.clbin";
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s.clbin", dir, key);
    return p;
}

int ocl_cache_load(const char *dir, const char *key, unsigned char **bin, size_t *size,
                   int *rejected)
{
    *bin = NULL;
    *size = 0;
    if (!dir || !*dir || !ocl_private_dir(dir))
        return 0;
    char *path = file_path(dir, key);
    int fd = path ? open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;
    free(path);
    if (fd < 0)
        return 0; /* a miss (or a link: refused the same way) */
    struct stat st;
    FILE *f = NULL;
    int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
             !(st.st_mode & (S_IWGRP | S_IWOTH)) && (f = fdopen(fd, "rb")) != NULL;
    if (!f)
        close(fd);
    char magic[8];
    uint64_t n = 0;
    uint8_t want[SHA256_DIGEST_SIZE], got[SHA256_DIGEST_SIZE];
    unsigned char *data = NULL;
    ok = ok && fread(magic, 1, 8, f) == 8 && memcmp(magic, MAGIC, 8) == 0 &&
         fread(&n, sizeof n, 1, f) == 1 && fread(want, 1, sizeof want, f) == sizeof want &&
         n > 0 && n <= MAX_BINARY;
    if (ok) {
        data = malloc((size_t)n);
        ok = data && fread(data, 1, (size_t)n, f) == n && fgetc(f) == EOF;
        if (ok) {
            digest_of(data, (size_t)n, got);
            ok = memcmp(want, got, sizeof got) == 0;
        }
    }
    if (f)
        fclose(f);
    if (!ok) {
        free(data);
        *rejected += 1;
        return 0;
    }
    *bin = data;
    *size = (size_t)n;
    return 1;
}

int ocl_cache_store(const char *dir, const char *key, const unsigned char *bin, size_t size)
{
    if (!dir || !*dir || !bin || size == 0 || !ocl_cache_make_dir(dir))
        return 0;
    uint64_t n = size;
    uint8_t d[SHA256_DIGEST_SIZE];
    digest_of(bin, size, d);
    unsigned char head[8 + sizeof n + SHA256_DIGEST_SIZE];
    memcpy(head, MAGIC, 8);
    memcpy(head + 8, &n, sizeof n);
    memcpy(head + 8 + sizeof n, d, sizeof d);
    char *path = file_path(dir, key);
    ocl_file_part parts[2] = {{head, sizeof head}, {bin, size}};
    int ok = path && ocl_write_file_atomic(path, 0600, parts, 2) == 0;
    free(path);
    return ok;
}
