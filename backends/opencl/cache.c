/* The on-disk cache of compiled program binaries.
 *
 * File: <dir>/<key>.clbin, where key is a 128-bit hash (two FNV-1a 64 with
 * different bases) of source, build options, device name, driver version
 * and platform version. Layout: magic "SIAMCLB1", u64 binary size, u64
 * FNV-1a checksum of the binary, the binary. Written to a temp file in the
 * same folder and renamed, so readers never see half a file. Any problem
 * (missing folder, short read, bad checksum) is a miss, never an error. */
#define _POSIX_C_SOURCE 200809L
#include "ocl_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "SIAMCLB1"
#define MAX_BINARY ((uint64_t)1 << 30)

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Each field is hashed with its length first, so "ab"+"c" != "a"+"bc". */
static uint64_t fnv_field(uint64_t h, const void *data, size_t n)
{
    uint64_t len = n;
    h = fnv1a(h, &len, sizeof len);
    return fnv1a(h, data, n);
}

void ocl_cache_key(const char *src, size_t src_size, const char *options, const char *device,
                   const char *driver, const char *platform_version, char out[33])
{
    uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
    for (int i = 0; i < 2; i++) {
        h[i] = fnv_field(h[i], MAGIC, 8);
        h[i] = fnv_field(h[i], src, src_size);
        h[i] = fnv_field(h[i], options, strlen(options));
        h[i] = fnv_field(h[i], device, strlen(device));
        h[i] = fnv_field(h[i], driver, strlen(driver));
        h[i] = fnv_field(h[i], platform_version, strlen(platform_version));
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1]);
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

/* mkdir -p; 1 when the folder exists afterwards. */
static int make_dirs(const char *dir)
{
    char tmp[1024];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
        return 0;
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return 0;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return 0;
    struct stat st;
    return stat(tmp, &st) == 0 && S_ISDIR(st.st_mode);
}

static int file_path(char *out, size_t size, const char *dir, const char *key, const char *ext)
{
    int w = snprintf(out, size, "%s/%s%s", dir, key, ext);
    return w > 0 && (size_t)w < size;
}

int ocl_cache_load(const char *dir, const char *key, unsigned char **bin, size_t *size,
                   int *rejected)
{
    *bin = NULL;
    *size = 0;
    char path[1200];
    if (!dir || !*dir || !file_path(path, sizeof path, dir, key, ".clbin"))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char magic[8];
    uint64_t n = 0, sum = 0;
    unsigned char *data = NULL;
    int ok = fread(magic, 1, 8, f) == 8 && memcmp(magic, MAGIC, 8) == 0 &&
             fread(&n, sizeof n, 1, f) == 1 && fread(&sum, sizeof sum, 1, f) == 1 && n > 0 &&
             n <= MAX_BINARY;
    if (ok) {
        data = malloc((size_t)n);
        ok = data && fread(data, 1, (size_t)n, f) == n && fgetc(f) == EOF &&
             fnv1a(0xcbf29ce484222325ull, data, (size_t)n) == sum;
    }
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
    if (!dir || !*dir || !bin || size == 0 || !make_dirs(dir))
        return 0;
    char path[1200], tmp[1300];
    if (!file_path(path, sizeof path, dir, key, ".clbin"))
        return 0;
    int w = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (w < 0 || (size_t)w >= sizeof tmp)
        return 0;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return 0;
    uint64_t n = size, sum = fnv1a(0xcbf29ce484222325ull, bin, size);
    int ok = fwrite(MAGIC, 1, 8, f) == 8 && fwrite(&n, sizeof n, 1, f) == 1 &&
             fwrite(&sum, sizeof sum, 1, f) == 1 && fwrite(bin, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return 0;
    }
    return 1;
}
