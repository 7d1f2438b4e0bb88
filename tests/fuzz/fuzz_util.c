/* Scratch files for the harnesses (see fuzz_util.h). */
#define _XOPEN_SOURCE 700
#include "fuzz_util.h"

#include "data/image.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Written by gen_seeds.py (corpus/png/grey8_3x2.png), kept here as bytes so
 * that the harnesses need no file from the tree at run time. */
const uint8_t fz_tiny_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x00, 0x00,
    0x00, 0xb8, 0x1f, 0x39, 0xc6, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78,
    0xda, 0x63, 0xf8, 0xcf, 0x00, 0x86, 0x00, 0x0f, 0xf8, 0x03, 0xfd, 0xf2, 0x0e, 0x32,
    0xc9, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
const size_t fz_tiny_png_len = sizeof fz_tiny_png;

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

int fz_mkdtemp(char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/siamfuzz.XXXXXX", tmp_base());
    if (n < 0 || (size_t)n >= cap)
        return -1;
    return mkdtemp(buf) ? 0 : -1;
}

int fz_tempfile(char *buf, size_t cap, const uint8_t *bytes, size_t n)
{
    int k = snprintf(buf, cap, "%s/siamfuzz.XXXXXX", tmp_base());
    if (k < 0 || (size_t)k >= cap)
        return -1;
    int fd = mkstemp(buf);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, bytes + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(buf);
            return -1;
        }
        done += (size_t)w;
    }
    close(fd);
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

void fz_rmtree(const char *path)
{
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fz_mkdirs(const char *dir)
{
    char p[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p)
        return -1;
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return -1;
            p[i] = c;
        }
    }
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

int fz_write_file(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(bytes, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

void fz_check_decoded(int status, siam_grey *g, const siam_error *err)
{
    if (status != SIAM_OK) {
        if (err->msg[0] == '\0')
            abort();
        return;
    }
    if (g->h <= 0 || g->w <= 0 || !g->data)
        abort();
    volatile unsigned sum = 0; /* keeps the reads */
    for (size_t i = 0; i < (size_t)g->h * (size_t)g->w; i++)
        sum += g->data[i];
    (void)siam_border_mean(g->data, g->h, g->w);
    uint8_t small[7 * 5];
    siam_error e;
    if (siam_resize_area_u8(g->data, g->h, g->w, small, 7, 5, &e) != SIAM_OK)
        abort();
    siam_grey_free(g);
}
